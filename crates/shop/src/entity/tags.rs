use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "tags")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(column_type = "String(StringLen::N(50))", unique)]
    pub name: String,
    /// `#rrggbb`, hence seven characters.
    #[sea_orm(column_type = "String(StringLen::N(7))", nullable)]
    pub color: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    #[sea_orm(has_many, via = "product_tags")]
    pub products: HasMany<super::products::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
