//! Bulk loading of generated rows, as fast as each database allows: `COPY FROM STDIN` on
//! PostgreSQL, prepared multi-row inserts on one connection on SQLite, batched multi-row
//! inserts elsewhere. The rows are turned into what the database is sent (COPY text, bound
//! arguments, statements) on a thread of their own, a few batches ahead of the database
//! (see [`batches`]). Generated data is consistent by construction, so the loader switches
//! off foreign-key checks for its own session where it may (`session_replication_role` on
//! PostgreSQL, which needs a superuser, and `foreign_keys` on SQLite); that session's
//! connection is closed afterwards rather than returned to the pool. A large load into a
//! table that holds fewer rows drops the table's secondary indexes and builds them again
//! from their own definitions after the rows.
//!
//! Everything a [`Sink`] writes is one transaction, committed by [`Sink::commit`]: a load
//! that fails, is dropped, or whose process is killed leaves the database as it was.

mod batches;
mod encode;
mod writeback;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use indicatif::ProgressBar;
use rust_decimal::Decimal;
use sea_orm::sea_query::{Alias, Query, SimpleExpr};
use sea_orm::sqlx::pool::PoolConnection;
use sea_orm::sqlx::postgres::{PgConnection, Postgres};
use sea_orm::sqlx::sqlite::{Sqlite, SqliteConnection};
use sea_orm::sqlx::{self, AssertSqlSafe, Executor};
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, TransactionTrait, Value};

use self::batches::Batches;

/// One generated value.
#[derive(Debug, Clone)]
pub enum Cell {
    Int(i64),
    Text(String),
    /// Money in cents, so it is exact in every format.
    Cents(i64),
    Bool(bool),
    Time(DateTime<Utc>),
}

impl Cell {
    fn value(self) -> Value {
        match self {
            Self::Int(v) => v.into(),
            Self::Text(v) => v.into(),
            Self::Cents(v) => Decimal::new(v, 2).into(),
            Self::Bool(v) => v.into(),
            Self::Time(v) => v.into(),
        }
    }
}

impl From<i64> for Cell {
    fn from(v: i64) -> Self {
        Self::Int(v)
    }
}

impl From<i32> for Cell {
    fn from(v: i32) -> Self {
        Self::Int(v.into())
    }
}

impl From<String> for Cell {
    fn from(v: String) -> Self {
        Self::Text(v)
    }
}

impl From<&str> for Cell {
    fn from(v: &str) -> Self {
        Self::Text(v.to_owned())
    }
}

impl From<bool> for Cell {
    fn from(v: bool) -> Self {
        Self::Bool(v)
    }
}

impl From<DateTime<Utc>> for Cell {
    fn from(v: DateTime<Utc>) -> Self {
        Self::Time(v)
    }
}

fn sqlx_err(context: &str) -> impl Fn(sqlx::Error) -> DbErr + '_ {
    move |e| DbErr::Custom(format!("{context}: {e}"))
}

/// Where rows go: one open transaction, on a connection of the sink's own.
pub struct Sink {
    target: Target,
    defer_from: u64,
    /// Time spent building indexes again after loads, since the last [`Sink::take_index_time`].
    index_time: Duration,
    /// SQLite: the load runs with a rollback journal, and WAL comes back at the end.
    restore_wal: bool,
    /// SQLite with a rollback journal: the file goes to disk as the load writes it.
    _writeback: Option<writeback::Writeback>,
}

enum Target {
    Postgres(PoolConnection<Postgres>),
    Sqlite(PoolConnection<Sqlite>),
    Statements(DatabaseTransaction),
}

/// Loads of at least this many rows, into a table that holds fewer, build the table's
/// secondary indexes after the rows instead of with every row (PostgreSQL and SQLite).
pub const DEFER_INDEXES_FROM: u64 = 100_000;

impl Sink {
    /// Takes a connection of its own from `db`'s pool and begins the load's transaction.
    /// The connection is closed, not returned to the pool, when the sink is dropped, so a
    /// sink dropped without [`Sink::commit`] rolls back.
    ///
    /// # Errors
    /// Database errors.
    pub async fn open(db: &DatabaseConnection) -> Result<Self, DbErr> {
        Self::open_with(db, false).await
    }

    /// As [`Sink::open`], for a load into tables that are empty. SQLite then writes with a
    /// rollback journal instead of the WAL: pages that did not exist when the transaction
    /// began are not journaled, so every new page is written once, into the database file,
    /// instead of into the WAL and again into the file at the checkpoint. It is still all or
    /// nothing: a killed load leaves a hot journal, which the next connection rolls back
    /// (and every connection of the shop sets WAL again as it opens). Leaving WAL needs the
    /// file to itself; with other connections open, the load stays in WAL.
    ///
    /// # Errors
    /// Database errors.
    pub async fn open_empty(db: &DatabaseConnection) -> Result<Self, DbErr> {
        Self::open_with(db, true).await
    }

    async fn open_with(db: &DatabaseConnection, empty: bool) -> Result<Self, DbErr> {
        let mut restore_wal = false;
        let mut writeback = None;
        let target = match db.get_database_backend() {
            DbBackend::Postgres => {
                let mut conn = db.get_postgres_connection_pool().acquire().await.map_err(sqlx_err("acquire"))?;
                conn.close_on_drop();
                // A table's COPY is one statement and may run for minutes.
                conn.execute("SET statement_timeout = 0").await.map_err(sqlx_err("SET statement_timeout"))?;
                // Only a superuser may skip the foreign-key triggers; others keep the checks.
                if let Err(err) = conn.execute("SET session_replication_role = replica").await {
                    tracing::info!(error = %err, "foreign-key checks stay on during the bulk load");
                }
                // Room to sort in for the indexes built after a load.
                // Room to sort in for the indexes built after a load. More is not faster:
                // the order lines' product index (10.5 million rows) took 5.3 s with 1 GB
                // (one run sorted in memory, missing the CPU's caches) against 3.7 to 4.3 s
                // with 64 to 256 MB, and the names' trigram index 3.5 against 3.3 s.
                conn.execute("SET maintenance_work_mem = '256MB'")
                    .await
                    .map_err(sqlx_err("SET maintenance_work_mem"))?;
                conn.execute("BEGIN").await.map_err(sqlx_err("BEGIN"))?;
                Target::Postgres(conn)
            }
            DbBackend::Sqlite => {
                let mut conn = db.get_sqlite_connection_pool().acquire().await.map_err(sqlx_err("acquire"))?;
                conn.close_on_drop();
                conn.execute("PRAGMA foreign_keys = OFF").await.map_err(sqlx_err("PRAGMA foreign_keys"))?;
                // Index pages of tables with millions of rows must stay cached, or every
                // insert into a secondary index reads from disk (the default cache is 2 MiB).
                conn.execute("PRAGMA cache_size = -524288").await.map_err(sqlx_err("PRAGMA cache_size"))?;
                // Building an index reads the whole table, mostly from the OS's cache: mapped,
                // without a system call per page.
                conn.execute("PRAGMA mmap_size = 2147418112").await.map_err(sqlx_err("PRAGMA mmap_size"))?;
                if empty {
                    restore_wal = rollback_journal(&mut conn).await;
                }
                if restore_wal {
                    writeback = database_file(&mut conn).await.and_then(writeback::Writeback::start);
                }
                // IMMEDIATE: the write lock now, so no other writer slips in mid-load.
                conn.execute("BEGIN IMMEDIATE").await.map_err(sqlx_err("BEGIN"))?;
                Target::Sqlite(conn)
            }
            _ => Target::Statements(db.begin().await?),
        };
        Ok(Self {
            target,
            defer_from: DEFER_INDEXES_FROM,
            index_time: Duration::ZERO,
            restore_wal,
            _writeback: writeback,
        })
    }

    /// Whether SQLite writes this load with a rollback journal (see [`Sink::open_empty`]).
    pub fn rollback_journal(&self) -> bool {
        self.restore_wal
    }

    /// Commits everything the sink wrote.
    ///
    /// # Errors
    /// Database errors; then nothing of the load stays.
    pub async fn commit(mut self) -> Result<(), DbErr> {
        match &mut self.target {
            Target::Postgres(conn) => conn.execute("COMMIT").await.map(drop).map_err(sqlx_err("COMMIT"))?,
            Target::Sqlite(conn) => conn.execute("COMMIT").await.map(drop).map_err(sqlx_err("COMMIT"))?,
            Target::Statements(_) => {}
        }
        self.restore_wal().await?;
        if let Target::Statements(txn) = self.target {
            txn.commit().await?;
        }
        Ok(())
    }

    /// Rolls the load back (as dropping the sink would) and, on SQLite, puts the WAL back
    /// at once rather than leaving that to the next connection.
    ///
    /// # Errors
    /// Database errors of the rollback or of restoring the WAL.
    pub async fn abandon(mut self) -> Result<(), DbErr> {
        if let Target::Sqlite(conn) = &mut self.target {
            conn.execute("ROLLBACK").await.map_err(sqlx_err("ROLLBACK"))?;
        }
        self.restore_wal().await
    }

    async fn restore_wal(&mut self) -> Result<(), DbErr> {
        if let (Target::Sqlite(conn), true) = (&mut self.target, self.restore_wal) {
            let mode: String = sqlx::query_scalar("PRAGMA journal_mode = WAL")
                .fetch_one(&mut **conn)
                .await
                .map_err(sqlx_err("PRAGMA journal_mode = WAL"))?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(DbErr::Custom(format!(
                    "the load is committed, but the database stayed in journal mode {mode}; \
                     the server sets WAL again when it opens the file"
                )));
            }
            self.restore_wal = false;
        }
        Ok(())
    }

    /// Runs one statement of trusted text (no parameters) in the load's transaction.
    ///
    /// # Errors
    /// Database errors.
    pub async fn execute(&mut self, sql: &str) -> Result<(), DbErr> {
        let failed = sqlx_err("statement");
        match &mut self.target {
            Target::Postgres(conn) => conn.execute(AssertSqlSafe(sql.to_owned())).await.map(drop).map_err(failed),
            Target::Sqlite(conn) => conn.execute(AssertSqlSafe(sql.to_owned())).await.map(drop).map_err(failed),
            Target::Statements(txn) => txn.execute_unprepared(sql).await.map(drop),
        }
    }

    /// SQLite: drops those of `names` that are triggers on `table`, for a load whose effects
    /// the caller brings about itself afterwards, and returns their definitions so that
    /// [`Sink::execute`] can create them again in the same transaction, as (name, SQL).
    /// Elsewhere nothing (PostgreSQL's loader session skips triggers already, in the replica
    /// role).
    ///
    /// # Errors
    /// Database errors.
    pub async fn drop_triggers(&mut self, table: &str, names: &[&str]) -> Result<Vec<(String, String)>, DbErr> {
        let Target::Sqlite(conn) = &mut self.target else {
            return Ok(Vec::new());
        };
        let all: Vec<(String, String)> =
            sqlx::query_as("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? ORDER BY name")
                .bind(table)
                .fetch_all(&mut **conn)
                .await
                .map_err(sqlx_err("list triggers"))?;
        let mut dropped = Vec::new();
        for (name, sql) in all.into_iter().filter(|(name, _)| names.contains(&name.as_str())) {
            let drop = format!("DROP TRIGGER \"{}\"", name.replace('"', "\"\""));
            conn.execute(AssertSqlSafe(drop)).await.map_err(sqlx_err("DROP TRIGGER"))?;
            dropped.push((name, sql));
        }
        Ok(dropped)
    }

    /// Changes the size of load from which the secondary indexes are built after the rows
    /// ([`DEFER_INDEXES_FROM`] by default).
    #[must_use]
    pub fn defer_indexes_from(mut self, rows: u64) -> Self {
        self.defer_from = rows;
        self
    }

    /// The time spent building indexes again since the last call.
    pub fn take_index_time(&mut self) -> Duration {
        std::mem::take(&mut self.index_time)
    }

    /// Writes `rows` (each in the order of `columns`) into `table`, advancing `bar`. The
    /// rows are produced on a thread of their own while the database writes.
    ///
    /// # Errors
    /// Database errors.
    pub async fn insert<I>(&mut self, table: &str, columns: &[&str], rows: I, bar: &ProgressBar) -> Result<u64, DbErr>
    where
        I: IntoIterator<Item = Vec<Cell>>,
        I::IntoIter: Send + 'static,
    {
        let rows = rows.into_iter();
        let expected = rows.size_hint().0 as u64;
        let index_time = &mut self.index_time;
        match &mut self.target {
            Target::Postgres(conn) => {
                if defers::<Postgres>(conn, table, expected, self.defer_from).await? {
                    let load = async move |c: &mut PgConnection| copy(c, table, columns, rows, bar).await;
                    let builds = IndexBuilds { list: PG_SECONDARY_INDEXES, sort_memory: None };
                    without_secondary_indexes::<Postgres>(conn, table, builds, load, index_time).await
                } else {
                    copy(conn, table, columns, rows, bar).await
                }
            }
            Target::Sqlite(conn) => {
                if defers::<Sqlite>(conn, table, expected, self.defer_from).await? {
                    let load = async move |c: &mut SqliteConnection| insert_rows(c, table, columns, rows, bar).await;
                    let builds = IndexBuilds { list: SQLITE_SECONDARY_INDEXES, sort_memory: Some(SQLITE_SORT_MEMORY) };
                    without_secondary_indexes::<Sqlite>(conn, table, builds, load, index_time).await
                } else {
                    insert_rows(conn, table, columns, rows, bar).await
                }
            }
            Target::Statements(txn) => statements(txn, table, columns, rows, bar).await,
        }
    }
}

/// Switches `conn` to a rollback journal for the load; false (and WAL kept) when another
/// connection has the file open, which SQLite reports as locked at once.
async fn rollback_journal(conn: &mut SqliteConnection) -> bool {
    match sqlx::query_scalar::<_, String>("PRAGMA journal_mode = DELETE").fetch_one(&mut *conn).await {
        Ok(mode) if mode.eq_ignore_ascii_case("delete") => true,
        Ok(mode) => {
            tracing::info!(%mode, "the bulk load keeps the journal mode");
            false
        }
        Err(err) => {
            tracing::info!(error = %err, "the bulk load stays in WAL: another connection has the file open");
            false
        }
    }
}

/// The file of the main database, when it has one.
async fn database_file(conn: &mut SqliteConnection) -> Option<std::path::PathBuf> {
    let files: Vec<(i64, String, String)> = sqlx::query_as("PRAGMA database_list").fetch_all(&mut *conn).await.ok()?;
    files.into_iter().find(|(_, name, file)| name == "main" && !file.is_empty()).map(|(_, _, file)| file.into())
}

/// One `COPY` per table, sent in chunks of about 1 MiB built on the rows' thread: binary
/// when every column has a type [`encode::CopyBinary`] writes, text otherwise.
async fn copy(
    conn: &mut PgConnection,
    table: &str,
    columns: &[&str],
    rows: impl Iterator<Item = Vec<Cell>> + Send + 'static,
    bar: &ProgressBar,
) -> Result<u64, DbErr> {
    const CHUNK: usize = 1 << 20;
    let context = format!("COPY {table}");
    let failed = sqlx_err(&context);
    let types = binary_types(conn, table, columns).await?;
    let binary = types.is_some();
    let format = if binary { " (FORMAT binary)" } else { "" };
    let statement = format!("COPY {table} ({}) FROM STDIN{format}", columns.join(", "));
    let mut batches = match types {
        Some(types) => {
            let mut encoder = encode::CopyBinary::new(types);
            Batches::spawn(rows, move |rows| encoder.chunk(rows, CHUNK))
        }
        None => {
            let mut encoder = encode::CopyText::default();
            Batches::spawn(rows, move |rows| encoder.chunk(rows, CHUNK).map(Ok))
        }
    };
    let mut sink = conn.copy_in_raw(&statement).await.map_err(&failed)?;
    if binary {
        sink.send(encode::BINARY_HEADER).await.map_err(&failed)?;
    }
    let mut written = 0;
    while let Some(chunk) = batches.next().await {
        let (chunk, n) = chunk.map_err(|e| DbErr::Custom(format!("{context}: {e}")))?;
        sink.send(chunk).await.map_err(&failed)?;
        bar.inc(n);
        written += n;
    }
    // Before the COPY ends: rows that stopped short must not be committed.
    batches.finish().await?;
    if binary {
        sink.send(encode::BINARY_TRAILER).await.map_err(&failed)?;
    }
    sink.finish().await.map_err(&failed)?;
    Ok(written)
}

/// The types of `columns` of `table` for a binary COPY, or `None` when one of them is of a
/// type the binary encoder does not write.
async fn binary_types(
    conn: &mut PgConnection,
    table: &str,
    columns: &[&str],
) -> Result<Option<Vec<encode::PgType>>, DbErr> {
    let names: Vec<String> = columns.iter().map(|c| (*c).to_owned()).collect();
    let found: Vec<(String, String)> = sqlx::query_as(
        "SELECT attname::text, format_type(atttypid, NULL) FROM pg_attribute \
         WHERE attrelid = $1::text::regclass AND attname = ANY($2) AND attnum > 0 AND NOT attisdropped",
    )
    .bind(table)
    .bind(&names)
    .fetch_all(&mut *conn)
    .await
    .map_err(sqlx_err("column types"))?;
    Ok(columns
        .iter()
        .map(|column| found.iter().find(|(name, _)| name == column).and_then(|(_, ty)| encode::PgType::from_name(ty)))
        .collect())
}

/// The secondary indexes of a table (bound as the one parameter), as name and definition;
/// those behind a constraint, such as the primary key, are left out.
const PG_SECONDARY_INDEXES: &str = "SELECT i.relname::text, pg_get_indexdef(x.indexrelid) FROM pg_index x \
     JOIN pg_class i ON i.oid = x.indexrelid \
     WHERE x.indrelid = $1::text::regclass \
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) \
     ORDER BY i.relname";
/// As [`PG_SECONDARY_INDEXES`]; indexes without SQL are those SQLite made for a PRIMARY KEY
/// or UNIQUE constraint.
const SQLITE_SECONDARY_INDEXES: &str =
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name";

/// Whether a load of `expected` rows into `table` builds the indexes after the rows: it is
/// at least `from` rows, and the table holds fewer (counted no further than that).
async fn defers<DB>(conn: &mut DB::Connection, table: &str, expected: u64, from: u64) -> Result<bool, DbErr>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: sqlx::IntoArguments<DB>,
    (i64,): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    if expected < from {
        return Ok(false);
    }
    let sql = format!("SELECT COUNT(*) FROM (SELECT 1 FROM {table} LIMIT {expected}) AS existing");
    let existing: i64 =
        sqlx::query_scalar(AssertSqlSafe(sql)).fetch_one(&mut *conn).await.map_err(sqlx_err("COUNT"))?;
    Ok(u64::try_from(existing).unwrap_or(0) < expected)
}

/// How a table's secondary indexes are found, and the statements that set the memory their
/// builds sort in and then set it back.
struct IndexBuilds {
    list: &'static str,
    sort_memory: Option<[&'static str; 2]>,
}

/// SQLite sorts an index's entries in runs as large as the page cache, each a linked list
/// merge-sorted in memory; a list of ten million entries misses the CPU's caches at every
/// step. Runs of 2 MiB (about SQLite's smallest), merged afterwards, took about a third of
/// the time of 512 MiB ones for the order lines' product index (`sqlite3`, 10.5 million
/// rows: 6.9 s against 16.9 s; 8 MiB 10.9 s).
const SQLITE_SORT_MEMORY: [&str; 2] = ["PRAGMA cache_size = -2048", "PRAGMA cache_size = -524288"];

/// Runs `load` on `table` without its secondary indexes (listed by `builds`), then builds them
/// again from their own definitions: building an index from a million rows at once is
/// several times cheaper than adding the rows to it one by one (3 million order lines on
/// PostgreSQL: 15.0 s into the indexed table, 1.9 s plus 2.2 s for its three indexes). It
/// runs in the load's transaction, so a failure, a unique index that the new rows break
/// included, leaves the table and its indexes as they were.
async fn without_secondary_indexes<DB>(
    conn: &mut DB::Connection,
    table: &str,
    builds: IndexBuilds,
    load: impl AsyncFnOnce(&mut DB::Connection) -> Result<u64, DbErr>,
    index_time: &mut Duration,
) -> Result<u64, DbErr>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: sqlx::IntoArguments<DB>,
    (String, String): for<'r> sqlx::FromRow<'r, DB::Row>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let indexes: Vec<(String, String)> =
        sqlx::query_as(builds.list).bind(table).fetch_all(&mut *conn).await.map_err(sqlx_err("list indexes"))?;
    for (name, _) in &indexes {
        let drop = format!("DROP INDEX \"{}\"", name.replace('"', "\"\""));
        conn.execute(AssertSqlSafe(drop)).await.map_err(sqlx_err("DROP INDEX"))?;
    }
    let written = load(&mut *conn).await?;
    let started = Instant::now();
    let [small, back] = builds.sort_memory.unwrap_or_default();
    if !indexes.is_empty() && !small.is_empty() {
        conn.execute(small).await.map_err(sqlx_err("sort memory"))?;
    }
    for (_, create) in &indexes {
        conn.execute(AssertSqlSafe(create.clone())).await.map_err(sqlx_err("CREATE INDEX"))?;
    }
    if !indexes.is_empty() && !back.is_empty() {
        conn.execute(back).await.map_err(sqlx_err("sort memory"))?;
    }
    *index_time += started.elapsed();
    Ok(written)
}

/// SQLite's limit on the parameters of one statement.
const SQLITE_MAX_VARIABLES: usize = 32_766;

/// The rows as `INSERT ... VALUES (?, ...), (?, ...)`, the statement prepared once per row
/// count and as large as SQLite allows, the arguments bound on the rows' thread.
async fn insert_rows(
    conn: &mut SqliteConnection,
    table: &str,
    columns: &[&str],
    rows: impl Iterator<Item = Vec<Cell>> + Send + 'static,
    bar: &ProgressBar,
) -> Result<u64, DbErr> {
    let per_statement = (SQLITE_MAX_VARIABLES / columns.len().max(1)).max(1);
    let context = format!("INSERT INTO {table}");
    let failed = sqlx_err(&context);
    let sql_for = |n: usize| {
        let row = format!("({})", vec!["?"; columns.len()].join(", "));
        format!("INSERT INTO {table} ({}) VALUES {}", columns.join(", "), vec![row; n].join(", "))
    };
    // Built once: the statement text is statically ours (table and column names from the
    // generator, values all bound).
    let full: Arc<str> = sql_for(per_statement).into();
    let mut encoder = encode::SqliteBinds::default();
    let mut batches = Batches::spawn(rows, move |rows| encoder.chunk(rows, per_statement));
    let mut written = 0;
    while let Some(chunk) = batches.next().await {
        let (arguments, n) = chunk.map_err(|e| DbErr::Custom(format!("{context}: {e}")))?;
        let sql = if n == per_statement as u64 { full.clone() } else { sql_for(n as usize).into() };
        sqlx::query_with(AssertSqlSafe(sql), arguments).execute(&mut *conn).await.map_err(&failed)?;
        written += n;
        bar.inc(n);
    }
    batches.finish().await?;
    Ok(written)
}

/// Multi-row statements through sea-query, in the load's transaction.
async fn statements(
    txn: &DatabaseTransaction,
    table: &str,
    columns: &[&str],
    rows: impl Iterator<Item = Vec<Cell>> + Send + 'static,
    bar: &ProgressBar,
) -> Result<u64, DbErr> {
    const BATCH: usize = 1000;
    let mut batches = Batches::spawn(rows, |rows| {
        let chunk: Vec<Vec<Cell>> = rows.take(BATCH).collect();
        (!chunk.is_empty()).then_some(chunk)
    });
    let mut written = 0;
    while let Some(chunk) = batches.next().await {
        let n = chunk.len() as u64;
        let mut stmt = Query::insert();
        stmt.into_table(Alias::new(table)).columns(columns.iter().map(|c| Alias::new(*c)));
        for row in chunk {
            stmt.values(row.into_iter().map(|c| SimpleExpr::from(c.value())))
                .map_err(|e| DbErr::Custom(e.to_string()))?;
        }
        txn.execute(&stmt).await?;
        written += n;
        bar.inc(n);
    }
    batches.finish().await?;
    Ok(written)
}
