# app/schemas/analytics.py
# NOT IN THE GUIDE as a schema: the row of get_advanced_category_insights() (guide section
# "9. Advanced GROUP BY with HAVING"), with the numbers of its "JSON Output", wrapped like
# that output in data + execution_time_ms.
from typing import List
from pydantic import BaseModel

class CategoryInsight(BaseModel):
    category_name: str
    product_count: int
    avg_price: float
    total_stock: int
    potential_revenue: float
    high_stock_quantity: int
    above_avg_price_count: int

    class Config:
        from_attributes = True  # read from the query's Row objects

class CategoryInsights(BaseModel):
    data: List[CategoryInsight]
    execution_time_ms: float
