//! Bulk loading of generated rows, as fast as each database allows: `COPY FROM STDIN` on
//! PostgreSQL, prepared multi-row inserts on one connection on SQLite, batched multi-row
//! inserts elsewhere. Generated data is consistent by construction, so the loader switches
//! off foreign-key checks for its own session where it may (`session_replication_role` on
//! PostgreSQL, which needs a superuser, and `foreign_keys` on SQLite); that session's
//! connection is closed afterwards rather than returned to the pool.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use indicatif::ProgressBar;
use rust_decimal::Decimal;
use sea_orm::sea_query::{Alias, Query, SimpleExpr};
use sea_orm::sqlx::pool::PoolConnection;
use sea_orm::sqlx::postgres::Postgres;
use sea_orm::sqlx::sqlite::Sqlite;
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
    Postgres(PoolConnection<Postgres>),
    Sqlite(PoolConnection<Sqlite>),
    Statements(&'a DatabaseConnection),
}

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
                Ok(Self::Postgres(conn))
            }
            DbBackend::Sqlite => {
                let mut conn = db.get_sqlite_connection_pool().acquire().await.map_err(sqlx_err("acquire"))?;
                conn.close_on_drop();
                conn.execute("PRAGMA foreign_keys = OFF").await.map_err(sqlx_err("PRAGMA foreign_keys"))?;
                // Index pages of tables with millions of rows must stay cached, or every
                // insert into a secondary index reads from disk (the default cache is 2 MiB).
                conn.execute("PRAGMA cache_size = -524288").await.map_err(sqlx_err("PRAGMA cache_size"))?;
                Ok(Self::Sqlite(conn))
            }
            _ => Ok(Self::Statements(db)),
        }
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
            Self::Postgres(conn) => copy(conn, table, columns, rows, bar).await,
            Self::Sqlite(conn) => prepared(conn, table, columns, rows, bar).await,
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

/// `INSERT ... VALUES (?, ...), (?, ...)` with the statement prepared once per row count,
/// committing every `PER_TRANSACTION` rows so the WAL stays small.
async fn prepared(
    conn: &mut PoolConnection<Sqlite>,
    table: &str,
    columns: &[&str],
    rows: &mut dyn Iterator<Item = Vec<Cell>>,
    bar: &ProgressBar,
) -> Result<u64, DbErr> {
    const PER_TRANSACTION: u64 = 200_000;
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
    let mut txn = conn.begin().await.map_err(&failed)?;
    loop {
        let chunk: Vec<Vec<Cell>> = (&mut *rows).take(per_statement).collect();
        if chunk.is_empty() {
            break;
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
        query.execute(&mut *txn).await.map_err(&failed)?;
        written += n;
        bar.inc(n);
        if written % PER_TRANSACTION < n {
            txn.commit().await.map_err(&failed)?;
            txn = conn.begin().await.map_err(&failed)?;
        }
    }
    txn.commit().await.map_err(&failed)?;
    Ok(written)
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
