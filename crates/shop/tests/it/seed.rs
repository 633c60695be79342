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

migrate::per_dialect! {
    async fn scale_seed_is_reproducible_and_keeps_ids_usable(dialect) {
        let mut fingerprints = Vec::new();
        for _ in 0..2 {
            let app = TestApp::new(dialect).await;
            let report = shop::seed::scale::seed_scale(&app.conn, 300, 7).await.unwrap();
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
            let drift = shop::service::rollup::drift(&app.conn).await.unwrap();
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
    use shop::seed::bulk::{Cell, Sink};
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
        let written = sink.insert("categories", &columns, rows(&["a", "b", "c"], 1), &bar).await.unwrap();
        sink.commit().await.unwrap();
        assert_eq!(written, 3);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM categories").await, 3, "{dialect}");
        assert_eq!(indexes(&app, dialect, "categories").await, before, "{dialect}");

        // Rows that break the unique name index: building it fails, and nothing of the load
        // stays.
        let mut sink = Sink::open(&app.conn).await.unwrap().defer_indexes_from(0);
        let clash = rows(&["d", "e", "twice", "twice"], 4);
        let err = sink.insert("categories", &columns, clash, &bar).await.unwrap_err();
        drop(sink);
        assert!(err.to_string().contains("CREATE INDEX"), "{dialect}: {err}");
        assert_eq!(app.scalar("SELECT COUNT(*) FROM categories").await, 3, "{dialect}");
        assert_eq!(indexes(&app, dialect, "categories").await, before, "{dialect}");
        // The table still refuses a second "a": its unique index is back.
        let again = app.admin(Method::POST, "/api/v1/categories/", Some(json!({"name": "a"}))).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{dialect}: {}", again.body);
    }
}

/// `shop seed --scale` killed (SIGKILL) at random points: each time the database holds all
/// of that load or none of it, the rollups match the orders, the API's inserts get fresh ids,
/// and a re-run finishes the job; a repeated seed is refused with what is there and how to
/// start over.
async fn a_killed_scale_seed_leaves_the_database_usable(dialect: migrate::Dialect) {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    const PRODUCTS: i64 = 2000;
    let app = TestApp::new(dialect).await;
    let seed_cmd = |seed: u64| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_shop"));
        cmd.args(["seed", "--scale", &PRODUCTS.to_string(), "--seed", &seed.to_string()])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &app.db.url)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    };
    let counts = async |seed: u64| {
        let products = app.scalar(&format!("SELECT COUNT(*) FROM products WHERE sku LIKE 'GEN-{seed:x}-%'")).await;
        let orders = app.scalar(&format!("SELECT COUNT(*) FROM orders WHERE order_number LIKE 'GEN-{seed:x}-%'")).await;
        (products, orders)
    };

    let started = Instant::now();
    let full = seed_cmd(1).output().expect("run the seed");
    assert!(full.status.success(), "{dialect}: {}", String::from_utf8_lossy(&full.stderr));
    let full_run = started.elapsed();
    assert_eq!(counts(1).await, (PRODUCTS, 3 * PRODUCTS), "{dialect}");

    let again = seed_cmd(1).output().expect("run the seed");
    let err = String::from_utf8_lossy(&again.stderr);
    assert_eq!(again.status.code(), Some(1), "{dialect}: {err}");
    assert!(
        err.contains("already holds the catalog of --seed 1 (2,000 products, 6,000 orders)")
            && err.contains("start over"),
        "{dialect}: {err}"
    );
    assert_eq!(err.lines().count(), 1, "{dialect}: {err}");

    let mut state = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos() as u64;
    let mut random = move |below: u64| {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 33) % below.max(1)
    };
    for round in 0..4u64 {
        let seed = 100 + round;
        // Up to a little past a whole run, so some kills land after the commit.
        let after = Duration::from_millis(random(full_run.as_millis() as u64 * 6 / 5));
        let context = format!("{dialect}, round {round}: killed after {after:?} of a {full_run:?} run");
        let mut child = seed_cmd(seed).spawn().expect("start the seed");
        std::thread::sleep(after);
        let _ = child.kill();
        let _ = child.wait();

        let (products, orders) = counts(seed).await;
        eprintln!("{context}: {products} products and {orders} orders of that load stayed");
        assert!(
            (products, orders) == (0, 0) || (products, orders) == (PRODUCTS, 3 * PRODUCTS),
            "{context}: {products} products and {orders} orders stayed"
        );
        let bare = app
            .scalar(
                "SELECT COUNT(*) FROM orders o WHERE NOT EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id)",
            )
            .await;
        assert_eq!(bare, 0, "{context}: orders without lines");
        let drift = shop::service::rollup::drift(&app.conn).await.unwrap();
        assert!(drift.is_empty(), "{context}: {drift:#?}");
        // Every sequence is at or past the data: the API's inserts get fresh ids.
        let category =
            app.admin(Method::POST, "/api/v1/categories", Some(json!({"name": format!("After {round}")}))).await;
        assert_eq!(category.status, StatusCode::CREATED, "{context}: {}", category.body);
        let product = json!({"name": "After", "price": "1.00", "category_id": category.body["id"], "sku": format!("AFTER-{round}")});
        let product = app.admin(Method::POST, "/api/v1/products", Some(product)).await;
        assert_eq!(product.status, StatusCode::CREATED, "{context}: {}", product.body);

        if products == 0 {
            let rerun = seed_cmd(seed).output().expect("run the seed");
            assert!(rerun.status.success(), "{context}: re-run: {}", String::from_utf8_lossy(&rerun.stderr));
            assert_eq!(counts(seed).await, (PRODUCTS, 3 * PRODUCTS), "{context}: re-run");
        }
    }
    let drift = shop::service::rollup::drift(&app.conn).await.unwrap();
    assert!(drift.is_empty(), "{dialect}: {drift:#?}");
    // The users' sequence too (once: a password hash is slow in a debug build).
    let user = json!({"username": "after", "email": "after@shop.test", "password": "long-enough-password"});
    let user = app.call(Method::POST, "/api/v1/users/signup", Some(user), None).await;
    assert_eq!(user.status, StatusCode::CREATED, "{dialect}: {}", user.body);
}

migrate::per_dialect!(a_killed_scale_seed_leaves_the_database_usable);
