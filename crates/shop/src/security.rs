//! Access tokens: HMAC-signed JWTs whose `sub` is the user id.

use chrono::Utc;
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::config::{Algorithm, Settings};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// The user id, as a string (JWT convention).
    pub sub: String,
    pub exp: i64,
    pub iat: i64,
}

fn algorithm(settings: &Settings) -> jsonwebtoken::Algorithm {
    match settings.algorithm {
        Algorithm::Hs256 => jsonwebtoken::Algorithm::HS256,
        Algorithm::Hs384 => jsonwebtoken::Algorithm::HS384,
        Algorithm::Hs512 => jsonwebtoken::Algorithm::HS512,
    }
}

/// A token for `user_id`, valid for `ACCESS_TOKEN_EXPIRE_MINUTES`.
///
/// # Errors
/// Signing failure (a misconfigured key).
pub fn create_access_token(settings: &Settings, user_id: i32) -> Result<String, jsonwebtoken::errors::Error> {
    let now = Utc::now().timestamp();
    let claims = Claims {
        sub: user_id.to_string(),
        iat: now,
        exp: now + settings.access_token_expire_minutes.saturating_mul(60),
    };
    jsonwebtoken::encode(
        &Header::new(algorithm(settings)),
        &claims,
        &EncodingKey::from_secret(settings.secret_key.expose().as_bytes()),
    )
}

/// The user id of a valid token. Expired, tampered, wrongly signed and `alg: none` tokens are
/// all `None` (the validation pins the configured algorithm).
pub fn verify_access_token(settings: &Settings, token: &str) -> Option<i32> {
    let mut validation = Validation::new(algorithm(settings));
    validation.leeway = 0;
    validation.set_required_spec_claims(&["exp", "sub"]);
    let data = jsonwebtoken::decode::<Claims>(
        token,
        &DecodingKey::from_secret(settings.secret_key.expose().as_bytes()),
        &validation,
    )
    .ok()?;
    data.claims.sub.parse().ok()
}

/// An argon2id hash of `password` (PHC string). CPU-heavy: call it off the async threads
/// (see [`hash_password_blocking`]).
///
/// # Errors
/// Hashing failure (does not happen with valid parameters).
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    use argon2::PasswordHasher;
    let salt = argon2::password_hash::SaltString::generate(&mut rand_core::OsRng);
    Ok(argon2::Argon2::default().hash_password(password.as_bytes(), &salt)?.to_string())
}

/// Checks `password` against a stored PHC hash; a malformed hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    use argon2::PasswordVerifier;
    argon2::password_hash::PasswordHash::new(hash)
        .is_ok_and(|parsed| argon2::Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// Hashes on the blocking pool so request threads keep serving.
///
/// # Errors
/// Hashing or task failure, as an internal error.
pub async fn hash_password_blocking(password: String) -> Result<String, crate::error::ApiError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| crate::error::ApiError::Internal(format!("hashing task: {e}")))?
        .map_err(|e| crate::error::ApiError::Internal(format!("hashing: {e}")))
}

/// A valid hash of a random password: checked when a login names no user, so a missing user
/// costs as much time as a wrong password.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not-a-password-anyone-has").unwrap_or_default())
}

/// Verifies on the blocking pool.
pub async fn verify_password_blocking(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || verify_password(&password, &hash)).await.unwrap_or(false)
}
