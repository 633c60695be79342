//! The staff console at `/admin`: a browser client of the JSON API, served from files embedded
//! in the binary. It signs in through the API's login and sends the same bearer tokens, so the
//! API's permissions, validation and throttling apply to it unchanged.

mod assets;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use assets::Prepared;

/// Nothing but this origin: scripts, styles, fetches and images; no frames, no inline code.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// `/admin` (the page) and `/admin/assets/...` (its files), for the API under `api_prefix`.
pub fn routes<S: Clone + Send + Sync + 'static>(api_prefix: &str) -> Router<S> {
    let page = Arc::new(assets::index_page(api_prefix));
    Router::new().route("/admin", get(index).with_state(page)).route("/admin/assets/{*path}", get(asset))
}

async fn index(State(page): State<Arc<Prepared>>, headers: HeaderMap) -> Response {
    page.respond(&headers)
}

async fn asset(Path(path): Path<String>, headers: HeaderMap) -> Response {
    match assets::find(&path) {
        Some(found) => found.respond(&headers),
        None => (StatusCode::NOT_FOUND, guarded(), "Not Found").into_response(),
    }
}

/// The headers every console response carries.
fn guarded() -> [(header::HeaderName, HeaderValue); 4] {
    [
        (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY)),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
        // Revalidated on every load (cheap: a 304 by ETag), so a new binary's files are seen at once.
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
    ]
}
