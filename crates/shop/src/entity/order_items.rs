use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "order_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(indexed)]
    pub order_id: i32,
    #[sea_orm(indexed)]
    pub product_id: i32,
    #[sea_orm(nullable, indexed)]
    pub variant_id: Option<i32>,
    pub quantity: i32,
    /// Price at the time of purchase, so later price changes do not rewrite
    /// order history.
    #[sea_orm(column_type = "Decimal(Some((10, 2)))")]
    pub unit_price: Decimal,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "order_id", to = "id", on_delete = "Cascade")]
    pub order: BelongsTo<super::orders::Entity>,
    // Products that appear in orders cannot be deleted; deactivate them instead.
    #[sea_orm(belongs_to, from = "product_id", to = "id")]
    pub product: BelongsTo<super::products::Entity>,
    // Variants come and go; the item keeps its product and unit price.
    #[sea_orm(belongs_to, from = "variant_id", to = "id", on_delete = "SetNull")]
    pub variant: BelongsTo<Option<super::product_variants::Entity>>,
}

impl ActiveModelBehavior for ActiveModel {}
