use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// The outbox: one row per event, written in the transaction of the change that caused it.
/// `payload` is the body every delivery sends, byte for byte, so a retry signs the same bytes.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "events")]
pub struct Model {
    /// `msg_` and 32 hex digits: the `webhook-id` of every delivery of this event.
    #[sea_orm(primary_key, auto_increment = false, column_type = "String(StringLen::N(40))")]
    pub id: String,
    #[sea_orm(column_type = "String(StringLen::N(50))")]
    pub event_type: String,
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    #[sea_orm(indexed)]
    pub created_at: DateTimeUtc,
    #[sea_orm(has_many)]
    pub deliveries: HasMany<super::deliveries::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
