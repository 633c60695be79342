//! A report statement whose rows are handed over one at a time as the database sends them,
//! instead of being collected first. For a report of hundreds of thousands of rows the
//! collected rows were the largest share of its memory (about 1.3 KB a row on SQLite, on top
//! of the report's own data and its JSON).

use std::time::Instant;

use futures_util::TryStreamExt;
use sea_orm::sqlx::{self, ColumnIndex, Database, Decode, Row, Type};
use sea_orm::{DatabaseConnection, DbBackend};

use super::Ran;
use crate::error::ApiError;

/// The columns of one row of a report, by position.
pub trait ReportRow {
    /// An integer column.
    ///
    /// # Errors
    /// When the column is missing or holds something else.
    fn int(&self, index: usize) -> Result<i64, ApiError>;

    /// A 32-bit integer column (ids).
    ///
    /// # Errors
    /// As [`ReportRow::int`].
    fn id(&self, index: usize) -> Result<i32, ApiError>;

    /// A text column.
    ///
    /// # Errors
    /// As [`ReportRow::int`].
    fn text(&self, index: usize) -> Result<String, ApiError>;
}

impl<R> ReportRow for R
where
    R: Row,
    usize: ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i32: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    R::Database: Database,
{
    fn int(&self, index: usize) -> Result<i64, ApiError> {
        self.try_get(index).map_err(ApiError::from)
    }

    fn id(&self, index: usize) -> Result<i32, ApiError> {
        self.try_get(index).map_err(ApiError::from)
    }

    fn text(&self, index: usize) -> Result<String, ApiError> {
        self.try_get(index).map_err(ApiError::from)
    }
}

/// Runs `sql` (a statement without parameters) and gives each row to `each` as it arrives.
/// The returned [`Ran`] has no rows; its time covers the statement, the fetch and `each`.
///
/// # Errors
/// Database errors, and the first error of `each` (which stops the statement).
pub async fn run_each<F>(db: &DatabaseConnection, sql: &str, explain: bool, mut each: F) -> Result<Ran, ApiError>
where
    F: FnMut(&dyn ReportRow) -> Result<(), ApiError>,
{
    let start = Instant::now();
    // The statement text is the report's own, built from fixed fragments, never from input.
    macro_rules! each_row {
        ($pool:expr) => {{
            let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch($pool);
            while let Some(row) = rows.try_next().await.map_err(ApiError::from)? {
                each(&row)?;
            }
        }};
    }
    match db.get_database_backend() {
        DbBackend::Sqlite => each_row!(db.get_sqlite_connection_pool()),
        DbBackend::Postgres => each_row!(db.get_postgres_connection_pool()),
        _ => each_row!(db.get_mysql_connection_pool()),
    }
    let elapsed_ms = start.elapsed().as_secs_f64() * 1000.0;
    let (sql, plan) = if explain { super::explained(db, sql, Vec::new()).await? } else { (None, None) };
    Ok(Ran { rows: Vec::new(), elapsed_ms, sql, plan })
}
