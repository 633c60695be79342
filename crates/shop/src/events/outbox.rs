//! Writing events: the event row and one delivery per destination, in the caller's
//! transaction, so an event exists exactly when the change that caused it committed.

use std::sync::LazyLock;

use chrono::{SecondsFormat, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};
use tokio::sync::Notify;

use crate::config::EventSettings;
use crate::entity::{deliveries, events, webhooks};

use super::signature::new_message_id;

/// The kinds of event, as named in payloads and webhook subscriptions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    OrderCreated,
    OrderStatusChanged,
    ProductLowStock,
}

impl EventType {
    pub const ALL: [EventType; 3] =
        [EventType::OrderCreated, EventType::OrderStatusChanged, EventType::ProductLowStock];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::OrderCreated => "order.created",
            EventType::OrderStatusChanged => "order.status_changed",
            EventType::ProductLowStock => "product.low_stock",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }

    /// The customer hears of their orders by email; stock is the staff's business.
    fn emails_customer(self) -> bool {
        matches!(self, EventType::OrderCreated | EventType::OrderStatusChanged)
    }
}

/// What writing an event depends on, taken from the settings once.
#[derive(Clone, Debug)]
pub struct Outbox {
    /// `product.low_stock` fires when a stock falls below this.
    pub low_stock_threshold: i32,
    /// Order events are also emailed to the customer (`SMTP_URL` is set).
    pub email: bool,
}

impl Default for Outbox {
    fn default() -> Self {
        let threshold = crate::config::events::DEFAULT_LOW_STOCK_THRESHOLD;
        Self { low_stock_threshold: i32::try_from(threshold).unwrap_or(i32::MAX), email: false }
    }
}

impl Outbox {
    pub fn new(settings: &EventSettings) -> Self {
        Self {
            low_stock_threshold: i32::try_from(settings.low_stock_threshold).unwrap_or(i32::MAX),
            email: settings.smtp_url.is_some(),
        }
    }
}

/// The `product.low_stock` data of a product (or one of its variants) whose stock is now
/// `stock`, below `threshold`.
pub fn low_stock(
    product_id: i32,
    variant_id: Option<i32>,
    name: &str,
    sku: Option<&str>,
    stock: i32,
    threshold: i32,
) -> Value {
    json!({"product_id": product_id, "variant_id": variant_id, "name": name, "sku": sku,
        "stock_quantity": stock, "threshold": threshold})
}

/// Whether a stock that went from `before` to `after` fell below `threshold` with this change.
pub fn fell_below(before: i32, after: i32, threshold: i32) -> bool {
    after < threshold && before >= threshold
}

/// The PostgreSQL channel on which a committed event wakes every listening worker.
pub const CHANNEL: &str = "shop_outbox";

static WAKE: LazyLock<Notify> = LazyLock::new(Notify::new);

/// Tells this process's worker that an event committed, so it need not wait for its next
/// poll. Call after the commit: a wake before it would find nothing to deliver.
pub fn wake() {
    WAKE.notify_one();
}

/// Resolves at the next [`wake`] (or at once if one came since the last wait).
pub(crate) async fn woken() {
    WAKE.notified().await;
}

/// Writes an event of `kind` with `data`, and its deliveries: one per active webhook
/// subscribed to it, and an email to `customer_email` when email is on. Returns the event id.
///
/// # Errors
/// Database errors; the caller's transaction then rolls back with the change.
pub async fn emit(
    conn: &impl ConnectionTrait,
    outbox: &Outbox,
    kind: EventType,
    data: Value,
    customer_email: Option<&str>,
) -> Result<String, DbErr> {
    let id = new_message_id();
    let now = Utc::now();
    let payload =
        json!({"type": kind.as_str(), "timestamp": now.to_rfc3339_opts(SecondsFormat::Millis, true), "data": data});
    events::ActiveModel {
        id: Set(id.clone()),
        event_type: Set(kind.as_str().to_owned()),
        payload: Set(payload.to_string()),
        created_at: Set(now),
    }
    .insert(conn)
    .await?;
    let endpoints = webhooks::Entity::find().filter(webhooks::Column::IsActive.eq(true)).all(conn).await?;
    let delivery = |channel: &str, webhook_id: Option<i32>, recipient: Option<String>| deliveries::ActiveModel {
        event_id: Set(id.clone()),
        event_type: Set(kind.as_str().to_owned()),
        channel: Set(channel.to_owned()),
        webhook_id: Set(webhook_id),
        recipient: Set(recipient),
        status: Set("pending".to_owned()),
        attempts: Set(0),
        last_status_code: Set(None),
        last_error: Set(None),
        next_attempt_at: Set(now),
        locked_until: Set(None),
        lease_token: Set(None),
        created_at: Set(now),
        delivered_at: Set(None),
        updated_at: Set(now),
        ..Default::default()
    };
    let mut rows: Vec<deliveries::ActiveModel> = endpoints
        .iter()
        .filter(|w| w.event_types().any(|t| t == kind.as_str()))
        .map(|w| delivery("webhook", Some(w.id), None))
        .collect();
    if outbox.email
        && kind.emails_customer()
        && let Some(to) = customer_email
    {
        rows.push(delivery("email", None, Some(to.to_owned())));
    }
    if !rows.is_empty() {
        deliveries::Entity::insert_many(rows).exec(conn).await?;
        // Delivered at commit, and only then: workers in other processes start at once.
        if conn.get_database_backend() == DatabaseBackend::Postgres {
            conn.execute_unprepared(&format!("NOTIFY {CHANNEL}")).await?;
        }
    }
    Ok(id)
}
