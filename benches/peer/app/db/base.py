# app/db/base.py
from typing import Any
from sqlalchemy import Column, Integer, DateTime, func
from sqlalchemy.ext.declarative import declared_attr
from app.db.session import Base

class TimestampMixin:
    """
    Think of this like: Adding a timestamp to every document you create,
    so you always know when something was created or last updated.
    """
    
    @declared_attr
    def created_at(cls):
        return Column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    
    @declared_attr
    def updated_at(cls):
        return Column(
            DateTime(timezone=True), 
            server_default=func.now(), 
            onupdate=func.now(), 
            nullable=False
        )

class BaseModel(Base, TimestampMixin):
    """
    Think of this like: The basic template that all your data models 
    will inherit from, giving them common functionality.
    """
    __abstract__ = True
    
    id = Column(Integer, primary_key=True, index=True)
    
    def dict(self) -> dict:
        """Convert model to dictionary"""
        return {c.name: getattr(self, c.name) for c in self.__table__.columns}
    
    def __repr__(self) -> str:
        """String representation of the model"""
        return f"<{self.__class__.__name__}(id={self.id})>"
