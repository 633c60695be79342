# app/models/product.py
from sqlalchemy import Column, Integer, String, Text, Numeric, Boolean, ForeignKey
from sqlalchemy.orm import relationship
from app.db.base import BaseModel

class Product(BaseModel):
    """
    Think of this like: An item in your store inventory
    Each product has details like name, price, and which category it belongs to
    """
    __tablename__ = "products"
    
    # Basic product information
    name = Column(String(200), nullable=False, index=True)
    description = Column(Text, nullable=True)
    price = Column(Numeric(10, 2), nullable=False)  # 10 digits total, 2 decimal places
    stock_quantity = Column(Integer, default=0, nullable=False)
    is_active = Column(Boolean, default=True, nullable=False)
    
    # Foreign key to category (many products belong to one category)
    category_id = Column(Integer, ForeignKey("categories.id"), nullable=False)
    
    # Relationships
    category = relationship("Category", back_populates="products")
    order_items = relationship("OrderItem", back_populates="product")
    
    def __str__(self):
        return f"Product: {self.name} (${self.price})"
    
    @property
    def is_in_stock(self) -> bool:
        """Check if product is available in stock"""
        return self.stock_quantity > 0
