//! Tag DTOs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use super::common::timestamp;
use crate::entity::tags;

/// The color of a tag created without one.
pub const DEFAULT_COLOR: &str = "#007bff";

fn default_color() -> String {
    DEFAULT_COLOR.to_owned()
}

/// `#RRGGBB`, hex digits in either case.
fn valid_color(value: &str) -> Result<(), ValidationError> {
    let ok = value.strip_prefix('#').is_some_and(|hex| hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()));
    if ok {
        Ok(())
    } else {
        let mut e = ValidationError::new("string_pattern_mismatch");
        e.message = Some("String should match pattern '^#[0-9A-Fa-f]{6}$'".into());
        Err(e)
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagCreate {
    #[validate(length(min = 1, max = 50, message = "String should have 1 to 50 characters"))]
    #[schema(example = "new", min_length = 1, max_length = 50)]
    pub name: String,
    #[serde(default = "default_color")]
    #[validate(custom(function = "valid_color"))]
    #[schema(example = "#28a745", default = "#007bff", pattern = "^#[0-9A-Fa-f]{6}$")]
    pub color: String,
}

/// Only the fields sent are changed.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagUpdate {
    #[validate(length(min = 1, max = 50, message = "String should have 1 to 50 characters"))]
    #[schema(example = "sale", min_length = 1, max_length = 50)]
    pub name: Option<String>,
    #[validate(custom(function = "valid_color"))]
    #[schema(example = "#dc3545", pattern = "^#[0-9A-Fa-f]{6}$")]
    pub color: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TagPublic {
    #[schema(example = 1)]
    pub id: i32,
    #[schema(example = "new")]
    pub name: String,
    /// `#RRGGBB`; null only for rows written outside the API.
    #[schema(example = "#28a745")]
    pub color: Option<String>,
    #[serde(serialize_with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
}

impl From<tags::Model> for TagPublic {
    fn from(m: tags::Model) -> Self {
        Self { id: m.id, name: m.name, color: m.color, created_at: m.created_at, updated_at: m.updated_at }
    }
}
