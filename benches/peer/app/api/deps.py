# app/api/deps.py
# NOT IN THE GUIDE beyond its name in the project structure ("Dependencies"): the session
# dependency is the guide's get_db from app/db/session.py.
from app.db.session import get_db  # noqa: F401
