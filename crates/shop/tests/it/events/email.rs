//! Email through the outbox to a real SMTP sink: order confirmation and status change, each
//! with a text and an HTML part.

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::smtp::Sink;
use super::{ORDERS, all_deliveries, eventually, placed, product, spawn_worker};
use crate::support::TestApp;

migrate::per_dialect! {
    async fn order_confirmation_and_status_change_are_emailed_to_the_customer(dialect) {
        let sink = Sink::start().await;
        let app = TestApp::with_settings(dialect, &[("SMTP_URL", sink.url.as_str()), ("WORKER_POLL_MS", "50")]).await;
        let _worker = spawn_worker(&app);
        let item = product(&app, 10).await;
        let order = placed(&app, item, 2).await;
        let number = order["order_number"].as_str().unwrap().to_owned();

        let first = eventually(20, "the confirmation email", || async { sink.mails().into_iter().next() }).await;
        assert_eq!(first.to, vec!["alice@example.com".to_owned()], "{dialect}");
        assert!(first.data.contains(&format!("Subject: Order {number} received")), "{dialect}: {}", first.data);
        assert!(first.data.contains("multipart/alternative"), "{dialect}: {}", first.data);
        assert!(first.data.contains("text/plain") && first.data.contains("text/html"), "{dialect}: {}", first.data);
        assert!(first.data.contains("From: Shop <shop@localhost>"), "{dialect}: {}", first.data);

        let id = order["id"].as_i64().unwrap();
        let moved = app.admin(Method::PATCH, &format!("{ORDERS}/{id}/status"), Some(json!({"status": "processing"}))).await;
        assert_eq!(moved.status, StatusCode::OK, "{dialect}");
        let second = eventually(20, "the status email", || async { sink.mails().get(1).cloned() }).await;
        assert!(second.data.contains(&format!("Subject: Order {number} is now processing")), "{dialect}: {}", second.data);

        let emails: Vec<_> = all_deliveries(&app).await.into_iter().filter(|d| d.channel == "email").collect();
        assert_eq!(emails.len(), 2, "{dialect}");
        let delivered = eventually(10, "both recorded as delivered", || async {
            let rows: Vec<_> = all_deliveries(&app).await.into_iter().filter(|d| d.channel == "email").collect();
            rows.iter().all(|d| d.status == "delivered").then_some(rows)
        })
        .await;
        assert!(delivered.iter().all(|d| d.last_status_code == Some(250) && d.attempts == 1), "{dialect}: {delivered:?}");
    }
}

#[tokio::test]
async fn an_unreachable_smtp_server_fails_the_attempt_and_it_is_retried() {
    // A port nothing listens on: bind, note, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("smtp://127.0.0.1:{port}");
    let app = TestApp::with_settings(
        migrate::Dialect::Sqlite,
        &[("SMTP_URL", url.as_str()), ("WEBHOOK_RETRY_SCHEDULE", "1h"), ("WORKER_POLL_MS", "50")],
    )
    .await;
    let _worker = spawn_worker(&app);
    let item = product(&app, 10).await;
    placed(&app, item, 1).await;
    let failed = eventually(20, "a failed email attempt", || async {
        all_deliveries(&app).await.into_iter().find(|d| d.channel == "email" && d.status == "failed")
    })
    .await;
    assert_eq!(failed.attempts, 1);
    assert!(failed.last_error.as_deref().is_some_and(|e| e.starts_with("SMTP")), "{failed:?}");
    assert!(failed.next_attempt_at > chrono::Utc::now() + chrono::Duration::minutes(50), "{failed:?}");
}

#[tokio::test]
async fn an_smtp_server_that_accepts_and_stalls_fails_the_attempt_at_the_timeout() {
    // Accepts connections and never says a word.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let app = TestApp::with_settings(
        migrate::Dialect::Sqlite,
        &[
            ("SMTP_URL", url.as_str()),
            ("WEBHOOK_TIMEOUT_SECONDS", "1"),
            ("WEBHOOK_RETRY_SCHEDULE", "1h"),
            ("WORKER_POLL_MS", "50"),
        ],
    )
    .await;
    let _worker = spawn_worker(&app);
    let item = product(&app, 10).await;
    placed(&app, item, 1).await;
    let failed = eventually(10, "the stalled attempt cut", || async {
        all_deliveries(&app).await.into_iter().find(|d| d.channel == "email" && d.status == "failed")
    })
    .await;
    assert_eq!(failed.last_error.as_deref(), Some("no answer within the timeout"), "{failed:?}");
}

#[tokio::test]
async fn a_worker_without_smtp_leaves_email_to_workers_that_have_it() {
    let sink = Sink::start().await;
    let app = TestApp::with_settings(migrate::Dialect::Sqlite, &[("SMTP_URL", sink.url.as_str())]).await;
    let item = product(&app, 10).await;
    placed(&app, item, 1).await;
    let mut settings = (*app.settings).clone();
    settings.events.smtp_url = None;
    let without = shop::worker::Worker::new(app.conn.clone(), &settings).unwrap();
    assert_eq!(without.run_once().await.unwrap(), 0, "nothing it can send");
    let email = all_deliveries(&app).await.into_iter().find(|d| d.channel == "email").unwrap();
    assert_eq!((email.status.as_str(), email.attempts, email.lease_token.is_none()), ("pending", 0, true));

    let with = shop::worker::Worker::new(app.conn.clone(), &app.settings).unwrap();
    assert_eq!(with.run_once().await.unwrap(), 1);
    assert_eq!(sink.mails().len(), 1);
}
