//! Workers as processes: one killed with SIGKILL mid-delivery (its delivery still arrives,
//! with the same `webhook-id`), and three replicas sharing 1,000 orders on PostgreSQL.

use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use migrate::Dialect;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use shop::entity::users;

use super::receiver::{Receiver, Reply};
use super::{all_deliveries, events_of, eventually, product, webhook};
use crate::support::TestApp;

/// `shop worker` on `url`, its log discarded.
struct WorkerProcess(Child);

impl WorkerProcess {
    fn start(url: &str, extra: &[(&str, &str)]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_shop"));
        command
            .arg("worker")
            .env("DATABASE_URL", url)
            .env("SECRET_KEY", crate::support::SECRET)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in extra {
            command.env(k, v);
        }
        Self(command.spawn().expect("spawn shop worker"))
    }

    fn kill_9(&mut self) {
        let status = Command::new("kill").args(["-KILL", &self.0.id().to_string()]).status().unwrap();
        assert!(status.success());
        let _ = self.0.wait();
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

migrate::per_dialect! {
    async fn a_worker_killed_mid_delivery_leaves_it_to_the_next_with_the_same_id(dialect) {
        let app = TestApp::new(dialect).await;
        let receiver = Receiver::start(vec![Reply::Hang]).await;
        let (hook, _) = webhook(&app, &receiver.url, &["order.created"]).await;
        // A 2 s timeout makes a 9 s lease (twice the timeout and 5 s): only a dead worker loses one.
        let settings = [("WEBHOOK_TIMEOUT_SECONDS", "2"), ("WORKER_POLL_MS", "100")];
        let mut first = WorkerProcess::start(&app.db.url, &settings);
        let item = product(&app, 10).await;
        super::placed(&app, item, 1).await;

        let hung = receiver.wait_for(1, 30).await;
        first.kill_9();
        let _second = WorkerProcess::start(&app.db.url, &settings);
        let hits = receiver.wait_for(2, 30).await;
        assert_eq!(hits[1].id, hung[0].id, "{dialect}: the same webhook-id after the restart");
        assert_eq!(hits[1].body, hung[0].body, "{dialect}");
        let delivered = eventually(10, "the delivery recorded", || async {
            all_deliveries(&app).await.into_iter().find(|d| d.webhook_id == Some(hook as i32) && d.status == "delivered")
        })
        .await;
        assert_eq!(delivered.event_id, hung[0].id, "{dialect}");
        // The killed attempt left no record; the one that arrived is the first recorded.
        assert_eq!(delivered.attempts, 1, "{dialect}: {delivered:?}");
        assert_eq!(receiver.hits().len(), 2, "{dialect}");
    }
}

/// Places `count` orders of `item` as alice from 8 concurrent tasks; each order's number with
/// the instant its transaction committed.
async fn place_orders(app: &TestApp, item: i32, count: usize) -> Vec<(String, Instant)> {
    let user = users::Entity::find().filter(users::Column::Username.eq("alice")).one(&app.conn).await.unwrap().unwrap();
    let input: shop::schema::order::OrderCreate =
        serde_json::from_value(serde_json::json!({"items": [{"product_id": item, "quantity": 1}]})).unwrap();
    let outbox = shop::events::Outbox::default();
    let tasks: Vec<_> = (0..8)
        .map(|task| {
            let (conn, user, input, outbox) = (app.conn.clone(), user.clone(), input.clone(), outbox.clone());
            let share = count / 8 + usize::from(task < count % 8);
            tokio::spawn(async move {
                let mut done = Vec::new();
                for _ in 0..share {
                    let (placed, _) = shop::service::orders::place(&conn, &outbox, &user, &input, None).await.unwrap();
                    done.push((placed.order.order_number, Instant::now()));
                }
                done
            })
        })
        .collect();
    let mut committed = Vec::new();
    for task in tasks {
        committed.extend(task.await.unwrap());
    }
    committed
}

/// Waits for `expected` deliveries in all, then a moment more for any duplicate, and checks
/// that the hits are the `order.created` events one to one.
async fn exactly_once(app: &TestApp, receiver: &Receiver, expected: usize) -> Vec<super::receiver::Hit> {
    receiver.wait_for(expected, 120).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let hits = receiver.hits();
    assert_eq!(hits.len(), expected, "exactly {expected} deliveries");
    let ids: HashSet<&str> = hits.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids.len(), expected, "each with a distinct webhook-id");
    let events: HashSet<String> = events_of(app, "order.created").await.into_iter().map(|(id, _)| id).collect();
    assert_eq!(events.len(), expected);
    assert!(ids.iter().all(|id| events.contains(*id)), "none missing, none invented");
    hits
}

/// Three `shop worker` replicas on one PostgreSQL database: a backlog of 1,000 orders, then
/// 1,000 orders placed while they run, give exactly one `order.created` delivery each, with
/// distinct ids and none missing. Prints the drain rate and the latency from commit to
/// arrival (BENCHMARKS.md quotes a release run).
#[tokio::test]
async fn three_worker_replicas_deliver_a_thousand_orders_exactly_once() {
    if !migrate::testing::covers(Dialect::Postgres) {
        return;
    }
    let app = TestApp::new(Dialect::Postgres).await;
    let receiver = Receiver::start(Vec::new()).await;
    webhook(&app, &receiver.url, &["order.created"]).await;
    let item = product(&app, 1_000_000).await;

    // A backlog: the workers start after 1,000 orders committed.
    place_orders(&app, item, 1000).await;
    let started = Instant::now();
    let _replicas: Vec<WorkerProcess> = (0..3).map(|_| WorkerProcess::start(&app.db.url, &[])).collect();
    let backlog = exactly_once(&app, &receiver, 1000).await;
    let drained = backlog.iter().map(|h| h.at).max().unwrap().duration_since(started);

    // Live: orders placed while the workers run, each timed from its commit.
    let placing = Instant::now();
    let committed: std::collections::HashMap<String, Instant> =
        place_orders(&app, item, 1000).await.into_iter().collect();
    let placed_in = placing.elapsed();
    let hits = exactly_once(&app, &receiver, 2000).await;
    let mut latencies: Vec<Duration> = hits
        .iter()
        .filter_map(|h| {
            let body: Value = serde_json::from_str(&h.body).unwrap();
            committed.get(body["data"]["order_number"].as_str().unwrap()).map(|at| h.at.saturating_duration_since(*at))
        })
        .collect();
    assert_eq!(latencies.len(), 1000);
    latencies.sort();
    let pct = |p: usize| latencies[(latencies.len() * p / 100).min(latencies.len() - 1)].as_secs_f64() * 1000.0;
    println!(
        "outbox: 3 workers drained a backlog of 1000 deliveries in {:.2} s ({:.0}/s, worker start-up included); \
         1000 orders placed live in {:.2} s ({:.0}/s): commit-to-arrival p50 {:.0} ms, p90 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        drained.as_secs_f64(),
        1000.0 / drained.as_secs_f64(),
        placed_in.as_secs_f64(),
        1000.0 / placed_in.as_secs_f64(),
        pct(50),
        pct(90),
        pct(99),
        pct(100)
    );
}

/// A webhook and an order written straight to the database, as another replica's API would.
async fn order_from_elsewhere(app: &TestApp, url: &str) -> String {
    let input: shop::schema::webhook::WebhookCreate =
        serde_json::from_value(serde_json::json!({"url": url, "events": ["order.created"]})).unwrap();
    shop::service::webhooks::create(&app.conn, input).await.unwrap();
    let item = product(app, 10).await;
    let user = users::Entity::find().filter(users::Column::Username.eq("alice")).one(&app.conn).await.unwrap().unwrap();
    let order: shop::schema::order::OrderCreate =
        serde_json::from_value(serde_json::json!({"items": [{"product_id": item, "quantity": 1}]})).unwrap();
    let outbox = shop::events::Outbox::default();
    let (placed, _) = shop::service::orders::place(&app.conn, &outbox, &user, &order, None).await.unwrap();
    placed.order.order_number
}

#[tokio::test]
async fn shop_serve_delivers_unless_its_worker_is_off() {
    let app = TestApp::new(Dialect::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let off = crate::server::Server::start(&app.db.url, dir.path(), &[("WORKER_ENABLED", "false")]);
    let quiet = Receiver::start(Vec::new()).await;
    order_from_elsewhere(&app, &quiet.url).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(quiet.hits().is_empty(), "no worker, no delivery");
    drop(off);

    let on = crate::server::Server::start(&app.db.url, dir.path(), &[("WORKER_POLL_MS", "100")]);
    // The delivery written while no worker ran goes out now.
    let hits = quiet.wait_for(1, 20).await;
    assert_eq!(hits.len(), 1);
    let (clean, log) = on.terminate();
    assert!(clean, "{log:?}");
    assert!(log.iter().any(|l| l.contains("outbox worker started")), "{log:?}");
    assert!(log.iter().any(|l| l.contains("outbox worker stopped")), "{log:?}");
}

/// On PostgreSQL a worker in another process wakes at the commit (LISTEN/NOTIFY), not at its
/// next poll: with a poll of a minute, the delivery still arrives within seconds.
#[tokio::test]
async fn a_postgres_worker_wakes_at_the_commit_of_another_process() {
    if !migrate::testing::covers(Dialect::Postgres) {
        return;
    }
    let app = TestApp::new(Dialect::Postgres).await;
    let receiver = Receiver::start(Vec::new()).await;
    let _worker = WorkerProcess::start(&app.db.url, &[("WORKER_POLL_MS", "60000")]);
    // Past its first look for work: from here on only a notification wakes it.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let started = Instant::now();
    order_from_elsewhere(&app, &receiver.url).await;
    receiver.wait_for(1, 10).await;
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn shop_worker_stops_cleanly_on_sigterm() {
    let app = TestApp::new(Dialect::Sqlite).await;
    let mut worker = WorkerProcess::start(&app.db.url, &[]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let status = Command::new("kill").args(["-TERM", &worker.0.id().to_string()]).status().unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let exit = loop {
        if let Some(exit) = worker.0.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "shop worker still running 15 s after SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "{exit:?}");
}

#[tokio::test]
async fn shop_worker_serves_its_metrics_when_asked() {
    let app = TestApp::new(Dialect::Sqlite).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port().to_string();
    let _worker = WorkerProcess::start(
        &app.db.url,
        &[("HOST", "127.0.0.1"), ("WORKER_METRICS_PORT", port.as_str()), ("METRICS_TOKEN", "scrape-me")],
    );
    let addr = format!("127.0.0.1:{port}");
    let (status, body) = eventually(20, "the worker's metrics", || async {
        let answer = tokio::net::TcpStream::connect(&addr).await.is_ok();
        if !answer {
            return None;
        }
        Some(crate::http::send_raw(&addr, "GET", "/metrics", &[("Authorization", "Bearer scrape-me")], b"").await)
    })
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("outbox_depth "), "{body}");
    assert!(body.contains("outbox_deliveries{status=\"dead\"}"), "{body}");
    let (status, _) = crate::http::send_raw(&addr, "GET", "/metrics", &[], b"").await;
    assert_eq!(status, 401);
}
