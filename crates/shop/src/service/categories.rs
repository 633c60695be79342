//! Categories: unique names, and no deletion while products still use one.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, Set, Unchanged,
};

use super::key;
use crate::entity::{categories, products};
use crate::error::{ApiError, is_foreign_key_violation, unique_violation_column};
use crate::schema::category::{CategoryCreate, CategoryUpdate};
use crate::schema::common::Pagination;

const WHAT: &str = "Category";

fn clash(err: DbErr) -> ApiError {
    if unique_violation_column(&err, "categories", &["name"]).is_some() {
        return ApiError::Conflict("A category with this name already exists".to_owned());
    }
    err.into()
}

/// # Errors
/// Database errors.
pub async fn list(db: &DatabaseConnection, page: Pagination) -> Result<(Vec<categories::Model>, u64), ApiError> {
    let listed =
        super::listing::page(db, categories::Entity::find().order_by_asc(categories::Column::Id), page, None).await?;
    Ok((listed.items, listed.total.value))
}

/// # Errors
/// 404 when missing.
pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<categories::Model, ApiError> {
    super::by_id::<categories::Entity>(db, key(id, WHAT)?).await?.ok_or_else(|| ApiError::not_found(WHAT))
}

/// The products of a category, in id order (one query).
///
/// # Errors
/// Database errors.
pub async fn products_of(db: &impl ConnectionTrait, category_id: i32) -> Result<Vec<products::Model>, ApiError> {
    Ok(products::Entity::find()
        .filter(products::Column::CategoryId.eq(category_id))
        .order_by_asc(products::Column::Id)
        .all(db)
        .await?)
}

/// # Errors
/// 409 on a duplicate name.
pub async fn create(db: &impl ConnectionTrait, input: CategoryCreate) -> Result<categories::Model, ApiError> {
    let now = Utc::now();
    let model = categories::ActiveModel {
        name: Set(input.name),
        description: Set(input.description),
        is_active: Set(input.is_active),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    model.insert(db).await.map_err(clash)
}

/// # Errors
/// 404 when missing, 409 on a duplicate name.
pub async fn update(db: &impl ConnectionTrait, id: i64, patch: CategoryUpdate) -> Result<categories::Model, ApiError> {
    let current = get(db, id).await?;
    let mut model = patch.into_active_model();
    model.id = Unchanged(current.id);
    model.updated_at = Set(Utc::now());
    model.update(db).await.map_err(clash)
}

/// # Errors
/// 404 when missing, 409 while products still belong to it.
pub async fn delete(db: &impl ConnectionTrait, id: i64) -> Result<(), ApiError> {
    let category = get(db, id).await?;
    let in_use = products::Entity::find().filter(products::Column::CategoryId.eq(category.id)).count(db).await?;
    if in_use > 0 {
        return Err(ApiError::Conflict(format!("Category still has {in_use} product(s); move or delete them first")));
    }
    // A product added after the count still trips the foreign key: same answer.
    categories::Entity::delete_by_id(category.id).exec(db).await.map_err(|err| {
        if is_foreign_key_violation(&err) {
            ApiError::Conflict("Category still has products; move or delete them first".to_owned())
        } else {
            err.into()
        }
    })?;
    Ok(())
}
