//! Where and how the service listens: address, API prefix, name, CORS, trusted proxies.

use super::ConfigError;
use super::env::{Env, is_ip_or_hostname, is_origin};

pub const DEFAULT_API_V1_STR: &str = "/api/v1";
pub const DEFAULT_PROJECT_NAME: &str = "E-commerce API";
pub const DEFAULT_CORS_ORIGINS: &str = "http://localhost:3000";
pub const DEFAULT_HOST: &str = "127.0.0.1";
pub const DEFAULT_PORT: u16 = 8000;

#[derive(Clone, Debug)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    pub api_v1_str: String,
    pub project_name: String,
    pub cors_origins: Vec<String>,
    /// Proxies whose `X-Forwarded-For`/`Forwarded` name the client (see [`crate::net`]).
    pub trusted_proxies: Vec<crate::net::Cidr>,
}

impl ServerSettings {
    pub(super) fn read(env: &Env<'_>) -> Result<Self, ConfigError> {
        let api_v1_str = match env.get("API_V1_STR")? {
            Some(raw) if !raw.starts_with('/') => {
                return Err(ConfigError::invalid("API_V1_STR", &raw, "must start with \"/\""));
            }
            Some(raw) => raw,
            None => DEFAULT_API_V1_STR.to_owned(),
        };
        let project_name = env.get("PROJECT_NAME")?.unwrap_or_else(|| DEFAULT_PROJECT_NAME.to_owned());
        let cors_origins = env.list("CORS_ORIGINS", DEFAULT_CORS_ORIGINS)?;
        if let Some(bad) = cors_origins.iter().find(|origin| !is_origin(origin)) {
            return Err(ConfigError::invalid(
                "CORS_ORIGINS",
                bad,
                "is not an origin (expected * or scheme://host[:port], comma-separated)",
            ));
        }
        let host = match env.get("HOST")? {
            Some(raw) if !is_ip_or_hostname(&raw) => {
                return Err(ConfigError::invalid("HOST", &raw, "is not an IP address or hostname"));
            }
            Some(raw) => raw,
            None => DEFAULT_HOST.to_owned(),
        };
        let port = env.port("PORT", DEFAULT_PORT)?;
        let mut trusted_proxies = Vec::new();
        for item in env.list("TRUSTED_PROXIES", "")? {
            let range = crate::net::Cidr::parse(&item).map_err(|reason| {
                ConfigError::invalid("TRUSTED_PROXIES", &item, format!("is not an address range: {reason}"))
            })?;
            trusted_proxies.push(range);
        }
        Ok(Self { host, port, api_v1_str, project_name, cors_origins, trusted_proxies })
    }
}
