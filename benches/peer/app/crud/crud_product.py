# app/crud/crud_product.py
# NOT IN THE GUIDE: the guide's CRUDBase bound to its Product model and schemas.
from app.crud.base import CRUDBase
from app.models.product import Product
from app.schemas.product import ProductCreate, ProductUpdate

class CRUDProduct(CRUDBase[Product, ProductCreate, ProductUpdate]):
    pass

product = CRUDProduct(Product)
