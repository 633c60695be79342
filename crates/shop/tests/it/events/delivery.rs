//! Deliveries to a real HTTP receiver: retries with the same id, signatures, the delivery log,
//! dead deliveries and a manual retry.

use axum::http::{Method, StatusCode};
use serde_json::Value;

use super::receiver::{Receiver, Reply};
use super::{WEBHOOKS, eventually, placed, product, signature_valid, spawn_worker, webhook};
use crate::support::TestApp;

const FAST_RETRIES: [(&str, &str); 2] = [("WEBHOOK_RETRY_SCHEDULE", "100ms,100ms,100ms"), ("WORKER_POLL_MS", "50")];

/// The endpoint's deliveries through the API.
async fn deliveries(app: &TestApp, hook: i64) -> Vec<Value> {
    let reply = app.admin(Method::GET, &format!("{WEBHOOKS}/{hook}/deliveries"), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body["items"].as_array().unwrap().clone()
}

async fn settled(app: &TestApp, hook: i64, status: &str) -> Value {
    eventually(20, &format!("a {status} delivery"), || async {
        deliveries(app, hook).await.into_iter().find(|d| d["status"] == status)
    })
    .await
}

migrate::per_dialect! {
    async fn a_receiver_failing_twice_gets_the_event_once_with_a_valid_signature(dialect) {
        let app = TestApp::with_settings(dialect, &FAST_RETRIES).await;
        let receiver = Receiver::start(vec![Reply::Status(500), Reply::Status(500)]).await;
        let (hook, secret) = webhook(&app, &receiver.url, &["order.created"]).await;
        let _worker = spawn_worker(&app);
        let item = product(&app, 10).await;
        let order = placed(&app, item, 1).await;

        let delivered = settled(&app, hook, "delivered").await;
        let hits = receiver.hits();
        assert_eq!(hits.len(), 3, "{dialect}: {hits:?}");
        assert_eq!(hits.iter().filter(|h| h.answered == Some(200)).count(), 1, "{dialect}: arrived once");
        for hit in &hits {
            assert_eq!(hit.id, delivered["event_id"].as_str().unwrap(), "{dialect}: one webhook-id for every attempt");
            assert!(signature_valid(&secret, &hit.id, &hit.timestamp, &hit.body, &hit.signature), "{dialect}: {hit:?}");
            let age = chrono::Utc::now().timestamp() - hit.timestamp.parse::<i64>().unwrap();
            assert!((0..60).contains(&age), "{dialect}: webhook-timestamp is the attempt's time");
            let body: Value = serde_json::from_str(&hit.body).unwrap();
            assert_eq!(body["type"], "order.created", "{dialect}");
            assert_eq!(body["data"]["id"], order["id"], "{dialect}");
        }
        assert_eq!(hits[0].body, hits[2].body, "{dialect}: a retry sends the same bytes");
        assert_eq!(delivered["attempts"], 3, "{dialect}: {delivered}");
        assert_eq!(delivered["last_status_code"], 200, "{dialect}");
        assert_eq!(delivered["last_error"], Value::Null, "{dialect}");
        assert_eq!(delivered["next_attempt_at"], Value::Null, "{dialect}");

        let id = delivered["id"].as_i64().unwrap();
        let detail = app.admin(Method::GET, &format!("{WEBHOOKS}/{hook}/deliveries/{id}"), None).await;
        let log: Vec<(i64, i64)> = detail.body["attempt_log"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| (a["attempt"].as_i64().unwrap(), a["status_code"].as_i64().unwrap()))
            .collect();
        assert_eq!(log, vec![(1, 500), (2, 500), (3, 200)], "{dialect}: {}", detail.body);

        // The worker's series (process-wide: other tests add to the same counters).
        let metrics = app.get("/metrics").await.body.as_str().unwrap_or_default().to_owned();
        for series in [
            "outbox_delivery_attempts_total{channel=\"webhook\",outcome=\"failed\"}",
            "outbox_delivery_attempts_total{channel=\"webhook\",outcome=\"delivered\"}",
            "outbox_delivery_latency_seconds_bucket{channel=\"webhook\",le=\"1\"}",
            "outbox_depth ",
        ] {
            assert!(metrics.contains(series), "{dialect}: no {series} in /metrics");
        }
    }
}

migrate::per_dialect! {
    async fn a_delivery_is_dead_after_its_schedule_and_a_manual_retry_delivers_it(dialect) {
        let app = TestApp::with_settings(dialect, &[("WEBHOOK_RETRY_SCHEDULE", "50ms,50ms"), ("WORKER_POLL_MS", "50")]).await;
        let receiver = Receiver::start(vec![Reply::Status(503), Reply::Status(503), Reply::Status(503)]).await;
        let (hook, _) = webhook(&app, &receiver.url, &["order.created"]).await;
        let _worker = spawn_worker(&app);
        let item = product(&app, 10).await;
        placed(&app, item, 1).await;

        let dead = settled(&app, hook, "dead").await;
        assert_eq!(dead["attempts"], 3, "{dialect}: {dead}");
        assert_eq!(dead["last_status_code"], 503, "{dialect}");
        assert!(dead["last_error"].as_str().is_some_and(|e| e.contains("503")), "{dialect}: {dead}");
        let only_dead = app.admin(Method::GET, &format!("{WEBHOOKS}/{hook}/deliveries?status=dead"), None).await;
        assert_eq!(only_dead.body["total"], 1, "{dialect}");
        let bad = app.admin(Method::GET, &format!("{WEBHOOKS}/{hook}/deliveries?status=lost"), None).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{dialect}");

        let id = dead["id"].as_i64().unwrap();
        let retried = app.admin(Method::POST, &format!("{WEBHOOKS}/{hook}/deliveries/{id}/retry"), None).await;
        assert_eq!(retried.status, StatusCode::ACCEPTED, "{dialect}: {}", retried.body);
        assert_eq!(retried.body["status"], "pending", "{dialect}");
        let delivered = settled(&app, hook, "delivered").await;
        assert_eq!(delivered["attempts"], 4, "{dialect}: {delivered}");
        let hits = receiver.hits();
        assert_eq!(hits.len(), 4, "{dialect}");
        assert!(hits.iter().all(|h| h.id == hits[0].id), "{dialect}");

        let missing = app.admin(Method::POST, &format!("{WEBHOOKS}/{hook}/deliveries/999999/retry"), None).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{dialect}");
    }
}

#[tokio::test]
async fn a_receiver_that_never_answers_fails_the_attempt_at_the_timeout() {
    let app = TestApp::with_settings(
        migrate::Dialect::Sqlite,
        &[("WEBHOOK_TIMEOUT_SECONDS", "1"), ("WEBHOOK_RETRY_SCHEDULE", "100ms"), ("WORKER_POLL_MS", "50")],
    )
    .await;
    let receiver = Receiver::start(vec![Reply::Hang]).await;
    let (hook, _) = webhook(&app, &receiver.url, &["order.created"]).await;
    let _worker = spawn_worker(&app);
    let item = product(&app, 10).await;
    placed(&app, item, 1).await;
    let delivered = settled(&app, hook, "delivered").await;
    assert_eq!(delivered["attempts"], 2, "{delivered}");
    let id = delivered["id"].as_i64().unwrap();
    let detail = app.admin(Method::GET, &format!("{WEBHOOKS}/{hook}/deliveries/{id}"), None).await;
    let first = &detail.body["attempt_log"][0];
    assert_eq!(first["status_code"], Value::Null, "{}", detail.body);
    assert!(first["error"].as_str().is_some_and(|e| e.contains("timeout")), "{}", detail.body);
    assert!(first["duration_ms"].as_i64().is_some_and(|ms| (900..5000).contains(&ms)), "{}", detail.body);
}
