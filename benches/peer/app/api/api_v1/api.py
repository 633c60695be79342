# app/api/api_v1/api.py
# NOT IN THE GUIDE: app/main.py imports api_router from here, but the guide never shows the
# file. It mounts the routes the guide's "Sample Data and Testing" calls (categories/,
# products/) and the category report of its analytics section.
from fastapi import APIRouter
from app.api.api_v1.endpoints import analytics, categories, products

api_router = APIRouter()
api_router.include_router(categories.router, prefix="/categories", tags=["categories"])
api_router.include_router(products.router, prefix="/products", tags=["products"])
api_router.include_router(analytics.router, prefix="/analytics", tags=["analytics"])
