//! `/` and `/health`.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{SecondsFormat, Utc};
use sea_orm::ConnectionTrait;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;

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
}

/// Service banner with links to the docs.
#[utoipa::path(get, path = "/", tag = "system", operation_id = "system-root",
    responses((status = 200, body = Root)))]
pub async fn root() -> Json<Root> {
    Json(Root {
        message: "E-commerce API is running!".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        docs: "/docs".to_owned(),
        redoc: "/redoc".to_owned(),
    })
}

/// Liveness and database connectivity; 503 while the database is unreachable.
#[utoipa::path(get, path = "/health", tag = "system", operation_id = "system-health",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn health(State(state): State<AppState>) -> Response {
    // A bounded probe: a dead database must not hang the health check.
    let probe = tokio::time::timeout(Duration::from_millis(900), state.db.execute_unprepared("SELECT 1")).await;
    let ok = matches!(probe, Ok(Ok(_)));
    let body = Health {
        status: if ok { "healthy" } else { "unhealthy" }.to_owned(),
        database: if ok { "connected" } else { "unreachable" }.to_owned(),
        timestamp: Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true),
    };
    let status = if ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(body)).into_response()
}
