use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Sales of one product over its non-cancelled orders, kept by the order writes
/// (`analytics::rollup`). Derived data: no foreign key, rebuilt by `shop rollups rebuild`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "product_sales")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub product_id: i32,
    pub order_count: i64,
    #[sea_orm(indexed)]
    pub units_sold: i64,
    pub revenue_cents: i64,
}

impl ActiveModelBehavior for ActiveModel {}
