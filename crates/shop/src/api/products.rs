//! `/products` and `PUT /products/{id}/tags`: public reads, admin writes.

use utoipa_axum::router::OpenApiRouter;

use crate::app::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
