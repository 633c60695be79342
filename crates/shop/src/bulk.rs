//! Bulk loading of generated rows, as fast as each database allows: `COPY FROM STDIN` on
//! PostgreSQL, prepared multi-row inserts on one connection on SQLite, batched multi-row
//! inserts elsewhere. Generated data is consistent by construction, so the loader switches
//! off foreign-key checks for its own session where it may (`session_replication_role` on
//! PostgreSQL, which needs a superuser, and `foreign_keys` on SQLite); that session's
//! connection is closed afterwards rather than returned to the pool. A large load into a
//! table that holds fewer rows drops the table's secondary indexes and builds them again
//! from their own definitions after the rows, in the load's transaction.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use indicatif::ProgressBar;
use rust_decimal::Decimal;
use sea_orm::sea_query::{Alias, Query, SimpleExpr};
use sea_orm::sqlx::pool::PoolConnection;
use sea_orm::sqlx::postgres::Postgres;
use sea_orm::sqlx::sqlite::{Sqlite, SqliteConnection};
use sea_orm::sqlx::{self, AssertSqlSafe, Connection, Executor};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, TransactionTrait, Value};

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

/// Where rows go.
pub enum Sink<'a> {
    Postgres { conn: PoolConnection<Postgres>, defer_from: u64 },
    Sqlite { conn: PoolConnection<Sqlite>, defer_from: u64 },
    Statements(&'a DatabaseConnection),
}

/// Loads of at least this many rows, into a table that holds fewer, build the table's
/// secondary indexes after the rows instead of with every row (PostgreSQL and SQLite).
pub const DEFER_INDEXES_FROM: u64 = 100_000;

impl<'a> Sink<'a> {
    /// Takes a connection of its own from `db`'s pool where the fast path needs one.
    ///
    /// # Errors
    /// Database errors.
    pub async fn open(db: &'a DatabaseConnection) -> Result<Self, DbErr> {
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
                Ok(Self::Postgres { conn, defer_from: DEFER_INDEXES_FROM })
            }
            DbBackend::Sqlite => {
                let mut conn = db.get_sqlite_connection_pool().acquire().await.map_err(sqlx_err("acquire"))?;
                conn.close_on_drop();
                conn.execute("PRAGMA foreign_keys = OFF").await.map_err(sqlx_err("PRAGMA foreign_keys"))?;
                // Index pages of tables with millions of rows must stay cached, or every
                // insert into a secondary index reads from disk (the default cache is 2 MiB).
                conn.execute("PRAGMA cache_size = -524288").await.map_err(sqlx_err("PRAGMA cache_size"))?;
                Ok(Self::Sqlite { conn, defer_from: DEFER_INDEXES_FROM })
            }
            _ => Ok(Self::Statements(db)),
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
                let expected = rows.size_hint().0 as u64;
                if expected >= *defer_from && existing_rows(conn, table).await? < expected {
                    copy_then_index(conn, table, columns, rows, bar).await
                } else {
                    copy(conn, table, columns, rows, bar).await
                }
            }
            Self::Sqlite { conn, defer_from } => {
                let expected = rows.size_hint().0 as u64;
                if expected >= *defer_from && sqlite_rows(conn, table).await? < expected {
                    prepared_then_index(conn, table, columns, rows, bar).await
                } else {
                    prepared(conn, table, columns, rows, bar).await
                }
            }
            Self::Statements(db) => statements(db, table, columns, rows, bar).await,
        }
    }
}

/// One `COPY` per table, streamed in chunks of about 1 MiB; the table's rows arrive in one
/// transaction, so a failure leaves none of them.
async fn copy(
    conn: &mut PoolConnection<Postgres>,
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

async fn existing_rows(conn: &mut PoolConnection<Postgres>, table: &str) -> Result<u64, DbErr> {
    let n: i64 = sqlx::query_scalar(AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
        .fetch_one(&mut **conn)
        .await
        .map_err(sqlx_err("COUNT"))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// [`copy`] into a table without its secondary indexes, which are built again from their
/// own definitions afterwards: building an index from a million sorted rows is several
/// times cheaper than adding the rows to it one by one (3 million order lines: 15.0 s into
/// the indexed table, 1.9 s plus 2.2 s for the three indexes). Indexes that back a
/// constraint (the primary key) stay. It is all one transaction, so a failure, a unique
/// index that the new rows break included, leaves the table and its indexes as they were.
async fn copy_then_index(
    conn: &mut PoolConnection<Postgres>,
    table: &str,
    columns: &[&str],
    rows: &mut dyn Iterator<Item = Vec<Cell>>,
    bar: &ProgressBar,
) -> Result<u64, DbErr> {
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "SELECT i.relname::text, pg_get_indexdef(x.indexrelid) FROM pg_index x \
         JOIN pg_class i ON i.oid = x.indexrelid \
         WHERE x.indrelid = $1::text::regclass \
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) \
         ORDER BY i.relname",
    )
    .bind(table)
    .fetch_all(&mut **conn)
    .await
    .map_err(sqlx_err("list indexes"))?;
    conn.execute("BEGIN").await.map_err(sqlx_err("BEGIN"))?;
    let loaded = async {
        for (name, _) in &indexes {
            let drop = format!("DROP INDEX \"{}\"", name.replace('"', "\"\""));
            conn.execute(AssertSqlSafe(drop)).await.map_err(sqlx_err("DROP INDEX"))?;
        }
        let written = copy(conn, table, columns, rows, bar).await?;
        for (_, create) in &indexes {
            conn.execute(AssertSqlSafe(create.clone())).await.map_err(sqlx_err("CREATE INDEX"))?;
        }
        conn.execute("COMMIT").await.map_err(sqlx_err("COMMIT"))?;
        Ok(written)
    }
    .await;
    if loaded.is_err() {
        // The connection is closed after the load either way, which also rolls back.
        let _ = conn.execute("ROLLBACK").await;
    }
    loaded
}

async fn sqlite_rows(conn: &mut PoolConnection<Sqlite>, table: &str) -> Result<u64, DbErr> {
    let n: i64 = sqlx::query_scalar(AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
        .fetch_one(&mut **conn)
        .await
        .map_err(sqlx_err("COUNT"))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Rows per transaction of SQLite's loader, so the WAL stays small.
const PER_TRANSACTION: u64 = 200_000;

/// [`prepared`] into a table without its secondary indexes, built again from their
/// definitions afterwards, as [`copy_then_index`] does on PostgreSQL. It is one transaction
/// (the WAL grows to the size of the load), so a failure leaves the table as it was.
async fn prepared_then_index(
    conn: &mut PoolConnection<Sqlite>,
    table: &str,
    columns: &[&str],
    rows: &mut dyn Iterator<Item = Vec<Cell>>,
    bar: &ProgressBar,
) -> Result<u64, DbErr> {
    // Indexes without SQL are those SQLite made for a PRIMARY KEY or UNIQUE constraint.
    let indexes: Vec<(String, String)> =
        sqlx::query_as("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL")
            .bind(table)
            .fetch_all(&mut **conn)
            .await
            .map_err(sqlx_err("list indexes"))?;
    // Dropped without a commit, the transaction rolls back.
    let mut txn = conn.begin().await.map_err(sqlx_err("BEGIN"))?;
    for (name, _) in &indexes {
        let drop = format!("DROP INDEX \"{}\"", name.replace('"', "\"\""));
        txn.execute(AssertSqlSafe(drop)).await.map_err(sqlx_err("DROP INDEX"))?;
    }
    let (written, _) = insert_rows(&mut txn, table, columns, rows, bar, u64::MAX).await?;
    for (_, create) in &indexes {
        txn.execute(AssertSqlSafe(create.clone())).await.map_err(sqlx_err("CREATE INDEX"))?;
    }
    txn.commit().await.map_err(sqlx_err("COMMIT"))?;
    Ok(written)
}

/// [`insert_rows`] in transactions of `PER_TRANSACTION` rows, so the WAL stays small.
async fn prepared(
    conn: &mut PoolConnection<Sqlite>,
    table: &str,
    columns: &[&str],
    rows: &mut dyn Iterator<Item = Vec<Cell>>,
    bar: &ProgressBar,
) -> Result<u64, DbErr> {
    let mut written = 0;
    loop {
        let mut txn = conn.begin().await.map_err(sqlx_err("BEGIN"))?;
        let (n, done) = insert_rows(&mut txn, table, columns, rows, bar, PER_TRANSACTION).await?;
        txn.commit().await.map_err(sqlx_err("COMMIT"))?;
        written += n;
        if done {
            return Ok(written);
        }
    }
}

/// Up to `limit` rows as `INSERT ... VALUES (?, ...), (?, ...)`, the statement prepared once
/// per row count. Returns the rows written and whether `rows` ran out.
async fn insert_rows(
    conn: &mut SqliteConnection,
    table: &str,
    columns: &[&str],
    rows: &mut dyn Iterator<Item = Vec<Cell>>,
    bar: &ProgressBar,
    limit: u64,
) -> Result<(u64, bool), DbErr> {
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
    while written < limit {
        let take = usize::try_from(limit - written).unwrap_or(usize::MAX).min(per_statement);
        let chunk: Vec<Vec<Cell>> = (&mut *rows).take(take).collect();
        if chunk.is_empty() {
            return Ok((written, true));
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
    Ok((written, false))
}

/// Multi-row statements through sea-query, `PER_TRANSACTION` statements per transaction (a
/// commit per statement would spend the run in fsync).
async fn statements(
    db: &DatabaseConnection,
    table: &str,
    columns: &[&str],
    rows: &mut dyn Iterator<Item = Vec<Cell>>,
    bar: &ProgressBar,
) -> Result<u64, DbErr> {
    const BATCH: usize = 1000;
    const PER_TRANSACTION: usize = 50;
    let mut written = 0;
    let mut done = false;
    while !done {
        let txn = db.begin().await?;
        for _ in 0..PER_TRANSACTION {
            let chunk: Vec<Vec<Cell>> = (&mut *rows).take(BATCH).collect();
            if chunk.is_empty() {
                done = true;
                break;
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
        txn.commit().await?;
    }
    Ok(written)
}
