//! Pages of a list read straight through sqlx, each with its count in the same statement.
//!
//! Through sea-orm, a 5-row `categories/` page cost 194,000 instructions on SQLite, 75,000 of
//! them copying sea-orm's large query futures, and it took two statements (count, then page):
//! two trips through a SQLite connection's worker thread. Here the page and one row more are
//! read with `(SELECT COUNT(*) ...)` as an extra column, evaluated once; the rows map to the
//! entity's model through sea-orm's own `FromQueryResult`, so the JSON does not change.

use sea_orm::sea_query::{
    Alias, Expr, MysqlQueryBuilder, PostgresQueryBuilder, QueryStatementBuilder, SelectStatement, SqliteQueryBuilder,
};
use sea_orm::sqlx::{self, AssertSqlSafe, Row};
use sea_orm::{
    DatabaseConnection, DbBackend, EntityTrait, FromQueryResult, QueryResult, QuerySelect, QueryTrait, Select,
};
use sea_query_sqlx::SqlxBinder;

use crate::error::ApiError;
use crate::schema::common::{Pagination, Total};

/// The name of the count read along with the rows.
pub const COUNT: &str = "match_count";

/// A page and the number of rows it was taken from.
pub struct Listed<M> {
    pub items: Vec<M>,
    pub total: Total,
    /// Whether rows follow the page.
    pub more: bool,
}

/// The `page` of `select` (filtered and ordered), with its total: exact when the page
/// settles it (a first page with room to spare, any last page), else counted up to
/// `count_limit` rows (`None`: every row).
///
/// # Errors
/// Database errors.
pub async fn page<E: EntityTrait>(
    db: &DatabaseConnection,
    select: Select<E>,
    page: Pagination,
    count_limit: Option<u64>,
) -> Result<Listed<E::Model>, ApiError> {
    let count = count_statement(matches(&select), count_limit);
    let mut statement = select.offset(page.skip).limit(page.limit + 1).into_query();
    statement.expr_as(Expr::SubQuery(None, Box::new(count.clone().into_sub_query_statement())), COUNT);
    let (mut items, counted) = models::<E::Model>(db, statement).await?;
    let more = items.len() as u64 > page.limit;
    items.truncate(usize::try_from(page.limit).unwrap_or(usize::MAX));
    let total = if !more && (page.skip == 0 || !items.is_empty()) {
        Total::exact(page.skip + items.len() as u64)
    } else {
        // A page past the end has no row to carry the count.
        let counted = match counted {
            Some(n) => n,
            None => scalar(db, count, false).await?,
        };
        Total::counted(u64::try_from(counted).unwrap_or(0), count_limit.is_none())
    };
    Ok(Listed { items, total, more })
}

/// The rows `select` picks, without its order, columns, offset and limit: what is counted.
fn matches<E: EntityTrait>(select: &Select<E>) -> SelectStatement {
    let mut matches = select.clone().select_only().expr(Expr::val(1)).into_query();
    matches.clear_order_by();
    matches
}

/// `SELECT COUNT(*) FROM (matches LIMIT n)`: the count stops after `limit` rows when given.
pub fn count_statement(mut matches: SelectStatement, limit: Option<u64>) -> SelectStatement {
    if let Some(limit) = limit {
        matches.limit(limit);
    }
    sea_orm::sea_query::Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from_subquery(matches, Alias::new("matches"))
        .to_owned()
}

/// The models of `statement`'s rows, and the count its first row carries.
async fn models<M: FromQueryResult>(
    db: &DatabaseConnection,
    statement: SelectStatement,
) -> Result<(Vec<M>, Option<i64>), ApiError> {
    crate::db::direct::record();
    // One body for the three pools: their row types differ, so a macro rather than a function.
    macro_rules! read {
        ($builder:expr, $pool:expr) => {{
            let (sql, values) = statement.build_sqlx($builder);
            let rows = sqlx::query_with(AssertSqlSafe(sql), values).fetch_all($pool).await?;
            let counted = rows.first().map(|row| row.try_get::<i64, _>(COUNT)).transpose()?;
            let models = rows
                .into_iter()
                .map(|row| M::from_query_result(&QueryResult::from(row), ""))
                .collect::<Result<_, _>>()?;
            (models, counted)
        }};
    }
    let read = match db.get_database_backend() {
        DbBackend::Sqlite => read!(SqliteQueryBuilder, db.get_sqlite_connection_pool()),
        DbBackend::Postgres => read!(PostgresQueryBuilder, db.get_postgres_connection_pool()),
        _ => read!(MysqlQueryBuilder, db.get_mysql_connection_pool()),
    };
    Ok(read)
}

/// The single value of a one-value statement (a count).
///
/// With `plan_each`, PostgreSQL plans it for its own values every time (an unnamed,
/// unprepared statement). A prepared statement switches to one generic plan after five runs,
/// and for a product `q` that plan is a serial bitmap scan guessed to match 5,000 rows: 129 ms
/// where the plan for "max", in a fifth of a million names, scans in parallel in 88 ms.
/// Planning costs well under a millisecond.
///
/// # Errors
/// Database errors.
pub async fn scalar(db: &DatabaseConnection, statement: SelectStatement, plan_each: bool) -> Result<i64, ApiError> {
    crate::db::direct::record();
    let n = match db.get_database_backend() {
        DbBackend::Postgres => {
            let (sql, values) = statement.build_sqlx(PostgresQueryBuilder);
            sqlx::query_scalar_with(AssertSqlSafe(sql), values)
                .persistent(!plan_each)
                .fetch_one(db.get_postgres_connection_pool())
                .await?
        }
        DbBackend::Sqlite => {
            let (sql, values) = statement.build_sqlx(SqliteQueryBuilder);
            sqlx::query_scalar_with(AssertSqlSafe(sql), values).fetch_one(db.get_sqlite_connection_pool()).await?
        }
        _ => {
            let (sql, values) = statement.build_sqlx(MysqlQueryBuilder);
            sqlx::query_scalar_with(AssertSqlSafe(sql), values).fetch_one(db.get_mysql_connection_pool()).await?
        }
    };
    Ok(n)
}
