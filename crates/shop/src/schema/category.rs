//! Category DTOs.

use chrono::{DateTime, Utc};
use sea_orm::DeriveIntoActiveModel;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::common::{nullable, timestamp};
use super::product::ProductPublic;
use crate::entity::categories;

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryCreate {
    #[validate(length(min = 1, max = 100, message = "String should have 1 to 100 characters"))]
    #[schema(example = "Electronics", min_length = 1, max_length = 100)]
    pub name: String,
    #[validate(length(max = 500, message = "String should have at most 500 characters"))]
    #[schema(example = "Electronic devices and gadgets", max_length = 500)]
    pub description: Option<String>,
    #[serde(default = "yes")]
    #[schema(default = true)]
    pub is_active: bool,
}

fn yes() -> bool {
    true
}

/// Only the fields sent are changed; `description: null` clears it.
// Each field is its column's: a field sent is `Set`, one left out `NotSet`.
#[derive(Debug, Default, Deserialize, Validate, ToSchema, DeriveIntoActiveModel)]
#[serde(deny_unknown_fields)]
#[sea_orm(active_model = "categories::ActiveModel")]
pub struct CategoryUpdate {
    #[validate(length(min = 1, max = 100, message = "String should have 1 to 100 characters"))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[validate(length(max = 500, message = "String should have at most 500 characters"))]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub description: Option<Option<String>>,
    pub is_active: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryPublic {
    #[schema(example = 1)]
    pub id: i32,
    #[schema(example = "Electronics")]
    pub name: String,
    #[schema(example = "Electronic devices and gadgets")]
    pub description: Option<String>,
    pub is_active: bool,
    #[serde(serialize_with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
    /// Present with `?include=products`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub products: Option<Vec<ProductPublic>>,
}

impl From<categories::Model> for CategoryPublic {
    fn from(m: categories::Model) -> Self {
        Self {
            id: m.id,
            name: m.name,
            description: m.description,
            is_active: m.is_active,
            created_at: m.created_at,
            updated_at: m.updated_at,
            products: None,
        }
    }
}
