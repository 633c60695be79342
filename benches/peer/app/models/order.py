# app/models/order.py
from sqlalchemy import Column, Integer, String, Numeric, DateTime, ForeignKey, Enum
from sqlalchemy.orm import relationship
import enum
from app.db.base import BaseModel

class OrderStatus(str, enum.Enum):
    """
    Think of this like: The different stages of an order
    Like tracking a package from 'ordered' to 'delivered'
    """
    PENDING = "pending"
    PROCESSING = "processing"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"

class Order(BaseModel):
    """
    Think of this like: A shopping receipt
    Contains information about what someone bought and when
    """
    __tablename__ = "orders"
    
    # Order information
    order_number = Column(String(50), unique=True, nullable=False, index=True)
    total_amount = Column(Numeric(10, 2), nullable=False)
    status = Column(Enum(OrderStatus), default=OrderStatus.PENDING, nullable=False)
    
    # Customer information
    user_id = Column(Integer, ForeignKey("users.id"), nullable=False)
    
    # Relationships
    user = relationship("User", back_populates="orders")
    items = relationship("OrderItem", back_populates="order")
    
    def __str__(self):
        return f"Order: {self.order_number} (${self.total_amount})"

class OrderItem(BaseModel):
    """
    Think of this like: Individual items on a shopping receipt
    Each line item shows what product, how many, and the price
    """
    __tablename__ = "order_items"
    
    quantity = Column(Integer, nullable=False, default=1)
    unit_price = Column(Numeric(10, 2), nullable=False)
    
    # Foreign keys
    order_id = Column(Integer, ForeignKey("orders.id"), nullable=False)
    product_id = Column(Integer, ForeignKey("products.id"), nullable=False)
    
    # Relationships
    order = relationship("Order", back_populates="items")
    product = relationship("Product", back_populates="order_items")
    
    @property
    def line_total(self) -> float:
        """Calculate total price for this line item"""
        return float(self.quantity * self.unit_price)
    
    def __str__(self):
        return f"OrderItem: {self.quantity}x {self.product.name} @ ${self.unit_price}"
