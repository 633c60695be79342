# app/crud/analytics.py
# The guide's get_advanced_category_insights() ("9. Advanced GROUP BY with HAVING", with the
# imports of section 8), served at GET /analytics/categories. Two PEER FIXes, both marked:
# as written the statement fails on PostgreSQL and on SQLite.
from sqlalchemy import func, case, cast, Integer, Float, and_, select
from sqlalchemy.orm import Session, aliased
from app.models import Category, Product

def get_advanced_category_insights(db: Session):
    """Advanced grouping with complex conditions"""
    # PEER FIX (1 of 2): the guide counts products priced above the category's average with
    # COUNT(CASE WHEN price > AVG(price) ...), an aggregate inside an aggregate, which both
    # databases reject. The average of the product's category, as a correlated subquery, is
    # what the guide's output means by it.
    same_category = aliased(Product)
    category_avg_price = (
        select(func.avg(same_category.price))
        .where(same_category.category_id == Category.id)
        .scalar_subquery()
    )
    results = (
        db.query(
            Category.name.label('category_name'),
            func.count(Product.id).label('product_count'),
            func.avg(Product.price).label('avg_price'),
            func.sum(Product.stock_quantity).label('total_stock'),
            # Complex calculations
            func.round(
                func.avg(Product.price) * func.sum(Product.stock_quantity), 2
            ).label('potential_revenue'),
            # Conditional aggregation
            func.sum(
                case((Product.stock_quantity > 50, Product.stock_quantity), else_=0)
            ).label('high_stock_quantity'),
            func.count(
                case((Product.price > category_avg_price, 1))
            ).label('above_avg_price_count')
        )
        .join(Product)
        .group_by(Category.id, Category.name)
        .having(
            # PEER FIX (2 of 2): the guide writes func.and_(...), which SQLAlchemy renders as
            # a call to an SQL function named "and"; and_() is the boolean AND it means.
            and_(
                func.count(Product.id) >= 2,  # At least 2 products
                func.avg(Product.price) > 40   # Average price > $40
            )
        )
        .order_by(func.avg(Product.price).desc())
        .all()
    )
    return results
