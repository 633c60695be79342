//! Our own extractors, so every malformed request becomes an `ApiError` in FastAPI's shapes:
//! query parameters and path ids (bodies are read in `body` and `json_input`).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::error::{ApiError, FieldError};

pub use crate::schema::params::Params;

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        Ok(Self::from_pairs(url::form_urlencoded::parse(query.as_bytes()).into_owned().collect()))
    }
}

/// Parses a path id. Non-integers and values past i64 are 422; ids that cannot exist
/// (below 1, or past the 32-bit key range) are left to the caller's 404.
///
/// # Errors
/// A 422 naming the path parameter.
pub fn path_id(name: &str, raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>().map_err(|_| {
        ApiError::one(FieldError::new(
            vec!["path".into(), name.into()],
            "Input should be a valid integer, unable to parse string as an integer",
            "int_parsing",
        ))
    })
}

/// The `{id}` of a path like `/categories/{id}`.
pub struct PathId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw): axum::extract::Path<String> =
            axum::extract::Path::from_request_parts(parts, state)
                .await
                .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        Ok(Self(path_id("id", &raw)?))
    }
}

/// The `{id}` and `{variant_id}` of `/products/{id}/variants/{variant_id}`.
pub struct PathIds(pub i64, pub i64);

impl<S: Send + Sync> FromRequestParts<S> for PathIds {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path((a, b)): axum::extract::Path<(String, String)> =
            axum::extract::Path::from_request_parts(parts, state)
                .await
                .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        Ok(Self(path_id("id", &a)?, path_id("variant_id", &b)?))
    }
}
