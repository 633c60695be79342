//! Reaching a database, and saying in one line why it cannot be reached.
//!
//! A pool hides the cause: sqlx retries a refused connection until its acquire timeout and then
//! reports only "pool timed out", and its driver errors print the server's source line and
//! repeat themselves through their error chains. One direct connection, with a deadline, gives
//! the cause, which [`Unreachable`] turns into where, why and what to do.

use std::path::Path;
use std::str::FromStr as _;
use std::time::Duration;

use sea_orm::sqlx;
use sea_orm::sqlx::ConnectOptions as _;
use sea_orm::sqlx::Connection as _;

use crate::dialect::Dialect;

/// How long one connection attempt may take, whatever the pool's own settings.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A database that cannot be opened: where, the root cause, and the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot connect to {place}: {cause}; {fix}")]
pub struct Unreachable {
    pub place: String,
    pub cause: String,
    pub fix: String,
}

impl Unreachable {
    /// The same, with the fix naming another setting than `DATABASE_URL` (a read replica's).
    #[must_use]
    pub fn naming(mut self, setting: &str) -> Self {
        self.fix = self.fix.replace("DATABASE_URL", setting);
        self
    }
}

/// Opens and closes one connection to `url`, within [`CONNECT_TIMEOUT`].
///
/// # Errors
/// Why the database cannot be reached.
pub async fn probe(url: &str) -> Result<(), Unreachable> {
    let place = place(url);
    let attempt = async {
        match Dialect::from_url(url) {
            Some(Dialect::Postgres) => {
                let options = sqlx::postgres::PgConnectOptions::from_str(url)?;
                options.connect().await?.close().await
            }
            Some(Dialect::Mysql) => {
                let options = sqlx::mysql::MySqlConnectOptions::from_str(&mysql_url(url))?;
                options.connect().await?.close().await
            }
            Some(Dialect::Sqlite) => {
                let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)?;
                options.connect().await?.close().await
            }
            None => Err(sqlx::Error::Configuration("the URL must start with sqlite:, postgres: or mysql:".into())),
        }
    };
    match tokio::time::timeout(CONNECT_TIMEOUT, attempt).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(err)) => Err(explain_sqlx(url, place, &err)),
        Err(_) => Err(Unreachable {
            place,
            cause: format!("no answer within {} s", CONNECT_TIMEOUT.as_secs()),
            fix: "check the host and port in DATABASE_URL, and that no firewall drops the connection".to_owned(),
        }),
    }
}

/// Why a pool could not be opened: a direct attempt names the cause, which the pool's own
/// error (most often a timeout) does not. When the direct attempt succeeds, the pool's error
/// is all there is to say.
pub async fn explain(url: &str, pool_error: &sea_orm::DbErr) -> Unreachable {
    match probe(url).await {
        Err(unreachable) => unreachable,
        Ok(()) => Unreachable {
            place: place(url),
            cause: root_message(pool_error),
            fix: "the server accepts single connections but not the pool: check its connection limit against DB_POOL_SIZE"
                .to_owned(),
        },
    }
}

/// sqlx spells MariaDB's scheme `mysql:`.
fn mysql_url(url: &str) -> String {
    url.strip_prefix("mariadb:").map_or_else(|| url.to_owned(), |rest| format!("mysql:{rest}"))
}

/// "PostgreSQL at 127.0.0.1:5432, database \"shop\"", or the SQLite file, without the password.
#[must_use]
pub fn place(url: &str) -> String {
    match Dialect::from_url(url) {
        Some(Dialect::Postgres) => match sqlx::postgres::PgConnectOptions::from_str(url) {
            Ok(o) => server_place("PostgreSQL", o.get_socket(), o.get_host(), o.get_port(), o.get_database()),
            Err(_) => "PostgreSQL (unparsable URL)".to_owned(),
        },
        Some(Dialect::Mysql) => match sqlx::mysql::MySqlConnectOptions::from_str(&mysql_url(url)) {
            Ok(o) => server_place("MySQL", o.get_socket(), o.get_host(), o.get_port(), o.get_database()),
            Err(_) => "MySQL (unparsable URL)".to_owned(),
        },
        Some(Dialect::Sqlite) => match sqlx::sqlite::SqliteConnectOptions::from_str(url) {
            Ok(o) => format!("the SQLite file {}", o.get_filename().display()),
            Err(_) => "SQLite (unparsable URL)".to_owned(),
        },
        None => "the database".to_owned(),
    }
}

fn server_place(kind: &str, socket: Option<&std::path::PathBuf>, host: &str, port: u16, db: Option<&str>) -> String {
    let at = socket.map_or_else(|| format!("{host}:{port}"), |s| format!("socket {}", s.display()));
    match db {
        Some(db) => format!("{kind} at {at}, database \"{db}\""),
        None => format!("{kind} at {at}"),
    }
}

fn explain_sqlx(url: &str, place: String, err: &sqlx::Error) -> Unreachable {
    let (cause, fix) = match err {
        sqlx::Error::Io(io) => io_cause(io),
        sqlx::Error::Configuration(e) => (
            format!("invalid URL ({e})"),
            "see the DATABASE_URL formats in the README's configuration table".to_owned(),
        ),
        sqlx::Error::Tls(e) => {
            (format!("TLS failed ({e})"), "check the TLS options (sslmode, ssl-mode) in DATABASE_URL".to_owned())
        }
        sqlx::Error::Database(db) => database_cause(url, db.as_ref()),
        other => (other.to_string(), "check DATABASE_URL".to_owned()),
    };
    Unreachable { place, cause, fix }
}

fn io_cause(io: &std::io::Error) -> (String, String) {
    use std::io::ErrorKind;
    match io.kind() {
        ErrorKind::ConnectionRefused => (
            "connection refused".to_owned(),
            "start the database server, or correct the host and port in DATABASE_URL".to_owned(),
        ),
        ErrorKind::TimedOut => (
            "the connection timed out".to_owned(),
            "check the host and port in DATABASE_URL, and that no firewall drops the connection".to_owned(),
        ),
        ErrorKind::NotFound => {
            (strip_os_error(&io.to_string()), "check the host (or socket path) in DATABASE_URL".to_owned())
        }
        _ => (strip_os_error(&io.to_string()), "check the host and port in DATABASE_URL".to_owned()),
    }
}

/// "Connection refused (os error 111)" reads better without the number.
fn strip_os_error(message: &str) -> String {
    message.split(" (os error").next().unwrap_or(message).to_owned()
}

fn database_cause(url: &str, db: &dyn sqlx::error::DatabaseError) -> (String, String) {
    if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        let fix = match pg.code() {
            "3D000" => {
                let name = sqlx::postgres::PgConnectOptions::from_str(url)
                    .ok()
                    .and_then(|o| o.get_database().map(str::to_owned))
                    .unwrap_or_default();
                format!(
                    "create it (CREATE DATABASE \"{name}\"; or `createdb {name}`), or correct the name in DATABASE_URL"
                )
            }
            "28P01" | "28000" => "check the user and password in DATABASE_URL".to_owned(),
            "53300" => {
                "the server has no connection slots left: lower DB_POOL_SIZE, or raise max_connections".to_owned()
            }
            _ => "check DATABASE_URL".to_owned(),
        };
        // The message alone: its Display adds the server's own source line.
        return (pg.message().to_owned(), fix);
    }
    if let Some(my) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
        let fix = match my.number() {
            1049 => {
                let name = sqlx::mysql::MySqlConnectOptions::from_str(&mysql_url(url))
                    .ok()
                    .and_then(|o| o.get_database().map(str::to_owned))
                    .unwrap_or_default();
                format!("create it (CREATE DATABASE `{name}`;), or correct the name in DATABASE_URL")
            }
            1044 | 1045 => "check the user and password in DATABASE_URL, and the user's grants".to_owned(),
            1040 => "the server has no connection slots left: lower DB_POOL_SIZE, or raise max_connections".to_owned(),
            _ => "check DATABASE_URL".to_owned(),
        };
        return (my.message().to_owned(), fix);
    }
    if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        return sqlite_cause(url, db.message());
    }
    (db.message().to_owned(), "check DATABASE_URL".to_owned())
}

/// SQLite says only "unable to open database file"; the file system says why.
fn sqlite_cause(url: &str, message: &str) -> (String, String) {
    let Ok(options) = sqlx::sqlite::SqliteConnectOptions::from_str(url) else {
        return (message.to_owned(), "check DATABASE_URL".to_owned());
    };
    let file = options.get_filename();
    let parent = file.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or_else(|| Path::new("."));
    if !parent.is_dir() {
        return (
            format!("the directory {} does not exist", parent.display()),
            "create it, or correct the path in DATABASE_URL".to_owned(),
        );
    }
    if !file.exists() && !creates_missing(url) {
        return (
            "the file does not exist, and the URL does not let SQLite create it".to_owned(),
            "add ?mode=rwc to DATABASE_URL (e.g. sqlite://shop.db?mode=rwc), or correct the path".to_owned(),
        );
    }
    (
        format!("{message} (the file or its directory is not readable and writable by this user?)"),
        "check the path in DATABASE_URL and its permissions".to_owned(),
    )
}

fn creates_missing(url: &str) -> bool {
    url.split_once('?').is_some_and(|(_, query)| query.split('&').any(|p| p == "mode=rwc" || p == "mode=memory"))
}

/// The innermost message of a sea-orm error, without its wrappers' prefixes.
fn root_message(err: &sea_orm::DbErr) -> String {
    let mut source: &dyn std::error::Error = err;
    while let Some(next) = source.source() {
        source = next;
    }
    source.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_name_host_port_and_database_without_the_password() {
        assert_eq!(
            place("postgres://u:secret@db.example:5433/shop"),
            "PostgreSQL at db.example:5433, database \"shop\""
        );
        assert_eq!(place("mariadb://root@127.0.0.1/test"), "MySQL at 127.0.0.1:3306, database \"test\"");
        assert_eq!(place("sqlite://data/shop.db?mode=rwc"), "the SQLite file data/shop.db");
    }

    #[tokio::test]
    async fn a_refused_port_is_named_with_its_cause_and_fix() {
        // Port 9 (discard) has no listener on a test machine.
        let err = probe("postgres://postgres@127.0.0.1:9/x").await.expect_err("nothing listens on port 9");
        assert_eq!(err.place, "PostgreSQL at 127.0.0.1:9, database \"x\"");
        assert_eq!(err.cause, "connection refused");
        assert!(err.fix.starts_with("start the database server"), "{}", err.fix);
    }

    #[tokio::test]
    async fn a_missing_sqlite_file_without_rwc_says_to_add_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("absent.db").display());
        let err = probe(&url).await.expect_err("no file, no mode=rwc");
        assert!(err.fix.contains("?mode=rwc"), "{err}");
        let url = format!("sqlite://{}", dir.path().join("no/such/dir/absent.db").display());
        let err = probe(&url).await.expect_err("no directory");
        assert!(err.cause.contains("does not exist"), "{err}");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("created.db").display());
        probe(&url).await.expect("mode=rwc creates the file");
    }
}
