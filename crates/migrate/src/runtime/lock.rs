//! One migrator at a time, and never a blocking wait: the lock is tried and the try is
//! polled with backoff until `lock_timeout`, then the holder is reported.
//! PostgreSQL: a session advisory lock on a dedicated connection (a blocking wait would
//! deadlock with `CREATE INDEX CONCURRENTLY`); advisory locks belong to one database.
//! MySQL: `GET_LOCK(name, 0)` on a dedicated connection; its locks are server-wide, so the
//! name carries the database's. SQLite: an OS file lock beside the database file, released by
//! the OS if the process dies. A first miss is reported with the holder, once.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, Statement, Value};

use crate::MigrateError;
use crate::dialect::Dialect;

/// The held lock; dropping it releases it (explicit `release` also closes the connection).
pub enum MigrationLock {
    Server { conn: DatabaseConnection, dialect: Dialect, name: String },
    File(File),
    None,
}

/// Two 32-bit keys for PostgreSQL's two-key advisory lock, derived from the lock name.
fn pg_keys(name: &str) -> (i32, i32) {
    let mut h: u32 = 0x811c_9dc5;
    for b in name.bytes() {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    // The first key marks the lock as ours; the bit pattern of the hash is the second.
    (0x6d69_6772, i32::from_ne_bytes(h.to_ne_bytes()))
}

/// The file of an on-disk SQLite database named by `url`, if any.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" || url.contains("mode=memory") { None } else { Some(PathBuf::from(path)) }
}

/// Acquires the migration lock for the database at `url`.
///
/// # Errors
/// `LockTimeout` naming the holder when the lock stays taken past `timeout`; database or I/O
/// errors.
pub async fn acquire(
    url: &str,
    dialect: Dialect,
    name: &str,
    timeout: Duration,
    waiting: &(dyn Fn(&str) + Send + Sync),
) -> Result<MigrationLock, MigrateError> {
    match dialect {
        Dialect::Sqlite => acquire_file(url, timeout, waiting).await,
        _ => acquire_server(url, dialect, name, timeout, waiting).await,
    }
}

/// Tries `attempt` until it succeeds or `timeout` passes; after the first miss, `missed` runs
/// once (to say who holds the lock).
async fn poll<F, Fut, M, MFut>(timeout: Duration, mut attempt: F, missed: M) -> Result<bool, MigrateError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<bool, MigrateError>>,
    M: FnOnce() -> MFut,
    MFut: std::future::Future<Output = ()>,
{
    let start = Instant::now();
    let mut delay = Duration::from_millis(25);
    let mut missed = Some(missed);
    loop {
        if attempt().await? {
            return Ok(true);
        }
        if let Some(missed) = missed.take() {
            missed().await;
        }
        if start.elapsed() >= timeout {
            return Ok(false);
        }
        tokio::time::sleep(delay.min(timeout.saturating_sub(start.elapsed()))).await;
        delay = (delay * 2).min(Duration::from_millis(500));
    }
}

async fn acquire_file(
    url: &str,
    timeout: Duration,
    waiting: &(dyn Fn(&str) + Send + Sync),
) -> Result<MigrationLock, MigrateError> {
    let Some(db_path) = sqlite_path(url) else { return Ok(MigrationLock::None) };
    let mut path = db_path.into_os_string();
    path.push(".migrate-lock");
    let path = PathBuf::from(path);
    let file = OpenOptions::new().create(true).truncate(false).read(true).write(true).open(&path)?;
    let got = poll(
        timeout,
        || {
            let result = match file.try_lock() {
                Ok(()) => Ok(true),
                Err(TryLockError::WouldBlock) => Ok(false),
                Err(TryLockError::Error(e)) => Err(MigrateError::Io(e)),
            };
            std::future::ready(result)
        },
        || {
            waiting(std::fs::read_to_string(&path).unwrap_or_default().trim());
            std::future::ready(())
        },
    )
    .await?;
    if !got {
        let holder = std::fs::read_to_string(&path).unwrap_or_default();
        return Err(MigrateError::LockTimeout { waited: timeout, holder: holder.trim().to_owned() });
    }
    let mut file = file;
    file.set_len(0)?;
    write!(file, "process {} since {}", std::process::id(), chrono::Utc::now().to_rfc3339())?;
    Ok(MigrationLock::File(file))
}

/// MySQL's lock names are server-wide and at most 64 characters: the database's name joins
/// the lock's, hashed when the two are too long.
async fn mysql_name(conn: &DatabaseConnection, name: &str) -> Result<String, MigrateError> {
    let stmt = Statement::from_string(Dialect::Mysql.backend(), "SELECT DATABASE()");
    let database =
        conn.query_one_raw(stmt).await?.map(|r| r.try_get_by_index::<Option<String>>(0)).transpose()?.flatten();
    let full = format!("{name}:{}", database.unwrap_or_default());
    if full.len() <= 64 {
        return Ok(full);
    }
    let (_, hash) = pg_keys(&full);
    Ok(format!("{}:{:08x}", &name[..name.floor_char_boundary(50)], hash))
}

async fn acquire_server(
    url: &str,
    dialect: Dialect,
    name: &str,
    timeout: Duration,
    waiting: &(dyn Fn(&str) + Send + Sync),
) -> Result<MigrationLock, MigrateError> {
    let mut options = ConnectOptions::new(url.to_owned());
    options.max_connections(1).min_connections(1).sqlx_logging(false);
    let conn = Database::connect(options).await?;
    let name = if dialect == Dialect::Mysql { mysql_name(&conn, name).await? } else { name.to_owned() };
    let name = name.as_str();
    let backend = dialect.backend();
    let try_sql = match dialect {
        Dialect::Postgres => {
            let (k1, k2) = pg_keys(name);
            Statement::from_sql_and_values(backend, "SELECT pg_try_advisory_lock($1, $2)", [k1.into(), k2.into()])
        }
        _ => Statement::from_sql_and_values(backend, "SELECT GET_LOCK(?, 0)", [Value::from(name.to_owned())]),
    };
    let got = poll(
        timeout,
        || {
            let conn = &conn;
            let stmt = try_sql.clone();
            async move {
                let row = conn.query_one_raw(stmt).await?;
                Ok(match dialect {
                    Dialect::Postgres => row.map(|r| r.try_get_by_index::<bool>(0)).transpose()?.unwrap_or(false),
                    _ => row.map(|r| r.try_get_by_index::<Option<i64>>(0)).transpose()?.flatten() == Some(1),
                })
            }
        },
        || async {
            waiting(&server_holder(&conn, dialect, name).await.unwrap_or_else(|_| "unknown".to_owned()));
        },
    )
    .await?;
    if !got {
        let holder = server_holder(&conn, dialect, name).await.unwrap_or_else(|_| "unknown".to_owned());
        let _ = conn.close().await;
        return Err(MigrateError::LockTimeout { waited: timeout, holder });
    }
    Ok(MigrationLock::Server { conn, dialect, name: name.to_owned() })
}

async fn server_holder(conn: &DatabaseConnection, dialect: Dialect, name: &str) -> Result<String, MigrateError> {
    let backend = dialect.backend();
    if dialect == Dialect::Postgres {
        let (k1, k2) = pg_keys(name);
        let stmt = Statement::from_sql_and_values(
            backend,
            "SELECT a.pid, COALESCE(a.application_name, ''), COALESCE(a.client_addr::text, 'local'), \
             a.backend_start::text FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = $1 AND l.objid::bigint = $2",
            [i64::from(k1).into(), i64::from(u32::from_ne_bytes(k2.to_ne_bytes())).into()],
        );
        let row = conn.query_one_raw(stmt).await?;
        return Ok(match row {
            Some(r) => format!(
                "PostgreSQL backend pid {} ({}, from {}, connected {})",
                r.try_get_by_index::<i32>(0)?,
                r.try_get_by_index::<String>(1)?,
                r.try_get_by_index::<String>(2)?,
                r.try_get_by_index::<String>(3)?
            ),
            None => "unknown".to_owned(),
        });
    }
    let stmt = Statement::from_sql_and_values(backend, "SELECT IS_USED_LOCK(?)", [Value::from(name.to_owned())]);
    let id = conn.query_one_raw(stmt).await?.map(|r| r.try_get_by_index::<Option<i64>>(0)).transpose()?.flatten();
    Ok(id.map_or_else(|| "unknown".to_owned(), |id| format!("MySQL connection id {id}")))
}

impl MigrationLock {
    /// Releases the lock and closes its connection.
    pub async fn release(self) {
        match self {
            MigrationLock::Server { conn, dialect, name } => {
                let backend = dialect.backend();
                let stmt = match dialect {
                    Dialect::Postgres => {
                        let (k1, k2) = pg_keys(&name);
                        Statement::from_sql_and_values(
                            backend,
                            "SELECT pg_advisory_unlock($1, $2)",
                            [k1.into(), k2.into()],
                        )
                    }
                    _ => Statement::from_sql_and_values(backend, "SELECT RELEASE_LOCK(?)", [Value::from(name)]),
                };
                // Closing the session frees the lock too; the explicit unlock just does it sooner.
                let _ = conn.execute_raw(stmt).await;
                let _ = conn.close().await;
            }
            MigrationLock::File(file) => {
                let _ = file.unlock();
            }
            MigrationLock::None => {}
        }
    }
}
