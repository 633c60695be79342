//! The product reads that serve most requests, by id and by page, straight through sqlx:
//! building the statement and mapping each row by column name through sea-orm cost about 12 us
//! of the 82 us of CPU time a read took on SQLite (`benches/cpu.sh`), and a fifth of a list's
//! instructions, mostly by-name lookups and an f64 to Decimal conversion per row. Writes and
//! the rest read through sea-orm; the column order here is the entity's, and the product tests
//! compare the JSON these give with what the writes return on all three databases.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::sea_query::{
    Expr, MysqlQueryBuilder, PostgresQueryBuilder, QueryStatementBuilder, SelectStatement, SqliteQueryBuilder,
};
use sea_orm::sqlx::{self, AssertSqlSafe, ColumnIndex, Database, Decode, Row, Type};
use sea_orm::{DatabaseConnection, DbBackend, QueryTrait, Select};
use sea_query_sqlx::SqlxBinder;

use crate::entity::products;
use crate::error::ApiError;

const WHAT: &str = "Product";

macro_rules! select_by_id {
    ($placeholder:literal) => {
        concat!(
            "SELECT id, name, description, sku, price, stock_quantity, is_active, category_id, supplier_id, ",
            "created_at, updated_at FROM products WHERE id = ",
            $placeholder
        )
    };
}

/// The product `id` of the pool behind `db`.
///
/// # Errors
/// 404 when missing; database errors as sea-orm's would give them.
pub async fn product(db: &DatabaseConnection, id: i64) -> Result<products::Model, ApiError> {
    let key = super::key(id, WHAT)?;
    crate::db::direct::record();
    let found = match db.get_database_backend() {
        DbBackend::Sqlite => {
            let row = sqlx::query(select_by_id!("?")).bind(key).fetch_optional(db.get_sqlite_connection_pool()).await;
            // SQLite keeps the price as a REAL; sea-orm reads it the same way.
            row.and_then(|r| r.map(|r| model(&r, real_price(r.try_get(4)?)?)).transpose())
        }
        DbBackend::Postgres => {
            let row =
                sqlx::query(select_by_id!("$1")).bind(key).fetch_optional(db.get_postgres_connection_pool()).await;
            row.and_then(|r| r.map(|r| model(&r, r.try_get(4)?)).transpose())
        }
        _ => {
            let row = sqlx::query(select_by_id!("?")).bind(key).fetch_optional(db.get_mysql_connection_pool()).await;
            row.and_then(|r| r.map(|r| model(&r, r.try_get(4)?)).transpose())
        }
    };
    found.map_err(ApiError::from)?.ok_or_else(|| ApiError::not_found(WHAT))
}

/// A page of products to read: `rows` keeps the entity's columns (a
/// `products::Entity::find()` with filters, order, limit and offset); `count`, when given, is
/// a one-value statement read along in the same statement.
pub struct Page {
    pub rows: Select<products::Entity>,
    pub count: Option<SelectStatement>,
}

/// The products of `page`, in its order, and the value of its `count` (`None` without one, or
/// when no row came back to carry it).
///
/// # Errors
/// Database errors as sea-orm's would give them.
pub async fn page(db: &DatabaseConnection, page: Page) -> Result<(Vec<products::Model>, Option<u64>), ApiError> {
    crate::db::direct::record();
    let mut statement: SelectStatement = page.rows.into_query();
    let counted = page.count.is_some();
    if let Some(count) = page.count {
        statement.expr_as(Expr::SubQuery(None, Box::new(count.into_sub_query_statement())), super::listing::COUNT);
    }
    // One body for the three pools: their row types differ, so a macro rather than a function.
    macro_rules! read {
        ($builder:expr, $pool:expr, $price:expr) => {{
            let (sql, values) = statement.build_sqlx($builder);
            let rows = sqlx::query_with(AssertSqlSafe(sql), values).fetch_all($pool).await;
            rows.and_then(|rows| {
                let items = rows.iter().map(|r| model(r, $price(r)?)).collect::<Result<_, _>>()?;
                Ok((items, count_of(&rows, counted)?))
            })
        }};
    }
    let read = match db.get_database_backend() {
        // SQLite keeps the price as a REAL.
        DbBackend::Sqlite => {
            read!(SqliteQueryBuilder, db.get_sqlite_connection_pool(), |r: &sqlx::sqlite::SqliteRow| {
                real_price(r.try_get(4)?)
            })
        }
        DbBackend::Postgres => {
            read!(PostgresQueryBuilder, db.get_postgres_connection_pool(), |r: &sqlx::postgres::PgRow| r.try_get(4))
        }
        _ => read!(MysqlQueryBuilder, db.get_mysql_connection_pool(), |r: &sqlx::mysql::MySqlRow| r.try_get(4)),
    };
    read.map_err(ApiError::from)
}

/// The count read along, from the column after the entity's eleven of the first row; `None`
/// without a count or a row to carry it.
fn count_of<R>(rows: &[R], counted: bool) -> Result<Option<u64>, sqlx::Error>
where
    R: Row,
    usize: ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
{
    match rows.first() {
        Some(row) if counted => Ok(Some(u64::try_from(row.try_get::<i64, _>(11)?).unwrap_or(0))),
        _ => Ok(None),
    }
}

/// The entity's columns, in the order [`model`] reads them.
#[cfg(test)]
fn columns() -> Vec<String> {
    use sea_orm::Iterable;
    products::Column::iter().map(|c| sea_orm::IdenStatic::as_str(&c).to_owned()).collect()
}

/// A price stored as a REAL. Prices have two decimals, so the nearest whole number of cents is
/// the price; `Decimal::try_from(f64)` spent about 2,000 instructions on the binary expansion.
fn real_price(price: f64) -> Result<Decimal, sqlx::Error> {
    let cents = (price * 100.0).round();
    // Far beyond NUMERIC(10,2), yet exact in an f64 and an i64.
    if cents.is_finite() && cents.abs() < 1e15 {
        #[allow(clippy::cast_possible_truncation)]
        Ok(Decimal::new(cents as i64, 2))
    } else {
        Err(sqlx::Error::ColumnDecode {
            index: "price".to_owned(),
            source: format!("price {price} out of range").into(),
        })
    }
}

/// The row as the entity's model, given its price decoded as the backend stores it.
fn model<R>(r: &R, price: Decimal) -> Result<products::Model, sqlx::Error>
where
    R: Row,
    usize: ColumnIndex<R>,
    for<'r> i32: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Option<i32>: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> bool: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Option<String>: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> DateTime<Utc>: Decode<'r, R::Database> + Type<R::Database>,
    R::Database: Database,
{
    Ok(products::Model {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        description: r.try_get(2)?,
        sku: r.try_get(3)?,
        price,
        stock_quantity: r.try_get(5)?,
        is_active: r.try_get(6)?,
        category_id: r.try_get(7)?,
        supplier_id: r.try_get(8)?,
        created_at: r.try_get(9)?,
        updated_at: r.try_get(10)?,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_entity_lists_its_columns_in_the_order_rows_are_read() {
        let read = select_by_id!("?");
        let listed = read.trim_start_matches("SELECT ").split(" FROM").next().unwrap_or_default();
        let listed: Vec<&str> = listed.split(", ").collect();
        assert_eq!(super::columns(), listed);
    }
}
