# app/schemas/product.py
# NOT IN THE GUIDE: it gives only app/schemas/category.py. This follows that file field for
# field against the Product model, and emits exactly the JSON of the guide's "Sample Data and
# Testing" responses (price as a string, the list wrapped in items/total/skip/limit).
from decimal import Decimal
from typing import Optional, List
from pydantic import BaseModel, Field, condecimal
from datetime import datetime

class ProductBase(BaseModel):
    name: str = Field(..., min_length=1, max_length=200, description="Product name")
    description: Optional[str] = Field(None, description="Product description")
    price: Decimal = Field(..., gt=0, max_digits=10, decimal_places=2, description="Unit price")
    stock_quantity: int = Field(0, ge=0, description="Units in stock")
    is_active: bool = Field(True, description="Whether product is active")
    category_id: int = Field(..., description="Category the product belongs to")

class ProductCreate(ProductBase):
    pass

class ProductUpdate(BaseModel):
    name: Optional[str] = Field(None, min_length=1, max_length=200)
    description: Optional[str] = None
    # Pydantic 2.4 rejects max_digits in Field() on an Optional[Decimal]; condecimal says the same.
    price: Optional[condecimal(gt=0, max_digits=10, decimal_places=2)] = None
    stock_quantity: Optional[int] = Field(None, ge=0)
    is_active: Optional[bool] = None
    category_id: Optional[int] = None

class ProductInDB(ProductBase):
    id: int
    created_at: datetime
    updated_at: datetime
    
    class Config:
        from_attributes = True  # Allows creation from SQLAlchemy models

class Product(ProductInDB):
    pass

class ProductList(BaseModel):
    """The page of "3. Get All Products" in Sample Data and Testing"""
    items: List[Product]
    total: int
    skip: int
    limit: int
