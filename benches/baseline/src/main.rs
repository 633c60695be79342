//! The limit the load benchmarks compare `shop serve` with: the same product-by-id query and
//! JSON, with no ORM, middleware, cache or validation. Not a product: it exists to be measured.
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
            sqlx::sqlite::SqlitePoolOptions::new().max_connections(10).test_before_acquire(false).connect(&url).await?,
        )
    };
    let app = Router::new().route("/api/v1/products/{id}", get(product)).with_state(db);
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
