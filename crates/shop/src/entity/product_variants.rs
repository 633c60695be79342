use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "product_variants")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(indexed)]
    pub product_id: i32,
    #[sea_orm(column_type = "String(StringLen::N(100))", unique)]
    pub sku: String,
    #[sea_orm(column_type = "String(StringLen::N(200))")]
    pub name: String,
    /// Added to the product's base price; may be negative.
    #[sea_orm(column_type = "Decimal(Some((10, 2)))")]
    pub price_modifier: Decimal,
    pub stock_quantity: i32,
    #[sea_orm(indexed)]
    pub is_active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "product_id", to = "id", on_delete = "Cascade")]
    pub product: BelongsTo<super::products::Entity>,
    #[sea_orm(has_many)]
    pub attributes: HasMany<super::variant_attributes::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
