use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "products")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(column_type = "String(StringLen::N(200))", indexed)]
    pub name: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(100))", nullable, unique)]
    pub sku: Option<String>,
    #[sea_orm(column_type = "Decimal(Some((10, 2)))")]
    pub price: Decimal,
    pub stock_quantity: i32,
    pub is_active: bool,
    #[sea_orm(indexed)]
    pub category_id: i32,
    #[sea_orm(nullable, indexed)]
    pub supplier_id: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    // A category with products cannot be deleted: products must be re-homed first.
    #[sea_orm(belongs_to, from = "category_id", to = "id")]
    pub category: BelongsTo<super::categories::Entity>,
    // Losing a supplier must not lose the catalogue, so the link is just cleared.
    #[sea_orm(belongs_to, from = "supplier_id", to = "id", on_delete = "SetNull")]
    pub supplier: BelongsTo<Option<super::suppliers::Entity>>,
    #[sea_orm(has_many)]
    pub variants: HasMany<super::product_variants::Entity>,
    #[sea_orm(has_many)]
    pub order_items: HasMany<super::order_items::Entity>,
    #[sea_orm(has_many, via = "product_tags")]
    pub tags: HasMany<super::tags::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
