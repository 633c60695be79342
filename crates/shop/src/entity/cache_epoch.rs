use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One row (`id` 1): a counter every process moves after its writes, and every serving
/// process watches, so cached responses end within a second of a write made elsewhere
/// (`cache::epoch`).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "cache_epoch")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub generation: i64,
}

impl ActiveModelBehavior for ActiveModel {}
