//! `/products` and `PUT /products/{id}/tags`: public reads, admin writes.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::AdminUser;
use super::body::ValidJson;
use super::cached;
use super::extract::{Params, PathId};
use super::prefixed::Prefixed;
use crate::api::AppState;
use crate::error::{ApiError, Detail, ValidationDetail};
use crate::schema::common::Pagination;
use crate::schema::product::{
    ProductCreate, ProductInclude, ProductPage, ProductPublic, ProductTagsUpdate, ProductUpdate,
};
use crate::search::query::ProductSearch;
use crate::service::product_read;
use crate::service::products as service;

pub fn routes(prefix: &str) -> OpenApiRouter<AppState> {
    Prefixed::new(prefix)
        .routes(routes!(list, create))
        .routes(routes!(get, update, patch, delete))
        .routes(routes!(set_tags))
        .done()
}

/// Search products: list filters, a `filter` expression, `sort`, and keyset paging with
/// `cursor`; `include` embeds relations.
#[utoipa::path(get, path = "/products", tag = "products", operation_id = "products-list",
    params(("skip" = Option<u64>, Query, minimum = 0, description = "Rows to skip; not with `cursor`"),
        ("limit" = Option<u64>, Query, minimum = 1, maximum = 100),
        ("q" = Option<String>, Query, description = "Case-insensitive search in the name"),
        ("category_id" = Option<Vec<i64>>, Query, explode = true, description = "Any of these categories (repeatable)"),
        ("supplier_id" = Option<i64>, Query),
        ("tag" = Option<String>, Query, description = "Tagged with this tag name"),
        ("min_price" = Option<String>, Query, example = "10.00", description = "Inclusive"),
        ("max_price" = Option<String>, Query, example = "99.99", description = "Inclusive"),
        ("in_stock" = Option<bool>, Query), ("is_active" = Option<bool>, Query),
        ("has_description" = Option<bool>, Query),
        ("sort" = Option<String>, Query, example = "category_id,-price",
            description = "Comma list of fields, `-` for descending; ties are broken by id. Allowed: id, name, \
                price, stock_quantity, category_id, supplier_id, created_at, updated_at"),
        ("filter" = Option<String>, Query,
            example = "(category_id = 2 and price < 50) or (category_id = 1 and price > 1000)",
            description = "Boolean expression over product fields: `= != < <= > >=`, `in (...)`, \
                `between a and b`, `like`, `ilike`, `is [not] null`, `and`, `or`, `not`, parentheses. \
                Strings in single quotes (`''` escapes a quote); `like` is case-sensitive, `ilike` is not."),
        ("cursor" = Option<String>, Query, description = "The `next_cursor` of the previous page, sent with the \
            same filters and sort. Its page reports the `total` the first page counted, so paging on does not \
            count every match again"),
        ("track_total" = Option<bool>, Query, description = "Count every match: without it `total` is exact up to \
            10,000 matches, and past that 10000 with `total_relation` \"gte\""),
        ("include" = Option<String>, Query, example = "category,tags",
            description = "Relations to embed: category, supplier, tags, variants")),
    responses((status = 200, body = ProductPage), (status = 422, body = ValidationDetail)))]
pub async fn list(State(state): State<AppState>, uri: Uri, mut params: Params) -> Result<Response, ApiError> {
    let page = Pagination::read(&mut params);
    let search = ProductSearch::read(&mut params);
    let include = ProductInclude::read(&mut params);
    params.finish()?;
    cached::json(&state, &uri, || async {
        let secret = state.settings.auth.secret_key.expose().as_bytes();
        let (items, total, next_cursor) = service::search(&state.read_db, &search, page, secret).await?;
        let items = service::embed(&state.read_db, items, include).await?;
        let skip = if search.cursor.is_some() { 0 } else { page.skip };
        Ok(ProductPage {
            items,
            total: total.value,
            total_relation: total.relation,
            skip,
            limit: page.limit,
            next_cursor,
        })
    })
    .await
}

/// One product; `?include=category,supplier,tags,variants` embeds those relations.
#[utoipa::path(get, path = "/products/{id}", tag = "products", operation_id = "products-get",
    params(("id" = i64, Path), ("include" = Option<String>, Query, example = "category,supplier,tags,variants",
        description = "Relations to embed: category, supplier, tags, variants")),
    responses((status = 200, body = ProductPublic), (status = 404, body = Detail), (status = 422, body = ValidationDetail)))]
pub async fn get(
    State(state): State<AppState>,
    uri: Uri,
    PathId(id): PathId,
    mut params: Params,
) -> Result<Response, ApiError> {
    let include = ProductInclude::read(&mut params);
    params.finish()?;
    cached::json(&state, &uri, || async {
        let product = product_read::product(&state.db, id).await?;
        service::embed_one(&state.db, product, include).await
    })
    .await
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
    Ok(Json(service::update(&state.db, &state.outbox, id, patch).await?.into()))
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
