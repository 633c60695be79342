//! The database: connection pools with the settings' size and timeouts, the migration
//! context for `shop db`, and the schema check (or automatic upgrade) that `shop serve` runs
//! before it accepts requests.

use std::time::Duration;

use anyhow::{Context as _, bail};
use migrate::{Migrator, Options};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};

use crate::config::{DatabaseKind, Settings};
use crate::migrations;

pub mod direct;
pub mod stable_plans;

/// Rows a SQLite connection's worker thread may read ahead of the task that takes them.
const ROW_BUFFER: usize = 4096;

/// What the `db` command set needs: URL, revisions, and where new revision files go.
///
/// # Errors
/// A malformed revision registry.
pub fn migrate_context(settings: &Settings) -> anyhow::Result<migrate::cli::Context> {
    Ok(migrate::cli::Context {
        url: settings.database_url().to_owned(),
        graph: migrations::graph().context("the shop's revision registry is invalid")?,
        migrations_dir: migrations::source_dir(),
        options: Options::default(),
        target: Some(crate::entity::target_schema()),
    })
}

/// Upgrades to head when `AUTO_MIGRATE` is on; otherwise refuses a database that is behind.
/// Returns the head(s) the database is at.
///
/// # Errors
/// Migration failures, or a database that is not at head with auto-migrate off.
pub async fn prepare_schema(settings: &Settings) -> anyhow::Result<Vec<String>> {
    let graph = migrations::graph().context("the shop's revision registry is invalid")?;
    let migrator = Migrator::connect(settings.database_url(), graph, Options::default()).await?;
    let result = async {
        if settings.database.auto_migrate {
            for step in migrator.upgrade("heads").await? {
                tracing::info!(revision = %step.revision, ms = step.duration_ms, "applied {}", step.message);
            }
        } else if !migrator.is_up_to_date().await? {
            let current = migrator.current().await?;
            bail!(
                "the database is at {} but the code expects {}: run `shop db upgrade head` (or set AUTO_MIGRATE=true)",
                if current.is_empty() { "base (empty)".to_owned() } else { current.join(", ") },
                migrator.graph().heads().join(", ")
            );
        }
        Ok(migrator.current().await?)
    }
    .await;
    migrator.close().await;
    result
}

/// Opens the connection pool with the settings' size and timeouts.
///
/// # Errors
/// When the database cannot be reached.
pub async fn connect(settings: &Settings) -> Result<DatabaseConnection, migrate::Unreachable> {
    connect_to(settings, settings.database_url()).await
}

/// Opens a pool to `url` (the primary or the read replica) with the settings' size and
/// timeouts.
///
/// # Errors
/// When the database cannot be reached.
pub async fn connect_to(settings: &Settings, url: &str) -> Result<DatabaseConnection, migrate::Unreachable> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(settings.database.pool_size)
        .min_connections(1)
        .acquire_timeout(Duration::from_millis(u64::from(settings.database.acquire_timeout_ms)))
        .connect_timeout(migrate::connect::CONNECT_TIMEOUT)
        // sqlx already pings every connection when it is released, and closes it if that
        // fails; a second ping on every acquire is a round trip per query. Only connections
        // idle long enough for the server or a firewall to have dropped them are pinged.
        .test_before_acquire_if_idle_for(Duration::from_secs(10))
        .sqlx_logging(false);
    if settings.database_kind() == DatabaseKind::Sqlite {
        // WAL lets readers run beside the single writer; busy_timeout makes writers queue
        // instead of failing with SQLITE_BUSY.
        options.map_sqlx_sqlite_opts(|o| {
            // NORMAL is durable across application crashes in WAL mode and saves an fsync per
            // commit.
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
                // The worker thread hands rows over through this buffer; at sqlx's 50 it
                // filled on large results and woke the two threads in turn for every row.
                .row_buffer_size(ROW_BUFFER)
        });
        options.map_sqlx_sqlite_pool_opts(|pool| {
            pool.after_connect(|conn, _| Box::pin(async move { stable_plans::enable(conn).await }))
        });
    }
    if settings.database_kind() == DatabaseKind::Postgres {
        // A runaway query is cancelled by the server instead of holding a connection.
        let timeout = settings.database.statement_timeout_ms.to_string();
        options.map_sqlx_postgres_opts(move |o| o.options([("statement_timeout", timeout.as_str())]));
    }
    match Database::connect(options).await {
        Ok(conn) => Ok(conn),
        Err(err) => Err(migrate::connect::explain(url, &err).await),
    }
}
