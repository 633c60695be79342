//! The README's webhook receiver (`docs/examples/webhook_receiver.py`), run with Python
//! against real deliveries: it accepts a signed one and refuses a tampered one.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::{WEBHOOKS, all_deliveries, eventually, placed, product, spawn_worker, webhook};
use crate::support::TestApp;

fn repository_file(path: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_readme_shows_the_example_s_verify_function_as_it_is() {
    let example = repository_file("docs/examples/webhook_receiver.py");
    let start = example.find("def verify").unwrap();
    let end = start + example[start..].find("\n\n\n").unwrap();
    assert!(repository_file("README.md").contains(&example[start..end]), "README and example differ");
}

#[tokio::test]
async fn the_example_receiver_accepts_a_signed_delivery_and_refuses_a_tampered_one() {
    let app = TestApp::with_settings(migrate::Dialect::Sqlite, &[("WORKER_POLL_MS", "50")]).await;
    let (hook, secret) = webhook(&app, "http://127.0.0.1:9/placeholder", &["order.created"]).await;
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples/webhook_receiver.py");
    let mut child = Killed(
        Command::new("python3")
            .arg(script)
            .arg("0")
            .env("WEBHOOK_SECRET", &secret)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs the example receiver"),
    );
    let (lines_tx, lines) = mpsc::channel::<String>();
    let stdout = BufReader::new(child.0.stdout.take().unwrap());
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    let first = lines.recv_timeout(std::time::Duration::from_secs(10)).expect("the receiver starts");
    let addr = first.strip_prefix("listening on ").expect("its address").to_owned();
    let url = format!("http://{addr}/hook");
    let moved = app.admin(Method::PATCH, &format!("{WEBHOOKS}/{hook}"), Some(json!({"url": url}))).await;
    assert_eq!(moved.status, StatusCode::OK);

    let _worker = spawn_worker(&app);
    let item = product(&app, 10).await;
    let order = placed(&app, item, 1).await;
    // Polled, not waited on: a blocking wait would stop this runtime's worker task too.
    let accepted = eventually(20, "the receiver's line for the event", || async { lines.try_recv().ok() }).await;
    let delivery = eventually(10, "the delivery recorded", || async {
        all_deliveries(&app).await.into_iter().find(|d| d.status == "delivered")
    })
    .await;
    assert!(accepted.starts_with(&format!("{} order.created ", delivery.event_id)), "{accepted}");
    assert!(accepted.contains(order["order_number"].as_str().unwrap()), "{accepted}");
    assert_eq!(delivery.last_status_code, Some(204));

    // The same delivery with one byte of the body changed.
    let timestamp = chrono::Utc::now().timestamp().to_string();
    let body = r#"{"type":"order.created","timestamp":"2026-01-01T00:00:00.000Z","data":{"id":1}}"#;
    let signature = shop::events::signature::sign(&secret, "msg_x", chrono::Utc::now().timestamp(), body);
    let headers = [
        ("webhook-id", "msg_x"),
        ("webhook-timestamp", timestamp.as_str()),
        ("webhook-signature", signature.as_str()),
        ("content-type", "application/json"),
    ];
    let tampered = body.replace("\"id\":1", "\"id\":2");
    let (status, _) = crate::http::send_raw(&addr, "POST", "/hook", &headers, tampered.as_bytes()).await;
    assert_eq!(status, 400);
    let (status, _) = crate::http::send_raw(&addr, "POST", "/hook", &headers, body.as_bytes()).await;
    assert_eq!(status, 204, "the untampered body passes");
}

/// The receiver's process, ended with the test whatever its outcome.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
