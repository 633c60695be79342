//! Read responses through the cache: the same path and query, with no write since, is
//! answered from the cache; anything else runs the read and stores its JSON.

use std::future::Future;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, Uri, header};
use axum::response::Response;
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
    // Boxed: a handler's future is moved several times on its way through the middleware, and
    // the cache's share of it would be moved even when the cache is off.
    let body = Box::pin(state.cache.get_or_compute(&uri.to_string(), || encode(run))).await?;
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
    // Room for a single resource without growing the buffer; serde_json starts at 128 bytes.
    let mut body = Vec::with_capacity(1024);
    serde_json::to_writer(&mut body, &value).map_err(|e| ApiError::Internal(format!("encoding a response: {e}")))?;
    Ok(Bytes::from(body))
}

pub fn respond(body: Bytes) -> Response {
    let mut response = Response::new(Body::from(body));
    let headers = response.headers_mut();
    // Room for what the middleware adds (CORS, request id, processing time) in one allocation.
    headers.reserve(8);
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}
