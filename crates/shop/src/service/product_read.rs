//! The product read by id, the busiest request, straight through sqlx: building the statement
//! and mapping the row by column name through sea-orm cost about 12 us of the 82 us of CPU
//! time a read took on SQLite (`benches/cpu.sh`). Everything else reads through sea-orm; the
//! column list here is the entity's, and the product tests compare the JSON it gives with
//! what the writes return on all three databases.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::sqlx::{self, ColumnIndex, Database, Decode, Row, Type};
use sea_orm::{DatabaseConnection, DbBackend};

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
