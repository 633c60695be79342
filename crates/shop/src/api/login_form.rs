//! The OAuth2 password form as an extractor: `application/x-www-form-urlencoded` with
//! `username` and `password`, each reported as FastAPI does when missing or holding U+0000.

use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;

use super::AppState;
use super::body::RawBody;
use crate::error::{ApiError, FieldError};
use crate::schema::NUL_MESSAGE;
use crate::schema::user::LoginForm;

/// A login form, read whole within the body time limit.
pub struct Form(pub LoginForm);

impl FromRequest<AppState> for Form {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let form_type = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
        let RawBody(body) = RawBody::from_request(req, state).await?;
        if !form_type {
            return Err(ApiError::UnsupportedMediaType(
                "Content-Type must be application/x-www-form-urlencoded".to_owned(),
            ));
        }
        parse(&body).map(Self)
    }
}

fn parse(body: &[u8]) -> Result<LoginForm, ApiError> {
    let mut username = None;
    let mut password = None;
    for (key, value) in url::form_urlencoded::parse(body) {
        match key.as_ref() {
            "username" => username = Some(value.into_owned()),
            "password" => password = Some(value.into_owned()),
            _ => {}
        }
    }
    let mut errors = Vec::new();
    for (name, value) in [("username", &username), ("password", &password)] {
        match value.as_deref() {
            None | Some("") => errors.push(FieldError::body(&[name], "Field required", "missing")),
            Some(text) if text.contains('\0') => errors.push(FieldError::body(&[name], NUL_MESSAGE, "string_type")),
            Some(_) => {}
        }
    }
    match (username, password) {
        (Some(username), Some(password)) if errors.is_empty() => Ok(LoginForm { username, password }),
        _ => Err(ApiError::validation(errors)),
    }
}
