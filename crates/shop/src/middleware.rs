//! Per-request bookkeeping in one layer: a request id (echoed when the client sent one), the
//! time limit, cache invalidation after writes, metrics, the processing time, and one log line
//! per request with the matched route.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

use crate::cache::ResponseCache;
use crate::error::ApiError;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn new_request_id() -> HeaderValue {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let id = format!("{:x}-{:x}", nanos & 0xffff_ffff_ffff, NEXT_ID.fetch_add(1, Ordering::Relaxed));
    // Hex digits and a dash are always a valid header value.
    HeaderValue::from_str(&id).unwrap_or(HeaderValue::from_static("0"))
}

fn acceptable(id: &[u8]) -> bool {
    !id.is_empty() && id.len() <= 128 && id.iter().all(u8::is_ascii_graphic)
}

/// What the per-request middleware needs: the request time limit and the cache that writes
/// invalidate.
pub struct Frontline {
    pub time_limit: Duration,
    pub cache: Arc<ResponseCache>,
}

/// The one middleware every routed request passes through. One layer rather than one per
/// concern: axum clones a route's whole layer stack for every request, so each extra layer
/// costs an allocation and a dispatch on the hottest path.
///
/// - tags the request with an id (the client's `x-request-id` when acceptable), echoed back;
/// - answers 503 when the request runs past the time limit; dropping the handler's future
///   rolls back any transaction it had open;
/// - after any successful write, invalidates the cache (the write may change any cached read);
/// - records the metrics, `x-process-time`, and one log line with the matched route.
pub async fn frontline(State(frontline): State<Arc<Frontline>>, request: Request, next: Next) -> Response {
    let start = Instant::now();
    let request_id = request
        .headers()
        .get("x-request-id")
        .filter(|v| acceptable(v.as_bytes()))
        .cloned()
        .unwrap_or_else(new_request_id);
    let route = request.extensions().get::<MatchedPath>().cloned();
    let method = request.method().clone();
    let writes = !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS);
    let span = tracing::info_span!("request", %method, route = route.as_ref().map_or_else(|| request.uri().path(), MatchedPath::as_str), request_id = ?request_id);
    let path = request.uri().path().to_owned();
    let limited = tokio::time::timeout(frontline.time_limit, next.run(request)).instrument(span.clone()).await;
    let mut response = match limited {
        Ok(response) => response,
        Err(_) => {
            ApiError::Unavailable(format!("request exceeded {} s", frontline.time_limit.as_secs())).into_response()
        }
    };
    if writes && response.status().is_success() {
        frontline.cache.invalidate().await;
    }
    let elapsed = start.elapsed();
    let status = response.status();
    let headers = response.headers_mut();
    headers.insert("x-request-id", request_id);
    if let Ok(value) = HeaderValue::from_str(&format!("{:.6}", elapsed.as_secs_f64())) {
        headers.insert("x-process-time", value);
    }
    crate::metrics::record_request(
        &method,
        route.as_ref().map_or("unmatched", MatchedPath::as_str),
        status.as_u16(),
        elapsed.as_secs_f64(),
    );
    span.in_scope(|| {
        tracing::info!(status = status.as_u16(), ms = elapsed.as_secs_f64() * 1000.0, "{method} {path}");
    });
    response
}
