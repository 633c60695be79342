# app/api/api_v1/endpoints/categories.py
# NOT IN THE GUIDE: the products routes (see products.py) for the guide's Category model and
# schemas; POST / is "1. Create Category" of "Sample Data and Testing".
from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy.orm import Session

from app import crud, models, schemas
from app.api import deps

router = APIRouter()

# Get all categories
@router.get("/", response_model=schemas.CategoryList)
def read_categories(skip: int = 0, limit: int = 10, db: Session = Depends(deps.get_db)):
    categories = crud.category.get_multi(db, skip=skip, limit=limit)
    total = db.query(models.Category).count()
    return {"items": categories, "total": total, "skip": skip, "limit": limit}

# Create category
@router.post("/", response_model=schemas.Category)
def create_category(category: schemas.CategoryCreate, db: Session = Depends(deps.get_db)):
    return crud.category.create(db, obj_in=category)

# Get single category
@router.get("/{category_id}", response_model=schemas.Category)
def read_category(category_id: int, db: Session = Depends(deps.get_db)):
    category = crud.category.get(db, id=category_id)
    if not category:
        raise HTTPException(status_code=404, detail="Category not found")
    return category

# Update category
@router.put("/{category_id}", response_model=schemas.Category)
def update_category(category_id: int, category: schemas.CategoryUpdate, db: Session = Depends(deps.get_db)):
    db_category = crud.category.get(db, id=category_id)
    if not db_category:
        raise HTTPException(status_code=404, detail="Category not found")
    return crud.category.update(db, db_obj=db_category, obj_in=category)

# Delete category
@router.delete("/{category_id}")
def delete_category(category_id: int, db: Session = Depends(deps.get_db)):
    db_category = crud.category.get(db, id=category_id)
    if not db_category:
        raise HTTPException(status_code=404, detail="Category not found")
    crud.category.remove(db, id=category_id)
    return {"message": "Category deleted successfully"}
