//! `/tags` and `/tags/{id}/products`: public reads, admin writes.

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
use crate::schema::product::ProductPublic;
use crate::schema::tag::{TagCreate, TagPublic, TagUpdate};
use crate::service::tags as service;

pub fn routes(prefix: &str) -> OpenApiRouter<AppState> {
    Prefixed::new(prefix)
        .routes(routes!(list, create))
        .routes(routes!(get, update, patch, delete))
        .routes(routes!(products))
        .done()
}

/// List tags by id.
#[utoipa::path(get, path = "/tags", tag = "tags", operation_id = "tags-list",
    params(("skip" = Option<u64>, Query, minimum = 0), ("limit" = Option<u64>, Query, minimum = 1, maximum = 100)),
    responses((status = 200, body = Page<TagPublic>), (status = 422, body = ValidationDetail)))]
pub async fn list(State(state): State<AppState>, mut params: Params) -> Result<Json<Page<TagPublic>>, ApiError> {
    let page = Pagination::read(&mut params);
    params.finish()?;
    let (items, total) = service::list(&state.read_db, page).await?;
    Ok(Json(page.page(items.into_iter().map(TagPublic::from).collect(), total)))
}

/// One tag.
#[utoipa::path(get, path = "/tags/{id}", tag = "tags", operation_id = "tags-get",
    params(("id" = i64, Path)),
    responses((status = 200, body = TagPublic), (status = 404, body = Detail), (status = 422, body = ValidationDetail)))]
pub async fn get(State(state): State<AppState>, PathId(id): PathId) -> Result<Json<TagPublic>, ApiError> {
    Ok(Json(service::get(&state.db, id).await?.into()))
}

/// The products carrying a tag, by id.
#[utoipa::path(get, path = "/tags/{id}/products", tag = "tags", operation_id = "tags-products",
    params(("id" = i64, Path), ("skip" = Option<u64>, Query, minimum = 0),
        ("limit" = Option<u64>, Query, minimum = 1, maximum = 100)),
    responses((status = 200, body = Page<ProductPublic>), (status = 404, body = Detail),
        (status = 422, body = ValidationDetail)))]
pub async fn products(
    State(state): State<AppState>,
    PathId(id): PathId,
    mut params: Params,
) -> Result<Json<Page<ProductPublic>>, ApiError> {
    let page = Pagination::read(&mut params);
    params.finish()?;
    let (items, total) = service::products_of(&state.read_db, id, page).await?;
    Ok(Json(page.page(items.into_iter().map(ProductPublic::from).collect(), total)))
}

/// Create a tag (admin); `color` defaults to `#007bff`.
#[utoipa::path(post, path = "/tags", tag = "tags", operation_id = "tags-create",
    request_body = TagCreate, security(("bearer" = [])),
    responses((status = 201, body = TagPublic), (status = 401, body = Detail), (status = 403, body = Detail),
        (status = 409, body = Detail), (status = 422, body = ValidationDetail)))]
pub async fn create(
    State(state): State<AppState>,
    _admin: AdminUser,
    ValidJson(input): ValidJson<TagCreate>,
) -> Result<(StatusCode, Json<TagPublic>), ApiError> {
    let created = service::create(&state.db, input).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// Update the fields sent (admin).
#[utoipa::path(put, path = "/tags/{id}", tag = "tags", operation_id = "tags-update",
    params(("id" = i64, Path)), request_body = TagUpdate, security(("bearer" = [])),
    responses((status = 200, body = TagPublic), (status = 401, body = Detail), (status = 403, body = Detail),
        (status = 404, body = Detail), (status = 409, body = Detail), (status = 422, body = ValidationDetail)))]
pub async fn update(
    State(state): State<AppState>,
    _admin: AdminUser,
    PathId(id): PathId,
    ValidJson(patch): ValidJson<TagUpdate>,
) -> Result<Json<TagPublic>, ApiError> {
    Ok(Json(service::update(&state.db, id, patch).await?.into()))
}

/// Update the fields sent (admin); same as PUT.
#[utoipa::path(patch, path = "/tags/{id}", tag = "tags", operation_id = "tags-patch",
    params(("id" = i64, Path)), request_body = TagUpdate, security(("bearer" = [])),
    responses((status = 200, body = TagPublic), (status = 401, body = Detail), (status = 403, body = Detail),
        (status = 404, body = Detail), (status = 409, body = Detail), (status = 422, body = ValidationDetail)))]
pub async fn patch(
    state: State<AppState>,
    admin: AdminUser,
    id: PathId,
    body: ValidJson<TagUpdate>,
) -> Result<Json<TagPublic>, ApiError> {
    update(state, admin, id, body).await
}

/// Delete a tag (admin); its product associations go with it, the products stay.
#[utoipa::path(delete, path = "/tags/{id}", tag = "tags", operation_id = "tags-delete",
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
