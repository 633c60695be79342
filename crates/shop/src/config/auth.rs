//! Tokens and accounts: the signing key and algorithm, token lifetime, the first admin, and
//! the metrics token.

use super::env::Env;
use super::{Algorithm, ConfigError, Secret};

pub const DEFAULT_ACCESS_TOKEN_EXPIRE_MINUTES: i64 = 30;
pub const MIN_SECRET_KEY_BYTES: usize = 32;

// Public on purpose: anyone can forge tokens signed with it, which is why
// `AuthSettings::secret_is_default` exists.
pub(super) const DEV_SECRET_KEY: &str = "dev-only-insecure-secret-key-do-not-use-in-production";

#[derive(Clone, Debug)]
pub struct AuthSettings {
    pub secret_key: Secret,
    /// `SECRET_KEY` was not set and a publicly known development key is in
    /// use; the caller should warn loudly (or refuse to start in production).
    pub secret_is_default: bool,
    pub algorithm: Algorithm,
    pub access_token_expire_minutes: i64,
    pub first_superuser: Option<String>,
    pub first_superuser_password: Option<Secret>,
    /// When set, `GET /metrics` needs `Authorization: Bearer <token>`.
    pub metrics_token: Option<Secret>,
}

impl AuthSettings {
    pub(super) fn read(env: &Env<'_>) -> Result<Self, ConfigError> {
        let (secret_key, secret_is_default) = match env.get_secret("SECRET_KEY")? {
            Some(key) => (key, false),
            None => (Secret::new(DEV_SECRET_KEY), true),
        };
        let algorithm = match env.get("ALGORITHM")? {
            Some(raw) => Algorithm::ALL.into_iter().find(|alg| alg.as_str() == raw).ok_or_else(|| {
                ConfigError::invalid("ALGORITHM", &raw, "is not a supported algorithm (expected HS256, HS384 or HS512)")
            })?,
            None => Algorithm::Hs256,
        };
        let access_token_expire_minutes = match env.get("ACCESS_TOKEN_EXPIRE_MINUTES")? {
            Some(raw) => match raw.parse::<i64>() {
                Ok(minutes) if minutes > 0 => minutes,
                Ok(_) => {
                    return Err(ConfigError::invalid("ACCESS_TOKEN_EXPIRE_MINUTES", &raw, "must be greater than 0"));
                }
                Err(_) => {
                    return Err(ConfigError::invalid(
                        "ACCESS_TOKEN_EXPIRE_MINUTES",
                        &raw,
                        "is not a whole number of minutes",
                    ));
                }
            },
            None => DEFAULT_ACCESS_TOKEN_EXPIRE_MINUTES,
        };
        Ok(Self {
            secret_key,
            secret_is_default,
            algorithm,
            access_token_expire_minutes,
            first_superuser: env.get("FIRST_SUPERUSER")?,
            first_superuser_password: env.get_secret("FIRST_SUPERUSER_PASSWORD")?,
            metrics_token: env.get_secret("METRICS_TOKEN")?,
        })
    }
}
