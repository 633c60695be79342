# app/db/session.py
from sqlalchemy import create_engine
from sqlalchemy.ext.declarative import declarative_base
from sqlalchemy.orm import sessionmaker
from app.core.config import settings

# PEER FIX: FastAPI runs the get_db dependency and the endpoint on different threadpool
# threads, which the sqlite3 module refuses by default; the guide's own 30-minute starter
# passes this same argument for SQLite. PostgreSQL gets no extra arguments.
connect_args = {"check_same_thread": False} if settings.DATABASE_URL.startswith("sqlite") else {}

# Create database engine
# Think of engine like: The main connection highway to your database
engine = create_engine(
    settings.DATABASE_URL,
    connect_args=connect_args,
    pool_pre_ping=True,  # Verify connections before use
    pool_recycle=3600,   # Recycle connections after 1 hour
    # PEER FIX: the guide has echo=True with "(disable in production)": a benchmark of the
    # app as deployed must not time the logging of every statement.
    echo=False           # Log all SQL statements (disable in production)
)

# Create session factory
# Think of SessionLocal like: A factory that creates database conversations
SessionLocal = sessionmaker(
    autocommit=False,    # Don't auto-commit transactions
    autoflush=False,     # Don't auto-flush before queries
    bind=engine          # Bind to our database engine
)

# Create base class for models
# Think of Base like: The foundation blueprint for all your data models
Base = declarative_base()

# Dependency to get database session
def get_db():
    """
    Think of this like: A waiter that brings you a fresh database 
    connection when you need it and cleans up when you're done.
    """
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()
