//! Prometheus metrics: requests by route template, method and status; latency histograms;
//! database pool use; database errors. One process-wide recorder, rendered at `/metrics`.

use std::collections::HashMap;
use std::sync::{LazyLock, OnceLock, RwLock};

use axum::extract::State;
use axum::http::{HeaderMap, Method, header};
use axum::response::{IntoResponse, Response};
use metrics::{Counter, Histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::app::AppState;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the recorder once; later calls reuse it (tests build many apps per process).
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];
            PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full("http_request_duration_seconds".to_owned()), &buckets)
                .ok()?
                .install_recorder()
                .ok()
        })
        .as_ref()
}

/// The counter and histogram of one (route, method, status), looked up once: building a
/// labelled key and finding it in the registry on every request is measurable at the request
/// rates of a product read.
struct RouteSeries {
    method: Method,
    status: u16,
    requests: Counter,
    duration: Histogram,
}

static SERIES: LazyLock<RwLock<HashMap<String, Vec<RouteSeries>>>> = LazyLock::new(RwLock::default);

/// Records one finished request.
pub fn record_request(method: &Method, route: &str, status: u16, seconds: f64) {
    let find = |series: &[RouteSeries]| {
        series
            .iter()
            .find(|s| s.status == status && s.method == *method)
            .map(|s| (s.requests.clone(), s.duration.clone()))
    };
    let known = SERIES.read().ok().and_then(|map| map.get(route).and_then(|series| find(series)));
    let (requests, duration) = known.unwrap_or_else(|| {
        let labels =
            [("method", method.as_str().to_owned()), ("route", route.to_owned()), ("status", status.to_string())];
        let requests = metrics::counter!("http_requests_total", &labels);
        let duration = metrics::histogram!("http_request_duration_seconds", &labels[..2]);
        if let Ok(mut map) = SERIES.write() {
            map.entry(route.to_owned()).or_default().push(RouteSeries {
                method: method.clone(),
                status,
                requests: requests.clone(),
                duration: duration.clone(),
            });
        }
        (requests, duration)
    });
    requests.increment(1);
    duration.record(seconds);
}

pub fn record_db_error(kind: &'static str) {
    metrics::counter!("db_errors_total", "kind" => kind).increment(1);
}

fn record_pool(state: &AppState) {
    let pool = crate::pool::state(&state.db);
    metrics::gauge!("db_pool_connections", "state" => "idle").set(f64::from(pool.idle));
    metrics::gauge!("db_pool_connections", "state" => "in_use").set(f64::from(pool.size.saturating_sub(pool.idle)));
    metrics::gauge!("db_pool_waiting").set(state.admission.waiting() as f64);
}

/// `GET /metrics`: Prometheus text; with `METRICS_TOKEN` set, only for its bearer.
pub async fn render(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = &state.settings.metrics_token {
        let sent =
            headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
        if !sent.is_some_and(|s| crate::security::same_secret(s.trim().as_bytes(), token.expose().as_bytes())) {
            return crate::error::ApiError::Unauthorized("Not authenticated".to_owned()).into_response();
        }
    }
    record_pool(&state);
    let body = handle().map(PrometheusHandle::render).unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}
