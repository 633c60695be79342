use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A webhook endpoint: where events of the listed types are POSTed, signed with `secret`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "webhooks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(column_type = "String(StringLen::N(2000))")]
    pub url: String,
    /// The subscribed event types, comma-separated (`order.created,order.status_changed`).
    #[sea_orm(column_type = "String(StringLen::N(500))")]
    pub events: String,
    #[sea_orm(column_type = "String(StringLen::N(500))", nullable)]
    pub description: Option<String>,
    pub is_active: bool,
    /// `whsec_` and the base64 of the signing key (Standard Webhooks).
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub secret: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    #[sea_orm(has_many)]
    pub deliveries: HasMany<super::deliveries::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The subscribed event types.
    pub fn event_types(&self) -> impl Iterator<Item = &str> {
        self.events.split(',').filter(|e| !e.is_empty())
    }
}
