//! `/products/{id}/variants`: variants with attributes; public reads, admin writes.

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
use crate::schema::variant::{VariantCreate, VariantPublic, VariantUpdate};
use crate::service::variants as service;

pub fn routes(prefix: &str) -> OpenApiRouter<AppState> {
    Prefixed::new(prefix).routes(routes!(list, create)).routes(routes!(get, update, patch, delete)).done()
}

/// List a product's variants by id, with their attributes.
#[utoipa::path(get, path = "/products/{id}/variants", tag = "variants", operation_id = "variants-list",
    params(("id" = i64, Path, description = "Product id"), ("skip" = Option<u64>, Query, minimum = 0),
        ("limit" = Option<u64>, Query, minimum = 1, maximum = 100)),
    responses((status = 200, body = Page<VariantPublic>), (status = 404, body = Detail),
        (status = 422, body = ValidationDetail)))]
pub async fn list(
    State(state): State<AppState>,
    PathId(id): PathId,
    mut params: Params,
) -> Result<Json<Page<VariantPublic>>, ApiError> {
    let page = Pagination::read(&mut params);
    params.finish()?;
    let (items, total) = service::list(&state.read_db, id, page).await?;
    Ok(Json(page.page(items, total)))
}

/// One variant of a product, with its attributes.
#[utoipa::path(get, path = "/products/{id}/variants/{variant_id}", tag = "variants", operation_id = "variants-get",
    params(("id" = i64, Path, description = "Product id"), ("variant_id" = i64, Path)),
    responses((status = 200, body = VariantPublic), (status = 404, body = Detail), (status = 422, body = ValidationDetail)))]
pub async fn get(
    State(state): State<AppState>,
    PathIds(id, variant_id): PathIds,
) -> Result<Json<VariantPublic>, ApiError> {
    Ok(Json(service::get(&state.db, id, variant_id).await?))
}

/// Create a variant with its attributes (admin).
#[utoipa::path(post, path = "/products/{id}/variants", tag = "variants", operation_id = "variants-create",
    params(("id" = i64, Path, description = "Product id")),
    request_body(content = VariantCreate, example = json!({"sku": "APL-IP15P-256-NT", "name": "iPhone 15 Pro 256GB Natural Titanium",
        "price_modifier": "100.00", "stock_quantity": 20,
        "attributes": [{"name": "storage", "value": "256GB"}, {"name": "color", "value": "Natural Titanium"}]})),
    security(("bearer" = [])),
    responses((status = 201, body = VariantPublic), (status = 401, body = Detail), (status = 403, body = Detail),
        (status = 404, body = Detail), (status = 409, body = Detail), (status = 422, body = ValidationDetail)))]
pub async fn create(
    State(state): State<AppState>,
    _admin: AdminUser,
    PathId(id): PathId,
    ValidJson(input): ValidJson<VariantCreate>,
) -> Result<(StatusCode, Json<VariantPublic>), ApiError> {
    let created = service::create(&state.db, id, input).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Update the fields sent (admin); `attributes`, when sent, replaces them all.
#[utoipa::path(put, path = "/products/{id}/variants/{variant_id}", tag = "variants", operation_id = "variants-update",
    params(("id" = i64, Path, description = "Product id"), ("variant_id" = i64, Path)),
    request_body(content = VariantUpdate, example = json!({"price_modifier": "-50.00", "attributes": [{"name": "color", "value": "Blue"}]})),
    security(("bearer" = [])),
    responses((status = 200, body = VariantPublic), (status = 401, body = Detail), (status = 403, body = Detail),
        (status = 404, body = Detail), (status = 409, body = Detail), (status = 422, body = ValidationDetail)))]
pub async fn update(
    State(state): State<AppState>,
    _admin: AdminUser,
    PathIds(id, variant_id): PathIds,
    ValidJson(patch): ValidJson<VariantUpdate>,
) -> Result<Json<VariantPublic>, ApiError> {
    Ok(Json(service::update(&state.db, &state.outbox, id, variant_id, patch).await?))
}

/// Update the fields sent (admin); same as PUT.
#[utoipa::path(patch, path = "/products/{id}/variants/{variant_id}", tag = "variants", operation_id = "variants-patch",
    params(("id" = i64, Path, description = "Product id"), ("variant_id" = i64, Path)),
    request_body(content = VariantUpdate, example = json!({"stock_quantity": 15})),
    security(("bearer" = [])),
    responses((status = 200, body = VariantPublic), (status = 401, body = Detail), (status = 403, body = Detail),
        (status = 404, body = Detail), (status = 409, body = Detail), (status = 422, body = ValidationDetail)))]
pub async fn patch(
    state: State<AppState>,
    admin: AdminUser,
    ids: PathIds,
    body: ValidJson<VariantUpdate>,
) -> Result<Json<VariantPublic>, ApiError> {
    update(state, admin, ids, body).await
}

/// Delete a variant and its attributes (admin).
#[utoipa::path(delete, path = "/products/{id}/variants/{variant_id}", tag = "variants", operation_id = "variants-delete",
    params(("id" = i64, Path, description = "Product id"), ("variant_id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 204), (status = 401, body = Detail), (status = 403, body = Detail), (status = 404, body = Detail),
        (status = 422, body = ValidationDetail)))]
pub async fn delete(
    State(state): State<AppState>,
    _admin: AdminUser,
    PathIds(id, variant_id): PathIds,
) -> Result<StatusCode, ApiError> {
    service::delete(&state.db, id, variant_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
