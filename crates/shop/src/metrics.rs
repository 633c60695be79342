//! Prometheus metrics: requests by route template, method and status; latency histograms;
//! database pool use; database errors. One process-wide recorder, rendered at `/metrics`.

use std::collections::HashMap;
use std::sync::{LazyLock, OnceLock, RwLock};

use axum::http::Method;
use metrics::{Counter, Histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the recorder once; later calls reuse it (tests build many apps per process).
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];
            PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full("http_request_duration_seconds".to_owned()), &buckets)
                .ok()?
                .set_buckets_for_metric(
                    Matcher::Full("outbox_delivery_latency_seconds".to_owned()),
                    &[0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0, 7200.0, 36000.0],
                )
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
