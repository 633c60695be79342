//! Product DTOs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::common::{Money, nullable, timestamp};
use crate::entity::products;

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductCreate {
    #[validate(length(min = 1, max = 200, message = "String should have 1 to 200 characters"))]
    #[schema(example = "iPhone 15 Pro", min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(example = "Latest Apple smartphone")]
    pub description: Option<String>,
    #[validate(length(min = 1, max = 100, message = "String should have 1 to 100 characters"))]
    #[schema(example = "APL-IP15P-128", max_length = 100)]
    pub sku: Option<String>,
    pub price: Money,
    #[serde(default)]
    #[validate(range(min = 0, message = "Input should be greater than or equal to 0"))]
    #[schema(example = 50, minimum = 0)]
    pub stock_quantity: i32,
    #[serde(default = "yes")]
    #[schema(default = true)]
    pub is_active: bool,
    #[schema(example = 1)]
    pub category_id: i64,
    #[schema(example = 1)]
    pub supplier_id: Option<i64>,
}

fn yes() -> bool {
    true
}

/// Only the fields sent are changed; `null` clears a nullable field.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductUpdate {
    #[validate(length(min = 1, max = 200, message = "String should have 1 to 200 characters"))]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[validate(length(min = 1, max = 100, message = "String should have 1 to 100 characters"))]
    #[schema(value_type = Option<String>)]
    pub sku: Option<Option<String>>,
    pub price: Option<Money>,
    #[validate(range(min = 0, message = "Input should be greater than or equal to 0"))]
    pub stock_quantity: Option<i32>,
    pub is_active: Option<bool>,
    pub category_id: Option<i64>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub supplier_id: Option<Option<i64>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProductPublic {
    #[schema(example = 1)]
    pub id: i32,
    #[schema(example = "iPhone 15 Pro")]
    pub name: String,
    pub description: Option<String>,
    pub sku: Option<String>,
    pub price: Money,
    #[schema(example = 50)]
    pub stock_quantity: i32,
    pub is_active: bool,
    #[schema(example = 1)]
    pub category_id: i32,
    pub supplier_id: Option<i32>,
    #[serde(serialize_with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
}

impl From<products::Model> for ProductPublic {
    fn from(m: products::Model) -> Self {
        Self {
            id: m.id,
            name: m.name,
            description: m.description,
            sku: m.sku,
            price: Money(m.price),
            stock_quantity: m.stock_quantity,
            is_active: m.is_active,
            category_id: m.category_id,
            supplier_id: m.supplier_id,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}
