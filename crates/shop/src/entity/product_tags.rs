use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Junction table for the products <-> tags many-to-many relation.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "product_tags")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub product_id: i32,
    // The composite primary key already serves lookups by product_id (its
    // leading column); lookups by tag need their own index.
    #[sea_orm(primary_key, auto_increment = false, indexed)]
    pub tag_id: i32,
    #[sea_orm(belongs_to, from = "product_id", to = "id", on_delete = "Cascade")]
    pub product: BelongsTo<super::products::Entity>,
    #[sea_orm(belongs_to, from = "tag_id", to = "id", on_delete = "Cascade")]
    pub tag: BelongsTo<super::tags::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
