//! Tags: unique names. Deleting one removes its `product_tags` rows (foreign-key cascade);
//! the products themselves stay.

use chrono::Utc;
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use super::key;
use crate::entity::{product_tags, products, tags};
use crate::error::{ApiError, unique_violation_column};
use crate::schema::common::Pagination;
use crate::schema::tag::{TagCreate, TagUpdate};

const WHAT: &str = "Tag";

fn clash(err: DbErr) -> ApiError {
    if unique_violation_column(&err, "tags", &["name"]).is_some() {
        return ApiError::Conflict("A tag with this name already exists".to_owned());
    }
    err.into()
}

/// # Errors
/// Database errors.
pub async fn list(db: &DatabaseConnection, page: Pagination) -> Result<(Vec<tags::Model>, u64), ApiError> {
    let listed = super::listing::page(db, tags::Entity::find().order_by_asc(tags::Column::Id), page, None).await?;
    Ok((listed.items, listed.total.value))
}

/// # Errors
/// 404 when missing.
pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<tags::Model, ApiError> {
    super::by_id::<tags::Entity>(db, key(id, WHAT)?).await?.ok_or_else(|| ApiError::not_found(WHAT))
}

/// A page of the products carrying a tag, in id order, and their total: two statements (the
/// tag, then the page with its count) however many products there are.
///
/// # Errors
/// 404 when the tag is missing.
pub async fn products_of(
    db: &DatabaseConnection,
    id: i64,
    page: Pagination,
) -> Result<(Vec<products::Model>, u64), ApiError> {
    let tag = get(db, id).await?;
    let tagged = products::Entity::find().filter(
        products::Column::Id.in_subquery(
            Query::select()
                .column(product_tags::Column::ProductId)
                .from(product_tags::Entity)
                .and_where(product_tags::Column::TagId.eq(tag.id))
                .to_owned(),
        ),
    );
    let listed = super::listing::page(db, tagged.order_by_asc(products::Column::Id), page, None).await?;
    Ok((listed.items, listed.total.value))
}

/// # Errors
/// 409 on a duplicate name.
pub async fn create(db: &impl ConnectionTrait, input: TagCreate) -> Result<tags::Model, ApiError> {
    let now = Utc::now();
    let model = tags::ActiveModel {
        name: Set(input.name),
        color: Set(Some(input.color)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    model.insert(db).await.map_err(clash)
}

/// # Errors
/// 404 when missing, 409 on a duplicate name.
pub async fn update(db: &impl ConnectionTrait, id: i64, patch: TagUpdate) -> Result<tags::Model, ApiError> {
    let current = get(db, id).await?;
    let mut model: tags::ActiveModel = current.into();
    if let Some(name) = patch.name {
        model.name = Set(name);
    }
    if let Some(color) = patch.color {
        model.color = Set(Some(color));
    }
    model.updated_at = Set(Utc::now());
    model.update(db).await.map_err(clash)
}

/// Deletes a tag and, through the foreign key's cascade, its product associations.
///
/// # Errors
/// 404 when missing.
pub async fn delete(db: &impl ConnectionTrait, id: i64) -> Result<(), ApiError> {
    let tag = get(db, id).await?;
    tags::Entity::delete_by_id(tag.id).exec(db).await?;
    Ok(())
}
