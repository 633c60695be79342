# app/models/__init__.py
"""
Think of this like: The index of your recipe book
Lists all the data models so the system knows about them
"""

from app.db.base import BaseModel
from app.models.category import Category
from app.models.product import Product
from app.models.user import User
from app.models.order import Order, OrderItem, OrderStatus

# Export all models
__all__ = [
    "BaseModel",
    "Category", 
    "Product",
    "User",
    "Order",
    "OrderItem", 
    "OrderStatus"
]
