//! HTTP routes, one module per resource, and the OpenAPI document assembled from them.

pub mod admission;
pub mod analytics;
pub mod auth;
pub mod body;
pub mod cached;
pub mod categories;
pub mod docs;
pub mod extract;
pub mod json_body;
pub mod json_input;
pub mod login;
pub mod login_form;
pub mod metrics;
pub mod orders;
mod prefixed;
pub mod products;
pub mod state;
pub mod suppliers;
pub mod system;
pub mod tags;
pub mod users;
pub mod variants;
pub mod webhooks;

pub use state::AppState;

use axum::Router;
use axum::routing::get;
use utoipa::OpenApi;
use utoipa::openapi::security::{Flow, OAuth2, Password, Scopes, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::SwaggerUi;

use crate::error::ApiError;

#[derive(OpenApi)]
#[openapi(
    info(title = "E-commerce API", description = "Catalog, users, orders and analytics of a shop."),
    tags(
        (name = "system", description = "Service status"),
        (name = "categories", description = "Product categories"),
        (name = "suppliers", description = "Suppliers of products"),
        (name = "products", description = "The catalog"),
        (name = "variants", description = "Product variants and their attributes"),
        (name = "tags", description = "Labels on products (many-to-many)"),
        (name = "login", description = "Access tokens (OAuth2 password flow)"),
        (name = "users", description = "Accounts and profiles"),
        (name = "orders", description = "Orders with line items and a status lifecycle"),
        (name = "analytics", description = "Reports: aggregations, joins, window functions"),
        (name = "webhooks", description = "Event delivery to HTTP endpoints, signed per Standard Webhooks"),
    )
)]
struct ApiDoc;

/// OAuth2 password flow against the login endpoint, so Swagger UI's Authorize button logs in.
fn add_security(spec: &mut utoipa::openapi::OpenApi, prefix: &str) {
    let flow = Flow::Password(Password::new(format!("{prefix}/login/access-token"), Scopes::new()));
    let components = spec.components.get_or_insert_with(Default::default);
    components.add_security_scheme("bearer", SecurityScheme::OAuth2(OAuth2::new([flow])));
}

fn api_routes(prefix: &str) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(categories::routes(prefix))
        .merge(suppliers::routes(prefix))
        .merge(products::routes(prefix))
        .merge(variants::routes(prefix))
        .merge(tags::routes(prefix))
        .merge(login::routes(prefix))
        .merge(users::routes(prefix))
        .merge(orders::routes(prefix))
        .merge(analytics::routes(prefix))
        .merge(webhooks::routes(prefix))
}

fn assembled(prefix: &str, title: &str) -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut spec) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(system::root))
        .routes(routes!(system::health))
        .merge(api_routes(prefix))
        .split_for_parts();
    add_security(&mut spec, prefix);
    title.clone_into(&mut spec.info.title);
    (router, spec)
}

/// The OpenAPI document, with the API paths under `api_prefix` and `title` (`PROJECT_NAME`).
pub fn openapi(api_prefix: &str, title: &str) -> utoipa::openapi::OpenApi {
    assembled(api_prefix.trim_end_matches('/'), title).1
}

/// Every route of the service, with state.
pub fn routes(state: AppState) -> Router {
    // `API_V1_STR=/` serves the API at the root.
    let prefix = state.settings.server.api_v1_str.trim_end_matches('/').to_owned();
    let (router, spec) = assembled(&prefix, &state.settings.server.project_name);
    let spec_url = format!("{prefix}/openapi.json");
    let redoc = docs::redoc_page(&spec_url, &state.settings.server.project_name);
    router
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), crate::api::admission::gate))
        .merge(SwaggerUi::new("/docs").url(spec_url, spec))
        .route("/redoc", get(move || std::future::ready(redoc.clone())))
        .route("/redoc/redoc.standalone.js", get(docs::redoc_js))
        .route("/redoc/logo-mini.svg", get(docs::redoc_logo))
        .route("/metrics", get(metrics::render))
        .merge(crate::console::routes(&prefix))
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
