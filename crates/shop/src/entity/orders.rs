use std::fmt;
use std::str::FromStr;

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use super::choice::Choice;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(column_type = "String(StringLen::N(50))", unique)]
    pub order_number: String,
    #[sea_orm(column_type = "Decimal(Some((10, 2)))")]
    pub total_amount: Decimal,
    /// One of [`OrderStatus`], stored as its [`OrderStatus::as_str`] form.
    #[sea_orm(column_type = "String(StringLen::N(20))", indexed)]
    pub status: String,
    // Orders are financial records: a user with orders cannot be hard-deleted.
    #[sea_orm(indexed)]
    pub user_id: i32,
    #[sea_orm(indexed)]
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The client's `Idempotency-Key`, unique per user (see the composite index).
    #[sea_orm(column_type = "String(StringLen::N(100))", nullable)]
    pub idempotency_key: Option<String>,
    /// SHA-256 of the request body the key was first used with.
    #[sea_orm(column_type = "String(StringLen::N(64))", nullable)]
    pub request_fingerprint: Option<String>,
    #[sea_orm(belongs_to, from = "user_id", to = "id")]
    pub user: BelongsTo<super::users::Entity>,
    #[sea_orm(has_many)]
    pub order_items: HasMany<super::order_items::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}

/// Where an order is in its lifecycle: pending, processing, shipped, delivered, or cancelled.
// The column stays a plain string (no database enum type) so that adding a status is not a
// schema migration on PostgreSQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OrderStatus {
    Pending,
    Processing,
    Shipped,
    Delivered,
    Cancelled,
}

impl Choice for OrderStatus {
    const ALL: &'static [Self] = &[
        OrderStatus::Pending,
        OrderStatus::Processing,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::Cancelled,
    ];

    fn as_str(self) -> &'static str {
        OrderStatus::as_str(self)
    }
}

impl OrderStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Processing => "processing",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Cancelled => "cancelled",
        }
    }
}

impl<'de> Deserialize<'de> for OrderStatus {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        super::choice::deserialize(deserializer)
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an order status (expected one of pending, processing, shipped, delivered, cancelled)")]
pub struct ParseOrderStatusError(pub String);

impl FromStr for OrderStatus {
    type Err = ParseOrderStatusError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        <Self as Choice>::parse(s).ok_or_else(|| ParseOrderStatusError(s.to_owned()))
    }
}

impl From<OrderStatus> for String {
    fn from(status: OrderStatus) -> Self {
        status.as_str().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_status_round_trips_through_str() {
        for &status in <OrderStatus as Choice>::ALL {
            assert_eq!(status.as_str().parse::<OrderStatus>(), Ok(status));
            assert_eq!(status.to_string(), status.as_str());
        }
    }

    #[test]
    fn order_status_rejects_unknown_and_miscased() {
        assert!("refunded".parse::<OrderStatus>().is_err());
        let err = "Pending".parse::<OrderStatus>().unwrap_err();
        assert!(err.to_string().contains("\"Pending\""), "{err}");
    }

    #[test]
    fn order_status_serde_matches_column_values() {
        for &status in <OrderStatus as Choice>::ALL {
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
        }
    }
}
