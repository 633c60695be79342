//! The login flow: the account is looked up first (by username or email, in any case), so a
//! throttled attempt costs no password hash; failures count per account and per client, and
//! a success clears the account's count.

use sea_orm::ConnectionTrait;

use super::throttle::LoginThrottle;
use super::users;
use crate::config::Settings;
use crate::error::ApiError;
use crate::schema::user::{LoginForm, Token};
use crate::security::create_access_token;

/// A bearer token for `form`'s credentials, tried from `client`.
///
/// # Errors
/// 429 while the account or the client must wait, 400 for wrong credentials or an inactive
/// user, database errors.
pub async fn access_token(
    db: &impl ConnectionTrait,
    throttle: &LoginThrottle,
    settings: &Settings,
    client: &str,
    form: &LoginForm,
) -> Result<Token, ApiError> {
    let found = users::find_login(db, &form.username).await?;
    // One account, one count, whether it is tried by username or by email.
    let account =
        found.as_ref().map_or_else(|| format!("login:{}", form.username.to_lowercase()), |u| u.id.to_string());
    if let Some(wait) = throttle.retry_after(&account, client).await {
        return Err(ApiError::TooManyRequests {
            detail: format!(
                "Too many failed login attempts; try again in {wait} second{}",
                if wait == 1 { "" } else { "s" }
            ),
            retry_after: wait,
        });
    }
    let matches = users::password_matches(found.as_ref(), &form.password).await;
    let Some(user) = found.filter(|_| matches) else {
        throttle.record_failure(&account, client).await;
        return Err(ApiError::BadRequest("Incorrect username or password".to_owned()));
    };
    if !user.is_active {
        return Err(ApiError::BadRequest("Inactive user".to_owned()));
    }
    throttle.record_success(&account).await;
    let token = create_access_token(settings, &user).map_err(|e| ApiError::Internal(format!("signing: {e}")))?;
    Ok(Token { access_token: token, token_type: "bearer".to_owned() })
}
