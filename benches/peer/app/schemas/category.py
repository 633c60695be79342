# app/schemas/category.py
from typing import Optional, List
from pydantic import BaseModel, Field
from datetime import datetime

class CategoryBase(BaseModel):
    """
    Think of this like: The basic information every category needs
    This is the foundation that other schemas build on
    """
    name: str = Field(..., min_length=1, max_length=100, description="Category name")
    description: Optional[str] = Field(None, max_length=500, description="Category description")
    is_active: bool = Field(True, description="Whether category is active")

class CategoryCreate(CategoryBase):
    """
    Think of this like: A form for creating a new category
    Contains only the fields needed when creating
    """
    pass

class CategoryUpdate(BaseModel):
    """
    Think of this like: A form for updating an existing category
    All fields are optional since you might only want to update some
    """
    name: Optional[str] = Field(None, min_length=1, max_length=100)
    description: Optional[str] = Field(None, max_length=500)
    is_active: Optional[bool] = None

class CategoryInDB(CategoryBase):
    """
    Think of this like: The complete category record as stored in database
    Includes all fields including auto-generated ones
    """
    id: int
    created_at: datetime
    updated_at: datetime
    
    class Config:
        from_attributes = True  # Allows creation from SQLAlchemy models

class Category(CategoryInDB):
    """
    Think of this like: The category data sent back to API users
    Same as CategoryInDB but can be extended with computed fields
    """
    pass
