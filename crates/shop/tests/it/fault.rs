//! Fault tolerance against a private PostgreSQL cluster (initdb/pg_ctl on a free port) that
//! the test stops and restarts without touching the shared server: fast 503s while it is
//! down, 200s again when it returns, without restarting `shop`.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::server::Server;

struct Cluster {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    _dir: tempfile::TempDir,
}

fn as_postgres(program: &std::path::Path, args: &[&str]) -> std::process::Output {
    // initdb refuses to run as root; CI runs as root, so drop to the postgres user there.
    let root = Command::new("id").arg("-u").output().map(|o| o.stdout == b"0\n").unwrap_or(false);
    let mut command = if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    };
    command.args(args).output().expect("run a PostgreSQL tool")
}

impl Cluster {
    fn start() -> Option<Self> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path().join("bin"))
            .find(|p| p.join("initdb").exists())?;
        let dir = tempfile::tempdir().ok()?;
        let _ = Command::new("chmod").args(["777"]).arg(dir.path()).status();
        let data = dir.path().join("data");
        let out = as_postgres(&bin.join("initdb"), &["-A", "trust", "-U", "postgres", "-D", data.to_str()?]);
        if !out.status.success() {
            migrate::testing::skip(&format!("initdb failed: {}", String::from_utf8_lossy(&out.stderr)));
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
        let cluster = Self { bin, data, port, _dir: dir };
        cluster.ctl("start").then_some(cluster)
    }

    fn ctl(&self, action: &str) -> bool {
        let options = format!("-p {} -k /tmp -c listen_addresses=127.0.0.1", self.port);
        let data = self.data.to_string_lossy().into_owned();
        let mut args = vec![action, "-D", data.as_str(), "-w", "-m", "fast"];
        if action != "stop" {
            args.extend(["-o", options.as_str(), "-l"]);
        }
        let log = self.data.join("server.log").to_string_lossy().into_owned();
        if action != "stop" {
            args.push(log.as_str());
        }
        as_postgres(&self.bin.join("pg_ctl"), &args).status.success()
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.ctl("stop");
    }
}

#[tokio::test]
async fn a_dead_database_gives_fast_503s_and_service_resumes_when_it_returns() {
    let Some(cluster) = Cluster::start() else {
        migrate::testing::skip("no PostgreSQL server binaries to start a private cluster");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let server =
        Server::start(&cluster.url(), dir.path(), &[("AUTO_MIGRATE", "true"), ("DB_ACQUIRE_TIMEOUT_MS", "1000")]);
    assert_eq!(server.get("/health").0, 200);
    assert_eq!(server.get("/api/v1/categories").0, 200);

    assert!(cluster.ctl("stop"), "pg_ctl stop");
    let start = Instant::now();
    let (status, body) = server.get("/health");
    assert_eq!(status, 503, "{body}");
    assert!(start.elapsed() < Duration::from_secs(1), "health took {:?}", start.elapsed());
    let start = Instant::now();
    let (status, body) = server.get("/api/v1/categories");
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("Service temporarily unavailable"), "{body}");
    assert!(start.elapsed() < Duration::from_secs(3), "API took {:?} with a 1 s acquire timeout", start.elapsed());

    assert!(cluster.ctl("start"), "pg_ctl start");
    let mut back = false;
    for _ in 0..50 {
        if server.get("/health").0 == 200 && server.get("/api/v1/categories").0 == 200 {
            back = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(back, "no 200s after the database came back");
    let (clean, _) = server.terminate();
    assert!(clean);
}

/// Writes, as another replica would, a webhook to `url`, a customer, a product and one order;
/// returns the order's number.
async fn order_directly(conn: &sea_orm::DatabaseConnection, url: Option<&str>, tag: &str) -> String {
    use sea_orm::ActiveModelTrait;
    if let Some(url) = url {
        let input: shop::schema::webhook::WebhookCreate =
            serde_json::from_value(serde_json::json!({"url": url, "events": ["order.created"]})).unwrap();
        shop::service::webhooks::create(conn, input).await.unwrap();
    }
    let now = chrono::Utc::now();
    let category = shop::entity::categories::ActiveModel {
        name: sea_orm::Set(format!("Faults {tag}")),
        description: sea_orm::Set(None),
        is_active: sea_orm::Set(true),
        created_at: sea_orm::Set(now),
        updated_at: sea_orm::Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await
    .unwrap();
    let product = crate::support::product_row(format!("Widget {tag}"), rust_decimal::Decimal::new(500, 2), category.id)
        .insert(conn)
        .await
        .unwrap();
    let user = crate::support::insert_user(conn, &format!("buyer{tag}"), "user").await;
    let input: shop::schema::order::OrderCreate =
        serde_json::from_value(serde_json::json!({"items": [{"product_id": product.id, "quantity": 1}]})).unwrap();
    let outbox = shop::events::Outbox::default();
    let (placed, _) = shop::service::orders::place(conn, &outbox, &user, &input, None).await.unwrap();
    placed.order.order_number
}

#[tokio::test]
async fn the_outbox_worker_resumes_when_the_database_returns() {
    let Some(cluster) = Cluster::start() else {
        migrate::testing::skip("no PostgreSQL server binaries to start a private cluster");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&cluster.url(), dir.path(), &[("AUTO_MIGRATE", "true"), ("WORKER_POLL_MS", "200")]);
    let receiver = crate::events::receiver::Receiver::start(Vec::new()).await;
    let conn = sea_orm::Database::connect(cluster.url()).await.unwrap();
    let first = order_directly(&conn, Some(&receiver.url), "a").await;
    let hits = receiver.wait_for(1, 20).await;
    assert!(hits[0].body.contains(&first));

    // Down long enough for claims to fail and the listener to lose its connection.
    assert!(cluster.ctl("stop"), "pg_ctl stop");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(cluster.ctl("start"), "pg_ctl start");
    let mut second = None;
    for _ in 0..50 {
        let placed = tokio::spawn({
            let conn = conn.clone();
            async move { order_directly(&conn, None, "b").await }
        })
        .await;
        if let Ok(number) = placed {
            second = Some(number);
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let second = second.expect("an order placed after the restart");
    let hits = receiver.wait_for(2, 20).await;
    assert!(hits[1].body.contains(&second), "{hits:?}");
    assert_ne!(hits[0].id, hits[1].id);
    let (clean, log) = server.terminate();
    assert!(clean, "{log:?}");
    // The outage reached the worker: its listener (or a claim) failed and it went on.
    assert!(
        log.iter()
            .any(|l| l.contains("outbox listener lost its connection") || l.contains("claiming deliveries failed")),
        "{log:?}"
    );
}
