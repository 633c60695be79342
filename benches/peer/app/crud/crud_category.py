# app/crud/crud_category.py
# NOT IN THE GUIDE: the guide's CRUDBase bound to its Category model and schemas.
from app.crud.base import CRUDBase
from app.models.category import Category
from app.schemas.category import CategoryCreate, CategoryUpdate

class CRUDCategory(CRUDBase[Category, CategoryCreate, CategoryUpdate]):
    pass

category = CRUDCategory(Category)
