//! Order DTOs. Prices come from the catalog, never from the client.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::common::{Money, timestamp};
use crate::entity::orders::OrderStatus;
use crate::entity::{order_items, orders};

#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderItemCreate {
    #[schema(example = 1)]
    pub product_id: i64,
    #[validate(range(min = 1, max = 10000, message = "Quantity must be between 1 and 10000"))]
    #[schema(example = 2, minimum = 1, maximum = 10000)]
    pub quantity: i32,
    #[serde(default)]
    #[schema(example = json!(null))]
    pub variant_id: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderCreate {
    #[validate(length(min = 1, max = 100, message = "An order has 1 to 100 items"), nested)]
    pub items: Vec<OrderItemCreate>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    #[schema(example = "shipped")]
    pub status: OrderStatus,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderItemPublic {
    pub id: i32,
    pub product_id: i32,
    pub variant_id: Option<i32>,
    #[schema(example = 2)]
    pub quantity: i32,
    pub unit_price: Money,
    pub line_total: Money,
}

impl From<order_items::Model> for OrderItemPublic {
    fn from(m: order_items::Model) -> Self {
        Self {
            id: m.id,
            product_id: m.product_id,
            variant_id: m.variant_id,
            quantity: m.quantity,
            unit_price: Money(m.unit_price),
            line_total: Money(m.unit_price * Decimal::from(m.quantity)),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderPublic {
    pub id: i32,
    #[schema(example = "ORD-20240101-3F9A1C2B")]
    pub order_number: String,
    #[schema(value_type = OrderStatus, example = "pending")]
    pub status: String,
    pub total_amount: Money,
    pub user_id: i32,
    pub items: Vec<OrderItemPublic>,
    #[serde(serialize_with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
}

impl OrderPublic {
    pub fn new(order: orders::Model, items: Vec<order_items::Model>) -> Self {
        Self {
            id: order.id,
            order_number: order.order_number,
            status: order.status,
            total_amount: Money(order.total_amount),
            user_id: order.user_id,
            items: items.into_iter().map(OrderItemPublic::from).collect(),
            created_at: order.created_at,
            updated_at: order.updated_at,
        }
    }
}
