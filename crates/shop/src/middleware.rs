//! Per-request bookkeeping in one layer: a request id (echoed when the client sent one), the
//! time limit, cache invalidation after writes, metrics, the processing time, and one log line
//! per request with the matched route.

use std::convert::Infallible;
use std::fmt::Write as _;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use tower::{Layer, Service};
use tracing::Instrument;

use crate::cache::ResponseCache;
use crate::error::ApiError;
use crate::schema::text::StackText;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
const PROCESS_TIME: HeaderName = HeaderName::from_static("x-process-time");

fn new_request_id() -> HeaderValue {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let mut id = StackText::<40>::new();
    let _ = write!(id, "{:x}-{:x}", nanos & 0xffff_ffff_ffff, NEXT_ID.fetch_add(1, Ordering::Relaxed));
    // Hex digits and a dash are always a valid header value.
    HeaderValue::from_str(id.as_str()).unwrap_or(HeaderValue::from_static("0"))
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

/// The one middleware every routed request passes through, as a layer on each route (where
/// the matched route template is known). One hand-written layer rather than one per concern
/// or `axum::middleware::from_fn`: axum clones a route's layer stack for every request, and
/// `from_fn` also boxes the rest of the stack per request.
///
/// - tags the request with an id (the client's `x-request-id` when acceptable), echoed back;
/// - answers 503 when the request runs past the time limit (not counted as a database
///   outage); dropping the handler's future
///   rolls back any transaction it had open;
/// - after any successful write, invalidates the cache (the write may change any cached read);
/// - records the metrics, `x-process-time`, and one log line with the matched route;
/// - marks token and user responses `Cache-Control: no-store`.
#[derive(Clone)]
pub struct FrontlineLayer(Arc<Frontline>);

impl FrontlineLayer {
    pub fn new(frontline: Frontline) -> Self {
        Self(Arc::new(frontline))
    }
}

impl<S> Layer<S> for FrontlineLayer {
    type Service = FrontlineService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        FrontlineService { inner, frontline: Arc::clone(&self.0) }
    }
}

#[derive(Clone)]
pub struct FrontlineService<S> {
    inner: S,
    frontline: Arc<Frontline>,
}

/// What is kept of the request while its handler runs.
struct Seen {
    start: Instant,
    request_id: HeaderValue,
    route: Option<MatchedPath>,
    method: Method,
    /// Only kept when the log line is written.
    path: Option<String>,
}

impl Seen {
    fn of(request: &Request) -> Self {
        let request_id = request
            .headers()
            .get(REQUEST_ID)
            .filter(|v| acceptable(v.as_bytes()))
            .cloned()
            .unwrap_or_else(new_request_id);
        Self {
            start: Instant::now(),
            request_id,
            route: request.extensions().get::<MatchedPath>().cloned(),
            method: request.method().clone(),
            path: tracing::enabled!(tracing::Level::INFO).then(|| request.uri().path().to_owned()),
        }
    }

    fn route(&self) -> &str {
        self.route.as_ref().map_or("unmatched", MatchedPath::as_str)
    }

    /// Tokens and user records: no cache along the way may keep them (RFC 6749 §5.1).
    fn private(&self) -> bool {
        let route = self.route();
        route.contains("/login/") || route.contains("/users")
    }
}

impl<S> Service<Request> for FrontlineService<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let seen = Seen::of(&request);
        let frontline = Arc::clone(&self.frontline);
        let handled = self.inner.call(request);
        Box::pin(async move { Ok(frontline.run(seen, handled).await) })
    }
}

impl Frontline {
    async fn run<F>(&self, seen: Seen, handled: F) -> Response
    where
        F: Future<Output = Result<Response, Infallible>>,
    {
        let span =
            tracing::info_span!("request", method = %seen.method, route = seen.route(), request_id = ?seen.request_id);
        let limited = tokio::time::timeout(self.time_limit, handled).instrument(span.clone()).await;
        let mut response = match limited {
            Ok(Ok(response)) => response,
            Ok(Err(never)) => match never {},
            Err(_) => ApiError::Overrun(format!("request exceeded {} s", self.time_limit.as_secs())).into_response(),
        };
        let writes = !matches!(seen.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if writes && response.status().is_success() {
            self.cache.invalidate().await;
        }
        let elapsed = seen.start.elapsed();
        let status = response.status();
        let mut seconds = StackText::<32>::new();
        let _ = write!(seconds, "{:.6}", elapsed.as_secs_f64());
        let headers = response.headers_mut();
        if let Ok(value) = HeaderValue::from_str(seconds.as_str()) {
            headers.insert(PROCESS_TIME, value);
        }
        crate::metrics::record_request(&seen.method, seen.route(), status.as_u16(), elapsed.as_secs_f64());
        if let Some(path) = &seen.path {
            span.in_scope(|| {
                tracing::info!(status = status.as_u16(), ms = elapsed.as_secs_f64() * 1000.0, "{} {path}", seen.method);
            });
        }
        if seen.private() {
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
        response.headers_mut().insert(REQUEST_ID, seen.request_id);
        response
    }
}
