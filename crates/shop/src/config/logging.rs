//! Log lines: their format, and which are written.

use super::env::Env;
use super::{ConfigError, LogFormat};

pub const DEFAULT_LOG_FILTER: &str = "info";

#[derive(Clone, Debug)]
pub struct LoggingSettings {
    pub format: LogFormat,
    /// `RUST_LOG`: which log lines are written (tracing's filter syntax, e.g. `info,shop=debug`).
    pub filter: String,
}

impl LoggingSettings {
    pub(super) fn read(env: &Env<'_>) -> Result<Self, ConfigError> {
        let format = match env.get("LOG_FORMAT")? {
            Some(raw) => match raw.to_ascii_lowercase().as_str() {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                _ => {
                    return Err(ConfigError::invalid(
                        "LOG_FORMAT",
                        &raw,
                        "is not a log format (expected text or json)",
                    ));
                }
            },
            None => LogFormat::default(),
        };
        // Read here rather than by tracing itself, so that `.env` can set it like the rest.
        let filter = match env.get("RUST_LOG")? {
            Some(raw) => match tracing_subscriber::EnvFilter::try_new(&raw) {
                Ok(_) => raw,
                Err(e) => {
                    return Err(ConfigError::invalid("RUST_LOG", &raw, format!("is not a log filter ({e})")));
                }
            },
            None => DEFAULT_LOG_FILTER.to_owned(),
        };
        Ok(Self { format, filter })
    }
}
