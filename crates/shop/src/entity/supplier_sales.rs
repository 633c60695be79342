use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One shard of a supplier's sales: distinct non-cancelled orders and revenue. A supplier's
/// totals are the sum over its shards (`analytics::rollup`).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "supplier_sales")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub supplier_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub shard: i16,
    pub order_count: i64,
    pub revenue_cents: i64,
}

impl ActiveModelBehavior for ActiveModel {}
