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

/// Index definitions of `table`, by name.
async fn indexes(app: &TestApp, dialect: migrate::Dialect, table: &str) -> Vec<(String, String)> {
    use sea_orm::{ConnectionTrait, Statement};
    let sql = match dialect {
        migrate::Dialect::Postgres => {
            format!("SELECT indexname::text, indexdef FROM pg_indexes WHERE tablename = '{table}' ORDER BY indexname")
        }
        _ => format!("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = '{table}' ORDER BY name"),
    };
    let backend = app.conn.get_database_backend();
    let rows = app.conn.query_all_raw(Statement::from_string(backend, sql)).await.unwrap();
    rows.iter().map(|r| (r.try_get_by_index(0).unwrap(), r.try_get_by_index(1).unwrap())).collect()
}

#[tokio::test]
async fn a_large_load_builds_the_indexes_after_the_rows_in_one_transaction() {
    use shop::bulk::{Cell, Sink};
    let loaders = [migrate::Dialect::Postgres, migrate::Dialect::Sqlite];
    for dialect in dialects().into_iter().filter(|d| loaders.contains(d)) {
        let app = TestApp::new(dialect).await;
        let before = indexes(&app, dialect, "categories").await;
        assert!(
            before.iter().any(|(name, def)| name == "ix_categories_name" && def.contains("UNIQUE")),
            "{dialect}: {before:?}"
        );
        let now = chrono::Utc::now();
        let rows = |names: &[&str], first_id: i64| -> Vec<Vec<Cell>> {
            names
                .iter()
                .zip(first_id..)
                .map(|(name, id)| vec![id.into(), (*name).into(), true.into(), now.into(), now.into()])
                .collect()
        };
        let columns = ["id", "name", "is_active", "created_at", "updated_at"];
        let bar = indicatif::ProgressBar::hidden();

        // Any load counts as large here, so the secondary indexes are dropped and built again.
        let mut sink = Sink::open(&app.conn).await.unwrap().defer_indexes_from(0);
        let written =
            sink.insert("categories", &columns, &mut rows(&["a", "b", "c"], 1).into_iter(), &bar).await.unwrap();
        drop(sink);
        assert_eq!(written, 3);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM categories").await, 3, "{dialect}");
        assert_eq!(indexes(&app, dialect, "categories").await, before, "{dialect}");

        // Rows that break the unique name index: building it fails, and nothing of the load
        // stays.
        let mut sink = Sink::open(&app.conn).await.unwrap().defer_indexes_from(0);
        let clash = rows(&["d", "e", "twice", "twice"], 4);
        let err = sink.insert("categories", &columns, &mut clash.into_iter(), &bar).await.unwrap_err();
        drop(sink);
        assert!(err.to_string().contains("CREATE INDEX"), "{dialect}: {err}");
        assert_eq!(app.scalar("SELECT COUNT(*) FROM categories").await, 3, "{dialect}");
        assert_eq!(indexes(&app, dialect, "categories").await, before, "{dialect}");
        // The table still refuses a second "a": its unique index is back.
        let again = app.admin(Method::POST, "/api/v1/categories/", Some(json!({"name": "a"}))).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{dialect}: {}", again.body);
    }
}
