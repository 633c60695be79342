# app/models/category.py
from sqlalchemy import Column, Integer, String, Text, Boolean
from sqlalchemy.orm import relationship
from app.db.base import BaseModel

class Category(BaseModel):
    """
    Think of this like: A filing cabinet drawer label
    Each category groups similar products together
    """
    __tablename__ = "categories"
    
    name = Column(String(100), nullable=False, unique=True, index=True)
    description = Column(Text, nullable=True)
    is_active = Column(Boolean, default=True, nullable=False)
    
    # Relationship to products (one category has many products)
    products = relationship("Product", back_populates="category")
    
    def __str__(self):
        return f"Category: {self.name}"
