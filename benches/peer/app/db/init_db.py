# app/db/init_db.py
# NOT IN THE GUIDE beyond its name in the project structure ("Database initialization").
# Creates the database (PostgreSQL, when missing) and the tables, and loads the sample data:
#   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/peer python -m app.db.init_db
#   DATABASE_URL=sqlite:////tmp/peer.db python -m app.db.init_db
# Tables come from Base.metadata.create_all, the guide's own quick fix for "Table doesn't
# exist": its Alembic revision 001 creates only three of the models' five tables.
import sys

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app import crud
from app.core.config import settings
from app.db.session import Base, SessionLocal, engine
from app.models import Category, Product
from app.schemas import CategoryCreate, ProductCreate


def create_database_if_missing(url: str) -> None:
    u = make_url(url)
    if u.get_backend_name() != "postgresql":
        return  # SQLite creates its file on first connect
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            found = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": u.database})
            if not found:
                conn.execute(text(f'CREATE DATABASE "{u.database}"'))
    finally:
        admin.dispose()


def load_api_samples(db: Session) -> None:
    """
    "Sample Data and Testing": requests 1 and 2, and the second product that the response to
    request 3 lists, created through the same CRUD calls as the POST endpoints. Request 4 (a
    price change of product 1) is a test of PUT, not data, and is left out.
    """
    crud.category.create(db, obj_in=CategoryCreate(
        name="Electronics",
        description="Electronic devices and accessories",
    ))
    crud.product.create(db, obj_in=ProductCreate(
        name="iPhone 15 Pro",
        description="Latest iPhone with Pro features",
        price=1199.99,
        stock_quantity=50,
        category_id=1,
    ))
    crud.product.create(db, obj_in=ProductCreate(
        name="MacBook Pro",
        description="Professional laptop for developers",
        price=2499.99,
        stock_quantity=25,
        category_id=1,
    ))


def create_sample_data(db: Session):
    """
    The guide's "Sample Dataset for Examples" (create_sample_data), the catalog that
    `shop seed` loads too: 5 categories and 15 products, ids in this order. Rows that
    load_api_samples() made already are skipped. The guide's models have no Supplier, so its
    suppliers and the products' supplier_id are left out.
    """
    existing_categories = {name for (name,) in db.query(Category.name)}
    existing_products = {name for (name,) in db.query(Product.name)}

    # Create Categories
    categories = [
        Category(name="Electronics", description="Electronic devices"),
        Category(name="Books", description="Books and literature"),
        Category(name="Clothing", description="Apparel and accessories"),
        Category(name="Home & Garden", description="Home improvement items"),
        Category(name="Sports", description="Sports and fitness equipment")
    ]
    db.add_all([c for c in categories if c.name not in existing_categories])
    db.flush()

    # Create Products with relationships
    products = [
        # Electronics
        Product(name="iPhone 15 Pro", price=1199.99, stock_quantity=50, category_id=1),
        Product(name="MacBook Pro", price=2499.99, stock_quantity=25, category_id=1),
        Product(name="Samsung Galaxy S24", price=899.99, stock_quantity=30, category_id=1),
        Product(name="iPad Air", price=599.99, stock_quantity=40, category_id=1),

        # Books
        Product(name="Python Programming", price=49.99, stock_quantity=100, category_id=2),
        Product(name="Data Science Handbook", price=59.99, stock_quantity=75, category_id=2),
        Product(name="Web Development Guide", price=39.99, stock_quantity=80, category_id=2),

        # Clothing
        Product(name="Nike T-Shirt", price=29.99, stock_quantity=200, category_id=3),
        Product(name="Levi's Jeans", price=89.99, stock_quantity=120, category_id=3),
        Product(name="Adidas Sneakers", price=129.99, stock_quantity=80, category_id=3),

        # Home & Garden
        Product(name="Garden Tools Set", price=79.99, stock_quantity=60, category_id=4),
        Product(name="Indoor Plant Pot", price=24.99, stock_quantity=150, category_id=4),

        # Sports
        Product(name="Yoga Mat", price=34.99, stock_quantity=90, category_id=5),
        Product(name="Dumbbells Set", price=149.99, stock_quantity=30, category_id=5),
        Product(name="Running Shoes", price=119.99, stock_quantity=60, category_id=5)
    ]
    db.add_all([p for p in products if p.name not in existing_products])
    db.commit()


def init_db(db: Session) -> str:
    if db.query(Category).count():
        return "sample data already loaded: %d categories, %d products" % (
            db.query(Category).count(), db.query(Product).count())
    load_api_samples(db)
    create_sample_data(db)
    return "loaded %d categories, %d products" % (db.query(Category).count(), db.query(Product).count())


def main() -> None:
    create_database_if_missing(settings.DATABASE_URL)
    Base.metadata.create_all(bind=engine)
    with SessionLocal() as db:
        print(init_db(db), file=sys.stderr)


if __name__ == "__main__":
    main()
