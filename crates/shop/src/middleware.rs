//! Per-request bookkeeping: a request id (echoed when the client sent one), the processing
//! time, and one log line per request with the matched route.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn new_request_id() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{:x}-{:x}", nanos & 0xffff_ffff_ffff, NEXT_ID.fetch_add(1, Ordering::Relaxed))
}

fn acceptable(id: &str) -> bool {
    !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_graphic())
}

pub async fn trace_request(request: Request, next: Next) -> Response {
    let start = Instant::now();
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable(v))
        .map_or_else(new_request_id, str::to_owned);
    let route = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned());
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let span =
        tracing::info_span!("request", %method, route = route.as_deref().unwrap_or(&path), request_id = %request_id);
    let mut response = next.run(request).instrument(span.clone()).await;
    let elapsed = start.elapsed();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert("x-request-id", value);
    }
    if let Ok(value) = HeaderValue::from_str(&format!("{:.6}", elapsed.as_secs_f64())) {
        headers.insert("x-process-time", value);
    }
    crate::metrics::record_request(
        method.as_str(),
        route.as_deref().unwrap_or("unmatched"),
        response.status().as_u16(),
        elapsed.as_secs_f64(),
    );
    span.in_scope(|| {
        tracing::info!(status = response.status().as_u16(), ms = elapsed.as_secs_f64() * 1000.0, "{method} {path}");
    });
    response
}

/// Answers 503 when a request runs past `REQUEST_TIMEOUT_SECONDS`; dropping the handler's
/// future rolls back any transaction it had open.
pub async fn time_limit(
    axum::extract::State(limit): axum::extract::State<std::time::Duration>,
    request: Request,
    next: Next,
) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => axum::response::IntoResponse::into_response(crate::error::ApiError::Unavailable(format!(
            "request exceeded {} s",
            limit.as_secs()
        ))),
    }
}

/// Any successful write may change what a cached read shows: invalidate after it.
pub async fn invalidate_on_write(
    axum::extract::State(cache): axum::extract::State<std::sync::Arc<crate::cache::ResponseCache>>,
    request: Request,
    next: Next,
) -> Response {
    let writes =
        !matches!(*request.method(), axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS);
    let response = next.run(request).await;
    if writes && response.status().is_success() {
        cache.invalidate().await;
    }
    response
}
