//! Bulk loading of generated rows, as fast as each database allows: `COPY FROM STDIN` on
//! PostgreSQL, prepared multi-row inserts on one connection on SQLite, batched multi-row
//! inserts elsewhere. Generated data is consistent by construction, so the loader switches
//! off foreign-key checks for its own session where it may (`session_replication_role` on
//! PostgreSQL, which needs a superuser, and `foreign_keys` on SQLite); that session's
//! connection is closed afterwards rather than returned to the pool. A large load into a
//! table that holds fewer rows drops the table's secondary indexes and builds them again
//! from their own definitions after the rows.
//!
//! Everything a [`Sink`] writes is one transaction, committed by [`Sink::commit`]: a load
//! that fails, is dropped, or whose process is killed leaves the database as it was.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use indicatif::ProgressBar;
use rust_decimal::Decimal;
use sea_orm::sea_query::{Alias, Query, SimpleExpr};
use sea_orm::sqlx::pool::PoolConnection;
use sea_orm::sqlx::postgres::{PgConnection, Postgres};
use sea_orm::sqlx::sqlite::{Sqlite, SqliteConnection};
use sea_orm::sqlx::{self, AssertSqlSafe, Executor};
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, TransactionTrait, Value};

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

    /// The cell in `COPY ... (FORMAT text)`: generated text never holds tabs, newlines or
    /// backslashes, so it needs no escaping.
    fn write_copy(&self, out: &mut String) {
        use std::fmt::Write;
        let _ = match self {
            Self::Int(v) => write!(out, "{v}"),
            Self::Text(v) => write!(out, "{v}"),
            Self::Cents(v) => write!(out, "{}", Decimal::new(*v, 2)),
            Self::Bool(v) => write!(out, "{}", if *v { 't' } else { 'f' }),
            Self::Time(v) => write!(out, "{}", v.format("%Y-%m-%d %H:%M:%S%.6f+00")),
        };
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
pub enum Sink {
    Postgres { conn: PoolConnection<Postgres>, defer_from: u64 },
    Sqlite { conn: PoolConnection<Sqlite>, defer_from: u64 },
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
        match db.get_database_backend() {
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
                conn.execute("SET maintenance_work_mem = '256MB'")
                    .await
                    .map_err(sqlx_err("SET maintenance_work_mem"))?;
                conn.execute("BEGIN").await.map_err(sqlx_err("BEGIN"))?;
                Ok(Self::Postgres { conn, defer_from: DEFER_INDEXES_FROM })
            }
            DbBackend::Sqlite => {
                let mut conn = db.get_sqlite_connection_pool().acquire().await.map_err(sqlx_err("acquire"))?;
                conn.close_on_drop();
                conn.execute("PRAGMA foreign_keys = OFF").await.map_err(sqlx_err("PRAGMA foreign_keys"))?;
                // Index pages of tables with millions of rows must stay cached, or every
                // insert into a secondary index reads from disk (the default cache is 2 MiB).
                conn.execute("PRAGMA cache_size = -524288").await.map_err(sqlx_err("PRAGMA cache_size"))?;
                // IMMEDIATE: the write lock now, so no other writer slips in mid-load.
                conn.execute("BEGIN IMMEDIATE").await.map_err(sqlx_err("BEGIN"))?;
                Ok(Self::Sqlite { conn, defer_from: DEFER_INDEXES_FROM })
            }
            _ => Ok(Self::Statements(db.begin().await?)),
        }
    }

    /// Commits everything the sink wrote.
    ///
    /// # Errors
    /// Database errors; then nothing of the load stays.
    pub async fn commit(self) -> Result<(), DbErr> {
        match self {
            Self::Postgres { mut conn, .. } => conn.execute("COMMIT").await.map(drop).map_err(sqlx_err("COMMIT")),
            Self::Sqlite { mut conn, .. } => conn.execute("COMMIT").await.map(drop).map_err(sqlx_err("COMMIT")),
            Self::Statements(txn) => txn.commit().await,
        }
    }

    /// Runs one statement of trusted text (no parameters) in the load's transaction.
    ///
    /// # Errors
    /// Database errors.
    pub async fn execute(&mut self, sql: &str) -> Result<(), DbErr> {
        let failed = sqlx_err("statement");
        match self {
            Self::Postgres { conn, .. } => conn.execute(AssertSqlSafe(sql.to_owned())).await.map(drop).map_err(failed),
            Self::Sqlite { conn, .. } => conn.execute(AssertSqlSafe(sql.to_owned())).await.map(drop).map_err(failed),
            Self::Statements(txn) => txn.execute_unprepared(sql).await.map(drop),
        }
    }

    /// Changes the size of load from which the secondary indexes are built after the rows
    /// ([`DEFER_INDEXES_FROM`] by default).
    #[must_use]
    pub fn defer_indexes_from(mut self, rows: u64) -> Self {
        if let Self::Postgres { defer_from, .. } | Self::Sqlite { defer_from, .. } = &mut self {
            *defer_from = rows;
        }
        self
    }

    /// Writes `rows` (each in the order of `columns`) into `table`, advancing `bar`.
    ///
    /// # Errors
    /// Database errors; rows of transactions already committed stay.
    pub async fn insert(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: &mut dyn Iterator<Item = Vec<Cell>>,
        bar: &ProgressBar,
    ) -> Result<u64, DbErr> {
        match self {
            Self::Postgres { conn, defer_from } => {
                if defers::<Postgres>(conn, table, rows, *defer_from).await? {
                    let load = async |c: &mut PgConnection| copy(c, table, columns, rows, bar).await;
                    without_secondary_indexes::<Postgres>(conn, table, PG_SECONDARY_INDEXES, load).await
                } else {
                    copy(conn, table, columns, rows, bar).await
                }
            }
            Self::Sqlite { conn, defer_from } => {
                if defers::<Sqlite>(conn, table, rows, *defer_from).await? {
                    let load = async |c: &mut SqliteConnection| insert_rows(c, table, columns, rows, bar).await;
                    without_secondary_indexes::<Sqlite>(conn, table, SQLITE_SECONDARY_INDEXES, load).await
                } else {
                    insert_rows(conn, table, columns, rows, bar).await
                }
            }
            Self::Statements(txn) => statements(txn, table, columns, rows, bar).await,
        }
    }
}

/// One `COPY` per table, streamed in chunks of about 1 MiB.
async fn copy(
    conn: &mut PgConnection,
    table: &str,
    columns: &[&str],
    rows: &mut dyn Iterator<Item = Vec<Cell>>,
    bar: &ProgressBar,
) -> Result<u64, DbErr> {
    let context = format!("COPY {table}");
    let failed = sqlx_err(&context);
    let statement = format!("COPY {table} ({}) FROM STDIN", columns.join(", "));
    let mut sink = conn.copy_in_raw(&statement).await.map_err(&failed)?;
    let mut buffer = String::with_capacity(1 << 21);
    let mut pending = 0;
    let mut written = 0;
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                buffer.push('\t');
            }
            cell.write_copy(&mut buffer);
        }
        buffer.push('\n');
        pending += 1;
        if buffer.len() >= 1 << 20 {
            sink.send(buffer.as_bytes()).await.map_err(&failed)?;
            buffer.clear();
            bar.inc(pending);
            written += pending;
            pending = 0;
        }
    }
    sink.send(buffer.as_bytes()).await.map_err(&failed)?;
    bar.inc(pending);
    sink.finish().await.map_err(&failed)?;
    Ok(written + pending)
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

/// Whether a load of `rows` into `table` builds the indexes after the rows: it is at least
/// `from` rows, and the table holds fewer (counted no further than that).
async fn defers<DB>(
    conn: &mut DB::Connection,
    table: &str,
    rows: &dyn Iterator<Item = Vec<Cell>>,
    from: u64,
) -> Result<bool, DbErr>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: sqlx::IntoArguments<DB>,
    (i64,): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    let expected = rows.size_hint().0 as u64;
    if expected < from {
        return Ok(false);
    }
    let sql = format!("SELECT COUNT(*) FROM (SELECT 1 FROM {table} LIMIT {expected}) AS existing");
    let existing: i64 =
        sqlx::query_scalar(AssertSqlSafe(sql)).fetch_one(&mut *conn).await.map_err(sqlx_err("COUNT"))?;
    Ok(u64::try_from(existing).unwrap_or(0) < expected)
}

/// Runs `load` on `table` without its secondary indexes (listed by `list`), then builds them
/// again from their own definitions: building an index from a million rows at once is
/// several times cheaper than adding the rows to it one by one (3 million order lines on
/// PostgreSQL: 15.0 s into the indexed table, 1.9 s plus 2.2 s for its three indexes). It
/// runs in the load's transaction, so a failure, a unique index that the new rows break
/// included, leaves the table and its indexes as they were.
async fn without_secondary_indexes<DB>(
    conn: &mut DB::Connection,
    table: &str,
    list: &'static str,
    load: impl AsyncFnOnce(&mut DB::Connection) -> Result<u64, DbErr>,
) -> Result<u64, DbErr>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: sqlx::IntoArguments<DB>,
    (String, String): for<'r> sqlx::FromRow<'r, DB::Row>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let indexes: Vec<(String, String)> =
        sqlx::query_as(list).bind(table).fetch_all(&mut *conn).await.map_err(sqlx_err("list indexes"))?;
    for (name, _) in &indexes {
        let drop = format!("DROP INDEX \"{}\"", name.replace('"', "\"\""));
        conn.execute(AssertSqlSafe(drop)).await.map_err(sqlx_err("DROP INDEX"))?;
    }
    let written = load(&mut *conn).await?;
    for (_, create) in &indexes {
        conn.execute(AssertSqlSafe(create.clone())).await.map_err(sqlx_err("CREATE INDEX"))?;
    }
    Ok(written)
}

/// The rows as `INSERT ... VALUES (?, ...), (?, ...)`, the statement prepared once per row
/// count.
async fn insert_rows(
    conn: &mut SqliteConnection,
    table: &str,
    columns: &[&str],
    rows: &mut dyn Iterator<Item = Vec<Cell>>,
    bar: &ProgressBar,
) -> Result<u64, DbErr> {
    let per_statement = (30_000 / columns.len()).min(1_000);
    let context = format!("INSERT INTO {table}");
    let failed = sqlx_err(&context);
    let sql_for = |n: usize| {
        let row = format!("({})", vec!["?"; columns.len()].join(", "));
        format!("INSERT INTO {table} ({}) VALUES {}", columns.join(", "), vec![row; n].join(", "))
    };
    // Built once: the statement text is statically ours (table and column names from the
    // generator, values all bound).
    let full: Arc<str> = sql_for(per_statement).into();
    let mut written = 0;
    loop {
        let chunk: Vec<Vec<Cell>> = (&mut *rows).take(per_statement).collect();
        if chunk.is_empty() {
            return Ok(written);
        }
        let sql = if chunk.len() == per_statement { full.clone() } else { sql_for(chunk.len()).into() };
        let n = chunk.len() as u64;
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for cell in chunk.into_iter().flatten() {
            query = match cell {
                Cell::Int(v) => query.bind(v),
                Cell::Text(v) => query.bind(v),
                // As sea-orm binds decimals on SQLite: text that the column's REAL affinity converts.
                Cell::Cents(v) => query.bind(Decimal::new(v, 2).to_string()),
                Cell::Bool(v) => query.bind(v),
                Cell::Time(v) => query.bind(v),
            };
        }
        query.execute(&mut *conn).await.map_err(&failed)?;
        written += n;
        bar.inc(n);
    }
}

/// Multi-row statements through sea-query, in the load's transaction.
async fn statements(
    txn: &DatabaseTransaction,
    table: &str,
    columns: &[&str],
    rows: &mut dyn Iterator<Item = Vec<Cell>>,
    bar: &ProgressBar,
) -> Result<u64, DbErr> {
    const BATCH: usize = 1000;
    let mut written = 0;
    loop {
        let chunk: Vec<Vec<Cell>> = (&mut *rows).take(BATCH).collect();
        if chunk.is_empty() {
            return Ok(written);
        }
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
}
