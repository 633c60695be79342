//! Access tokens: HMAC-signed JWTs whose `sub` is the user id.

use chrono::Utc;
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use sha2::{Digest, Sha256};

use crate::config::{Algorithm, Settings};
use crate::entity::users;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// The user id, as a string (JWT convention).
    pub sub: String,
    pub exp: i64,
    pub iat: i64,
    /// The password the token was issued under (see [`password_stamp`]): a token dies with
    /// its password.
    pub pwd: String,
}

/// A short digest of a user's password hash. The hash changes with every password change
/// (each has its own salt), so comparing stamps revokes every token issued before one
/// without a table of revoked tokens.
pub fn password_stamp(hashed_password: &str) -> String {
    let digest = Sha256::digest(hashed_password.as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn algorithm(settings: &Settings) -> jsonwebtoken::Algorithm {
    match settings.auth.algorithm {
        Algorithm::Hs256 => jsonwebtoken::Algorithm::HS256,
        Algorithm::Hs384 => jsonwebtoken::Algorithm::HS384,
        Algorithm::Hs512 => jsonwebtoken::Algorithm::HS512,
    }
}

/// A token for `user`, valid for `ACCESS_TOKEN_EXPIRE_MINUTES` or until the password changes.
///
/// # Errors
/// Signing failure (a misconfigured key).
pub fn create_access_token(settings: &Settings, user: &users::Model) -> Result<String, jsonwebtoken::errors::Error> {
    let now = Utc::now().timestamp();
    let claims = Claims {
        sub: user.id.to_string(),
        iat: now,
        exp: now + settings.auth.access_token_expire_minutes.saturating_mul(60),
        pwd: password_stamp(&user.hashed_password),
    };
    jsonwebtoken::encode(
        &Header::new(algorithm(settings)),
        &claims,
        &EncodingKey::from_secret(settings.auth.secret_key.expose().as_bytes()),
    )
}

/// The user id and password stamp of a valid token. Expired, tampered, wrongly signed and
/// `alg: none` tokens are all `None` (the validation pins the configured algorithm).
pub fn verify_access_token(settings: &Settings, token: &str) -> Option<(i32, String)> {
    let mut validation = Validation::new(algorithm(settings));
    validation.leeway = 0;
    validation.set_required_spec_claims(&["exp", "sub"]);
    let data = jsonwebtoken::decode::<Claims>(
        token,
        &DecodingKey::from_secret(settings.auth.secret_key.expose().as_bytes()),
        &validation,
    )
    .ok()?;
    Some((data.claims.sub.parse().ok()?, data.claims.pwd))
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
