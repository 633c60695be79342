//! Webhook endpoints (admin): create with a new secret, read, change, delete; their delivery
//! log; and a manual retry of a delivery.

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use super::key;
use crate::entity::{deliveries, delivery_attempts, webhooks};
use crate::error::ApiError;
use crate::events::signature::new_secret;
use crate::schema::common::Pagination;
use crate::schema::webhook::{WebhookCreate, WebhookUpdate};

const WHAT: &str = "Webhook";
const DELIVERY: &str = "Delivery";

/// The subscription as stored: the event names, deduplicated, comma-separated.
fn event_list(events: &[String]) -> String {
    let mut unique: Vec<&str> = Vec::new();
    for event in events {
        if !unique.contains(&event.as_str()) {
            unique.push(event);
        }
    }
    unique.join(",")
}

/// # Errors
/// Database errors.
pub async fn list(db: &DatabaseConnection, page: Pagination) -> Result<(Vec<webhooks::Model>, u64), ApiError> {
    let query = webhooks::Entity::find().order_by_asc(webhooks::Column::Id);
    let listed = super::listing::page(db, query, page, None).await?;
    Ok((listed.items, listed.total.value))
}

/// # Errors
/// 404 when missing.
pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<webhooks::Model, ApiError> {
    super::by_id::<webhooks::Entity>(db, key(id, WHAT)?).await?.ok_or_else(|| ApiError::not_found(WHAT))
}

/// A new endpoint with a new secret (returned in the model, and shown to the caller once).
///
/// # Errors
/// Database errors.
pub async fn create(db: &impl ConnectionTrait, input: WebhookCreate) -> Result<webhooks::Model, ApiError> {
    let now = Utc::now();
    Ok(webhooks::ActiveModel {
        url: Set(input.url),
        events: Set(event_list(&input.events)),
        description: Set(input.description),
        is_active: Set(input.is_active),
        secret: Set(new_secret()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// # Errors
/// 404 when missing.
pub async fn update(db: &impl ConnectionTrait, id: i64, patch: WebhookUpdate) -> Result<webhooks::Model, ApiError> {
    let mut model: webhooks::ActiveModel = get(db, id).await?.into();
    if let Some(url) = patch.url {
        model.url = Set(url);
    }
    if let Some(events) = patch.events {
        model.events = Set(event_list(&events));
    }
    if let Some(description) = patch.description {
        model.description = Set(description);
    }
    if let Some(is_active) = patch.is_active {
        model.is_active = Set(is_active);
    }
    model.updated_at = Set(Utc::now());
    model.update(db).await.map_err(|e| match e {
        // Deleted between the read and the update.
        DbErr::RecordNotUpdated => ApiError::not_found(WHAT),
        other => other.into(),
    })
}

/// Deletes the endpoint with its deliveries (foreign-key cascade).
///
/// # Errors
/// 404 when missing.
pub async fn delete(db: &impl ConnectionTrait, id: i64) -> Result<(), ApiError> {
    let webhook = get(db, id).await?;
    webhooks::Entity::delete_by_id(webhook.id).exec(db).await?;
    Ok(())
}

/// The endpoint's deliveries, newest first, optionally of one status.
///
/// # Errors
/// 404 when the endpoint is missing.
pub async fn deliveries(
    db: &DatabaseConnection,
    id: i64,
    status: Option<String>,
    page: Pagination,
) -> Result<(Vec<deliveries::Model>, u64), ApiError> {
    let webhook = get(db, id).await?;
    let mut query = deliveries::Entity::find().filter(deliveries::Column::WebhookId.eq(webhook.id));
    if let Some(status) = status {
        query = query.filter(deliveries::Column::Status.eq(status));
    }
    let listed = super::listing::page(db, query.order_by_desc(deliveries::Column::Id), page, None).await?;
    Ok((listed.items, listed.total.value))
}

/// One delivery of the endpoint, with its attempts in order.
///
/// # Errors
/// 404 when either is missing.
pub async fn delivery(
    db: &impl ConnectionTrait,
    id: i64,
    delivery_id: i64,
) -> Result<(deliveries::Model, Vec<delivery_attempts::Model>), ApiError> {
    let webhook = get(db, id).await?;
    let delivery = super::by_id::<deliveries::Entity>(db, key(delivery_id, DELIVERY)?)
        .await?
        .filter(|d| d.webhook_id == Some(webhook.id))
        .ok_or_else(|| ApiError::not_found(DELIVERY))?;
    let attempts = delivery_attempts::Entity::find()
        .filter(delivery_attempts::Column::DeliveryId.eq(delivery.id))
        .order_by_asc(delivery_attempts::Column::Id)
        .all(db)
        .await?;
    Ok((delivery, attempts))
}

/// Makes a delivery due now, whatever its status: a failed one skips its wait, a dead one gets
/// one more attempt, a delivered one is sent again (same `webhook-id`). A delivery being
/// attempted right now is 409.
///
/// # Errors
/// 404 when missing, 409 while an attempt is in flight.
pub async fn retry(db: &impl ConnectionTrait, id: i64, delivery_id: i64) -> Result<deliveries::Model, ApiError> {
    let (delivery, _) = delivery(db, id, delivery_id).await?;
    let now = Utc::now();
    let updated = deliveries::Entity::update_many()
        .col_expr(deliveries::Column::Status, Expr::value("pending"))
        .col_expr(deliveries::Column::NextAttemptAt, Expr::value(now))
        .col_expr(deliveries::Column::UpdatedAt, Expr::value(now))
        .filter(deliveries::Column::Id.eq(delivery.id))
        .filter(deliveries::Column::LockedUntil.is_null().or(deliveries::Column::LockedUntil.lt(now)))
        .exec(db)
        .await?;
    if updated.rows_affected == 0 {
        return Err(ApiError::Conflict("This delivery is being attempted right now; retry after it ends".to_owned()));
    }
    crate::events::wake();
    super::by_id::<deliveries::Entity>(db, delivery.id).await?.ok_or_else(|| ApiError::not_found(DELIVERY))
}
