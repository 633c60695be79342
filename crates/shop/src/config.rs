//! Typed application settings, read from the process environment and `.env`.
//!
//! Parsing is separated from the environment ([`Settings::from_map`]) so tests
//! can exercise every rule without touching process-global state.

use std::collections::HashMap;
use std::env::VarError;
use std::fmt;
use std::net::{IpAddr, Ipv6Addr};
use std::str::FromStr;

use url::Url;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://shop.db?mode=rwc";
pub const DEFAULT_DB_POOL_SIZE: u32 = 10;
pub const DEFAULT_ACCESS_TOKEN_EXPIRE_MINUTES: i64 = 30;
pub const DEFAULT_API_V1_STR: &str = "/api/v1";
pub const DEFAULT_PROJECT_NAME: &str = "E-commerce API";
/// The shortest `SECRET_KEY` a server takes: HMAC-SHA256 wants a key as long as its output.
pub const MIN_SECRET_KEY_BYTES: usize = 32;

/// Whether `host` is a loopback address or name.
fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

pub const DEFAULT_CORS_ORIGINS: &str = "http://localhost:3000";
pub const DEFAULT_HOST: &str = "127.0.0.1";
pub const DEFAULT_PORT: u16 = 8000;
pub const DEFAULT_DB_PORT: u16 = 5432;
pub const DEFAULT_DB_USER: &str = "postgres";
pub const DEFAULT_DB_NAME: &str = "shop";
pub const DEFAULT_LOGIN_MAX_FAILURES: u32 = 5;
pub const DEFAULT_REQUEST_TIMEOUT_SECONDS: u32 = 30;
pub const DEFAULT_CACHE_TTL_SECONDS: u32 = 60;
pub const DEFAULT_LOG_FILTER: &str = "info";
pub const DEFAULT_DB_STATEMENT_TIMEOUT_MS: u32 = 10_000;
pub const DEFAULT_DB_ACQUIRE_TIMEOUT_MS: u32 = 2_000;
pub const DEFAULT_LOGIN_LOCKOUT_SECONDS: u32 = 300;
pub const DEFAULT_HEADER_READ_TIMEOUT_SECONDS: u32 = 10;
pub const DEFAULT_MAX_CONNECTIONS: u32 = 1000;

// Public on purpose: anyone can forge tokens signed with it, which is why
// `Settings::secret_is_default` exists.
const DEV_SECRET_KEY: &str = "dev-only-insecure-secret-key-do-not-use-in-production";

/// A string that must never end up in logs: `Debug` and `Display` print `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The real value; named so that every use is easy to find in review.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// JWT signing algorithm. Only the HMAC family is offered because the key is
/// a single shared secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    Hs256,
    Hs384,
    Hs512,
}

impl Algorithm {
    pub const ALL: [Algorithm; 3] = [Algorithm::Hs256, Algorithm::Hs384, Algorithm::Hs512];

    pub const fn as_str(self) -> &'static str {
        match self {
            Algorithm::Hs256 => "HS256",
            Algorithm::Hs384 => "HS384",
            Algorithm::Hs512 => "HS512",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl LogFormat {
    pub const fn as_str(self) -> &'static str {
        match self {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        }
    }
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
    MySql,
}

impl DatabaseKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            DatabaseKind::Sqlite => "sqlite",
            DatabaseKind::Postgres => "postgres",
            DatabaseKind::MySql => "mysql",
        }
    }
}

impl fmt::Display for DatabaseKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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

#[derive(Clone)]
pub struct Settings {
    // Private so the two cannot drift apart; see `database_url()`.
    database_url: String,
    database_kind: DatabaseKind,
    /// Read replica, always of the same kind as the primary database.
    pub database_read_url: Option<String>,
    pub db_pool_size: u32,
    pub secret_key: Secret,
    /// `SECRET_KEY` was not set and a publicly known development key is in
    /// use; the caller should warn loudly (or refuse to start in production).
    pub secret_is_default: bool,
    pub algorithm: Algorithm,
    pub access_token_expire_minutes: i64,
    pub api_v1_str: String,
    pub project_name: String,
    pub cors_origins: Vec<String>,
    pub host: String,
    pub port: u16,
    pub log_format: LogFormat,
    /// `RUST_LOG`: which log lines are written (tracing's filter syntax, e.g. `info,shop=debug`).
    pub log_filter: String,
    pub redis_url: Option<String>,
    pub first_superuser: Option<String>,
    pub first_superuser_password: Option<Secret>,
    pub auto_migrate: bool,
    /// Cache analytics results in process (`CACHE_ENABLED=false` turns it off).
    pub cache_enabled: bool,
    /// Safety net: cached entries expire after this even without a write.
    pub cache_ttl_seconds: u32,
    /// Prefix of the shared cache's keys in Redis; replicas of one deployment share it.
    pub cache_namespace: String,
    /// A request that takes longer is answered 503 (its work is dropped).
    pub request_timeout_seconds: u32,
    /// PostgreSQL `statement_timeout` for every pooled connection.
    pub db_statement_timeout_ms: u32,
    /// How long a request waits for a pooled connection before it is answered 503.
    pub db_acquire_timeout_ms: u32,
    /// Failed logins per account and per client before each attempt has to wait.
    pub login_max_failures: u32,
    /// The longest wait between attempts, and how long failures are remembered.
    pub login_lockout_seconds: u32,
    /// When set, `GET /metrics` needs `Authorization: Bearer <token>`.
    pub metrics_token: Option<Secret>,
    /// Proxies whose `X-Forwarded-For`/`Forwarded` name the client (see [`crate::net`]).
    pub trusted_proxies: Vec<crate::net::Cidr>,
    /// How long a connection may take to send a request's headers, and may sit idle between
    /// requests.
    pub header_read_timeout_seconds: u32,
    /// Open connections past this are answered 503 and closed at once.
    pub max_connections: u32,
}

impl fmt::Debug for Settings {
    // Hand-written so that passwords embedded in connection URLs are masked.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &redact_url(&self.database_url))
            .field("database_kind", &self.database_kind)
            .field("database_read_url", &self.database_read_url.as_deref().map(redact_url))
            .field("db_pool_size", &self.db_pool_size)
            .field("secret_key", &self.secret_key)
            .field("secret_is_default", &self.secret_is_default)
            .field("algorithm", &self.algorithm)
            .field("access_token_expire_minutes", &self.access_token_expire_minutes)
            .field("api_v1_str", &self.api_v1_str)
            .field("project_name", &self.project_name)
            .field("cors_origins", &self.cors_origins)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("log_format", &self.log_format)
            .field("log_filter", &self.log_filter)
            .field("redis_url", &self.redis_url.as_deref().map(redact_url))
            .field("first_superuser", &self.first_superuser)
            .field("first_superuser_password", &self.first_superuser_password)
            .field("auto_migrate", &self.auto_migrate)
            .field("cache_enabled", &self.cache_enabled)
            .field("cache_ttl_seconds", &self.cache_ttl_seconds)
            .field("cache_namespace", &self.cache_namespace)
            .field("request_timeout_seconds", &self.request_timeout_seconds)
            .field("db_statement_timeout_ms", &self.db_statement_timeout_ms)
            .field("db_acquire_timeout_ms", &self.db_acquire_timeout_ms)
            .field("login_max_failures", &self.login_max_failures)
            .field("login_lockout_seconds", &self.login_lockout_seconds)
            .field("metrics_token", &self.metrics_token)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("header_read_timeout_seconds", &self.header_read_timeout_seconds)
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

impl Settings {
    /// Reads the process environment, falling back to a `.env` file (searched
    /// in the current directory and its ancestors) for variables that are not
    /// set. The process environment itself is left untouched.
    pub fn from_env() -> Result<Settings, ConfigError> {
        let dotenv = read_dotenv()?;
        Self::from_lookup(|var| match std::env::var(var) {
            Ok(value) => Ok(Some(value)),
            Err(VarError::NotPresent) => Ok(dotenv.get(var).cloned()),
            Err(VarError::NotUnicode(_)) => Err(ConfigError::NotUnicode { var }),
        })
    }

    /// Builds settings from an arbitrary variable lookup (e.g. a `HashMap`).
    pub fn from_map(lookup: impl Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
        Self::from_lookup(|var| Ok(lookup(var)))
    }

    /// The primary database URL, with `mariadb://` already rewritten to
    /// `mysql://` (the SQLx driver only knows the latter).
    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    /// Why these settings must not serve: `SECRET_KEY` unset or shorter than
    /// [`MIN_SECRET_KEY_BYTES`], anywhere but a development set-up (SQLite on a loopback
    /// address), where the public development key is allowed.
    pub fn secret_problem(&self) -> Option<String> {
        let development = self.database_kind == DatabaseKind::Sqlite && is_loopback(&self.host);
        if self.secret_is_default && development {
            return None;
        }
        if self.secret_is_default {
            return Some(format!(
                "SECRET_KEY: must be set to a random value of at least {MIN_SECRET_KEY_BYTES} bytes \
                 (the public development key is only for SQLite on a loopback HOST)"
            ));
        }
        (self.secret_key.expose().len() < MIN_SECRET_KEY_BYTES).then(|| {
            format!(
                "SECRET_KEY: is {} bytes; it must have at least {MIN_SECRET_KEY_BYTES} (e.g. `openssl rand -hex 32`)",
                self.secret_key.expose().len()
            )
        })
    }

    pub fn database_kind(&self) -> DatabaseKind {
        self.database_kind
    }

    /// The same settings on another database of the same kind (a replica, say).
    #[must_use]
    pub fn with_database_url(&self, url: &str) -> Self {
        Self { database_url: url.to_owned(), ..self.clone() }
    }

    fn from_lookup(
        lookup: impl Fn(&'static str) -> Result<Option<String>, ConfigError>,
    ) -> Result<Settings, ConfigError> {
        let env = Env { lookup };

        let (database_url, database_kind) = match env.get("DATABASE_URL")? {
            Some(url) => parse_database_url("DATABASE_URL", &url)?,
            None => match env.get("DB_HOST")? {
                Some(host) => {
                    let url = assemble_postgres_url(&env, &host)?;
                    parse_database_url("DATABASE_URL", &url)?
                }
                None => parse_database_url("DATABASE_URL", DEFAULT_DATABASE_URL)?,
            },
        };

        let database_read_url = match env.get("DATABASE_READ_URL")? {
            Some(raw) => {
                let (url, kind) = parse_database_url("DATABASE_READ_URL", &raw)?;
                if kind != database_kind {
                    return Err(ConfigError::invalid(
                        "DATABASE_READ_URL",
                        &redact_url(&raw),
                        format!("is a {kind} URL but the primary database is {database_kind}"),
                    ));
                }
                Some(url)
            }
            None => None,
        };

        let db_pool_size = match env.get("DB_POOL_SIZE")? {
            Some(raw) => match raw.parse::<u32>() {
                Ok(size) if size > 0 => size,
                _ => {
                    return Err(ConfigError::invalid(
                        "DB_POOL_SIZE",
                        &raw,
                        format!("is not a valid pool size (a whole number from 1 to {})", u32::MAX),
                    ));
                }
            },
            None => DEFAULT_DB_POOL_SIZE,
        };

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

        let api_v1_str = match env.get("API_V1_STR")? {
            Some(raw) if !raw.starts_with('/') => {
                return Err(ConfigError::invalid("API_V1_STR", &raw, "must start with \"/\""));
            }
            Some(raw) => raw,
            None => DEFAULT_API_V1_STR.to_owned(),
        };

        let project_name = env.get("PROJECT_NAME")?.unwrap_or_else(|| DEFAULT_PROJECT_NAME.to_owned());

        let cors_origins = split_list(env.get("CORS_ORIGINS")?.as_deref().unwrap_or(DEFAULT_CORS_ORIGINS));
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

        let port = match env.get("PORT")? {
            Some(raw) => parse_port("PORT", &raw)?,
            None => DEFAULT_PORT,
        };

        let log_format = match env.get("LOG_FORMAT")? {
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
        let log_filter = match env.get("RUST_LOG")? {
            Some(raw) => match tracing_subscriber::EnvFilter::try_new(&raw) {
                Ok(_) => raw,
                Err(e) => {
                    return Err(ConfigError::invalid("RUST_LOG", &raw, format!("is not a log filter ({e})")));
                }
            },
            None => DEFAULT_LOG_FILTER.to_owned(),
        };

        let redis_url = match env.get("REDIS_URL")? {
            Some(raw) => match Url::parse(&raw) {
                Ok(url) if matches!(url.scheme(), "redis" | "rediss") => Some(raw),
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

        let first_superuser = env.get("FIRST_SUPERUSER")?;
        let first_superuser_password = env.get_secret("FIRST_SUPERUSER_PASSWORD")?;

        let auto_migrate = match env.get("AUTO_MIGRATE")? {
            Some(raw) => parse_bool("AUTO_MIGRATE", &raw)?,
            // SQLite is the zero-setup local database; shared servers are
            // migrated deliberately rather than by whichever instance boots first.
            None => database_kind == DatabaseKind::Sqlite,
        };

        let request_timeout_seconds = positive(&env, "REQUEST_TIMEOUT_SECONDS", DEFAULT_REQUEST_TIMEOUT_SECONDS)?;
        let db_statement_timeout_ms = positive(&env, "DB_STATEMENT_TIMEOUT_MS", DEFAULT_DB_STATEMENT_TIMEOUT_MS)?;
        let db_acquire_timeout_ms = positive(&env, "DB_ACQUIRE_TIMEOUT_MS", DEFAULT_DB_ACQUIRE_TIMEOUT_MS)?;
        let cache_enabled = match env.get("CACHE_ENABLED")? {
            Some(raw) => parse_bool("CACHE_ENABLED", &raw)?,
            None => true,
        };
        let cache_ttl_seconds = positive(&env, "CACHE_TTL_SECONDS", DEFAULT_CACHE_TTL_SECONDS)?;
        let cache_namespace = match env.get("CACHE_NAMESPACE")? {
            Some(raw) if raw.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':' | '.')) => raw,
            Some(raw) => {
                return Err(ConfigError::invalid("CACHE_NAMESPACE", &raw, "may only hold letters, digits and _ - : ."));
            }
            None => "shop".to_owned(),
        };
        let login_max_failures = positive(&env, "LOGIN_MAX_FAILURES", DEFAULT_LOGIN_MAX_FAILURES)?;
        let login_lockout_seconds = positive(&env, "LOGIN_LOCKOUT_SECONDS", DEFAULT_LOGIN_LOCKOUT_SECONDS)?;
        let metrics_token = env.get_secret("METRICS_TOKEN")?;
        let header_read_timeout_seconds =
            positive(&env, "HEADER_READ_TIMEOUT_SECONDS", DEFAULT_HEADER_READ_TIMEOUT_SECONDS)?;
        let max_connections = positive(&env, "MAX_CONNECTIONS", DEFAULT_MAX_CONNECTIONS)?;
        let mut trusted_proxies = Vec::new();
        for item in split_list(env.get("TRUSTED_PROXIES")?.as_deref().unwrap_or_default()) {
            let range = crate::net::Cidr::parse(&item).map_err(|reason| {
                ConfigError::invalid("TRUSTED_PROXIES", &item, format!("is not an address range: {reason}"))
            })?;
            trusted_proxies.push(range);
        }

        Ok(Settings {
            metrics_token,
            trusted_proxies,
            header_read_timeout_seconds,
            max_connections,
            cache_enabled,
            cache_ttl_seconds,
            cache_namespace,
            request_timeout_seconds,
            db_statement_timeout_ms,
            db_acquire_timeout_ms,
            login_max_failures,
            login_lockout_seconds,
            database_url,
            database_kind,
            database_read_url,
            db_pool_size,
            secret_key,
            secret_is_default,
            algorithm,
            access_token_expire_minutes,
            api_v1_str,
            project_name,
            cors_origins,
            host,
            port,
            log_format,
            log_filter,
            redis_url,
            first_superuser,
            first_superuser_password,
            auto_migrate,
        })
    }
}

struct Env<F> {
    lookup: F,
}

impl<F> Env<F>
where
    F: Fn(&'static str) -> Result<Option<String>, ConfigError>,
{
    /// Trimmed value; blank counts as unset because `.env` templates and
    /// container specs routinely carry `NAME=` placeholders.
    fn get(&self, var: &'static str) -> Result<Option<String>, ConfigError> {
        Ok((self.lookup)(var)?.map(|value| value.trim().to_owned()).filter(|value| !value.is_empty()))
    }

    /// Like `get`, but not trimmed: surrounding whitespace may be part of a
    /// password.
    fn get_raw(&self, var: &'static str) -> Result<Option<String>, ConfigError> {
        Ok((self.lookup)(var)?.filter(|value| !value.trim().is_empty()))
    }

    fn get_secret(&self, var: &'static str) -> Result<Option<Secret>, ConfigError> {
        Ok(self.get_raw(var)?.map(Secret::new))
    }
}

fn read_dotenv() -> Result<HashMap<String, String>, ConfigError> {
    let Some(path) = find_dotenv() else { return Ok(HashMap::new()) };
    let iter = dotenvy::from_path_iter(&path).map_err(|err| dotenv_error(&path, &err))?;
    iter.map(|item| item.map_err(|err| dotenv_error(&path, &err))).collect()
}

/// `.env` in the working directory or the nearest parent folder that has one.
fn find_dotenv() -> Option<std::path::PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    cwd.ancestors().map(|dir| dir.join(".env")).find(|path| path.is_file())
}

fn dotenv_error(path: &std::path::Path, err: &dotenvy::Error) -> ConfigError {
    let reason = match err {
        // The offending line is deliberately not echoed: it may hold a secret.
        dotenvy::Error::LineParse(line, index) => {
            let number = line_number(path, line).map_or_else(String::new, |n| format!("line {n}: "));
            format!(
                "{number}malformed (parse error at character {index}; the line is not shown, it may hold a secret); \
                 a value with spaces needs quotes, e.g. PROJECT_NAME=\"My Shop\""
            )
        }
        other => other.to_string().replace('\n', " "),
    };
    // The working directory's own file keeps its short name.
    let shown = match std::env::current_dir() {
        Ok(cwd) if path.parent() == Some(cwd.as_path()) => ".env".to_owned(),
        _ => path.display().to_string(),
    };
    ConfigError::DotEnv { path: shown, reason }
}

/// The 1-based number of the first line of `path` that holds `line` (dotenvy reports the
/// line's text, not its number).
fn line_number(path: &std::path::Path, line: &str) -> Option<usize> {
    let text = std::fs::read_to_string(path).ok()?;
    let wanted = line.trim();
    text.lines().position(|l| l.trim() == wanted || (!wanted.is_empty() && l.contains(wanted))).map(|i| i + 1)
}

/// Validates the scheme and returns the URL (with `mariadb` normalized to
/// `mysql`) and its database kind.
fn parse_database_url(var: &'static str, raw: &str) -> Result<(String, DatabaseKind), ConfigError> {
    let shown = || redact_url(raw);
    let Some((scheme, rest)) = raw.split_once(':') else {
        return Err(ConfigError::invalid(
            var,
            &shown(),
            "is not a URL (expected e.g. postgres://user:password@host/dbname)",
        ));
    };
    let (kind, scheme) = match scheme.to_ascii_lowercase().as_str() {
        "sqlite" => (DatabaseKind::Sqlite, "sqlite"),
        "postgres" => (DatabaseKind::Postgres, "postgres"),
        "postgresql" => (DatabaseKind::Postgres, "postgresql"),
        "mysql" | "mariadb" => (DatabaseKind::MySql, "mysql"),
        other => {
            return Err(ConfigError::invalid(
                var,
                &shown(),
                format!("has unsupported scheme {other:?} (expected sqlite, postgres, postgresql, mysql or mariadb)"),
            ));
        }
    };
    let url = format!("{scheme}:{rest}");
    if let Err(err) = Url::parse(&url) {
        return Err(ConfigError::invalid(var, &shown(), format!("is not a valid URL ({err})")));
    }
    Ok((url, kind))
}

fn assemble_postgres_url<F>(env: &Env<F>, host: &str) -> Result<String, ConfigError>
where
    F: Fn(&'static str) -> Result<Option<String>, ConfigError>,
{
    if !is_ip_or_hostname(host) {
        return Err(ConfigError::invalid("DB_HOST", host, "is not an IP address or hostname"));
    }
    let port = match env.get("DB_PORT")? {
        Some(raw) => parse_port("DB_PORT", &raw)?,
        None => DEFAULT_DB_PORT,
    };
    let user = env.get("DB_USER")?.unwrap_or_else(|| DEFAULT_DB_USER.to_owned());
    let password = env.get_raw("DB_PASSWORD")?.unwrap_or_default();
    let name = env.get("DB_NAME")?.unwrap_or_else(|| DEFAULT_DB_NAME.to_owned());

    let host = match host.parse::<Ipv6Addr>() {
        Ok(_) => format!("[{host}]"),
        Err(_) => host.to_owned(),
    };
    let userinfo = if password.is_empty() {
        percent_encode(&user)
    } else {
        format!("{}:{}", percent_encode(&user), percent_encode(&password))
    };
    Ok(format!("postgres://{userinfo}@{host}:{port}/{}", percent_encode(&name)))
}

/// Percent-encodes everything except RFC 3986 unreserved characters and `*`,
/// which makes the result safe in a URL's userinfo and path.
fn percent_encode(value: &str) -> String {
    // `byte_serialize` is form encoding, whose only difference here is that a
    // space becomes `+`; a literal `+` is already `%2B`, so every `+` left
    // over stands for a space.
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>().replace('+', "%20")
}

/// Masks the password in `scheme://user:password@host...`. Works on the raw
/// string rather than a parsed `Url` so that malformed URLs (e.g. a password
/// with an unencoded `#` or `/`) are masked too; everything up to the last
/// `@` is treated as userinfo, which errs on the side of hiding too much.
fn redact_url(raw: &str) -> String {
    let Some((scheme, rest)) = raw.split_once("://") else {
        return raw.to_owned();
    };
    let Some(at) = rest.rfind('@') else {
        return raw.to_owned();
    };
    match rest[..at].split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{}", &rest[at + 1..]),
        None => raw.to_owned(),
    }
}

/// `*`, or an origin as browsers send it: `http(s)://host[:port]`, nothing after.
fn is_origin(raw: &str) -> bool {
    if raw == "*" {
        return true;
    }
    url::Url::parse(raw).is_ok_and(|url| {
        matches!(url.scheme(), "http" | "https")
            && url.host().is_some()
            && url.path() == "/"
            && !raw.ends_with('/')
            && url.query().is_none()
            && url.username().is_empty()
    })
}

fn split_list(raw: &str) -> Vec<String> {
    raw.split(',').map(str::trim).filter(|item| !item.is_empty()).map(str::to_owned).collect()
}

/// A whole number of at least 1, or `default` when unset.
fn positive<F>(env: &Env<F>, var: &'static str, default: u32) -> Result<u32, ConfigError>
where
    F: Fn(&'static str) -> Result<Option<String>, ConfigError>,
{
    match env.get(var)? {
        Some(raw) => match raw.parse::<u32>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(ConfigError::invalid(var, &raw, "is not a whole number of at least 1")),
        },
        None => Ok(default),
    }
}

fn parse_port(var: &'static str, raw: &str) -> Result<u16, ConfigError> {
    raw.parse::<u16>().map_err(|_| ConfigError::invalid(var, raw, "is not a valid port number (0-65535)"))
}

fn parse_bool(var: &'static str, raw: &str) -> Result<bool, ConfigError> {
    match raw.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(ConfigError::invalid(var, raw, "is not a boolean (expected true/false, 1/0 or yes/no)")),
    }
}

fn is_ip_or_hostname(value: &str) -> bool {
    IpAddr::from_str(value).is_ok() || is_hostname(value)
}

/// RFC 1123 hostname. An all-numeric last label is rejected so that malformed
/// IPv4 addresses such as `256.0.0.1` are not mistaken for hostnames.
fn is_hostname(value: &str) -> bool {
    let value = value.strip_suffix('.').unwrap_or(value);
    if value.is_empty() || value.len() > 253 {
        return false;
    }
    let labels_ok = value.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    let last_is_numeric = value.rsplit('.').next().is_some_and(|label| label.bytes().all(|b| b.is_ascii_digit()));
    labels_ok && !last_is_numeric
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Settings::from_map(|var| map.get(var).cloned())
    }

    fn ok(vars: &[(&str, &str)]) -> Settings {
        match settings(vars) {
            Ok(settings) => settings,
            Err(err) => panic!("unexpected error: {err}"),
        }
    }

    /// Asserts the error names `var` and `value` on a single line, and returns it.
    fn err(vars: &[(&str, &str)], var: &str, value: &str) -> String {
        let error = match settings(vars) {
            Ok(settings) => panic!("expected an error for {var}, got {settings:?}"),
            Err(err) => err,
        };
        assert_eq!(error.var(), Some(var).filter(|v| !v.is_empty()));
        let message = error.to_string();
        assert!(message.starts_with(&format!("{var}: ")), "{message}");
        assert!(message.contains(&format!("{value:?}")), "{message}");
        assert!(!message.contains('\n'), "{message}");
        message
    }

    #[test]
    fn defaults() {
        let s = ok(&[]);
        assert_eq!(s.database_url(), "sqlite://shop.db?mode=rwc");
        assert_eq!(s.database_kind(), DatabaseKind::Sqlite);
        assert_eq!(s.database_read_url, None);
        assert_eq!(s.db_pool_size, 10);
        assert!(s.secret_is_default);
        assert_eq!(s.secret_key.expose(), DEV_SECRET_KEY);
        assert_eq!(s.algorithm, Algorithm::Hs256);
        assert_eq!(s.access_token_expire_minutes, 30);
        assert_eq!(s.api_v1_str, "/api/v1");
        assert_eq!(s.project_name, "E-commerce API");
        assert_eq!(s.cors_origins, vec!["http://localhost:3000"]);
        assert_eq!(s.host, "127.0.0.1");
        assert_eq!(s.port, 8000);
        assert_eq!(s.log_format, LogFormat::Text);
        assert_eq!(s.redis_url, None);
        assert_eq!(s.first_superuser, None);
        assert_eq!(s.first_superuser_password, None);
        assert!(s.auto_migrate);
    }

    #[test]
    fn blank_values_count_as_unset() {
        let s = ok(&[("DATABASE_URL", ""), ("PORT", "  "), ("SECRET_KEY", " "), ("REDIS_URL", "")]);
        assert_eq!(s.database_url(), DEFAULT_DATABASE_URL);
        assert_eq!(s.port, 8000);
        assert!(s.secret_is_default);
        assert_eq!(s.redis_url, None);
    }

    #[test]
    fn explicit_values() {
        let s = ok(&[
            ("DATABASE_URL", "postgres://app:pw@db:5432/shop"),
            ("DATABASE_READ_URL", "postgresql://ro:pw@replica/shop"),
            ("DB_POOL_SIZE", "25"),
            ("SECRET_KEY", "s3cr3t"),
            ("ALGORITHM", "HS512"),
            ("ACCESS_TOKEN_EXPIRE_MINUTES", "90"),
            ("API_V1_STR", "/api/v2"),
            ("PROJECT_NAME", "Shop"),
            ("CORS_ORIGINS", " https://a.example , ,https://b.example,"),
            ("HOST", "0.0.0.0"),
            ("PORT", "9000"),
            ("LOG_FORMAT", "JSON"),
            ("REDIS_URL", "redis://cache:6379/0"),
            ("FIRST_SUPERUSER", "admin@example.com"),
            ("FIRST_SUPERUSER_PASSWORD", " pass word "),
        ]);
        assert_eq!(s.database_url(), "postgres://app:pw@db:5432/shop");
        assert_eq!(s.database_kind(), DatabaseKind::Postgres);
        assert_eq!(s.database_read_url.as_deref(), Some("postgresql://ro:pw@replica/shop"));
        assert_eq!(s.db_pool_size, 25);
        assert_eq!(s.secret_key.expose(), "s3cr3t");
        assert!(!s.secret_is_default);
        assert_eq!(s.algorithm, Algorithm::Hs512);
        assert_eq!(s.access_token_expire_minutes, 90);
        assert_eq!(s.api_v1_str, "/api/v2");
        assert_eq!(s.project_name, "Shop");
        assert_eq!(s.cors_origins, vec!["https://a.example", "https://b.example"]);
        assert_eq!(s.host, "0.0.0.0");
        assert_eq!(s.port, 9000);
        assert_eq!(s.log_format, LogFormat::Json);
        assert_eq!(s.redis_url.as_deref(), Some("redis://cache:6379/0"));
        assert_eq!(s.first_superuser.as_deref(), Some("admin@example.com"));
        assert_eq!(s.first_superuser_password.as_ref().map(Secret::expose), Some(" pass word "));
        assert!(!s.auto_migrate);
    }

    #[test]
    fn every_algorithm_parses() {
        for alg in Algorithm::ALL {
            assert_eq!(ok(&[("ALGORITHM", alg.as_str())]).algorithm, alg);
        }
    }

    #[test]
    fn host_accepts_ips_and_hostnames() {
        for host in ["::", "::1", "10.0.0.1", "localhost", "api.example.com", "db-1"] {
            assert_eq!(ok(&[("HOST", host)]).host, host);
        }
    }

    #[test]
    fn database_schemes_and_kinds() {
        let cases = [
            ("sqlite::memory:", DatabaseKind::Sqlite),
            ("sqlite:///var/lib/shop.db", DatabaseKind::Sqlite),
            ("postgres://u@h/d", DatabaseKind::Postgres),
            ("postgresql://u@h/d", DatabaseKind::Postgres),
            ("mysql://u@h/d", DatabaseKind::MySql),
            ("MySQL://u@h/d", DatabaseKind::MySql),
        ];
        for (url, kind) in cases {
            assert_eq!(ok(&[("DATABASE_URL", url)]).database_kind(), kind, "{url}");
        }
    }

    #[test]
    fn mariadb_is_normalized_to_mysql() {
        let s = ok(&[("DATABASE_URL", "mariadb://u:p@db:3306/shop")]);
        assert_eq!(s.database_url(), "mysql://u:p@db:3306/shop");
        assert_eq!(s.database_kind(), DatabaseKind::MySql);

        let s = ok(&[("DATABASE_URL", "mysql://u@db/shop"), ("DATABASE_READ_URL", "MariaDB://u@replica/shop")]);
        assert_eq!(s.database_read_url.as_deref(), Some("mysql://u@replica/shop"));
    }

    #[test]
    fn auto_migrate_defaults_follow_the_database() {
        assert!(ok(&[("DATABASE_URL", "sqlite::memory:")]).auto_migrate);
        assert!(!ok(&[("DATABASE_URL", "postgres://u@h/d")]).auto_migrate);
        assert!(!ok(&[("DATABASE_URL", "mysql://u@h/d")]).auto_migrate);
        assert!(!ok(&[("DATABASE_URL", "mariadb://u@h/d")]).auto_migrate);
        assert!(!ok(&[("DB_HOST", "db")]).auto_migrate);
    }

    #[test]
    fn auto_migrate_explicit_values() {
        for (raw, expected) in [
            ("true", true),
            ("TRUE", true),
            ("1", true),
            ("Yes", true),
            ("false", false),
            ("False", false),
            ("0", false),
            ("NO", false),
        ] {
            assert_eq!(ok(&[("AUTO_MIGRATE", raw)]).auto_migrate, expected, "{raw}");
            assert_eq!(
                ok(&[("DATABASE_URL", "postgres://u@h/d"), ("AUTO_MIGRATE", raw)]).auto_migrate,
                expected,
                "{raw}"
            );
        }
    }

    #[test]
    fn db_parts_assemble_a_postgres_url_with_defaults() {
        let s = ok(&[("DB_HOST", "db.internal")]);
        assert_eq!(s.database_url(), "postgres://postgres@db.internal:5432/shop");
        assert_eq!(s.database_kind(), DatabaseKind::Postgres);
    }

    #[test]
    fn db_parts_are_percent_encoded() {
        let s = ok(&[
            ("DB_HOST", "10.1.2.3"),
            ("DB_PORT", "6543"),
            ("DB_USER", "app@corp"),
            ("DB_PASSWORD", "p@ss:w/rd #1+%"),
            ("DB_NAME", "shop db"),
        ]);
        assert_eq!(s.database_url(), "postgres://app%40corp:p%40ss%3Aw%2Frd%20%231%2B%25@10.1.2.3:6543/shop%20db");
        let url = match Url::parse(s.database_url()) {
            Ok(url) => url,
            Err(err) => panic!("{err}"),
        };
        assert_eq!(url.host_str(), Some("10.1.2.3"));
        assert_eq!(url.port(), Some(6543));
    }

    #[test]
    fn db_parts_bracket_ipv6_hosts() {
        let s = ok(&[("DB_HOST", "::1"), ("DB_USER", "u")]);
        assert_eq!(s.database_url(), "postgres://u@[::1]:5432/shop");
    }

    #[test]
    fn database_url_wins_over_db_parts() {
        let s = ok(&[("DATABASE_URL", "mysql://u@h/d"), ("DB_HOST", "ignored")]);
        assert_eq!(s.database_url(), "mysql://u@h/d");
    }

    #[test]
    fn db_parts_without_host_are_ignored() {
        let s = ok(&[("DB_USER", "someone"), ("DB_PORT", "bogus")]);
        assert_eq!(s.database_url(), DEFAULT_DATABASE_URL);
    }

    #[test]
    fn parse_errors_name_the_variable_and_value() {
        let m = err(&[("PORT", "80x")], "PORT", "80x");
        assert_eq!(m, "PORT: \"80x\" is not a valid port number (0-65535)");
        err(&[("PORT", "65536")], "PORT", "65536");
        err(&[("PORT", "-1")], "PORT", "-1");
        err(&[("DB_POOL_SIZE", "ten")], "DB_POOL_SIZE", "ten");
        err(&[("DB_POOL_SIZE", "0")], "DB_POOL_SIZE", "0");
        err(&[("DB_POOL_SIZE", "-3")], "DB_POOL_SIZE", "-3");
        err(&[("ALGORITHM", "RS256")], "ALGORITHM", "RS256");
        err(&[("ALGORITHM", "hs256")], "ALGORITHM", "hs256");
        let m = err(&[("ACCESS_TOKEN_EXPIRE_MINUTES", "0")], "ACCESS_TOKEN_EXPIRE_MINUTES", "0");
        assert!(m.contains("greater than 0"), "{m}");
        err(&[("ACCESS_TOKEN_EXPIRE_MINUTES", "-5")], "ACCESS_TOKEN_EXPIRE_MINUTES", "-5");
        err(&[("ACCESS_TOKEN_EXPIRE_MINUTES", "soon")], "ACCESS_TOKEN_EXPIRE_MINUTES", "soon");
        err(&[("API_V1_STR", "api/v1")], "API_V1_STR", "api/v1");
        err(&[("HOST", "not a host")], "HOST", "not a host");
        err(&[("HOST", "256.1.1.1")], "HOST", "256.1.1.1");
        err(&[("HOST", "-bad.example")], "HOST", "-bad.example");
        err(&[("LOG_FORMAT", "xml")], "LOG_FORMAT", "xml");
        err(&[("AUTO_MIGRATE", "maybe")], "AUTO_MIGRATE", "maybe");
        err(&[("REDIS_URL", "not a url")], "REDIS_URL", "not a url");
        let m = err(&[("DATABASE_URL", "oracle://h/d")], "DATABASE_URL", "oracle://h/d");
        assert!(m.contains("unsupported scheme \"oracle\""), "{m}");
        err(&[("DATABASE_URL", "shop.db")], "DATABASE_URL", "shop.db");
        err(&[("DATABASE_URL", "postgres://h:notaport/d")], "DATABASE_URL", "postgres://h:notaport/d");
        err(&[("DATABASE_READ_URL", "redis://h")], "DATABASE_READ_URL", "redis://h");
        let m = err(&[("DATABASE_READ_URL", "postgres://h/d")], "DATABASE_READ_URL", "postgres://h/d");
        assert!(m.contains("primary database is sqlite"), "{m}");
        err(&[("DB_HOST", "bad host")], "DB_HOST", "bad host");
        let m = err(&[("DB_HOST", "db"), ("DB_PORT", "x1")], "DB_PORT", "x1");
        assert_eq!(m, "DB_PORT: \"x1\" is not a valid port number (0-65535)");
    }

    #[test]
    fn errors_never_show_database_passwords() {
        for (var, url) in [
            ("DATABASE_URL", "oracle://user:hunter2@h/d"),
            ("DATABASE_URL", "postgres://user:hun#ter2@h:bad/d"),
            ("DATABASE_READ_URL", "mysql://user:hunter2@h/d"),
            ("REDIS_URL", "redis://:hunter2@h:bad"),
        ] {
            let error = match settings(&[(var, url)]) {
                Ok(s) => panic!("expected an error for {url}, got {s:?}"),
                Err(err) => err.to_string(),
            };
            assert!(error.starts_with(var), "{error}");
            assert!(!error.contains("hunter2"), "{error}");
            assert!(!error.contains("ter2"), "{error}");
            assert!(error.contains(":***@"), "{error}");
        }
    }

    #[test]
    fn not_unicode_error_names_the_variable() {
        let result = Settings::from_lookup(|var| match var {
            "PORT" => Err(ConfigError::NotUnicode { var }),
            _ => Ok(None),
        });
        match result {
            Err(error) => assert_eq!(error.to_string(), "PORT: value is not valid UTF-8"),
            Ok(s) => panic!("expected an error, got {s:?}"),
        }
    }

    #[test]
    fn debug_never_contains_secrets() {
        let s = ok(&[
            ("DATABASE_URL", "postgres://app:dbpass-1@db/shop"),
            ("DATABASE_READ_URL", "postgres://ro:dbpass-2@replica/shop"),
            ("SECRET_KEY", "jwt-signing-key"),
            ("REDIS_URL", "redis://:redispass@cache:6379"),
            ("FIRST_SUPERUSER", "root@example.com"),
            ("FIRST_SUPERUSER_PASSWORD", "superpass"),
        ]);
        for rendered in [format!("{s:?}"), format!("{s:#?}")] {
            for secret in ["dbpass-1", "dbpass-2", "jwt-signing-key", "redispass", "superpass"] {
                assert!(!rendered.contains(secret), "{secret} leaked: {rendered}");
            }
            assert!(rendered.contains("root@example.com"), "{rendered}");
            assert!(rendered.contains("postgres://app:***@db/shop"), "{rendered}");
        }

        let dev = ok(&[]);
        assert!(!format!("{dev:?}").contains(DEV_SECRET_KEY));
    }

    #[test]
    fn secret_formats_as_stars() {
        let secret = Secret::new("value");
        assert_eq!(format!("{secret}"), "***");
        assert_eq!(format!("{secret:?}"), "***");
        assert_eq!(secret.expose(), "value");
    }

    #[test]
    fn redact_url_cases() {
        assert_eq!(redact_url("postgres://u:p@h/d"), "postgres://u:***@h/d");
        assert_eq!(redact_url("redis://:p@h"), "redis://:***@h");
        assert_eq!(redact_url("postgres://u@h/d"), "postgres://u@h/d");
        assert_eq!(redact_url("sqlite://shop.db"), "sqlite://shop.db");
        assert_eq!(redact_url("postgres://u:p@ss@h/d"), "postgres://u:***@h/d");
    }

    #[test]
    fn dotenv_parse_errors_hide_the_line() {
        let path = std::env::current_dir().unwrap().join(".env");
        let error = dotenv_error(&path, &dotenvy::Error::LineParse("SECRET_KEY='abc".to_owned(), 11));
        let message = error.to_string();
        assert!(message.starts_with(".env: "), "{message}");
        assert!(!message.contains("abc"), "{message}");
    }

    /// Every setting's bad values stop start-up with one line naming the setting.
    #[test]
    fn every_setting_refuses_its_bad_values() {
        let numbers = ["0", "-1", "x", "1.5", "99999999999"];
        let cases: Vec<(&str, Vec<&str>)> = vec![
            ("DATABASE_URL", vec!["nope://x", "not a url"]),
            ("DATABASE_READ_URL", vec!["not a url", "postgres://other/db"]),
            ("DB_POOL_SIZE", numbers.to_vec()),
            ("ALGORITHM", vec!["RS256", "none"]),
            ("ACCESS_TOKEN_EXPIRE_MINUTES", vec!["0", "-5", "1.5", "x"]),
            ("API_V1_STR", vec!["api", "v1/"]),
            ("CORS_ORIGINS", vec!["localhost:3000", "ftp://x.example", "https://a.example/path", "https://a.example/"]),
            ("HOST", vec!["bad host!", "a/b"]),
            ("PORT", vec!["80x", "70000", "-1"]),
            ("LOG_FORMAT", vec!["xml"]),
            ("RUST_LOG", vec!["shop=loud", "[{"]),
            ("REDIS_URL", vec!["http://x", "not a url"]),
            ("AUTO_MIGRATE", vec!["maybe"]),
            ("REQUEST_TIMEOUT_SECONDS", numbers.to_vec()),
            ("DB_STATEMENT_TIMEOUT_MS", numbers.to_vec()),
            ("DB_ACQUIRE_TIMEOUT_MS", numbers.to_vec()),
            ("CACHE_ENABLED", vec!["perhaps"]),
            ("CACHE_TTL_SECONDS", numbers.to_vec()),
            ("CACHE_NAMESPACE", vec!["has space", "a/b"]),
            ("TRUSTED_PROXIES", vec!["10.0.0.0/33", "nginx", "127.0.0.1, ::1/200"]),
            ("HEADER_READ_TIMEOUT_SECONDS", numbers.to_vec()),
            ("MAX_CONNECTIONS", numbers.to_vec()),
            ("LOGIN_MAX_FAILURES", numbers.to_vec()),
            ("LOGIN_LOCKOUT_SECONDS", numbers.to_vec()),
        ];
        for (var, values) in cases {
            for value in values {
                let result = Settings::from_map(|name| (name == var).then(|| value.to_owned()));
                match result {
                    Err(err) => {
                        assert_eq!(err.var(), Some(var), "{var}={value:?}: {err}");
                        assert!(!err.to_string().contains('\n'), "{var}={value:?}: {err}");
                    }
                    Ok(_) => panic!("{var}={value:?} was accepted"),
                }
            }
        }
        let with_host = |var: &'static str, value: &'static str| {
            Settings::from_map(move |name| match name {
                _ if name == var => Some(value.to_owned()),
                "DB_HOST" => Some("db.internal".to_owned()),
                _ => None,
            })
        };
        assert_eq!(with_host("DB_PORT", "x").err().and_then(|e| e.var()), Some("DB_PORT"));
        assert_eq!(with_host("DB_HOST", "bad host!").err().and_then(|e| e.var()), Some("DB_HOST"));
    }
}
