//! Read responses through the cache: the same path and query, with no write since, is
//! answered from the cache; anything else runs the read and stores its JSON.

use std::future::Future;

use axum::body::Bytes;
use axum::http::{Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::app::AppState;
use crate::error::ApiError;

/// `run`'s result as JSON, from the cache when it holds this `uri`.
///
/// # Errors
/// `run`'s error (never cached).
pub async fn json<T, F, Fut>(state: &AppState, uri: &Uri, run: F) -> Result<Response, ApiError>
where
    T: Serialize,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    if !state.cache.is_enabled() {
        return Ok(respond(encode(run).await?));
    }
    let body = state.cache.get_or_compute(&uri.to_string(), || encode(run)).await?;
    Ok(respond(body))
}

/// `run`'s result as JSON bytes.
///
/// # Errors
/// `run`'s error.
pub async fn encode<T, F, Fut>(run: F) -> Result<Bytes, ApiError>
where
    T: Serialize,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    let value = run().await?;
    serde_json::to_vec(&value).map(Bytes::from).map_err(|e| ApiError::Internal(format!("encoding a response: {e}")))
}

pub fn respond(body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}
