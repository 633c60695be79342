//! `/suppliers`: public reads, admin writes.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::AdminUser;
use super::body::ValidJson;
use super::extract::{Params, PathId};
use super::prefixed::Prefixed;
use crate::api::AppState;
use crate::error::{ApiError, Detail, ValidationDetail};
use crate::schema::common::{Page, Pagination};
use crate::schema::supplier::{SupplierCreate, SupplierPublic, SupplierUpdate};
use crate::service::suppliers as service;

pub fn routes(prefix: &str) -> OpenApiRouter<AppState> {
    Prefixed::new(prefix).routes(routes!(list, create)).routes(routes!(get, update, patch, delete)).done()
}

/// List suppliers by id.
#[utoipa::path(get, path = "/suppliers", tag = "suppliers", operation_id = "suppliers-list",
    params(("skip" = Option<u64>, Query, minimum = 0), ("limit" = Option<u64>, Query, minimum = 1, maximum = 100)),
    responses((status = 200, body = Page<SupplierPublic>), (status = 422, body = ValidationDetail)))]
pub async fn list(State(state): State<AppState>, mut params: Params) -> Result<Json<Page<SupplierPublic>>, ApiError> {
    let page = Pagination::read(&mut params);
    params.finish()?;
    let (items, total) = service::list(&state.read_db, page).await?;
    Ok(Json(page.page(items.into_iter().map(SupplierPublic::from).collect(), total)))
}

/// One supplier.
#[utoipa::path(get, path = "/suppliers/{id}", tag = "suppliers", operation_id = "suppliers-get",
    params(("id" = i64, Path)),
    responses((status = 200, body = SupplierPublic), (status = 404, body = Detail), (status = 422, body = ValidationDetail)))]
pub async fn get(State(state): State<AppState>, PathId(id): PathId) -> Result<Json<SupplierPublic>, ApiError> {
    Ok(Json(service::get(&state.db, id).await?.into()))
}

/// Create a supplier (admin).
#[utoipa::path(post, path = "/suppliers", tag = "suppliers", operation_id = "suppliers-create",
    request_body = SupplierCreate, security(("bearer" = [])),
    responses((status = 201, body = SupplierPublic), (status = 401, body = Detail), (status = 403, body = Detail),
        (status = 409, body = Detail), (status = 422, body = ValidationDetail)))]
pub async fn create(
    State(state): State<AppState>,
    _admin: AdminUser,
    ValidJson(input): ValidJson<SupplierCreate>,
) -> Result<(StatusCode, Json<SupplierPublic>), ApiError> {
    let created = service::create(&state.db, input).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// Update the fields sent (admin); `null` clears `contact_email` or `rating`.
#[utoipa::path(put, path = "/suppliers/{id}", tag = "suppliers", operation_id = "suppliers-update",
    params(("id" = i64, Path)), request_body = SupplierUpdate, security(("bearer" = [])),
    responses((status = 200, body = SupplierPublic), (status = 401, body = Detail), (status = 403, body = Detail),
        (status = 404, body = Detail), (status = 409, body = Detail), (status = 422, body = ValidationDetail)))]
pub async fn update(
    State(state): State<AppState>,
    _admin: AdminUser,
    PathId(id): PathId,
    ValidJson(patch): ValidJson<SupplierUpdate>,
) -> Result<Json<SupplierPublic>, ApiError> {
    Ok(Json(service::update(&state.db, id, patch).await?.into()))
}

/// Update the fields sent (admin); same as PUT.
#[utoipa::path(patch, path = "/suppliers/{id}", tag = "suppliers", operation_id = "suppliers-patch",
    params(("id" = i64, Path)), request_body = SupplierUpdate, security(("bearer" = [])),
    responses((status = 200, body = SupplierPublic), (status = 401, body = Detail), (status = 403, body = Detail),
        (status = 404, body = Detail), (status = 409, body = Detail), (status = 422, body = ValidationDetail)))]
pub async fn patch(
    state: State<AppState>,
    admin: AdminUser,
    id: PathId,
    body: ValidJson<SupplierUpdate>,
) -> Result<Json<SupplierPublic>, ApiError> {
    update(state, admin, id, body).await
}

/// Delete a supplier (admin); its products stay, with `supplier_id` cleared.
#[utoipa::path(delete, path = "/suppliers/{id}", tag = "suppliers", operation_id = "suppliers-delete",
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
