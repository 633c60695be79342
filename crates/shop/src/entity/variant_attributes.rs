use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "variant_attributes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(indexed)]
    pub variant_id: i32,
    #[sea_orm(column_type = "String(StringLen::N(50))")]
    pub attribute_name: String,
    #[sea_orm(column_type = "String(StringLen::N(200))")]
    pub attribute_value: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "variant_id", to = "id", on_delete = "Cascade")]
    pub variant: BelongsTo<super::product_variants::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
