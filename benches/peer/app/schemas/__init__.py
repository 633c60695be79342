# app/schemas/__init__.py
# NOT IN THE GUIDE: it creates the file empty (Project Setup step 1); re-exports so the
# endpoints can say schemas.Product, as the guide's 30-minute starter does.
from app.schemas.category import Category, CategoryCreate, CategoryInDB, CategoryUpdate
from app.schemas.category_list import CategoryList
from app.schemas.product import Product, ProductCreate, ProductInDB, ProductList, ProductUpdate
from app.schemas.analytics import CategoryInsight, CategoryInsights
