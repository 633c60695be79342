//! Routes registered under the API prefix (`API_V1_STR`) by their full path. Nesting a router
//! under the prefix gives the same paths, but strips the prefix from every request's URI before
//! routing it, which was about 3% of the CPU time of a product read.

use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};

use crate::api::AppState;

/// An [`OpenApiRouter`] whose routes and documented paths all start with `prefix`.
pub struct Prefixed<'a> {
    prefix: &'a str,
    router: OpenApiRouter<AppState>,
}

impl<'a> Prefixed<'a> {
    /// `prefix` is `API_V1_STR` without its trailing slash (empty for `/`).
    pub fn new(prefix: &'a str) -> Self {
        Self { prefix, router: OpenApiRouter::new() }
    }

    /// Registers the operations of one path (`utoipa_axum::routes!`) at `prefix` + that path.
    #[must_use]
    pub fn routes(mut self, (schemas, mut paths, method_router): UtoipaMethodRouter<AppState>) -> Self {
        paths.paths = std::mem::take(&mut paths.paths)
            .into_iter()
            .map(|(path, item)| (format!("{}{path}", self.prefix), item))
            .collect();
        self.router = self.router.routes((schemas, paths, method_router));
        self
    }

    pub fn done(self) -> OpenApiRouter<AppState> {
        self.router
    }
}
