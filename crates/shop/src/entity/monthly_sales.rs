use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One shard of a calendar month's sales (`YYYY-MM`, UTC) over non-cancelled orders. A
/// month's totals are the sum over its shards (`analytics::rollup`).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "monthly_sales")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "String(StringLen::N(7))")]
    pub month: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub shard: i16,
    pub order_count: i64,
    pub items_sold: i64,
    pub revenue_cents: i64,
}

impl ActiveModelBehavior for ActiveModel {}
