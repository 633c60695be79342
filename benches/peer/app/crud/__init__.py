# app/crud/__init__.py
from app.crud.crud_category import category
from app.crud.crud_product import product
