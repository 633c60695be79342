//! Product DTOs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::category::CategoryPublic;
use super::common::{Money, TotalRelation, includes, nullable, timestamp};
use super::variant::VariantPublic;
use crate::entity::{products, tags};
use crate::schema::params::Params;

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
    /// Present with `?include=category`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub category: Option<CategoryPublic>,
    /// Present with `?include=supplier`; null when the product has no supplier.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<ProductSupplier>)]
    pub supplier: Option<Option<ProductSupplier>>,
    /// Present with `?include=tags`, by tag id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<ProductTag>>,
    /// Present with `?include=variants`, by variant id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variants: Option<Vec<VariantPublic>>,
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
            category: None,
            supplier: None,
            tags: None,
            variants: None,
        }
    }
}

/// The supplier embedded by `?include=supplier`.
pub use super::supplier::SupplierPublic as ProductSupplier;

/// A product's tag, as embedded with `?include=tags`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductTag {
    #[schema(example = 1)]
    pub id: i32,
    #[schema(example = "new")]
    pub name: String,
    #[schema(example = "#28a745")]
    pub color: Option<String>,
}

impl From<tags::Model> for ProductTag {
    fn from(m: tags::Model) -> Self {
        Self { id: m.id, name: m.name, color: m.color }
    }
}

/// The complete set of a product's tags; duplicates are ignored, `[]` removes them all.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductTagsUpdate {
    #[validate(length(max = 100, message = "List should have at most 100 items"))]
    #[schema(example = json!([1, 2]))]
    pub tag_ids: Vec<i64>,
}

/// The relations `?include=` may embed in a product.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ProductInclude {
    pub category: bool,
    pub supplier: bool,
    pub tags: bool,
    pub variants: bool,
}

impl ProductInclude {
    pub const ALLOWED: [&str; 4] = ["category", "supplier", "tags", "variants"];

    /// Reads `include`, recording unknown relations in `params`.
    pub fn read(params: &mut Params) -> Self {
        let names = includes(params, &Self::ALLOWED);
        let has = |name: &str| names.iter().any(|n| n == name);
        Self { category: has("category"), supplier: has("supplier"), tags: has("tags"), variants: has("variants") }
    }
}

/// A page of products. `next_cursor` continues after the last item (with the same filters
/// and sort); it is null on the last page.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductPage {
    pub items: Vec<ProductPublic>,
    pub total: u64,
    pub total_relation: TotalRelation,
    pub skip: u64,
    pub limit: u64,
    pub next_cursor: Option<String>,
}
