//! Tracked totals: `products/` and `orders/` count exactly up to 10,000 matches and report
//! `10000` with `total_relation: "gte"` past that, unless `track_total=true` asks for the exact
//! number; every other list is always exact.

use axum::http::Method;
use chrono::Utc;
use rust_decimal::Decimal;
use sea_orm::{EntityTrait, Set};
use serde_json::{Value, json};
use shop::entity::{orders, products};

use crate::support::{Reply, TestApp};

const PRODUCTS: i64 = 10_050;
const ORDERS: i64 = 10_030;

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn total(reply: &Reply) -> (Value, Value) {
    assert_eq!(reply.status, 200, "{}", reply.body);
    (reply.body["total"].clone(), reply.body["total_relation"].clone())
}

fn gte() -> (Value, Value) {
    (json!(10_000), json!("gte"))
}

fn eq(n: i64) -> (Value, Value) {
    (json!(n), json!("eq"))
}

/// `PRODUCTS` products in one category; every tenth is named "Special".
async fn insert_products(app: &TestApp) {
    let category = app.created("/api/v1/categories", json!({"name": "Bulk"})).await;
    let category_id = i32::try_from(category["id"].as_i64().unwrap()).unwrap();
    let rows: Vec<products::ActiveModel> = (0..PRODUCTS)
        .map(|i| {
            let name = if i % 10 == 0 { format!("Special {i}") } else { format!("Item {i}") };
            super::support::product_row(name, Decimal::new(100 + i, 2), category_id)
        })
        .collect();
    for chunk in rows.chunks(500) {
        products::Entity::insert_many(chunk.to_vec()).exec(&app.conn).await.unwrap();
    }
}

/// `id` as a 64-bit integer in the app's dialect.
fn cast_id(app: &TestApp) -> &'static str {
    match app.conn.get_database_backend() {
        sea_orm::DbBackend::Postgres => "CAST(id AS BIGINT)",
        sea_orm::DbBackend::MySql => "CAST(id AS SIGNED)",
        _ => "id",
    }
}

/// `ORDERS` orders of the regular user, every third one shipped.
async fn insert_orders(app: &TestApp) {
    let user_id =
        i32::try_from(app.scalar(&format!("SELECT {} FROM users WHERE username = 'alice'", cast_id(app))).await)
            .unwrap();
    let now = Utc::now();
    let rows: Vec<orders::ActiveModel> = (0..ORDERS)
        .map(|i| orders::ActiveModel {
            order_number: Set(format!("ORD-BULK-{i:06}")),
            total_amount: Set(Decimal::new(1000, 2)),
            status: Set(if i % 3 == 0 { "shipped" } else { "pending" }.to_owned()),
            user_id: Set(user_id),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .collect();
    for chunk in rows.chunks(500) {
        orders::Entity::insert_many(chunk.to_vec()).exec(&app.conn).await.unwrap();
    }
}

migrate::per_dialect! {
    async fn products_count_up_to_ten_thousand_unless_asked(dialect) {
        let app = TestApp::new(dialect).await;
        insert_products(&app).await;
        let base = "/api/v1/products";

        let first = app.get(&format!("{base}?limit=5")).await;
        assert_eq!(total(&first), gte(), "{dialect}");
        assert_eq!(total(&app.get(&format!("{base}?limit=5&track_total=true")).await), eq(PRODUCTS), "{dialect}");
        // Fewer matches than the bound are counted exactly, with or without the flag.
        assert_eq!(total(&app.get(&format!("{base}?q=special&limit=5")).await), eq(1_005), "{dialect}");
        assert_eq!(total(&app.get(&format!("{base}?q=special&limit=5&track_total=false")).await), eq(1_005));
        // A last page settles the exact number however far it is.
        assert_eq!(total(&app.get(&format!("{base}?skip=10045&limit=10")).await), eq(PRODUCTS), "{dialect}");
        // A page in the middle past the bound still reports the bound.
        assert_eq!(total(&app.get(&format!("{base}?skip=10020&limit=10")).await), gte(), "{dialect}");

        // A cursor carries the bound to the next page, and the exact number when asked for.
        let cursor = encode(first.body["next_cursor"].as_str().unwrap());
        let second = app.get(&format!("{base}?limit=5&cursor={cursor}")).await;
        assert_eq!(total(&second), gte(), "{dialect}");
        assert_eq!(second.body["items"][0]["id"], first.body["items"][4]["id"].as_i64().unwrap() + 1);
        let exact = app.get(&format!("{base}?limit=5&cursor={cursor}&track_total=true")).await;
        assert_eq!(total(&exact), eq(PRODUCTS), "{dialect}");
        let cursor = encode(exact.body["next_cursor"].as_str().unwrap());
        assert_eq!(total(&app.get(&format!("{base}?limit=5&cursor={cursor}&track_total=true")).await), eq(PRODUCTS));

        // `track_total` must be a boolean.
        let bad = app.get(&format!("{base}?track_total=maybe")).await;
        assert_eq!(bad.status, 422, "{dialect}");
        assert_eq!(bad.body["detail"][0]["loc"], json!(["query", "track_total"]));

        // Other lists are always exact.
        let categories = app.get("/api/v1/categories?limit=1").await;
        assert_eq!(total(&categories), eq(1), "{dialect}");
    }
}

migrate::per_dialect! {
    async fn orders_count_up_to_ten_thousand_unless_asked(dialect) {
        let app = TestApp::new(dialect).await;
        insert_orders(&app).await;
        let token = app.user_token.clone();
        let list = |query: &'static str| {
            let token = token.clone();
            let app = &app;
            async move { app.call(Method::GET, &format!("/api/v1/orders{query}"), None, Some(&token)).await }
        };
        assert_eq!(total(&list("?limit=3").await), gte(), "{dialect}");
        assert_eq!(total(&list("?limit=3&track_total=true").await), eq(ORDERS), "{dialect}");
        assert_eq!(total(&list("?status=shipped&limit=3").await), eq(3_344), "{dialect}");
        assert_eq!(total(&list("?skip=10029&limit=3").await), eq(ORDERS), "{dialect}");
        let page = list("?limit=2").await;
        let numbers: Vec<&str> = page.body["items"].as_array().unwrap().iter().map(|o| o["order_number"].as_str().unwrap()).collect();
        assert_eq!(numbers, ["ORD-BULK-010029", "ORD-BULK-010028"], "{dialect}: newest first");
        // Another user's list is theirs alone, and exact.
        let admin = app.call(Method::GET, "/api/v1/orders?limit=1&user_id=1", None, Some(&app.admin_token)).await;
        assert_eq!(total(&admin), eq(0), "{dialect}");
    }
}
