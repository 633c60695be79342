//! `GET /metrics`: the Prometheus text of [`crate::metrics`], with the pool's and the outbox's
//! gauges read at the moment of the scrape.

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::PrometheusHandle;
use sea_orm::DatabaseConnection;

use super::AppState;
use crate::config::Secret;
use crate::metrics::handle;

fn record_pool(state: &AppState) {
    let pool = crate::pool::state(&state.db);
    metrics::gauge!("db_pool_connections", "state" => "idle").set(f64::from(pool.idle));
    metrics::gauge!("db_pool_connections", "state" => "in_use").set(f64::from(pool.size.saturating_sub(pool.idle)));
    metrics::gauge!("db_pool_waiting").set(state.admission.waiting() as f64);
}

/// The outbox gauges are read at the scrape, but never hold it up for long: a slow database
/// leaves them as they were.
const GAUGES_LIMIT: Duration = Duration::from_millis(500);

/// `GET /metrics`: Prometheus text; with `METRICS_TOKEN` set, only for its bearer.
pub async fn render(State(state): State<AppState>, headers: HeaderMap) -> Response {
    scrape(&headers, state.settings.auth.metrics_token.as_ref(), &state.db, || record_pool(&state)).await
}

/// A scrape (of the API's `/metrics` or a `shop worker`'s): refused without the token when
/// there is one; else `gauges` and the outbox's gauges are read, then everything rendered.
pub async fn scrape(
    headers: &HeaderMap,
    token: Option<&Secret>,
    db: &DatabaseConnection,
    gauges: impl FnOnce(),
) -> Response {
    if !authorized(headers, token) {
        return crate::error::ApiError::Unauthorized("Not authenticated".to_owned()).into_response();
    }
    gauges();
    let _ = tokio::time::timeout(GAUGES_LIMIT, crate::worker::gauges::refresh(db)).await;
    let body = handle().map(PrometheusHandle::render).unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

/// Always without a token, else only with it as the bearer.
fn authorized(headers: &HeaderMap, token: Option<&Secret>) -> bool {
    let Some(token) = token else { return true };
    let sent = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    sent.is_some_and(|s| crate::security::same_secret(s.trim().as_bytes(), token.expose().as_bytes()))
}
