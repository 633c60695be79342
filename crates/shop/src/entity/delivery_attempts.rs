use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// The log of a delivery: one row per attempt, with what the destination answered.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "delivery_attempts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(indexed)]
    pub delivery_id: i32,
    pub attempt: i32,
    #[sea_orm(nullable)]
    pub status_code: Option<i32>,
    #[sea_orm(column_type = "String(StringLen::N(500))", nullable)]
    pub error: Option<String>,
    pub duration_ms: i32,
    pub created_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "delivery_id", to = "id", on_delete = "Cascade")]
    pub delivery: BelongsTo<super::deliveries::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
