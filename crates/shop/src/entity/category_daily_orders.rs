use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One shard of the distinct non-cancelled orders of a day (`YYYY-MM-DD`, UTC) with a line
/// in a category (`analytics::rollup`).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "category_daily_orders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "String(StringLen::N(10))")]
    pub day: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub category_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub shard: i16,
    pub order_count: i64,
}

impl ActiveModelBehavior for ActiveModel {}
