//! `/webhooks` (admin): endpoints, their delivery logs, and manual retries.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::AdminUser;
use super::body::ValidJson;
use super::extract::{Params, PathId, PathIds};
use super::prefixed::Prefixed;
use crate::api::AppState;
use crate::error::{ApiError, Detail, ValidationDetail};
use crate::schema::common::{Page, Pagination};
use crate::schema::webhook::{
    DeliveryDetail, DeliveryPublic, WebhookCreate, WebhookCreated, WebhookPublic, WebhookUpdate,
};
use crate::service::webhooks as service;

const STATUSES: [&str; 4] = ["pending", "delivered", "failed", "dead"];

pub fn routes(prefix: &str) -> OpenApiRouter<AppState> {
    Prefixed::new(prefix)
        .routes(routes!(list, create))
        .routes(routes!(get, patch, delete))
        .routes(routes!(deliveries))
        .routes(routes!(delivery))
        .routes(routes!(retry))
        .done()
}

/// List webhook endpoints by id (admin); secrets are not shown.
#[utoipa::path(get, path = "/webhooks", tag = "webhooks", operation_id = "webhooks-list",
    params(("skip" = Option<u64>, Query, minimum = 0), ("limit" = Option<u64>, Query, minimum = 1, maximum = 100)),
    security(("bearer" = [])),
    responses((status = 200, body = Page<WebhookPublic>), (status = 401, body = Detail), (status = 403, body = Detail),
        (status = 422, body = ValidationDetail)))]
pub async fn list(
    State(state): State<AppState>,
    _admin: AdminUser,
    mut params: Params,
) -> Result<Json<Page<WebhookPublic>>, ApiError> {
    let page = Pagination::read(&mut params);
    params.finish()?;
    let (items, total) = service::list(&state.db, page).await?;
    Ok(Json(page.page(items.into_iter().map(WebhookPublic::from).collect(), total)))
}

/// Create a webhook endpoint (admin). The answer holds its signing secret, shown only here.
#[utoipa::path(post, path = "/webhooks", tag = "webhooks", operation_id = "webhooks-create",
    request_body = WebhookCreate, security(("bearer" = [])),
    responses((status = 201, body = WebhookCreated), (status = 401, body = Detail), (status = 403, body = Detail),
        (status = 422, body = ValidationDetail)))]
pub async fn create(
    State(state): State<AppState>,
    _admin: AdminUser,
    ValidJson(input): ValidJson<WebhookCreate>,
) -> Result<(StatusCode, Json<WebhookCreated>), ApiError> {
    let created = service::create(&state.db, input).await?;
    let secret = created.secret.clone();
    Ok((StatusCode::CREATED, Json(WebhookCreated { webhook: created.into(), secret })))
}

/// One webhook endpoint (admin).
#[utoipa::path(get, path = "/webhooks/{id}", tag = "webhooks", operation_id = "webhooks-get",
    params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = WebhookPublic), (status = 401, body = Detail), (status = 403, body = Detail),
        (status = 404, body = Detail), (status = 422, body = ValidationDetail)))]
pub async fn get(
    State(state): State<AppState>,
    _admin: AdminUser,
    PathId(id): PathId,
) -> Result<Json<WebhookPublic>, ApiError> {
    Ok(Json(service::get(&state.db, id).await?.into()))
}

/// Change the fields sent (admin). Deliveries not yet made go to the new URL; while the
/// endpoint is disabled its deliveries fail ("the endpoint is disabled") and wait for their
/// retries, so re-enabling it within the schedule loses none.
#[utoipa::path(patch, path = "/webhooks/{id}", tag = "webhooks", operation_id = "webhooks-patch",
    params(("id" = i64, Path)), request_body = WebhookUpdate, security(("bearer" = [])),
    responses((status = 200, body = WebhookPublic), (status = 401, body = Detail), (status = 403, body = Detail),
        (status = 404, body = Detail), (status = 422, body = ValidationDetail)))]
pub async fn patch(
    State(state): State<AppState>,
    _admin: AdminUser,
    PathId(id): PathId,
    ValidJson(patch): ValidJson<WebhookUpdate>,
) -> Result<Json<WebhookPublic>, ApiError> {
    Ok(Json(service::update(&state.db, id, patch).await?.into()))
}

/// Delete a webhook endpoint and its deliveries (admin).
#[utoipa::path(delete, path = "/webhooks/{id}", tag = "webhooks", operation_id = "webhooks-delete",
    params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 401, body = Detail), (status = 403, body = Detail), (status = 404, body = Detail),
        (status = 422, body = ValidationDetail)))]
pub async fn delete(
    State(state): State<AppState>,
    _admin: AdminUser,
    PathId(id): PathId,
) -> Result<StatusCode, ApiError> {
    service::delete(&state.db, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The endpoint's deliveries, newest first (admin).
#[utoipa::path(get, path = "/webhooks/{id}/deliveries", tag = "webhooks", operation_id = "webhooks-deliveries",
    params(("id" = i64, Path), ("status" = Option<String>, Query, description = "pending, delivered, failed or dead"),
        ("skip" = Option<u64>, Query, minimum = 0), ("limit" = Option<u64>, Query, minimum = 1, maximum = 100)),
    security(("bearer" = [])),
    responses((status = 200, body = Page<DeliveryPublic>), (status = 401, body = Detail), (status = 403, body = Detail),
        (status = 404, body = Detail), (status = 422, body = ValidationDetail)))]
pub async fn deliveries(
    State(state): State<AppState>,
    _admin: AdminUser,
    PathId(id): PathId,
    mut params: Params,
) -> Result<Json<Page<DeliveryPublic>>, ApiError> {
    let page = Pagination::read(&mut params);
    let status = params.string("status", 10);
    if let Some(s) = &status
        && !STATUSES.contains(&s.as_str())
    {
        params.fail("status", "Input should be 'pending', 'delivered', 'failed' or 'dead'", "enum");
    }
    params.finish()?;
    let (items, total) = service::deliveries(&state.db, id, status, page).await?;
    Ok(Json(page.page(items.into_iter().map(DeliveryPublic::from).collect(), total)))
}

/// One delivery with the log of its attempts (admin).
#[utoipa::path(get, path = "/webhooks/{id}/deliveries/{delivery_id}", tag = "webhooks",
    operation_id = "webhooks-delivery", params(("id" = i64, Path), ("delivery_id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = DeliveryDetail), (status = 401, body = Detail), (status = 403, body = Detail),
        (status = 404, body = Detail), (status = 422, body = ValidationDetail)))]
pub async fn delivery(
    State(state): State<AppState>,
    _admin: AdminUser,
    PathIds(id, delivery_id): PathIds,
) -> Result<Json<DeliveryDetail>, ApiError> {
    let (delivery, attempts) = service::delivery(&state.db, id, delivery_id).await?;
    Ok(Json(DeliveryDetail { delivery: delivery.into(), attempt_log: attempts.into_iter().map(Into::into).collect() }))
}

/// Attempt a delivery again now (admin): a failed one skips its wait, a dead one gets one more
/// attempt, a delivered one is sent again with the same `webhook-id`.
#[utoipa::path(post, path = "/webhooks/{id}/deliveries/{delivery_id}/retry", tag = "webhooks",
    operation_id = "webhooks-retry", params(("id" = i64, Path), ("delivery_id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 202, body = DeliveryPublic), (status = 401, body = Detail), (status = 403, body = Detail),
        (status = 404, body = Detail), (status = 409, body = Detail, description = "An attempt is in flight"),
        (status = 422, body = ValidationDetail)))]
pub async fn retry(
    State(state): State<AppState>,
    _admin: AdminUser,
    PathIds(id, delivery_id): PathIds,
) -> Result<(StatusCode, Json<DeliveryPublic>), ApiError> {
    let delivery = service::retry(&state.db, id, delivery_id).await?;
    Ok((StatusCode::ACCEPTED, Json(delivery.into())))
}
