# app/api/api_v1/endpoints/analytics.py
# NOT IN THE GUIDE as a route: its "Advanced GROUP BY with HAVING" category report, returned
# the way the guide prints its reports (data plus execution_time_ms).
import time

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from app import schemas
from app.api import deps
from app.crud.analytics import get_advanced_category_insights

router = APIRouter()

@router.get("/categories", response_model=schemas.CategoryInsights)
def category_insights(db: Session = Depends(deps.get_db)):
    start = time.perf_counter()
    results = get_advanced_category_insights(db)
    return {"data": results, "execution_time_ms": (time.perf_counter() - start) * 1000}
