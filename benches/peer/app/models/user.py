# app/models/user.py
from sqlalchemy import Column, Integer, String, Boolean, Date
from sqlalchemy.orm import relationship
from app.db.base import BaseModel

class User(BaseModel):
    """
    Think of this like: A customer's profile card
    Contains all the information about a person who uses your system
    """
    __tablename__ = "users"
    
    # User identification
    username = Column(String(50), unique=True, nullable=False, index=True)
    email = Column(String(100), unique=True, nullable=False, index=True)
    full_name = Column(String(100), nullable=False)
    
    # Authentication
    hashed_password = Column(String(100), nullable=False)
    is_active = Column(Boolean, default=True, nullable=False)
    is_superuser = Column(Boolean, default=False, nullable=False)
    
    # Profile information
    phone = Column(String(20), nullable=True)
    date_of_birth = Column(Date, nullable=True)
    
    # Relationships
    orders = relationship("Order", back_populates="user")
    
    def __str__(self):
        return f"User: {self.username} ({self.email})"
