//! Read responses through the cache: the same path and query, with no write since, is
//! answered from the cache; anything else runs the read and stores its JSON.

use std::future::Future;

use axum::http::Uri;
use axum::response::Response;
use serde::Serialize;

use super::json_body::{JsonBody, respond};
use crate::api::AppState;
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
    // The admission gate let this request through; it queues only to compute.
    if !state.cache.is_enabled() {
        let _pass = state.admission.enter().await?;
        return Ok(encode(run).await?.into_response());
    }
    // Boxed: a handler's future is moved several times on its way through the middleware, and
    // the cache's share of it would be moved even when the cache is off.
    let body = Box::pin(state.cache.get_or_compute(&uri.to_string(), || async {
        let _pass = state.admission.enter().await?;
        Ok(encode(run).await?.into_bytes())
    }))
    .await?;
    Ok(respond(body))
}

/// `run`'s result as JSON.
///
/// # Errors
/// `run`'s error.
pub async fn encode<T, F, Fut>(run: F) -> Result<JsonBody, ApiError>
where
    T: Serialize,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    JsonBody::encode(&run().await?)
}
