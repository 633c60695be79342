//! `/categories`: public reads, admin writes.

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
use crate::schema::category::{CategoryCreate, CategoryPublic, CategoryUpdate};
use crate::schema::common::{Page, Pagination, includes};
use crate::schema::product::ProductPublic;
use crate::service::categories as service;

pub fn routes(prefix: &str) -> OpenApiRouter<AppState> {
    Prefixed::new(prefix).routes(routes!(list, create)).routes(routes!(get, update, patch, delete)).done()
}

/// List categories by id.
#[utoipa::path(get, path = "/categories", tag = "categories", operation_id = "categories-list",
    params(("skip" = Option<u64>, Query, minimum = 0), ("limit" = Option<u64>, Query, minimum = 1, maximum = 100)),
    responses((status = 200, body = Page<CategoryPublic>), (status = 422, body = ValidationDetail)))]
pub async fn list(State(state): State<AppState>, mut params: Params) -> Result<Json<Page<CategoryPublic>>, ApiError> {
    let page = Pagination::read(&mut params);
    params.finish()?;
    let (items, total) = service::list(&state.read_db, page).await?;
    Ok(Json(page.page(items.into_iter().map(CategoryPublic::from).collect(), total)))
}

/// One category; `?include=products` embeds its products.
#[utoipa::path(get, path = "/categories/{id}", tag = "categories", operation_id = "categories-get",
    params(("id" = i64, Path), ("include" = Option<String>, Query, example = "products")),
    responses((status = 200, body = CategoryPublic), (status = 404, body = Detail), (status = 422, body = ValidationDetail)))]
pub async fn get(
    State(state): State<AppState>,
    PathId(id): PathId,
    mut params: Params,
) -> Result<Json<CategoryPublic>, ApiError> {
    let include = includes(&mut params, &["products"]);
    params.finish()?;
    let category = service::get(&state.db, id).await?;
    let category_id = category.id;
    let mut body = CategoryPublic::from(category);
    if include.iter().any(|i| i == "products") {
        let products = service::products_of(&state.db, category_id).await?;
        body.products = Some(products.into_iter().map(ProductPublic::from).collect());
    }
    Ok(Json(body))
}

/// Create a category (admin).
#[utoipa::path(post, path = "/categories", tag = "categories", operation_id = "categories-create",
    request_body = CategoryCreate, security(("bearer" = [])),
    responses((status = 201, body = CategoryPublic), (status = 401, body = Detail), (status = 403, body = Detail),
        (status = 409, body = Detail), (status = 422, body = ValidationDetail)))]
pub async fn create(
    State(state): State<AppState>,
    _admin: AdminUser,
    ValidJson(input): ValidJson<CategoryCreate>,
) -> Result<(StatusCode, Json<CategoryPublic>), ApiError> {
    let created = service::create(&state.db, input).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// Update the fields sent (admin).
#[utoipa::path(put, path = "/categories/{id}", tag = "categories", operation_id = "categories-update",
    params(("id" = i64, Path)), request_body = CategoryUpdate, security(("bearer" = [])),
    responses((status = 200, body = CategoryPublic), (status = 401, body = Detail), (status = 403, body = Detail),
        (status = 404, body = Detail), (status = 409, body = Detail), (status = 422, body = ValidationDetail)))]
pub async fn update(
    State(state): State<AppState>,
    _admin: AdminUser,
    PathId(id): PathId,
    ValidJson(patch): ValidJson<CategoryUpdate>,
) -> Result<Json<CategoryPublic>, ApiError> {
    Ok(Json(service::update(&state.db, id, patch).await?.into()))
}

/// Update the fields sent (admin); same as PUT.
#[utoipa::path(patch, path = "/categories/{id}", tag = "categories", operation_id = "categories-patch",
    params(("id" = i64, Path)), request_body = CategoryUpdate, security(("bearer" = [])),
    responses((status = 200, body = CategoryPublic), (status = 401, body = Detail), (status = 403, body = Detail),
        (status = 404, body = Detail), (status = 409, body = Detail), (status = 422, body = ValidationDetail)))]
pub async fn patch(
    state: State<AppState>,
    admin: AdminUser,
    id: PathId,
    body: ValidJson<CategoryUpdate>,
) -> Result<Json<CategoryPublic>, ApiError> {
    update(state, admin, id, body).await
}

/// Delete a category without products (admin).
#[utoipa::path(delete, path = "/categories/{id}", tag = "categories", operation_id = "categories-delete",
    params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 401, body = Detail), (status = 403, body = Detail), (status = 404, body = Detail),
        (status = 409, body = Detail)))]
pub async fn delete(
    State(state): State<AppState>,
    _admin: AdminUser,
    PathId(id): PathId,
) -> Result<StatusCode, ApiError> {
    service::delete(&state.db, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
