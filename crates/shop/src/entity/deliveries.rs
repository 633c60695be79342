use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One event to one destination (a webhook endpoint, or an email address): its state, the
/// count of attempts and when the next is due. A worker claims it by setting `lease_token`
/// and `locked_until`; only the holder of the token records the outcome.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(column_type = "String(StringLen::N(40))", indexed)]
    pub event_id: String,
    #[sea_orm(column_type = "String(StringLen::N(50))")]
    pub event_type: String,
    /// `webhook` or `email`.
    #[sea_orm(column_type = "String(StringLen::N(10))")]
    pub channel: String,
    #[sea_orm(nullable, indexed)]
    pub webhook_id: Option<i32>,
    /// The address of an email delivery.
    #[sea_orm(column_type = "String(StringLen::N(255))", nullable)]
    pub recipient: Option<String>,
    /// `pending`, `delivered`, `failed` (will retry) or `dead`.
    #[sea_orm(column_type = "String(StringLen::N(10))")]
    pub status: String,
    pub attempts: i32,
    #[sea_orm(nullable)]
    pub last_status_code: Option<i32>,
    #[sea_orm(column_type = "String(StringLen::N(500))", nullable)]
    pub last_error: Option<String>,
    pub next_attempt_at: DateTimeUtc,
    #[sea_orm(nullable)]
    pub locked_until: Option<DateTimeUtc>,
    #[sea_orm(column_type = "String(StringLen::N(32))", nullable)]
    pub lease_token: Option<String>,
    pub created_at: DateTimeUtc,
    #[sea_orm(nullable)]
    pub delivered_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "event_id", to = "id", on_delete = "Cascade")]
    pub event: BelongsTo<super::events::Entity>,
    #[sea_orm(belongs_to, from = "webhook_id", to = "id", on_delete = "Cascade")]
    pub webhook: BelongsTo<Option<super::webhooks::Entity>>,
    #[sea_orm(has_many)]
    pub delivery_attempts: HasMany<super::delivery_attempts::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
