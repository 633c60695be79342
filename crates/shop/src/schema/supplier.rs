//! Supplier DTOs.

use chrono::{DateTime, Utc};
use sea_orm::DeriveIntoActiveModel;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use super::common::{nullable, timestamp};
use crate::entity::suppliers;

/// The highest rating (the lowest is 0); the database checks the same range.
pub const MAX_RATING: f64 = 5.0;

fn valid_rating(value: f64) -> Result<(), ValidationError> {
    if (0.0..=MAX_RATING).contains(&value) {
        return Ok(());
    }
    let (code, message) = if value > MAX_RATING {
        ("less_than_equal", "Input should be less than or equal to 5")
    } else {
        ("greater_than_equal", "Input should be greater than or equal to 0")
    };
    let mut e = ValidationError::new(code);
    e.message = Some(message.into());
    Err(e)
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplierCreate {
    #[validate(length(min = 1, max = 100, message = "String should have 1 to 100 characters"))]
    #[schema(example = "TechCorp", min_length = 1, max_length = 100)]
    pub name: String,
    #[validate(
        email(message = "value is not a valid email address"),
        length(max = 255, message = "String should have at most 255 characters")
    )]
    #[schema(example = "tech@corp.com", format = Email, max_length = 255)]
    pub contact_email: Option<String>,
    #[validate(custom(function = "valid_rating"))]
    #[schema(example = 4.5, minimum = 0, maximum = 5)]
    pub rating: Option<f64>,
    #[serde(default = "yes")]
    #[schema(default = true)]
    pub is_active: bool,
}

fn yes() -> bool {
    true
}

/// Only the fields sent are changed; `contact_email: null` or `rating: null` clears it.
// Each field is its column's: a field sent is `Set`, one left out `NotSet`.
#[derive(Debug, Default, Deserialize, Validate, ToSchema, DeriveIntoActiveModel)]
#[serde(deny_unknown_fields)]
#[sea_orm(active_model = "suppliers::ActiveModel")]
pub struct SupplierUpdate {
    #[validate(length(min = 1, max = 100, message = "String should have 1 to 100 characters"))]
    #[schema(example = "TechCorp", min_length = 1, max_length = 100)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[validate(
        email(message = "value is not a valid email address"),
        length(max = 255, message = "String should have at most 255 characters")
    )]
    #[schema(value_type = Option<String>, example = "tech@corp.com", format = Email, max_length = 255)]
    pub contact_email: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[validate(custom(function = "valid_rating"))]
    #[schema(value_type = Option<f64>, example = 4.5, minimum = 0, maximum = 5)]
    pub rating: Option<Option<f64>>,
    pub is_active: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SupplierPublic {
    #[schema(example = 1)]
    pub id: i32,
    #[schema(example = "TechCorp")]
    pub name: String,
    #[schema(example = "tech@corp.com", format = Email)]
    pub contact_email: Option<String>,
    #[schema(example = 4.5, minimum = 0, maximum = 5)]
    pub rating: Option<f64>,
    pub is_active: bool,
    #[serde(serialize_with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
}

impl From<suppliers::Model> for SupplierPublic {
    fn from(m: suppliers::Model) -> Self {
        Self {
            id: m.id,
            name: m.name,
            contact_email: m.contact_email,
            rating: m.rating,
            is_active: m.is_active,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}
