//! The limit the load benchmarks compare `shop serve` with: the same product-by-id query and
//! JSON, and the same first page of the products list (its page with its count up to 10,001
//! rows read along in one statement, its signed cursor), with no ORM, middleware, cache or
//! validation. SQLite connections plan each statement once, as the shop's do. Not a product:
//! it exists to be measured.
//!
//! `DATABASE_URL=sqlite://shop.db PORT=8001 baseline`

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, SecondsFormat, Utc};
use rust_decimal::Decimal;
use serde_json::json;
use sqlx::{PgPool, Row, SqlitePool};

macro_rules! by_id {
    ($placeholder:literal) => {
        concat!(
            "SELECT id, name, description, sku, price, stock_quantity, is_active, category_id, supplier_id, ",
            "created_at, updated_at FROM products WHERE id = ",
            $placeholder
        )
    };
}

macro_rules! page {
    ($placeholder1:literal, $placeholder2:literal) => {
        concat!(
            "SELECT id, name, description, sku, price, stock_quantity, is_active, category_id, supplier_id, ",
            "created_at, updated_at, (SELECT COUNT(*) FROM (SELECT 1 FROM products LIMIT 10001) AS matches) ",
            "FROM products ORDER BY id LIMIT ",
            $placeholder1,
            " OFFSET ",
            $placeholder2
        )
    };
}

const COUNT: &str = "SELECT COUNT(*) FROM (SELECT 1 FROM products LIMIT 10001) AS matches";

#[derive(Clone)]
enum Db {
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

async fn product(State(db): State<Db>, Path(id): Path<i32>) -> Response {
    let body = match &db {
        Db::Postgres(pool) => sqlx::query(by_id!("$1")).bind(id).fetch_optional(pool).await.map(|row| {
            row.map(|r| {
                let price: Decimal = r.get(4);
                json!({"id": r.get::<i32, _>(0), "name": r.get::<String, _>(1),
                    "description": r.get::<Option<String>, _>(2), "sku": r.get::<Option<String>, _>(3),
                    "price": format!("{:.2}", price), "stock_quantity": r.get::<i32, _>(5),
                    "is_active": r.get::<bool, _>(6), "category_id": r.get::<i32, _>(7),
                    "supplier_id": r.get::<Option<i32>, _>(8), "created_at": time(r.get(9)), "updated_at": time(r.get(10))})
            })
        }),
        Db::Sqlite(pool) => sqlx::query(by_id!("?")).bind(id).fetch_optional(pool).await.map(|row| {
            row.map(|r| {
                let price: f64 = r.get(4);
                json!({"id": r.get::<i32, _>(0), "name": r.get::<String, _>(1),
                    "description": r.get::<Option<String>, _>(2), "sku": r.get::<Option<String>, _>(3),
                    "price": format!("{price:.2}"), "stock_quantity": r.get::<i32, _>(5),
                    "is_active": r.get::<bool, _>(6), "category_id": r.get::<i32, _>(7),
                    "supplier_id": r.get::<Option<i32>, _>(8), "created_at": time(r.get(9)), "updated_at": time(r.get(10))})
            })
        }),
    };
    match body {
        Ok(Some(value)) => axum::Json(value).into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, axum::Json(json!({"detail": "Product not found"}))).into_response(),
        Err(err) => (StatusCode::INTERNAL_SERVER_ERROR, err.to_string()).into_response(),
    }
}

/// A row's JSON, its price read as the database stores it.
fn product_json<R>(r: &R, price: String) -> serde_json::Value
where
    R: Row,
    usize: sqlx::ColumnIndex<R>,
    for<'r> i32: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<i32>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> bool: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> DateTime<Utc>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    json!({"id": r.get::<i32, _>(0), "name": r.get::<String, _>(1),
        "description": r.get::<Option<String>, _>(2), "sku": r.get::<Option<String>, _>(3),
        "price": price, "stock_quantity": r.get::<i32, _>(5),
        "is_active": r.get::<bool, _>(6), "category_id": r.get::<i32, _>(7),
        "supplier_id": r.get::<Option<i32>, _>(8), "created_at": time(r.get(9)), "updated_at": time(r.get(10))})
}

/// The shop's cursor: its payload in base64, signed with HMAC-SHA256 (truncated to 128 bits).
fn cursor(last_id: i64, total: i64) -> String {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use sha2::{Digest, Sha256};
    let payload = URL_SAFE_NO_PAD.encode(json!({"f": "0000000000000000", "v": [last_id], "t": total}).to_string());
    let mut key = [0u8; 64];
    key[..SECRET.len()].copy_from_slice(SECRET);
    let pad = |byte: u8| key.iter().map(|k| k ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(payload.as_bytes()).finalize();
    let outer = Sha256::new().chain_update(pad(0x5c)).chain_update(inner).finalize();
    format!("{payload}.{}", URL_SAFE_NO_PAD.encode(&outer[..16]))
}

const SECRET: &[u8] = b"bench-secret-key-0123456789abcdef0123";

#[derive(serde::Deserialize)]
struct PageQuery {
    skip: Option<i64>,
    limit: Option<i64>,
}

/// `GET /products/?skip=&limit=`: the page and one row more (is there a next page?), then the
/// count when the page does not settle it.
async fn products(State(db): State<Db>, axum::extract::Query(q): axum::extract::Query<PageQuery>) -> Response {
    let (skip, limit) = (q.skip.unwrap_or(0), q.limit.unwrap_or(10));
    let page: Result<(Vec<serde_json::Value>, Option<i64>), sqlx::Error> = match &db {
        Db::Postgres(pool) => {
            async {
                let rows = sqlx::query(page!("$1", "$2")).bind(limit + 1).bind(skip).fetch_all(pool).await?;
                let items = rows.iter().take(limit as usize).map(|r| {
                    let price: Decimal = r.get(4);
                    product_json(r, format!("{price:.2}"))
                });
                let items: Vec<_> = items.collect();
                let more = rows.len() as i64 > limit;
                let total = if more || (skip > 0 && items.is_empty()) {
                    match rows.first() {
                        Some(r) => Some(r.get::<i64, _>(11)),
                        None => Some(sqlx::query_scalar::<_, i64>(COUNT).fetch_one(pool).await?),
                    }
                } else {
                    None
                };
                Ok((items, total))
            }
            .await
        }
        Db::Sqlite(pool) => {
            async {
                let rows = sqlx::query(page!("?", "?")).bind(limit + 1).bind(skip).fetch_all(pool).await?;
                let items = rows.iter().take(limit as usize).map(|r| {
                    let price: f64 = r.get(4);
                    product_json(r, format!("{price:.2}"))
                });
                let items: Vec<_> = items.collect();
                let more = rows.len() as i64 > limit;
                let total = if more || (skip > 0 && items.is_empty()) {
                    match rows.first() {
                        Some(r) => Some(r.get::<i64, _>(11)),
                        None => Some(sqlx::query_scalar::<_, i64>(COUNT).fetch_one(pool).await?),
                    }
                } else {
                    None
                };
                Ok((items, total))
            }
            .await
        }
    };
    match page {
        Ok((items, counted)) => {
            let more = counted.is_some() && !items.is_empty();
            let total = counted.unwrap_or(skip + items.len() as i64);
            let (total, relation) = if total > 10_000 { (10_000, "gte") } else { (total, "eq") };
            let next =
                if more { items.last().and_then(|i| i["id"].as_i64()).map(|id| cursor(id, total)) } else { None };
            axum::Json(json!({"items": items, "total": total, "total_relation": relation, "skip": skip,
                "limit": limit, "next_cursor": next}))
            .into_response()
        }
        Err(err) => (StatusCode::INTERNAL_SERVER_ERROR, err.to_string()).into_response(),
    }
}

/// SQLite's query planner stability guarantee: without it a bound LIMIT re-prepares the
/// statement whenever its value changes (see the shop's `db::stable_plans`).
async fn stable_plans(conn: &mut sqlx::SqliteConnection) -> Result<(), sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle().as_ptr();
    let mut now: std::ffi::c_int = 0;
    // SAFETY: the open handle, locked for the call; an int and an int out-pointer.
    let rc = unsafe {
        libsqlite3_sys::sqlite3_db_config(
            db,
            libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG,
            1 as std::ffi::c_int,
            &raw mut now,
        )
    };
    if rc == libsqlite3_sys::SQLITE_OK && now == 1 {
        Ok(())
    } else {
        Err(sqlx::Error::Configuration(format!("SQLite refused the stable query plan setting ({rc})").into()))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("DATABASE_URL")?;
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(8001);
    let db = if url.starts_with("postgres") {
        Db::Postgres(
            sqlx::postgres::PgPoolOptions::new().max_connections(10).test_before_acquire(false).connect(&url).await?,
        )
    } else {
        Db::Sqlite(
            sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(10)
                .test_before_acquire(false)
                .after_connect(|conn, _| Box::pin(stable_plans(conn)))
                .connect(&url)
                .await?,
        )
    };
    let app = Router::new()
        .route("/api/v1/products/{id}", get(product))
        .route("/api/v1/products/", get(products))
        .route("/api/v1/products", get(products))
        .with_state(db);
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
