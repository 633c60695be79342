//! The database: its URL (or the `DB_*` parts of a PostgreSQL one), a read replica, the pool,
//! its timeouts, and whether `serve` migrates.

use std::net::Ipv6Addr;

use url::Url;

use super::env::{Env, is_ip_or_hostname};
use super::secret::{RedactedUrl, redact_url};
use super::{ConfigError, DatabaseKind};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://shop.db?mode=rwc";
pub const DEFAULT_DB_POOL_SIZE: u32 = 10;
pub const DEFAULT_DB_PORT: u16 = 5432;
pub const DEFAULT_DB_USER: &str = "postgres";
pub const DEFAULT_DB_NAME: &str = "shop";
pub const DEFAULT_DB_STATEMENT_TIMEOUT_MS: u32 = 10_000;
pub const DEFAULT_DB_ACQUIRE_TIMEOUT_MS: u32 = 2_000;

#[derive(Clone, Debug)]
pub struct DatabaseSettings {
    // Private so the two cannot drift apart; see `Settings::database_url()`.
    pub(super) url: RedactedUrl,
    pub(super) kind: DatabaseKind,
    /// Read replica, always of the same kind as the primary database.
    pub read_url: Option<RedactedUrl>,
    pub pool_size: u32,
    pub auto_migrate: bool,
    /// PostgreSQL `statement_timeout` for every pooled connection.
    pub statement_timeout_ms: u32,
    /// How long a request waits for a pooled connection before it is answered 503.
    pub acquire_timeout_ms: u32,
}

impl DatabaseSettings {
    pub(super) fn read(env: &Env<'_>) -> Result<Self, ConfigError> {
        let (url, kind) = match env.get("DATABASE_URL")? {
            Some(url) => parse_database_url("DATABASE_URL", &url)?,
            None => match env.get("DB_HOST")? {
                Some(host) => {
                    let url = assemble_postgres_url(env, &host)?;
                    parse_database_url("DATABASE_URL", &url)?
                }
                None => parse_database_url("DATABASE_URL", DEFAULT_DATABASE_URL)?,
            },
        };
        let read_url = match env.get("DATABASE_READ_URL")? {
            Some(raw) => {
                let (read, read_kind) = parse_database_url("DATABASE_READ_URL", &raw)?;
                if read_kind != kind {
                    return Err(ConfigError::invalid(
                        "DATABASE_READ_URL",
                        &redact_url(&raw),
                        format!("is a {read_kind} URL but the primary database is {kind}"),
                    ));
                }
                Some(RedactedUrl::new(read))
            }
            None => None,
        };
        let pool_size = match env.get("DB_POOL_SIZE")? {
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
        // SQLite is the zero-setup local database; shared servers are
        // migrated deliberately rather than by whichever instance boots first.
        let auto_migrate = env.flag("AUTO_MIGRATE", kind == DatabaseKind::Sqlite)?;
        Ok(Self {
            url: RedactedUrl::new(url),
            kind,
            read_url,
            pool_size,
            auto_migrate,
            statement_timeout_ms: env.positive("DB_STATEMENT_TIMEOUT_MS", DEFAULT_DB_STATEMENT_TIMEOUT_MS)?,
            acquire_timeout_ms: env.positive("DB_ACQUIRE_TIMEOUT_MS", DEFAULT_DB_ACQUIRE_TIMEOUT_MS)?,
        })
    }
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

fn assemble_postgres_url(env: &Env<'_>, host: &str) -> Result<String, ConfigError> {
    if !is_ip_or_hostname(host) {
        return Err(ConfigError::invalid("DB_HOST", host, "is not an IP address or hostname"));
    }
    let port = env.port("DB_PORT", DEFAULT_DB_PORT)?;
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
