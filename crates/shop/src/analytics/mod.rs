//! The reporting queries behind `/analytics`. Each report is one statement; money is summed
//! as integer cents in SQL and divided in Rust, so every figure is exact and rounded half-up
//! the same way on SQLite, PostgreSQL and MySQL.

pub mod above_average;
pub mod reports;

use std::time::Instant;

use migrate::Dialect;
use rust_decimal::{Decimal, RoundingStrategy};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, QueryResult, Statement, Value};
use serde::Serialize;
use utoipa::ToSchema;

use crate::schema::common::Money;

/// A report with its timing and, on request, the statement and the database's plan.
#[derive(Debug, Serialize, ToSchema)]
pub struct Report<T: ToSchema> {
    pub data: T,
    pub execution_time_ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sql: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<Vec<String>>,
}

/// SQL fragments that differ between dialects.
#[derive(Clone, Copy)]
pub struct Sql(pub Dialect);

impl Sql {
    pub fn of(db: &DatabaseConnection) -> Self {
        Self(Dialect::from_backend(db.get_database_backend()))
    }

    /// An integer-valued expression as a 64-bit integer (SUM returns NUMERIC/DECIMAL on
    /// PostgreSQL and MySQL).
    pub fn int(self, expr: &str) -> String {
        let ty = match self.0 {
            Dialect::Mysql => "SIGNED",
            Dialect::Postgres => "BIGINT",
            Dialect::Sqlite => "INTEGER",
        };
        format!("CAST({expr} AS {ty})")
    }

    /// A money expression in whole cents.
    pub fn cents(self, expr: &str) -> String {
        self.int(&format!("ROUND(({expr}) * 100)"))
    }

    /// The sum of a money expression in whole cents (not yet cast: wrap it in [`Self::int`]).
    /// SQLite's prices are floating point, so each is rounded to cents before adding. On
    /// PostgreSQL and MySQL the decimal sum is already exact and is scaled once: rounding
    /// and casting every row took about a third of a report's time at a million products.
    pub fn sum_cents(self, expr: &str) -> String {
        match self.0 {
            Dialect::Sqlite => format!("SUM({})", self.cents(expr)),
            Dialect::Postgres | Dialect::Mysql => format!("(SUM({expr}) * 100)"),
        }
    }

    /// `YYYY-MM` of a timestamp column.
    pub fn month(self, column: &str) -> String {
        match self.0 {
            Dialect::Postgres => format!("to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM')"),
            Dialect::Mysql => format!("DATE_FORMAT({column}, '%Y-%m')"),
            Dialect::Sqlite => format!("strftime('%Y-%m', {column})"),
        }
    }

    /// `YYYY-MM-DD` of a timestamp column.
    pub fn day(self, column: &str) -> String {
        match self.0 {
            Dialect::Postgres => format!("to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"),
            Dialect::Mysql => format!("DATE_FORMAT({column}, '%Y-%m-%d')"),
            Dialect::Sqlite => format!("strftime('%Y-%m-%d', {column})"),
        }
    }

    fn statement(self, sql: &str, values: Vec<Value>) -> Statement {
        self.0.statement(sql, values)
    }
}

/// Rows of one statement, its duration, and (with `explain`) the statement and its plan.
pub struct Ran {
    pub rows: Vec<QueryResult>,
    pub elapsed_ms: f64,
    pub sql: Option<String>,
    pub plan: Option<Vec<String>>,
}

/// Runs `sql` (with `?` placeholders) once.
///
/// # Errors
/// Database errors.
pub async fn run(db: &DatabaseConnection, sql: &str, values: Vec<Value>, explain: bool) -> Result<Ran, DbErr> {
    let dialect = Sql::of(db);
    let start = Instant::now();
    let rows = db.query_all_raw(dialect.statement(sql, values.clone())).await?;
    let elapsed_ms = start.elapsed().as_secs_f64() * 1000.0;
    let (sql, plan) = if explain { explained(db, sql, values).await? } else { (None, None) };
    Ok(Ran { rows, elapsed_ms, sql, plan })
}

/// `sql` and the database's plan for it, as `?explain=true` shows them.
async fn explained(
    db: &DatabaseConnection,
    sql: &str,
    values: Vec<Value>,
) -> Result<(Option<String>, Option<Vec<String>>), DbErr> {
    let dialect = Sql::of(db);
    let (prefix, column) = match dialect.0 {
        Dialect::Postgres => ("EXPLAIN ", 0),
        Dialect::Mysql => ("EXPLAIN FORMAT=JSON ", 0),
        Dialect::Sqlite => ("EXPLAIN QUERY PLAN ", 3),
    };
    let plan_rows = db.query_all_raw(dialect.statement(&format!("{prefix}{sql}"), values)).await?;
    let mut lines = Vec::new();
    for row in plan_rows {
        let text: String = row.try_get_by_index(column)?;
        lines.extend(text.lines().map(str::to_owned));
    }
    Ok((Some(sql.to_owned()), Some(lines)))
}

impl Ran {
    pub fn report<T: ToSchema>(self, data: T) -> Report<T> {
        Report { data, execution_time_ms: self.elapsed_ms, sql: self.sql, plan: self.plan }
    }
}

pub fn money(cents: i64) -> Money {
    Money(Decimal::new(cents, 2))
}

/// `sum_cents / count` in money, half-up; `None` for no rows.
pub fn average(sum_cents: i64, count: i64) -> Option<Money> {
    (count > 0).then(|| {
        let value = Decimal::new(sum_cents, 2) / Decimal::from(count);
        Money(value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
    })
}
