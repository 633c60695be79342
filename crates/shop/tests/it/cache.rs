//! The response cache: a write through one replica is seen by the next read through the same
//! or, sharing Redis, another replica; reads are served from the cache otherwise; Redis down
//! is never an error. And `DATABASE_READ_URL`: list and analytics reads go to the replica.

use axum::http::{Method, StatusCode};
use migrate::testing::{TestDb, dialects};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::json;
use shop::app::{self, App, AppState};

use crate::support::{TestApp, insert_product, send_via};

/// `TEST_REDIS_URL` (CI sets the local server), like the database variables.
/// An unset variable is reported as a skip.
pub fn redis_url() -> Option<String> {
    migrate::testing::service_url("TEST_REDIS_URL")
}

pub fn namespace() -> String {
    format!("test-{}-{}", std::process::id(), rand_suffix())
}

fn rand_suffix() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}

/// Writes through `app.app`, reads through `other`: every read after a write sees it.
async fn writes_are_seen_by(app: &TestApp, other: &App, cached: bool, label: &str) {
    let category = app.admin(Method::POST, "/api/v1/categories", Some(json!({"name": "Tools"}))).await;
    let category_id = category.body["id"].as_i64().unwrap();
    let created = app
        .admin(
            Method::POST,
            "/api/v1/products",
            Some(json!({"name": "Hammer", "price": "10.00", "stock_quantity": 5, "category_id": category_id})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{label}");
    let id = created.body["id"].as_i64().unwrap();
    let path = format!("/api/v1/products/{id}");
    let read = |p: String| async move { app.call_via(other, Method::GET, &p, None, None).await };

    // Filled once, then served without statements.
    assert_eq!(read(path.clone()).await.body["price"], "10.00", "{label}");
    assert_eq!(read("/api/v1/analytics/summary".into()).await.body["data"]["max_price"], "10.00", "{label}");
    assert_eq!(read("/api/v1/products?sort=-price".into()).await.body["items"][0]["price"], "10.00");
    app.take_statement_count();
    assert_eq!(read(path.clone()).await.body["price"], "10.00", "{label}");
    read("/api/v1/analytics/summary".into()).await;
    let statements = app.take_statement_count();
    assert_eq!(statements == 0, cached, "{label}: {statements} statements for reads that were cached");

    let patched = app.admin(Method::PATCH, &path, Some(json!({"price": "12.50"}))).await;
    assert_eq!(patched.status, StatusCode::OK, "{label}");
    assert_eq!(read(path.clone()).await.body["price"], "12.50", "{label}: product after update");
    assert_eq!(read("/api/v1/analytics/summary".into()).await.body["data"]["max_price"], "12.50", "{label}");
    assert_eq!(read("/api/v1/products?sort=-price".into()).await.body["items"][0]["price"], "12.50", "{label}");

    // An order moves stock: the product read shows it.
    let order = app
        .call(
            Method::POST,
            "/api/v1/orders",
            Some(json!({"items": [{"product_id": id, "quantity": 2}]})),
            Some(&app.user_token.clone()),
        )
        .await;
    assert_eq!(order.status, StatusCode::CREATED, "{label}: {}", order.body);
    assert_eq!(read(path.clone()).await.body["stock_quantity"], 3, "{label}: stock after an order");
    let deleted = app.admin(Method::DELETE, &format!("/api/v1/categories/{category_id}"), None).await;
    assert_eq!(deleted.status, StatusCode::CONFLICT, "{label}");
}

migrate::per_dialect! {
    async fn a_write_is_seen_by_the_next_read_on_the_same_replica(dialect) {
        let app = TestApp::new(dialect).await;
        let same = app.app.clone();
        writes_are_seen_by(&app, &same, true, &format!("{dialect} in process")).await;
    }
}

#[tokio::test]
async fn replicas_sharing_redis_see_each_others_writes() {
    let Some(url) = redis_url() else { return };
    for dialect in dialects() {
        let ns = namespace();
        let app = TestApp::with_settings(dialect, &[("REDIS_URL", &url), ("CACHE_NAMESPACE", &ns)]).await;
        let other = app.replica().await;
        writes_are_seen_by(&app, &other, true, &format!("{dialect} through redis")).await;
    }
}

/// How long `until` took to hold, polling every 20 ms; panics past `limit`.
async fn within(limit: std::time::Duration, what: &str, mut until: impl AsyncFnMut() -> bool) -> std::time::Duration {
    let started = std::time::Instant::now();
    while !until().await {
        assert!(started.elapsed() < limit, "{what}: not seen after {limit:?}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    started.elapsed()
}

migrate::per_dialect! {
    /// Replicas without Redis: the other replica serves its cached copy until it reads the
    /// database's cache epoch, which the write moved (twice a second).
    async fn replicas_without_redis_see_each_others_writes_through_the_epoch(dialect) {
        let app = TestApp::new(dialect).await;
        let other = app.replica().await;
        let category = app.admin(Method::POST, "/api/v1/categories", Some(json!({"name": "Tools"}))).await;
        let product =
            insert_product(&app.conn, "Saw", i32::try_from(category.body["id"].as_i64().unwrap()).unwrap()).await;
        let path = format!("/api/v1/products/{}", product.id);
        let before = app.call_via(&other, Method::GET, &path, None, None).await.body["price"].clone();
        assert_ne!(before, "77.00");
        app.admin(Method::PATCH, &path, Some(json!({"price": "77.00"}))).await;
        assert_eq!(app.get(&path).await.body["price"], "77.00", "{dialect}: the writer's own replica at once");
        // The contract is a second; the limit leaves room for a loaded test machine.
        let took = within(std::time::Duration::from_secs(3), &format!("{dialect}: the other replica"), async || {
            app.call_via(&other, Method::GET, &path, None, None).await.body["price"] == "77.00"
        })
        .await;
        eprintln!("{dialect}: the other replica saw the write after {took:?}");
    }
}

/// A write by another process (`shop seed`) reaches a running server's cached analytics
/// through the epoch.
async fn another_process_writes_reach_a_serving_cache(dialect: migrate::Dialect) {
    let db = TestDb::new(dialect).await;
    let dir = tempfile::tempdir().unwrap();
    let server = crate::server::Server::start(&db.url, dir.path(), &[("AUTO_MIGRATE", "true")]);
    // Categories, empty ones included: the seed adds five.
    let count = |server: &crate::server::Server| {
        let (status, body) = server.get("/api/v1/analytics/categories");
        assert_eq!(status, 200, "{body}");
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["data"].as_array().map_or(0, Vec::len)
    };
    let before = count(&server);
    assert_eq!(count(&server), before, "cached");
    let seeded = std::process::Command::new(env!("CARGO_BIN_EXE_shop"))
        .args(["seed", "--scale", "40", "--seed", "9"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &db.url)
        .output()
        .expect("run shop seed");
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));
    let took = within(std::time::Duration::from_secs(3), &format!("{dialect}: the seed's products"), async || {
        count(&server) == before + 5
    })
    .await;
    eprintln!("{dialect}: the server saw the other process's write after {took:?}");

    // A second start on the migrated database logs no server notices (PostgreSQL said
    // "relation ... already exists, skipping" for the version table on every start).
    let again = crate::server::Server::start(&db.url, dir.path(), &[("AUTO_MIGRATE", "true")]);
    let notices: Vec<&String> = again.log.iter().filter(|l| l.contains("already exists")).collect();
    assert!(notices.is_empty(), "{dialect}: {notices:?}");
}

migrate::per_dialect!(another_process_writes_reach_a_serving_cache);

migrate::per_dialect! {
    async fn redis_down_serves_from_the_database(dialect) {
        // Nothing listens on port 1: every Redis call fails at once.
        let app = TestApp::with_settings(dialect, &[("REDIS_URL", "redis://127.0.0.1:1/0")]).await;
        let other = app.replica().await;
        writes_are_seen_by(&app, &other, false, &format!("{dialect} with redis down")).await;
    }
}

migrate::per_dialect! {
    async fn cache_off_reads_the_database_every_time(dialect) {
        let app = TestApp::with_settings(dialect, &[("CACHE_ENABLED", "false")]).await;
        let category = app.admin(Method::POST, "/api/v1/categories", Some(json!({"name": "Tools"}))).await;
        let product =
            insert_product(&app.conn, "Saw", i32::try_from(category.body["id"].as_i64().unwrap()).unwrap()).await;
        let path = format!("/api/v1/products/{}", product.id);
        assert_eq!(app.get(&path).await.body["name"], "Saw", "{dialect}");
        // Changed behind the API's back, so no write invalidates anything: only a read that
        // goes to the database sees it.
        let mut renamed: shop::entity::products::ActiveModel = product.into();
        renamed.name = Set("Hacksaw".to_owned());
        renamed.update(&app.conn).await.unwrap();
        let again = app.get(&path).await;
        assert_eq!(again.status, StatusCode::OK);
        assert_eq!(again.body["name"], "Hacksaw", "{dialect}");
    }
}

migrate::per_dialect! {
    async fn lists_and_analytics_read_from_the_read_replica(dialect) {
        let app = TestApp::new(dialect).await;
        // A second database standing in for a replica, with a product the primary lacks.
        let replica_db = TestDb::new(dialect).await;
        let settings = app.settings.with_database_url(&replica_db.url);
        shop::db::prepare_schema(&settings).await.expect("migrate the replica");
        let replica = shop::db::connect(&settings).await.expect("connect the replica");
        let category = app.admin(Method::POST, "/api/v1/categories", Some(json!({"name": "Primary"}))).await;
        insert_product(&app.conn, "on the primary", i32::try_from(category.body["id"].as_i64().unwrap()).unwrap())
            .await;
        shop::seed::seed_sample(&replica).await.expect("seed the replica");

        let router = app::build(AppState::new(app.conn.clone(), app.settings.clone()).with_read_replica(replica));
        let get = |path: &'static str| {
            let router = router.clone();
            async move {
                let request = axum::http::Request::get(path).body(axum::body::Body::empty()).unwrap();
                send_via(&router, request).await
            }
        };
        assert_eq!(get("/api/v1/products?limit=100").await.body["total"], 15, "{dialect}: the replica's 15 products");
        assert_eq!(get("/api/v1/categories").await.body["total"], 5, "{dialect}");
        assert_eq!(get("/api/v1/analytics/summary").await.body["data"]["product_count"], 15, "{dialect}");
        // Single reads stay on the primary, so a client reads its own writes.
        let one = get("/api/v1/products/1").await;
        assert_eq!(one.body["name"], "on the primary", "{dialect}");
    }
}

/// A `redis-server` of the test's own on a free port, so it can be stopped and restarted.
struct PrivateRedis {
    port: u16,
    child: Option<std::process::Child>,
}

impl PrivateRedis {
    fn start() -> Option<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
        let mut redis = Self { port, child: None };
        redis.restart().then_some(redis)
    }

    fn restart(&mut self) -> bool {
        let spawned = std::process::Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn();
        let Ok(child) = spawned else { return false };
        self.child = Some(child);
        (0..200).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(10));
            std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok()
        })
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test]
async fn redis_outage_and_empty_restart_never_serve_stale_reads() {
    let Some(mut redis) = PrivateRedis::start() else {
        eprintln!("redis-server is not installed; skipped");
        return;
    };
    let url = format!("redis://127.0.0.1:{}/0", redis.port);
    let app = TestApp::with_settings(migrate::Dialect::Sqlite, &[("REDIS_URL", &url)]).await;
    let (b, c) = (app.replica().await, app.replica().await);
    let category = app.admin(Method::POST, "/api/v1/categories", Some(json!({"name": "Tools"}))).await;
    let product = insert_product(&app.conn, "Saw", i32::try_from(category.body["id"].as_i64().unwrap()).unwrap()).await;
    let path = format!("/api/v1/products/{}", product.id);
    let price = |router: App| {
        let path = path.clone();
        let app = &app;
        async move {
            let reply = app.call_via(&router, Method::GET, &path, None, None).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
            reply.body["price"].as_str().unwrap().to_owned()
        }
    };
    let first = price(b.clone()).await;
    assert_eq!(price(c.clone()).await, first);

    redis.stop();
    let patched = app.admin(Method::PATCH, &path, Some(json!({"price": "21.00"}))).await;
    assert_eq!(patched.status, StatusCode::OK, "a write while Redis is down");
    assert_eq!(price(b.clone()).await, "21.00", "a read while Redis is down comes from the database");

    assert!(redis.restart(), "restart redis");
    // First the replica that made no call during the outage, so nobody has moved the
    // generation yet: only the new epoch keeps its in-process entry out of reach.
    assert_eq!(price(c.clone()).await, "21.00", "a replica that slept through the outage");
    assert_eq!(price(b.clone()).await, "21.00");
    app.admin(Method::PATCH, &path, Some(json!({"price": "3.00"}))).await;
    assert_eq!(price(b).await, "3.00");
    assert_eq!(price(c).await, "3.00");
}

/// A Redis that accepts connections and never answers (frozen): reads go on from the
/// database, and after one timeout the breaker keeps the next reads from waiting on it, so
/// it sees one connection attempt, not one per request.
#[tokio::test]
async fn a_frozen_redis_is_skipped_after_one_timeout() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            counter.fetch_add(1, Ordering::SeqCst);
            held.push(stream);
        }
    });
    let url = format!("redis://127.0.0.1:{port}/0");
    let app = TestApp::with_settings(migrate::Dialect::Sqlite, &[("REDIS_URL", &url)]).await;
    let category = app.admin(Method::POST, "/api/v1/categories", Some(json!({"name": "Tools"}))).await;
    assert_eq!(category.status, StatusCode::CREATED, "a write with Redis frozen");
    let product = insert_product(&app.conn, "Saw", i32::try_from(category.body["id"].as_i64().unwrap()).unwrap()).await;
    let path = format!("/api/v1/products/{}", product.id);
    for _ in 0..10 {
        let reply = app.get(&path).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(reply.body["name"], "Saw");
    }
    let attempts = accepted.load(Ordering::SeqCst);
    assert!((1..=2).contains(&attempts), "{attempts} connections to the frozen Redis for one write and ten reads");
}
