use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// The number of products in a category and the sum of their prices in cents, kept by
/// triggers on `products` (revision `5d41c7a09e3b`): the category averages of
/// `analytics/above-category-average` without averaging every price. Derived data: no foreign
/// key, rebuilt by `shop rollups rebuild`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "category_price_totals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub category_id: i32,
    pub product_count: i64,
    pub price_cents: i64,
}

impl ActiveModelBehavior for ActiveModel {}
