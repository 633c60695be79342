//! `/products/{id}/variants`: variants with attributes; public reads, admin writes.

use utoipa_axum::router::OpenApiRouter;

use crate::app::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
