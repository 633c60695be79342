//! `shop seed`: the sample dataset is idempotent; `--scale` is reproducible and leaves the
//! id sequences usable.

use axum::http::{Method, StatusCode};
use migrate::testing::dialects;
use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
async fn sample_seed_is_idempotent() {
    let app = TestApp::new(migrate::Dialect::Sqlite).await;
    let first = shop::seed::seed_sample(&app.conn).await.unwrap();
    assert_eq!((first.categories, first.suppliers, first.products), (5, 5, 15));
    assert!(first.orders > 0);
    let again = shop::seed::seed_sample(&app.conn).await.unwrap();
    assert_eq!(again, shop::seed::SeedReport::default());
}

#[tokio::test]
async fn scale_seed_is_reproducible_and_keeps_ids_usable() {
    for dialect in dialects() {
        let mut fingerprints = Vec::new();
        for _ in 0..2 {
            let app = TestApp::new(dialect).await;
            let report = shop::seed_scale::seed_scale(&app.conn, 300, 7).await.unwrap();
            assert_eq!(app.scalar("SELECT COUNT(*) FROM products").await, 300, "{dialect}");
            let lines = app.scalar("SELECT COUNT(*) FROM order_items").await;
            assert!((1500..=4500).contains(&lines), "{dialect}: {lines} order lines for 300 products");
            assert!(report.rows > 3000);
            let sql = shop::analytics::Sql(dialect);
            let quantity = app.scalar(&format!("SELECT {} FROM order_items", sql.int("SUM(quantity)"))).await;
            let price =
                app.scalar(&format!("SELECT {} FROM products", sql.int(&format!("SUM({})", sql.cents("price"))))).await;
            fingerprints.push((lines, quantity, price));
            // The rollups the generator computes equal those recomputed from its orders.
            let drift = shop::analytics::rollup::drift(&app.conn).await.unwrap();
            assert!(drift.is_empty(), "{dialect}: {drift:#?}");
            assert!(app.scalar("SELECT COUNT(*) FROM category_daily_orders").await > 0, "{dialect}");
            // The API's own inserts still get fresh ids (PostgreSQL identity sequences synced).
            let made = app.admin(Method::POST, "/api/v1/categories", Some(json!({"name": "After the seed"}))).await;
            assert_eq!(made.status, StatusCode::CREATED, "{dialect}: {}", made.body);
        }
        assert_eq!(fingerprints[0], fingerprints[1], "{dialect}: same seed, same data");
    }
}
