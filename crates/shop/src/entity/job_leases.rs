use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A scheduled job's lease: the replica whose conditional update moves `next_run_at` runs
/// the job, so a due job runs once across replicas.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "job_leases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "String(StringLen::N(50))")]
    pub name: String,
    #[sea_orm(column_type = "String(StringLen::N(100))", nullable)]
    pub holder: Option<String>,
    #[sea_orm(nullable)]
    pub locked_until: Option<DateTimeUtc>,
    pub next_run_at: DateTimeUtc,
    #[sea_orm(nullable)]
    pub last_finished_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "String(StringLen::N(500))", nullable)]
    pub last_result: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
