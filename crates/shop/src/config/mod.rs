//! Typed application settings, read from the process environment and `.env`, in sections:
//! [`server`], [`database`], [`auth`], [`cache`], [`limits`], [`logging`] and [`events`]. Each section
//! reads its own variables; a bad value stops start-up with one line naming it.
//!
//! Parsing is separated from the environment ([`Settings::from_map`]) so tests
//! can exercise every rule without touching process-global state.

pub mod auth;
pub mod cache;
pub mod database;
mod dotenv;
mod env;
pub mod events;
mod kinds;
pub mod limits;
pub mod logging;
mod secret;
pub mod server;
#[cfg(test)]
mod tests;

use std::env::VarError;

pub use auth::{AuthSettings, MIN_SECRET_KEY_BYTES};
pub use cache::CacheSettings;
pub use database::DatabaseSettings;
pub use events::EventSettings;
pub use kinds::{Algorithm, DatabaseKind, LogFormat};
pub use limits::LimitSettings;
pub use logging::LoggingSettings;
pub use secret::{RedactedUrl, Secret};
pub use server::ServerSettings;

use env::Env;

/// A configuration problem. `Display` is always a single line that names the
/// variable; values of secret variables are never included.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{var}: {value:?} {reason}")]
    Invalid {
        var: &'static str,
        /// The offending value, already redacted if it could hold a password.
        value: String,
        reason: String,
    },
    #[error("{var}: value is not valid UTF-8")]
    NotUnicode { var: &'static str },
    #[error("{path}: {reason}")]
    DotEnv { path: String, reason: String },
}

impl ConfigError {
    /// The environment variable at fault, if the error is about one.
    pub fn var(&self) -> Option<&'static str> {
        match self {
            ConfigError::Invalid { var, .. } | ConfigError::NotUnicode { var } => Some(var),
            ConfigError::DotEnv { .. } => None,
        }
    }

    fn invalid(var: &'static str, value: &str, reason: impl Into<String>) -> Self {
        ConfigError::Invalid { var, value: value.to_owned(), reason: reason.into() }
    }
}

/// Every setting, by section. `Debug` masks secrets and the passwords in URLs.
#[derive(Clone, Debug)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    pub cache: CacheSettings,
    pub limits: LimitSettings,
    pub logging: LoggingSettings,
    pub events: EventSettings,
}

impl Settings {
    /// Reads the process environment, falling back to a `.env` file (searched
    /// in the current directory and its ancestors) for variables that are not
    /// set. The process environment itself is left untouched.
    pub fn from_env() -> Result<Settings, ConfigError> {
        let dotenv = dotenv::read_dotenv()?;
        Self::from_lookup(&|var| match std::env::var(var) {
            Ok(value) => Ok(Some(value)),
            Err(VarError::NotPresent) => Ok(dotenv.get(var).cloned()),
            Err(VarError::NotUnicode(_)) => Err(ConfigError::NotUnicode { var }),
        })
    }

    /// Builds settings from an arbitrary variable lookup (e.g. a `HashMap`).
    pub fn from_map(lookup: impl Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
        Self::from_lookup(&|var| Ok(lookup(var)))
    }

    fn from_lookup(
        lookup: &dyn Fn(&'static str) -> Result<Option<String>, ConfigError>,
    ) -> Result<Settings, ConfigError> {
        let env = Env { lookup };
        Ok(Settings {
            database: DatabaseSettings::read(&env)?,
            auth: AuthSettings::read(&env)?,
            server: ServerSettings::read(&env)?,
            logging: LoggingSettings::read(&env)?,
            cache: CacheSettings::read(&env)?,
            limits: LimitSettings::read(&env)?,
            events: EventSettings::read(&env)?,
        })
    }

    /// The primary database URL, with `mariadb://` already rewritten to
    /// `mysql://` (the SQLx driver only knows the latter).
    pub fn database_url(&self) -> &str {
        self.database.url.as_str()
    }

    pub fn database_kind(&self) -> DatabaseKind {
        self.database.kind
    }

    /// The same settings on another database of the same kind (a replica, say).
    #[must_use]
    pub fn with_database_url(&self, url: &str) -> Self {
        let mut settings = self.clone();
        settings.database.url = RedactedUrl::new(url);
        settings
    }

    /// Why these settings must not serve: `SECRET_KEY` unset or shorter than
    /// [`MIN_SECRET_KEY_BYTES`], anywhere but a development set-up (SQLite on a loopback
    /// address), where the public development key is allowed.
    pub fn secret_problem(&self) -> Option<String> {
        let development = self.database.kind == DatabaseKind::Sqlite && is_loopback(&self.server.host);
        if self.auth.secret_is_default && development {
            return None;
        }
        if self.auth.secret_is_default {
            return Some(format!(
                "SECRET_KEY: must be set to a random value of at least {MIN_SECRET_KEY_BYTES} bytes \
                 (the public development key is only for SQLite on a loopback HOST)"
            ));
        }
        (self.auth.secret_key.expose().len() < MIN_SECRET_KEY_BYTES).then(|| {
            format!(
                "SECRET_KEY: is {} bytes; it must have at least {MIN_SECRET_KEY_BYTES} (e.g. `openssl rand -hex 32`)",
                self.auth.secret_key.expose().len()
            )
        })
    }
}

/// The shortest `SECRET_KEY` a server takes: HMAC-SHA256 wants a key as long as its output.
/// Whether `host` is a loopback address or name.
fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}
