//! Variant DTOs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::common::{SignedMoney, timestamp};
use crate::entity::{product_variants, variant_attributes};

/// One `name: value` pair of a variant, e.g. `color: red`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VariantAttribute {
    #[validate(length(min = 1, max = 50, message = "String should have 1 to 50 characters"))]
    #[schema(example = "color", min_length = 1, max_length = 50)]
    pub name: String,
    #[validate(length(min = 1, max = 200, message = "String should have 1 to 200 characters"))]
    #[schema(example = "Natural Titanium", min_length = 1, max_length = 200)]
    pub value: String,
}

impl From<variant_attributes::Model> for VariantAttribute {
    fn from(m: variant_attributes::Model) -> Self {
        Self { name: m.attribute_name, value: m.attribute_value }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VariantCreate {
    #[validate(length(min = 1, max = 100, message = "String should have 1 to 100 characters"))]
    #[schema(example = "APL-IP15P-256-NT", min_length = 1, max_length = 100)]
    pub sku: String,
    #[validate(length(min = 1, max = 200, message = "String should have 1 to 200 characters"))]
    #[schema(example = "iPhone 15 Pro 256GB Natural Titanium", min_length = 1, max_length = 200)]
    pub name: String,
    /// Added to the product's price; may be negative. Defaults to 0.
    #[serde(default)]
    pub price_modifier: SignedMoney,
    #[serde(default)]
    #[validate(range(min = 0, message = "Input should be greater than or equal to 0"))]
    #[schema(example = 50, minimum = 0)]
    pub stock_quantity: i32,
    #[serde(default = "yes")]
    #[schema(default = true)]
    pub is_active: bool,
    #[serde(default)]
    #[validate(length(max = 50, message = "List should have at most 50 items"), nested)]
    pub attributes: Vec<VariantAttribute>,
}

fn yes() -> bool {
    true
}

/// Only the fields sent are changed; `attributes`, when sent, replaces them all.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VariantUpdate {
    #[validate(length(min = 1, max = 100, message = "String should have 1 to 100 characters"))]
    #[schema(example = "APL-IP15P-256-NT", min_length = 1, max_length = 100)]
    pub sku: Option<String>,
    #[validate(length(min = 1, max = 200, message = "String should have 1 to 200 characters"))]
    #[schema(example = "iPhone 15 Pro 256GB Natural Titanium", min_length = 1, max_length = 200)]
    pub name: Option<String>,
    pub price_modifier: Option<SignedMoney>,
    #[validate(range(min = 0, message = "Input should be greater than or equal to 0"))]
    #[schema(example = 50, minimum = 0)]
    pub stock_quantity: Option<i32>,
    pub is_active: Option<bool>,
    #[validate(length(max = 50, message = "List should have at most 50 items"), nested)]
    pub attributes: Option<Vec<VariantAttribute>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VariantPublic {
    #[schema(example = 1)]
    pub id: i32,
    #[schema(example = 1)]
    pub product_id: i32,
    #[schema(example = "APL-IP15P-256-NT")]
    pub sku: String,
    #[schema(example = "iPhone 15 Pro 256GB Natural Titanium")]
    pub name: String,
    pub price_modifier: SignedMoney,
    #[schema(example = 50)]
    pub stock_quantity: i32,
    pub is_active: bool,
    /// In the order they were written.
    pub attributes: Vec<VariantAttribute>,
    #[serde(serialize_with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
}

impl VariantPublic {
    pub fn new(m: product_variants::Model, attributes: Vec<VariantAttribute>) -> Self {
        Self {
            id: m.id,
            product_id: m.product_id,
            sku: m.sku,
            name: m.name,
            price_modifier: SignedMoney(m.price_modifier),
            stock_quantity: m.stock_quantity,
            is_active: m.is_active,
            attributes,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}
