//! `/` and `/health`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{SecondsFormat, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::AppState;

#[derive(Serialize, ToSchema)]
pub struct Root {
    #[schema(example = "E-commerce API is running!")]
    pub message: String,
    pub version: String,
    #[schema(example = "/docs")]
    pub docs: String,
    #[schema(example = "/redoc")]
    pub redoc: String,
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `healthy` or `unhealthy`.
    #[schema(example = "healthy")]
    pub status: String,
    /// `connected` or `unreachable`.
    #[schema(example = "connected")]
    pub database: String,
    pub timestamp: String,
    pub pool: PoolHealth,
}

/// The primary's connection pool.
#[derive(Serialize, ToSchema)]
pub struct PoolHealth {
    /// Open connections.
    pub size: u32,
    /// Open connections no request holds.
    pub idle: u32,
    /// Requests queued for a connection.
    pub waiting: u64,
}

/// Service banner with links to the docs.
#[utoipa::path(get, path = "/", tag = "system", operation_id = "system-root",
    responses((status = 200, body = Root)))]
pub async fn root(State(state): State<AppState>) -> Json<Root> {
    Json(Root {
        message: format!("{} is running!", state.settings.server.project_name),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        docs: "/docs".to_owned(),
        redoc: "/redoc".to_owned(),
    })
}

/// Liveness and database connectivity, with the pool's state; 503 only while the database
/// does not answer (a busy pool is still healthy).
#[utoipa::path(get, path = "/health", tag = "system", operation_id = "system-health",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn health(State(state): State<AppState>) -> Response {
    let ok = state.probe.answers(&state.db).await;
    let pool = crate::pool::state(&state.db);
    let body = Health {
        status: if ok { "healthy" } else { "unhealthy" }.to_owned(),
        database: if ok { "connected" } else { "unreachable" }.to_owned(),
        timestamp: Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true),
        pool: PoolHealth { size: pool.size, idle: pool.idle, waiting: state.admission.waiting() as u64 },
    };
    let status = if ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(body)).into_response()
}
