//! How much the service takes on: request time, connection count and idleness, and failed
//! logins before each attempt must wait.

use super::ConfigError;
use super::env::Env;

pub const DEFAULT_REQUEST_TIMEOUT_SECONDS: u32 = 30;
pub const DEFAULT_HEADER_READ_TIMEOUT_SECONDS: u32 = 10;
pub const DEFAULT_MAX_CONNECTIONS: u32 = 1000;
pub const DEFAULT_LOGIN_MAX_FAILURES: u32 = 5;
pub const DEFAULT_LOGIN_LOCKOUT_SECONDS: u32 = 300;

#[derive(Clone, Debug)]
pub struct LimitSettings {
    /// A request that takes longer is answered 503 (its work is dropped).
    pub request_timeout_seconds: u32,
    /// How long a connection may take to send a request's headers, and may sit idle between
    /// requests.
    pub header_read_timeout_seconds: u32,
    /// Open connections past this are answered 503 and closed at once.
    pub max_connections: u32,
    /// Failed logins per account and per client before each attempt has to wait.
    pub login_max_failures: u32,
    /// The longest wait between attempts, and how long failures are remembered.
    pub login_lockout_seconds: u32,
}

impl LimitSettings {
    pub(super) fn read(env: &Env<'_>) -> Result<Self, ConfigError> {
        Ok(Self {
            request_timeout_seconds: env.positive("REQUEST_TIMEOUT_SECONDS", DEFAULT_REQUEST_TIMEOUT_SECONDS)?,
            header_read_timeout_seconds: env
                .positive("HEADER_READ_TIMEOUT_SECONDS", DEFAULT_HEADER_READ_TIMEOUT_SECONDS)?,
            max_connections: env.positive("MAX_CONNECTIONS", DEFAULT_MAX_CONNECTIONS)?,
            login_max_failures: env.positive("LOGIN_MAX_FAILURES", DEFAULT_LOGIN_MAX_FAILURES)?,
            login_lockout_seconds: env.positive("LOGIN_LOCKOUT_SECONDS", DEFAULT_LOGIN_LOCKOUT_SECONDS)?,
        })
    }
}
