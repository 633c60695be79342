//! `GET /metrics`: the Prometheus text of [`crate::metrics`], with the pool's gauges read at
//! the moment of the scrape.

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::PrometheusHandle;

use super::AppState;
use crate::metrics::handle;

fn record_pool(state: &AppState) {
    let pool = crate::pool::state(&state.db);
    metrics::gauge!("db_pool_connections", "state" => "idle").set(f64::from(pool.idle));
    metrics::gauge!("db_pool_connections", "state" => "in_use").set(f64::from(pool.size.saturating_sub(pool.idle)));
    metrics::gauge!("db_pool_waiting").set(state.admission.waiting() as f64);
}

/// `GET /metrics`: Prometheus text; with `METRICS_TOKEN` set, only for its bearer.
pub async fn render(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = &state.settings.auth.metrics_token {
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
