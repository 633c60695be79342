//! `/products` and `PUT /products/{id}/tags`: public reads, admin writes.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::AdminUser;
use super::extract::{Params, PathId, ValidJson};
use crate::app::AppState;
use crate::error::{ApiError, Detail, ValidationDetail};
use crate::schema::common::{Page, Pagination};
use crate::schema::product::{
    ProductCreate, ProductInclude, ProductPublic, ProductTagsUpdate, ProductUpdate, read_sort,
};
use crate::service::products as service;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get, update, patch, delete))
        .routes(routes!(set_tags))
}

/// List products, by id unless `sort` says otherwise; `include` embeds relations.
#[utoipa::path(get, path = "/products", tag = "products", operation_id = "products-list",
    params(("skip" = Option<u64>, Query, minimum = 0), ("limit" = Option<u64>, Query, minimum = 1, maximum = 100),
        ("sort" = Option<String>, Query, example = "category_id,-price",
            description = "Comma list of fields, `-` for descending; ties are broken by id. Allowed: id, name, \
                price, stock_quantity, category_id, supplier_id, created_at, updated_at"),
        ("include" = Option<String>, Query, example = "category,tags",
            description = "Relations to embed: category, supplier, tags, variants")),
    responses((status = 200, body = Page<ProductPublic>), (status = 422, body = ValidationDetail)))]
pub async fn list(State(state): State<AppState>, mut params: Params) -> Result<Json<Page<ProductPublic>>, ApiError> {
    let page = Pagination::read(&mut params);
    let sort = read_sort(&mut params);
    let include = ProductInclude::read(&mut params);
    params.finish()?;
    let (items, total) = service::list(&state.db, page, &sort).await?;
    let items = service::embed(&state.db, items, include).await?;
    Ok(Json(page.page(items, total)))
}

/// One product; `?include=category,supplier,tags,variants` embeds those relations.
#[utoipa::path(get, path = "/products/{id}", tag = "products", operation_id = "products-get",
    params(("id" = i64, Path), ("include" = Option<String>, Query, example = "category,supplier,tags,variants",
        description = "Relations to embed: category, supplier, tags, variants")),
    responses((status = 200, body = ProductPublic), (status = 404, body = Detail), (status = 422, body = ValidationDetail)))]
pub async fn get(
    State(state): State<AppState>,
    PathId(id): PathId,
    mut params: Params,
) -> Result<Json<ProductPublic>, ApiError> {
    let include = ProductInclude::read(&mut params);
    params.finish()?;
    let product = service::get(&state.db, id).await?;
    Ok(Json(service::embed_one(&state.db, product, include).await?))
}

/// Create a product (admin); its category and supplier must exist.
#[utoipa::path(post, path = "/products", tag = "products", operation_id = "products-create",
    request_body(content = ProductCreate, example = json!({"name": "iPhone 15 Pro", "description": "Latest Apple smartphone",
        "sku": "APL-IP15P-128", "price": "1199.99", "stock_quantity": 50, "category_id": 1})),
    security(("bearer" = [])),
    responses((status = 201, body = ProductPublic), (status = 401, body = Detail), (status = 403, body = Detail),
        (status = 409, body = Detail), (status = 422, body = ValidationDetail)))]
pub async fn create(
    State(state): State<AppState>,
    _admin: AdminUser,
    ValidJson(input): ValidJson<ProductCreate>,
) -> Result<(StatusCode, Json<ProductPublic>), ApiError> {
    let created = service::create(&state.db, input).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// Update the fields sent (admin); `null` clears description, sku or supplier_id.
#[utoipa::path(put, path = "/products/{id}", tag = "products", operation_id = "products-update",
    params(("id" = i64, Path)),
    request_body(content = ProductUpdate, example = json!({"price": "1099.99", "stock_quantity": 40})),
    security(("bearer" = [])),
    responses((status = 200, body = ProductPublic), (status = 401, body = Detail), (status = 403, body = Detail),
        (status = 404, body = Detail), (status = 409, body = Detail), (status = 422, body = ValidationDetail)))]
pub async fn update(
    State(state): State<AppState>,
    _admin: AdminUser,
    PathId(id): PathId,
    ValidJson(patch): ValidJson<ProductUpdate>,
) -> Result<Json<ProductPublic>, ApiError> {
    Ok(Json(service::update(&state.db, id, patch).await?.into()))
}

/// Update the fields sent (admin); same as PUT.
#[utoipa::path(patch, path = "/products/{id}", tag = "products", operation_id = "products-patch",
    params(("id" = i64, Path)),
    request_body(content = ProductUpdate, example = json!({"description": null, "stock_quantity": 40})),
    security(("bearer" = [])),
    responses((status = 200, body = ProductPublic), (status = 401, body = Detail), (status = 403, body = Detail),
        (status = 404, body = Detail), (status = 409, body = Detail), (status = 422, body = ValidationDetail)))]
pub async fn patch(
    state: State<AppState>,
    admin: AdminUser,
    id: PathId,
    body: ValidJson<ProductUpdate>,
) -> Result<Json<ProductPublic>, ApiError> {
    update(state, admin, id, body).await
}

/// Delete a product (admin) with its variants and tag links; a product already ordered is 409.
#[utoipa::path(delete, path = "/products/{id}", tag = "products", operation_id = "products-delete",
    params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 401, body = Detail), (status = 403, body = Detail), (status = 404, body = Detail),
        (status = 409, body = Detail), (status = 422, body = ValidationDetail)))]
pub async fn delete(
    State(state): State<AppState>,
    _admin: AdminUser,
    PathId(id): PathId,
) -> Result<StatusCode, ApiError> {
    service::delete(&state.db, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replace a product's tags (admin), in one transaction; answers the product with its tags.
#[utoipa::path(put, path = "/products/{id}/tags", tag = "products", operation_id = "products-set-tags",
    params(("id" = i64, Path)), request_body = ProductTagsUpdate, security(("bearer" = [])),
    responses((status = 200, body = ProductPublic), (status = 401, body = Detail), (status = 403, body = Detail),
        (status = 404, body = Detail), (status = 422, body = ValidationDetail)))]
pub async fn set_tags(
    State(state): State<AppState>,
    _admin: AdminUser,
    PathId(id): PathId,
    ValidJson(input): ValidJson<ProductTagsUpdate>,
) -> Result<Json<ProductPublic>, ApiError> {
    Ok(Json(service::set_tags(&state.db, id, &input.tag_ids).await?))
}
