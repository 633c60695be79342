# app/api/api_v1/endpoints/products.py
# NOT IN THE GUIDE: the routes of its 30-minute starter (main.py, "Step 6") on the guide's
# CRUDBase, answering as "Sample Data and Testing" shows (the list wrapped in
# items/total/skip/limit; PUT takes the partial body of "4. Update Product").
from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy.orm import Session

from app import crud, models, schemas
from app.api import deps

router = APIRouter()

# Get all products
@router.get("/", response_model=schemas.ProductList)
def read_products(skip: int = 0, limit: int = 10, db: Session = Depends(deps.get_db)):
    products = crud.product.get_multi(db, skip=skip, limit=limit)
    total = db.query(models.Product).count()
    return {"items": products, "total": total, "skip": skip, "limit": limit}

# Create product
@router.post("/", response_model=schemas.Product)
def create_product(product: schemas.ProductCreate, db: Session = Depends(deps.get_db)):
    return crud.product.create(db, obj_in=product)

# Get single product
@router.get("/{product_id}", response_model=schemas.Product)
def read_product(product_id: int, db: Session = Depends(deps.get_db)):
    product = crud.product.get(db, id=product_id)
    if not product:
        raise HTTPException(status_code=404, detail="Product not found")
    return product

# Update product
@router.put("/{product_id}", response_model=schemas.Product)
def update_product(product_id: int, product: schemas.ProductUpdate, db: Session = Depends(deps.get_db)):
    db_product = crud.product.get(db, id=product_id)
    if not db_product:
        raise HTTPException(status_code=404, detail="Product not found")
    return crud.product.update(db, db_obj=db_product, obj_in=product)

# Delete product
@router.delete("/{product_id}")
def delete_product(product_id: int, db: Session = Depends(deps.get_db)):
    db_product = crud.product.get(db, id=product_id)
    if not db_product:
        raise HTTPException(status_code=404, detail="Product not found")
    crud.product.remove(db, id=product_id)
    return {"message": "Product deleted successfully"}
