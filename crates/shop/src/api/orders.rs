//! `/orders`: place, list, read, cancel, and (admin) move along the status lifecycle.

use std::str::FromStr;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::{AdminUser, CurrentUser};
use super::body::ValidJson;
use super::extract::{Params, PathId};
use super::prefixed::Prefixed;
use crate::api::AppState;
use crate::entity::choice::Choice;
use crate::entity::orders::OrderStatus;
use crate::error::{ApiError, Detail, FieldError, ValidationDetail};
use crate::schema::common::{Page, Pagination};
use crate::schema::order::{OrderCreate, OrderPublic, StatusChange};
use crate::service::orders::{self as service, OrderFilter, Placed};

pub fn routes(prefix: &str) -> OpenApiRouter<AppState> {
    Prefixed::new(prefix)
        .routes(routes!(list, create))
        .routes(routes!(get))
        .routes(routes!(cancel))
        .routes(routes!(change_status))
        .done()
}

fn public(placed: Placed) -> OrderPublic {
    OrderPublic::new(placed.order, placed.items)
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else { return Ok(None) };
    let key = value.to_str().map(str::trim).unwrap_or_default();
    if key.is_empty() || key.len() > 100 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::one(FieldError::new(
            vec!["header".into(), "Idempotency-Key".into()],
            "Idempotency-Key must be 1 to 100 visible ASCII characters",
            "value_error",
        )));
    }
    Ok(Some(key.to_owned()))
}

/// Place an order; prices come from the catalog and stock is taken atomically.
#[utoipa::path(post, path = "/orders", tag = "orders", operation_id = "orders-create", request_body = OrderCreate,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first order")),
    security(("bearer" = [])),
    responses((status = 201, body = OrderPublic), (status = 401, body = Detail),
        (status = 409, body = Detail, description = "Insufficient stock, or a key reused with a different request"),
        (status = 422, body = ValidationDetail)))]
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    ValidJson(input): ValidJson<OrderCreate>,
) -> Result<(StatusCode, Json<OrderPublic>), ApiError> {
    let key = idempotency_key(&headers)?;
    let (placed, _) = service::place(&state.db, &state.outbox, &user, &input, key.as_deref()).await?;
    // A replay answers exactly as the first request did.
    Ok((StatusCode::CREATED, Json(public(placed))))
}

/// Own orders, newest first; admins see everyone's and may filter by `user_id`.
#[utoipa::path(get, path = "/orders", tag = "orders", operation_id = "orders-list", security(("bearer" = [])),
    params(("skip" = Option<u64>, Query, minimum = 0), ("limit" = Option<u64>, Query, minimum = 1, maximum = 100),
        ("status" = Option<OrderStatus>, Query, example = "pending"), ("user_id" = Option<i64>, Query, description = "Admins only"),
        ("track_total" = Option<bool>, Query, description = "Count every match: without it `total` is exact up to \
            10,000 orders, and past that 10000 with `total_relation` \"gte\"")),
    responses((status = 200, body = Page<OrderPublic>), (status = 401, body = Detail), (status = 422, body = ValidationDetail)))]
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    mut params: Params,
) -> Result<Json<Page<OrderPublic>>, ApiError> {
    let page = Pagination::read(&mut params);
    let status = params.string("status", 20).and_then(|s| match OrderStatus::from_str(&s) {
        Ok(status) => Some(status),
        Err(_) => {
            params.fail("status", OrderStatus::expected(), "enum");
            None
        }
    });
    let user_id = params.int("user_id", 1, i64::from(i32::MAX)).and_then(|v| i32::try_from(v).ok());
    let track_total = params.bool("track_total").unwrap_or(false);
    params.finish()?;
    let (orders, total) = service::list(&state.db, &user, OrderFilter { status, user_id, track_total }, page).await?;
    Ok(Json(page.tracked(orders.into_iter().map(public).collect(), total)))
}

/// One order (own, or any for an admin; someone else's is 404).
#[utoipa::path(get, path = "/orders/{id}", tag = "orders", operation_id = "orders-get", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = OrderPublic), (status = 401, body = Detail), (status = 404, body = Detail),
        (status = 422, body = ValidationDetail)))]
pub async fn get(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
) -> Result<Json<OrderPublic>, ApiError> {
    Ok(Json(public(service::get(&state.db, &user, id).await?)))
}

/// Cancel a pending or processing order (owner or admin); its stock is restored.
#[utoipa::path(post, path = "/orders/{id}/cancel", tag = "orders", operation_id = "orders-cancel", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = OrderPublic), (status = 401, body = Detail), (status = 404, body = Detail),
        (status = 409, body = Detail)))]
pub async fn cancel(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
) -> Result<Json<OrderPublic>, ApiError> {
    Ok(Json(public(service::transition(&state.db, &state.outbox, &user, id, OrderStatus::Cancelled).await?)))
}

/// Move an order along pending -> processing -> shipped -> delivered, or cancel it (admin).
#[utoipa::path(patch, path = "/orders/{id}/status", tag = "orders", operation_id = "orders-status", params(("id" = i64, Path)),
    request_body = StatusChange, security(("bearer" = [])),
    responses((status = 200, body = OrderPublic), (status = 401, body = Detail), (status = 403, body = Detail),
        (status = 404, body = Detail), (status = 409, body = Detail), (status = 422, body = ValidationDetail)))]
pub async fn change_status(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    PathId(id): PathId,
    ValidJson(change): ValidJson<StatusChange>,
) -> Result<Json<OrderPublic>, ApiError> {
    Ok(Json(public(service::transition(&state.db, &state.outbox, &admin, id, change.status).await?)))
}
