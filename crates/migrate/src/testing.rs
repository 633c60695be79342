//! Fresh, throw-away databases for tests: a temporary SQLite file always, and a new
//! PostgreSQL or MySQL database when `TEST_POSTGRES_URL` / `TEST_MYSQL_URL` name a server.
//! Each test gets its own database, so tests run in parallel; it is dropped afterwards.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU32, Ordering};

use sea_orm::{ConnectionTrait, Database};

use crate::dialect::Dialect;

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// The servers a test run can cover, each named by the variable that points the tests at it.
pub const SERVICES: [(&str, &str); 3] =
    [("PostgreSQL", "TEST_POSTGRES_URL"), ("MySQL", "TEST_MYSQL_URL"), ("Redis", "TEST_REDIS_URL")];

/// Whether this run covers `dialect`; when it does not, the current test says it skips.
pub fn covers(dialect: Dialect) -> bool {
    let covered = dialects().contains(&dialect);
    if !covered {
        skip(&format!("{dialect} is not covered by this run"));
    }
    covered
}

/// One test case per database, so a failure names its database and the others still run:
///
/// ```ignore
/// migrate::per_dialect! {
///     /// What the test shows.
///     async fn name(dialect) { /* ... */ }
/// }
/// ```
///
/// makes `name(dialect: Dialect)` and the cases `name::sqlite`, `name::postgres` and
/// `name::mysql`; a database the run does not cover reports its case as skipped (see
/// [`covers`]). `per_dialect!(name);` makes the cases for an existing `name(Dialect)`.
#[macro_export]
macro_rules! per_dialect {
    ($(#[$meta:meta])* async fn $name:ident($dialect:ident) $body:block) => {
        $(#[$meta])*
        async fn $name($dialect: $crate::Dialect) $body
        $crate::per_dialect!($name);
    };
    ($name:ident) => {
        mod $name {
            #[::tokio::test]
            async fn sqlite() {
                super::$name($crate::Dialect::Sqlite).await;
            }

            #[::tokio::test]
            async fn postgres() {
                if $crate::testing::covers($crate::Dialect::Postgres) {
                    super::$name($crate::Dialect::Postgres).await;
                }
            }

            #[::tokio::test]
            async fn mysql() {
                if $crate::testing::covers($crate::Dialect::Mysql) {
                    super::$name($crate::Dialect::Mysql).await;
                }
            }
        }
    };
}

/// The dialects a test run covers: SQLite always, servers whose URL is set.
pub fn dialects() -> Vec<Dialect> {
    announce_coverage();
    let mut out = vec![Dialect::Sqlite];
    for (dialect, var) in [(Dialect::Postgres, "TEST_POSTGRES_URL"), (Dialect::Mysql, "TEST_MYSQL_URL")] {
        if std::env::var(var).is_ok_and(|v| !v.is_empty()) {
            out.push(dialect);
        }
    }
    out
}

/// The server URL in `var`, recorded as used by this test; `None` (said, not silent) when unset.
pub fn service_url(var: &str) -> Option<String> {
    announce_coverage();
    let url = std::env::var(var).ok().filter(|v| !v.is_empty());
    match &url {
        Some(_) => record_use(var),
        None => skip(&format!("{var} is not set")),
    }
    url
}

/// Writes to the test run's own stderr, past libtest's capture (which only takes the print
/// macros), so that `cargo test` shows it even when the test passes.
fn say(line: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Says once per test process which servers the run covers and which it does not.
pub fn announce_coverage() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let (mut covered, mut missing) = (vec!["SQLite".to_owned()], Vec::new());
        for (name, var) in SERVICES {
            if std::env::var(var).is_ok_and(|v| !v.is_empty()) {
                covered.push(name.to_owned());
            } else {
                missing.push(format!("{name} (set {var})"));
            }
        }
        let mut line = format!("test run covers: {}", covered.join(", "));
        if !missing.is_empty() {
            let _ = write!(line, "; NOT covered: {}", missing.join(", "));
        }
        say(&line);
    });
}

/// Says that the current test case skips part of its work, and why.
pub fn skip(reason: &str) {
    let thread = std::thread::current();
    say(&format!("SKIPPED {}: {reason}", thread.name().unwrap_or("a test")));
}

/// Appends the current test's name to `$TEST_COVERAGE_DIR/<var>`, so that a CI run can check
/// that every server it started was used.
pub fn record_use(var: &str) {
    use std::io::Write as _;
    let Some(dir) = std::env::var_os("TEST_COVERAGE_DIR") else { return };
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("main");
    // A process per test (nextest) names its thread "main"; its test is in the arguments.
    let test =
        if test == "main" { std::env::args().nth(1).unwrap_or_else(|| test.to_owned()) } else { test.to_owned() };
    let _ = std::fs::create_dir_all(&dir);
    let path = std::path::Path::new(&dir).join(var);
    if let Ok(mut file) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
        let _ = writeln!(file, "{test}");
    }
}

/// A database created for one test.
pub struct TestDb {
    pub dialect: Dialect,
    pub url: String,
    server_url: Option<String>,
    name: String,
    _dir: Option<tempfile_dir::TempDir>,
}

mod tempfile_dir {
    /// A directory removed on drop (kept minimal to avoid a dependency).
    pub struct TempDir(pub std::path::PathBuf);
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn unique_name() -> String {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("t_{}_{}_{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// Replaces the database name (the URL path) of a server URL.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..].find('/').map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

impl TestDb {
    /// Creates an empty database of `dialect`.
    ///
    /// # Panics
    /// When the server cannot be reached or the database cannot be created: tests want that loud.
    pub async fn new(dialect: Dialect) -> Self {
        let name = unique_name();
        match dialect {
            Dialect::Sqlite => {
                let dir = std::env::temp_dir().join(format!("migrate-{name}"));
                std::fs::create_dir_all(&dir).expect("create temp dir");
                let url = format!("sqlite://{}?mode=rwc", dir.join("test.db").display());
                Self { dialect, url, server_url: None, name, _dir: Some(tempfile_dir::TempDir(dir)) }
            }
            _ => {
                let var = if dialect == Dialect::Postgres { "TEST_POSTGRES_URL" } else { "TEST_MYSQL_URL" };
                let server_url = std::env::var(var).expect("server URL set");
                record_use(var);
                let conn = Database::connect(&server_url).await.expect("connect to test server");
                conn.execute_unprepared(&format!("CREATE DATABASE {}", dialect.quote(&name)))
                    .await
                    .expect("create database");
                let _ = conn.close().await;
                let url = with_database(&server_url, &name);
                Self { dialect, url, server_url: Some(server_url), name, _dir: None }
            }
        }
    }

    /// Creates a fresh database on the server at `server_url` (used by `verify`).
    ///
    /// # Errors
    /// When the server cannot be reached or refuses to create the database.
    pub async fn on_server(dialect: Dialect, server_url: &str) -> Result<Self, crate::MigrateError> {
        record_use(if dialect == Dialect::Postgres { "TEST_POSTGRES_URL" } else { "TEST_MYSQL_URL" });
        let name = unique_name();
        let conn = Database::connect(server_url).await?;
        conn.execute_unprepared(&format!("CREATE DATABASE {}", dialect.quote(&name))).await?;
        let _ = conn.close().await;
        let url = with_database(server_url, &name);
        Ok(Self { dialect, url, server_url: Some(server_url.to_owned()), name, _dir: None })
    }

    /// Connects with a small pool.
    ///
    /// # Panics
    /// When the database cannot be reached.
    pub async fn connect(&self) -> sea_orm::DatabaseConnection {
        Database::connect(&self.url).await.expect("connect to test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(server_url) = self.server_url.clone() else { return };
        let (dialect, name) = (self.dialect, self.name.clone());
        let sql = match self.dialect {
            Dialect::Postgres => format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.dialect.quote(&self.name)),
            _ => format!("DROP DATABASE IF EXISTS {}", self.dialect.quote(&self.name)),
        };
        // Drop cannot await; a short-lived runtime on its own thread does the cleanup.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            rt.block_on(async move {
                if let Ok(conn) = Database::connect(&server_url).await {
                    if dialect == Dialect::Mysql {
                        // MySQL has no DROP DATABASE ... FORCE: end the sessions still using it,
                        // or a connection holding a metadata lock makes the drop wait forever.
                        let sessions = sea_orm::Statement::from_sql_and_values(
                            sea_orm::DbBackend::MySql,
                            "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ?",
                            [sea_orm::Value::from(name.clone())],
                        );
                        if let Ok(rows) = conn.query_all_raw(sessions).await {
                            for row in rows {
                                if let Ok(id) = row.try_get_by_index::<i64>(0) {
                                    let _ = conn.execute_unprepared(&format!("KILL {id}")).await;
                                }
                            }
                        }
                    }
                    let _ = conn.execute_unprepared(&sql).await;
                    let _ = conn.close().await;
                }
            });
        })
        .join();
    }
}
