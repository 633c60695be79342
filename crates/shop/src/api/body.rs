//! Request bodies: read whole within their time limit (408 when they stall or break off,
//! 413 past the size limit), and JSON bodies parsed into validated types.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;
use validator::Validate;

use super::json_input::parse_valid_json;
use crate::api::AppState;
use crate::error::ApiError;

/// A JSON body, deserialized and validated.
pub struct ValidJson<T>(pub T);

impl<T: DeserializeOwned + Validate> FromRequest<AppState> for ValidJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|mime| {
                let mime = mime.trim().to_ascii_lowercase();
                mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
            })
            .unwrap_or(false);
        if !is_json {
            return Err(ApiError::UnsupportedMediaType("Content-Type must be application/json".to_owned()));
        }
        let RawBody(bytes) = RawBody::from_request(req, state).await?;
        parse_valid_json(&bytes).map(Self)
    }
}

/// The request body, read whole within the body time limit: half the request's time limit,
/// so that a client sending slowly hears 408 before the request itself runs out of time.
pub struct RawBody(pub Bytes);

impl FromRequest<AppState> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let limit = Duration::from_secs(u64::from(state.settings.limits.request_timeout_seconds)) / 2;
        match tokio::time::timeout(limit, Bytes::from_request(req, state)).await {
            Err(_) => Err(ApiError::RequestTimeout(format!(
                "The request body did not arrive within {:.1} s",
                limit.as_secs_f64()
            ))),
            Ok(Ok(bytes)) => Ok(Self(bytes)),
            Ok(Err(rejection)) => Err(body_rejection(&rejection)),
        }
    }
}

/// A body over the size limit is 413; one that breaks off (the client stopped sending or went
/// away) is 408, as a slow one is.
fn body_rejection(rejection: &BytesRejection) -> ApiError {
    let BytesRejection::FailedToBufferBody(failed) = rejection else {
        return ApiError::BadRequest(rejection.body_text());
    };
    if failed.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge("Request body is too large".to_owned())
    } else {
        ApiError::RequestTimeout("The request body was incomplete".to_owned())
    }
}
