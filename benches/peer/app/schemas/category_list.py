# app/schemas/category_list.py
# NOT IN THE GUIDE: the same page envelope as products (see schemas/product.py), for
# GET /categories/.
from typing import List
from pydantic import BaseModel
from app.schemas.category import Category

class CategoryList(BaseModel):
    items: List[Category]
    total: int
    skip: int
    limit: int
