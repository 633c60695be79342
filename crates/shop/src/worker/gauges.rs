//! The outbox's gauges, read from the database: by any worker every few seconds, and by
//! `/metrics` at each scrape (so API replicas without a worker show them too).

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};

use crate::entity::deliveries;

/// `outbox_depth` (deliveries waiting: pending or failed) and `outbox_deliveries` by status.
pub async fn refresh(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let counts: Vec<(String, i64)> = deliveries::Entity::find()
        .select_only()
        .column(deliveries::Column::Status)
        .column_as(Expr::col(deliveries::Column::Id).count(), "n")
        .filter(deliveries::Column::Status.is_in(["pending", "failed", "dead"]))
        .group_by(deliveries::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let count = |status: &str| counts.iter().find(|(s, _)| s == status).map_or(0, |(_, n)| *n);
    for status in ["pending", "failed", "dead"] {
        #[allow(clippy::cast_precision_loss)]
        metrics::gauge!("outbox_deliveries", "status" => status).set(count(status) as f64);
    }
    #[allow(clippy::cast_precision_loss)]
    metrics::gauge!("outbox_depth").set((count("pending") + count("failed")) as f64);
    Ok(())
}
