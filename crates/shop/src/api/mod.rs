//! HTTP routes, one module per resource, and the OpenAPI document assembled from them.

pub mod auth;
pub mod categories;
pub mod docs;
pub mod extract;
pub mod products;
pub mod suppliers;
pub mod system;
pub mod tags;
pub mod variants;

use axum::Router;
use axum::routing::get;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::SwaggerUi;

use crate::app::AppState;
use crate::error::ApiError;

#[derive(OpenApi)]
#[openapi(
    info(title = "E-commerce API", description = "Catalog, users, orders and analytics of a shop."),
    modifiers(&BearerScheme),
    tags(
        (name = "system", description = "Service status"),
        (name = "categories", description = "Product categories"),
        (name = "suppliers", description = "Suppliers of products"),
        (name = "products", description = "The catalog"),
        (name = "variants", description = "Product variants and their attributes"),
        (name = "tags", description = "Labels on products (many-to-many)"),
    )
)]
struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.bearer_format = Some("JWT".to_owned());
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(categories::list, categories::create)).routes(routes!(
        categories::get,
        categories::update,
        categories::patch,
        categories::delete
    ))
}

/// The OpenAPI document, with the API paths under `api_prefix`.
pub fn openapi(api_prefix: &str) -> utoipa::openapi::OpenApi {
    let (_, spec) = OpenApiRouter::<AppState>::with_openapi(ApiDoc::openapi())
        .routes(routes!(system::root))
        .routes(routes!(system::health))
        .nest(api_prefix, api_routes())
        .split_for_parts();
    spec
}

/// Every route of the service, with state.
pub fn routes(state: AppState) -> Router {
    let prefix = state.settings.api_v1_str.clone();
    let (router, spec) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(system::root))
        .routes(routes!(system::health))
        .nest(&prefix, api_routes())
        .split_for_parts();
    let spec_url = format!("{prefix}/openapi.json");
    let redoc = docs::redoc_page(&spec_url, &state.settings.project_name);
    router
        .merge(SwaggerUi::new("/docs").url(spec_url, spec))
        .route("/redoc", get(move || std::future::ready(redoc.clone())))
        .route("/redoc/redoc.standalone.js", get(docs::redoc_js))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::NotFound("Not Found".to_owned())
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
