//! Events, webhooks and email: the outbox on every database, deliveries to a real HTTP
//! receiver and a real SMTP sink, the scheduled jobs, and workers as killed and replicated
//! processes.

mod api;
mod delivery;
mod email;
mod jobs;
mod outbox;
mod processes;
pub mod receiver;
mod receiver_example;
mod smtp;

use axum::http::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use shop::entity::{deliveries, events, products};

use crate::support::{TestApp, insert_product};

pub const ORDERS: &str = "/api/v1/orders";
pub const WEBHOOKS: &str = "/api/v1/webhooks";

/// A product with `stock` in a new category; its id.
pub async fn product(app: &TestApp, stock: i32) -> i32 {
    let category =
        app.created("/api/v1/categories", json!({"name": format!("Events {stock} {}", rand_suffix())})).await;
    let product = insert_product(&app.conn, "Widget", category["id"].as_i64().unwrap() as i32).await;
    let mut model: products::ActiveModel = product.into();
    model.stock_quantity = sea_orm::Set(stock);
    sea_orm::ActiveModelTrait::update(model, &app.conn).await.unwrap().id
}

fn rand_suffix() -> String {
    shop::events::signature::new_token()[..8].to_owned()
}

/// Registers a webhook for `events` at `url`; returns (id, secret).
pub async fn webhook(app: &TestApp, url: &str, events: &[&str]) -> (i64, String) {
    let created = app.created(WEBHOOKS, json!({"url": url, "events": events})).await;
    (created["id"].as_i64().unwrap(), created["secret"].as_str().unwrap().to_owned())
}

/// Places an order of `quantity` of `product` as the regular user; the reply.
pub async fn order(app: &TestApp, product: i32, quantity: i32) -> crate::support::Reply {
    let body = json!({"items": [{"product_id": product, "quantity": quantity}]});
    app.call(Method::POST, ORDERS, Some(body), Some(&app.user_token.clone())).await
}

pub async fn placed(app: &TestApp, product: i32, quantity: i32) -> Value {
    let reply = order(app, product, quantity).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body
}

/// The events of `kind`, oldest first, as their parsed bodies.
pub async fn events_of(app: &TestApp, kind: &str) -> Vec<(String, Value)> {
    let mut rows = events::Entity::find().filter(events::Column::EventType.eq(kind)).all(&app.conn).await.unwrap();
    rows.sort_by_key(|e| e.created_at);
    rows.into_iter().map(|e| (e.id, serde_json::from_str(&e.payload).unwrap())).collect()
}

pub async fn all_deliveries(app: &TestApp) -> Vec<deliveries::Model> {
    deliveries::Entity::find().all(&app.conn).await.unwrap()
}

/// A worker of `app`'s settings, running until the returned sender is dropped or sent `true`.
pub fn spawn_worker(app: &TestApp) -> tokio::sync::watch::Sender<bool> {
    let worker = shop::worker::Worker::new(app.conn.clone(), &app.settings).expect("worker");
    let (stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(worker.run(stopped));
    stop
}

/// Polls `check` every 50 ms until it is `Some`, for at most `seconds`.
pub async fn eventually<T, F, Fut>(seconds: u64, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(std::time::Instant::now() < deadline, "timed out after {seconds} s waiting for {what}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Verifies a Standard Webhooks signature independently of the service's code: HMAC-SHA256
/// with the base64-decoded key after `whsec_`, over `id.timestamp.body`.
pub fn signature_valid(secret: &str, id: &str, timestamp: &str, body: &str, header: &str) -> bool {
    use base64::Engine as _;
    use hmac::Mac as _;
    let engine = base64::engine::general_purpose::STANDARD;
    let key = engine.decode(secret.trim_start_matches("whsec_")).unwrap();
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    let expected = format!("v1,{}", engine.encode(mac.finalize().into_bytes()));
    header.split(' ').any(|candidate| candidate == expected)
}
