use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "suppliers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(column_type = "String(StringLen::N(100))", unique)]
    pub name: String,
    #[sea_orm(column_type = "String(StringLen::N(255))", nullable)]
    pub contact_email: Option<String>,
    #[sea_orm(column_type = "Double", nullable)]
    pub rating: Option<f64>,
    pub is_active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    #[sea_orm(has_many)]
    pub products: HasMany<super::products::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
