//! Claiming due deliveries: each claimed row gets this claim's token and a lease, so exactly
//! one worker attempts it at a time, and a worker that dies mid-attempt only delays it until
//! the lease ends.
//!
//! PostgreSQL and MySQL pick the rows with `FOR UPDATE SKIP LOCKED`, so concurrent workers
//! take disjoint batches without waiting on each other. SQLite has no row locks: its claim is
//! one `UPDATE ... RETURNING` statement, and SQLite runs one writer at a time.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Statement,
    TransactionTrait, Value,
};

use crate::entity::{deliveries, events, webhooks};

use crate::events::signature::new_token;

/// A delivery to attempt, with what it sends and where.
pub struct Claimed {
    pub delivery: deliveries::Model,
    /// The event's body, sent as is.
    pub payload: String,
    /// The endpoint of a webhook delivery (`None` for email, or an endpoint deleted since).
    pub webhook: Option<webhooks::Model>,
}

/// The rows a claim may take: due, not finished, and not leased by a live claim.
const DUE: &str = "status IN ('pending', 'failed') AND next_attempt_at <= {now} AND \
                   (locked_until IS NULL OR locked_until < {now}) ORDER BY next_attempt_at, id LIMIT {limit}";

fn due(now: &str, limit: u32) -> String {
    DUE.replace("{now}", now).replace("{limit}", &limit.to_string())
}

/// Claims up to `limit` due deliveries for `lease`; returns the claim's token and the rows.
///
/// # Errors
/// Database errors (nothing is claimed then).
pub async fn claim(db: &DatabaseConnection, limit: u32, lease: Duration) -> Result<(String, Vec<Claimed>), DbErr> {
    let token = new_token();
    let now = Utc::now();
    let until = now + chrono::Duration::from_std(lease).unwrap_or_else(|_| chrono::Duration::seconds(60));
    let backend = db.get_database_backend();
    let ids: Vec<i32> = match backend {
        DatabaseBackend::Sqlite => {
            let sql = format!(
                "UPDATE deliveries SET locked_until = ?, lease_token = ? WHERE id IN \
                 (SELECT id FROM deliveries WHERE {}) RETURNING id",
                due("?", limit)
            );
            let values: Vec<Value> = vec![until.into(), token.clone().into(), now.into(), now.into()];
            ids_of(db.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?)?
        }
        DatabaseBackend::Postgres => {
            let sql = format!(
                "UPDATE deliveries SET locked_until = $1, lease_token = $2 WHERE id IN \
                 (SELECT id FROM deliveries WHERE {} FOR UPDATE SKIP LOCKED) RETURNING id",
                due("$3", limit)
            );
            let values: Vec<Value> = vec![until.into(), token.clone().into(), now.into()];
            ids_of(db.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?)?
        }
        _ => {
            // MySQL cannot update a table it selects from in a subquery: select, then update,
            // in one transaction that holds the row locks between the two.
            let txn = db.begin().await?;
            let sql = format!("SELECT id FROM deliveries WHERE {} FOR UPDATE SKIP LOCKED", due("?", limit));
            let values: Vec<Value> = vec![now.into(), now.into()];
            let ids = ids_of(txn.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?)?;
            if !ids.is_empty() {
                lease_rows(&txn, &ids, until, &token).await?;
            }
            txn.commit().await?;
            ids
        }
    };
    if ids.is_empty() {
        return Ok((token, Vec::new()));
    }
    Ok((token.clone(), load(db, &ids, &token).await?))
}

async fn lease_rows(conn: &impl ConnectionTrait, ids: &[i32], until: DateTime<Utc>, token: &str) -> Result<(), DbErr> {
    use sea_orm::sea_query::Expr;
    deliveries::Entity::update_many()
        .col_expr(deliveries::Column::LockedUntil, Expr::value(until))
        .col_expr(deliveries::Column::LeaseToken, Expr::value(token))
        .filter(deliveries::Column::Id.is_in(ids.iter().copied()))
        .exec(conn)
        .await?;
    Ok(())
}

fn ids_of(rows: Vec<sea_orm::QueryResult>) -> Result<Vec<i32>, DbErr> {
    rows.iter().map(|row| row.try_get_by_index::<i32>(0)).collect()
}

/// The claimed rows with their events' bodies and their endpoints.
async fn load(db: &DatabaseConnection, ids: &[i32], token: &str) -> Result<Vec<Claimed>, DbErr> {
    let rows = deliveries::Entity::find()
        .filter(deliveries::Column::Id.is_in(ids.iter().copied()))
        .filter(deliveries::Column::LeaseToken.eq(token))
        .all(db)
        .await?;
    let event_ids: Vec<String> = rows.iter().map(|d| d.event_id.clone()).collect();
    let payloads: HashMap<String, String> = events::Entity::find()
        .filter(events::Column::Id.is_in(event_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e.payload))
        .collect();
    let webhook_ids: Vec<i32> = rows.iter().filter_map(|d| d.webhook_id).collect();
    let endpoints: HashMap<i32, webhooks::Model> = if webhook_ids.is_empty() {
        HashMap::new()
    } else {
        webhooks::Entity::find()
            .filter(webhooks::Column::Id.is_in(webhook_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|w| (w.id, w))
            .collect()
    };
    let mut claimed: Vec<Claimed> = rows
        .into_iter()
        .map(|delivery| Claimed {
            payload: payloads.get(&delivery.event_id).cloned().unwrap_or_default(),
            webhook: delivery.webhook_id.and_then(|id| endpoints.get(&id).cloned()),
            delivery,
        })
        .collect();
    claimed.sort_by_key(|c| c.delivery.id);
    Ok(claimed)
}
