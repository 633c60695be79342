//! Who is calling: the bearer token's user, loaded from the database on every request so a
//! deleted or deactivated user, or one whose password changed since the token, loses access
//! at once.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use crate::api::AppState;
use crate::entity::users;
use crate::error::ApiError;
use crate::security::{password_stamp, same_secret, verify_access_token};

/// An authenticated, active user.
pub struct CurrentUser(pub users::Model);

/// An authenticated, active admin ([`crate::entity::users::Role::Admin`]).
pub struct AdminUser(pub users::Model);

fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    let header =
        parts.headers.get(AUTHORIZATION).ok_or_else(|| ApiError::Unauthorized("Not authenticated".to_owned()))?;
    let value = header.to_str().map_err(|_| ApiError::Unauthorized("Could not validate credentials".to_owned()))?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => Ok(token.trim()),
        _ => Err(ApiError::Unauthorized("Not authenticated".to_owned())),
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer(parts)?;
        let invalid = || ApiError::Unauthorized("Could not validate credentials".to_owned());
        let (user_id, stamp) = verify_access_token(&state.settings, token).ok_or_else(invalid)?;
        let user = crate::service::by_id::<users::Entity>(&state.db, user_id).await?.ok_or_else(invalid)?;
        // A token issued before the latest password change is revoked.
        if !user.is_active || !same_secret(stamp.as_bytes(), password_stamp(&user.hashed_password).as_bytes()) {
            return Err(invalid());
        }
        Ok(Self(user))
    }
}

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let CurrentUser(user) = CurrentUser::from_request_parts(parts, state).await?;
        if !user.is_admin() {
            return Err(ApiError::Forbidden("The user doesn't have enough privileges".to_owned()));
        }
        Ok(Self(user))
    }
}
