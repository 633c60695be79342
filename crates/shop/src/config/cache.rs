//! The response cache: on or off, its safety-net TTL, and Redis to share it between replicas.

use url::Url;

use super::ConfigError;
use super::env::Env;
use super::secret::{RedactedUrl, redact_url};

pub const DEFAULT_CACHE_TTL_SECONDS: u32 = 60;

#[derive(Clone, Debug)]
pub struct CacheSettings {
    /// Cache product reads and analytics results (`CACHE_ENABLED=false` turns it off).
    pub enabled: bool,
    /// Safety net: cached entries expire after this even without a write.
    pub ttl_seconds: u32,
    /// Prefix of the shared cache's keys in Redis; replicas of one deployment share it.
    pub namespace: String,
    pub redis_url: Option<RedactedUrl>,
}

impl CacheSettings {
    pub(super) fn read(env: &Env<'_>) -> Result<Self, ConfigError> {
        let redis_url = match env.get("REDIS_URL")? {
            Some(raw) => match Url::parse(&raw) {
                Ok(url) if matches!(url.scheme(), "redis" | "rediss") => Some(RedactedUrl::new(raw)),
                Ok(_) => {
                    return Err(ConfigError::invalid(
                        "REDIS_URL",
                        &redact_url(&raw),
                        "must start with redis:// or rediss://",
                    ));
                }
                Err(err) => {
                    return Err(ConfigError::invalid(
                        "REDIS_URL",
                        &redact_url(&raw),
                        format!("is not a valid URL ({err})"),
                    ));
                }
            },
            None => None,
        };
        let namespace = match env.get("CACHE_NAMESPACE")? {
            Some(raw) if raw.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':' | '.')) => raw,
            Some(raw) => {
                return Err(ConfigError::invalid("CACHE_NAMESPACE", &raw, "may only hold letters, digits and _ - : ."));
            }
            None => "shop".to_owned(),
        };
        Ok(Self {
            enabled: env.flag("CACHE_ENABLED", true)?,
            ttl_seconds: env.positive("CACHE_TTL_SECONDS", DEFAULT_CACHE_TTL_SECONDS)?,
            namespace,
            redis_url,
        })
    }
}
