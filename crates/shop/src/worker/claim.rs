//! Claiming due deliveries: each claimed row gets this claim's token and a lease, so exactly
//! one worker attempts it at a time, and a worker that dies mid-attempt only delays it until
//! the lease ends.
//!
//! PostgreSQL and MySQL pick the rows with `FOR UPDATE SKIP LOCKED`, so concurrent workers
//! take disjoint batches without waiting on each other. SQLite has no row locks: its claim is
//! one `UPDATE ... RETURNING` statement, and SQLite runs one writer at a time.

use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Statement,
    TransactionTrait, Value,
};

use crate::entity::{deliveries, events, webhooks};
use crate::service::write;

use crate::events::signature::new_token;

/// A delivery to attempt, with what it sends and where.
pub struct Claimed {
    pub delivery: deliveries::Model,
    /// The event's body, sent as is.
    pub payload: String,
    /// The endpoint of a webhook delivery (`None` for email, or an endpoint deleted since).
    pub webhook: Option<webhooks::Model>,
}

/// The rows a claim may take: due, not finished, not leased by a live claim, and of a channel
/// this worker can send.
const DUE: &str = "status IN ('pending', 'failed') AND next_attempt_at <= {now} AND \
                   (locked_until IS NULL OR locked_until < {now}){channel} ORDER BY next_attempt_at, id LIMIT {limit}";

fn due(now: &str, limit: u32, email: bool) -> String {
    let channel = if email { "" } else { " AND channel = 'webhook'" };
    DUE.replace("{now}", now).replace("{channel}", channel).replace("{limit}", &limit.to_string())
}

/// Claims up to `limit` due deliveries for `lease` (email ones only when `email`, the worker
/// being able to send them); returns the claim's token and the rows.
///
/// PostgreSQL and MySQL compare and set the lease by the database's clock, so replicas whose
/// clocks differ still agree on whose lease is live; SQLite runs on one host.
///
/// # Errors
/// Database errors (nothing is claimed then).
pub async fn claim(
    db: &DatabaseConnection,
    limit: u32,
    lease: Duration,
    email: bool,
) -> Result<(String, Vec<Claimed>), DbErr> {
    let token = new_token();
    let backend = db.get_database_backend();
    let seconds = lease.as_secs_f64();
    let ids: Vec<i32> = match backend {
        DatabaseBackend::Sqlite => {
            let now = Utc::now();
            let until = now + chrono::Duration::from_std(lease).unwrap_or_else(|_| chrono::Duration::seconds(60));
            let sql = format!(
                "UPDATE deliveries SET locked_until = ?, lease_token = ? WHERE id IN \
                 (SELECT id FROM deliveries WHERE {}) RETURNING id",
                due("?", limit, email)
            );
            let values: Vec<Value> = vec![until.into(), token.clone().into(), now.into(), now.into()];
            // In this process's turn to write, as every other writer on the file.
            let txn = write::begin(db, None).await?;
            let rows = txn.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await;
            txn.finish(rows).await.and_then(ids_of)?
        }
        DatabaseBackend::Postgres => {
            let sql = format!(
                "UPDATE deliveries SET locked_until = now() + make_interval(secs => $1), lease_token = $2 \
                 WHERE id IN (SELECT id FROM deliveries WHERE {} FOR UPDATE SKIP LOCKED) RETURNING id",
                due("now()", limit, email)
            );
            let values: Vec<Value> = vec![seconds.into(), token.clone().into()];
            ids_of(db.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?)?
        }
        _ => {
            // MySQL cannot update a table it selects from in a subquery: select, then update,
            // in one transaction that holds the row locks between the two.
            let txn = db.begin().await?;
            let sql = format!(
                "SELECT id FROM deliveries WHERE {} FOR UPDATE SKIP LOCKED",
                due("CURRENT_TIMESTAMP(6)", limit, email)
            );
            let ids = ids_of(txn.query_all_raw(Statement::from_string(backend, sql)).await?)?;
            if !ids.is_empty() {
                let list = vec!["?"; ids.len()].join(", ");
                let sql = format!(
                    "UPDATE deliveries SET locked_until = CURRENT_TIMESTAMP(6) + INTERVAL ? MICROSECOND, \
                     lease_token = ? WHERE id IN ({list})"
                );
                let micros = i64::try_from(lease.as_micros()).unwrap_or(i64::MAX);
                let mut values: Vec<Value> = vec![micros.into(), token.clone().into()];
                values.extend(ids.iter().map(|&id| Value::from(id)));
                txn.execute_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
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
