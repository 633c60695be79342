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
