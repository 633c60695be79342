//! Webhook and delivery DTOs.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use super::common::{nullable, timestamp};
use crate::entity::{deliveries, delivery_attempts, webhooks};
use crate::events::EventType;

fn yes() -> bool {
    true
}

fn error(code: &'static str, message: String) -> ValidationError {
    let mut e = ValidationError::new(code);
    e.message = Some(message.into());
    e
}

/// An absolute `http://` or `https://` URL with a host, and no credentials in it.
fn valid_url(value: &str) -> Result<(), ValidationError> {
    match url::Url::parse(value) {
        Ok(url)
            if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() && url.username().is_empty() =>
        {
            Ok(())
        }
        _ => Err(error("url_parsing", "URL should be an http:// or https:// URL with a host".to_owned())),
    }
}

/// At least one event type, each one the shop emits.
fn valid_events(value: &[String]) -> Result<(), ValidationError> {
    let known: Vec<&str> = EventType::ALL.iter().map(|e| e.as_str()).collect();
    if value.is_empty() {
        return Err(error("too_short", "List should have at least 1 item".to_owned()));
    }
    match value.iter().find(|e| EventType::parse(e).is_none()) {
        Some(unknown) => Err(error("enum", format!("Unknown event {unknown:?}; expected one of {}", known.join(", ")))),
        None => Ok(()),
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookCreate {
    #[validate(length(max = 2000, message = "String should have at most 2000 characters"))]
    #[validate(custom(function = "valid_url"))]
    #[schema(example = "https://erp.example.com/hooks/shop", max_length = 2000)]
    pub url: String,
    #[validate(custom(function = "valid_events"))]
    #[schema(example = json!(["order.created", "order.status_changed"]))]
    pub events: Vec<String>,
    #[validate(length(max = 500, message = "String should have at most 500 characters"))]
    #[schema(example = "ERP order import", max_length = 500)]
    pub description: Option<String>,
    #[serde(default = "yes")]
    #[schema(default = true)]
    pub is_active: bool,
}

/// Only the fields sent are changed.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookUpdate {
    #[validate(length(max = 2000, message = "String should have at most 2000 characters"))]
    #[validate(custom(function = "valid_url"))]
    pub url: Option<String>,
    #[validate(custom(function = "valid_events"))]
    pub events: Option<Vec<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[validate(length(max = 500, message = "String should have at most 500 characters"))]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    pub is_active: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookPublic {
    pub id: i32,
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    pub is_active: bool,
    #[serde(serialize_with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
}

impl From<webhooks::Model> for WebhookPublic {
    fn from(m: webhooks::Model) -> Self {
        Self {
            id: m.id,
            events: m.event_types().map(str::to_owned).collect(),
            url: m.url,
            description: m.description,
            is_active: m.is_active,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// The endpoint as created, with its signing secret: the only time the secret is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookCreated {
    #[serde(flatten)]
    pub webhook: WebhookPublic,
    /// `whsec_` and the base64 of the signing key (Standard Webhooks).
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPublic {
    pub id: i32,
    /// The `webhook-id` the receiver sees.
    pub event_id: String,
    #[schema(example = "order.created")]
    pub event_type: String,
    /// `pending`, `delivered`, `failed` (will retry) or `dead`.
    #[schema(example = "delivered")]
    pub status: String,
    pub attempts: i32,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    /// When the next attempt is due; null once delivered or dead.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub next_attempt_at: Option<String>,
    #[serde(serialize_with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub delivered_at: Option<String>,
}

impl From<deliveries::Model> for DeliveryPublic {
    fn from(m: deliveries::Model) -> Self {
        let waiting = matches!(m.status.as_str(), "pending" | "failed");
        Self {
            id: m.id,
            event_id: m.event_id,
            event_type: m.event_type,
            attempts: m.attempts,
            last_status_code: m.last_status_code,
            last_error: m.last_error,
            next_attempt_at: waiting.then(|| m.next_attempt_at.to_rfc3339_opts(SecondsFormat::Micros, true)),
            created_at: m.created_at,
            delivered_at: m.delivered_at.map(|t| t.to_rfc3339_opts(SecondsFormat::Micros, true)),
            status: m.status,
        }
    }
}

/// One attempt of a delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptPublic {
    pub attempt: i32,
    /// The receiver's HTTP status (or the SMTP reply code); null when there was no answer.
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i32,
    #[serde(serialize_with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
}

impl From<delivery_attempts::Model> for AttemptPublic {
    fn from(m: delivery_attempts::Model) -> Self {
        Self {
            attempt: m.attempt,
            status_code: m.status_code,
            error: m.error,
            duration_ms: m.duration_ms,
            created_at: m.created_at,
        }
    }
}

/// A delivery with the log of its attempts.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryDetail {
    #[serde(flatten)]
    pub delivery: DeliveryPublic,
    pub attempt_log: Vec<AttemptPublic>,
}
