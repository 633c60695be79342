//! Suppliers: unique names. Deleting one keeps its products: the foreign key's
//! `ON DELETE SET NULL` clears their `supplier_id`.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, Set, Unchanged,
};

use super::key;
use crate::entity::{products, suppliers};
use crate::error::{ApiError, unique_violation_column};
use crate::schema::common::Pagination;
use crate::schema::supplier::{SupplierCreate, SupplierUpdate};
use crate::service::rollup;

const WHAT: &str = "Supplier";

fn clash(err: DbErr) -> ApiError {
    if unique_violation_column(&err, "suppliers", &["name"]).is_some() {
        return ApiError::Conflict("A supplier with this name already exists".to_owned());
    }
    err.into()
}

/// # Errors
/// Database errors.
pub async fn list(db: &DatabaseConnection, page: Pagination) -> Result<(Vec<suppliers::Model>, u64), ApiError> {
    let listed =
        super::listing::page(db, suppliers::Entity::find().order_by_asc(suppliers::Column::Id), page, None).await?;
    Ok((listed.items, listed.total.value))
}

/// # Errors
/// 404 when missing.
pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<suppliers::Model, ApiError> {
    super::by_id::<suppliers::Entity>(db, key(id, WHAT)?).await?.ok_or_else(|| ApiError::not_found(WHAT))
}

/// # Errors
/// 409 on a duplicate name.
pub async fn create(db: &impl ConnectionTrait, input: SupplierCreate) -> Result<suppliers::Model, ApiError> {
    let now = Utc::now();
    let model = suppliers::ActiveModel {
        name: Set(input.name),
        contact_email: Set(input.contact_email),
        rating: Set(input.rating),
        is_active: Set(input.is_active),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    model.insert(db).await.map_err(clash)
}

/// # Errors
/// 404 when missing, 409 on a duplicate name.
pub async fn update(db: &impl ConnectionTrait, id: i64, patch: SupplierUpdate) -> Result<suppliers::Model, ApiError> {
    let current = get(db, id).await?;
    let mut model = patch.into_active_model();
    model.id = Unchanged(current.id);
    model.updated_at = Set(Utc::now());
    model.update(db).await.map_err(clash)
}

/// Deletes a supplier; its products stay, with `supplier_id` set to NULL by the foreign key.
///
/// # Errors
/// 404 when missing.
pub async fn delete(db: &DatabaseConnection, id: i64) -> Result<(), ApiError> {
    let supplier = get(db, id).await?;
    // Its sales rows go with it, so a later supplier given the same id starts from zero.
    // Its products are detached first (what the foreign key would do), so the locks come in
    // the order orders take them: products, then the supplier.
    let txn = super::write::begin(db, None).await?;
    let result = async {
        products::Entity::update_many()
            .col_expr(products::Column::SupplierId, Expr::value(Option::<i32>::None))
            .filter(products::Column::SupplierId.eq(supplier.id))
            .exec(&*txn)
            .await?;
        rollup::forget_supplier(&*txn, supplier.id).await?;
        suppliers::Entity::delete_by_id(supplier.id).exec(&*txn).await?;
        Ok(())
    }
    .await;
    txn.finish(result).await
}
