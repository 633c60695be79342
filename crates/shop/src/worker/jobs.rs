//! Scheduled jobs, each run once across replicas: the replica whose conditional update of the
//! job's row moves `next_run_at` holds a lease on it, runs it, and records the result.
//!
//! - `expire_pending_orders` (every minute, when `PENDING_ORDER_TTL_MINUTES` is set): pending
//!   orders older than the TTL are cancelled, their stock restored, and an event emitted.
//! - `rollup_check` (nightly, 03:00 UTC): the sales rollups compared with the orders; a
//!   difference is logged (`shop rollups rebuild` repairs it).
//! - `prune_outbox` (hourly): delivered and dead deliveries and their events past
//!   `OUTBOX_RETENTION_DAYS`.

use std::time::Duration;

use chrono::{DateTime, NaiveTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};

use crate::config::EventSettings;
use crate::entity::orders::OrderStatus;
use crate::entity::{deliveries, events, job_leases, orders};
use crate::service::write;

use crate::events::outbox::Outbox;
use crate::events::signature::new_token;

/// A job's lease outlasts any run of it by far; a replica that died mid-run frees it then.
const JOB_LEASE: Duration = Duration::from_secs(600);
/// Orders expired per run at most (the next run, a minute later, takes the rest).
const EXPIRE_BATCH: u64 = 500;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Job {
    ExpirePendingOrders,
    RollupCheck,
    PruneOutbox,
}

impl Job {
    pub fn name(self) -> &'static str {
        match self {
            Job::ExpirePendingOrders => "expire_pending_orders",
            Job::RollupCheck => "rollup_check",
            Job::PruneOutbox => "prune_outbox",
        }
    }

    /// When the job is next due after a run that starts at `now`.
    fn next_run(self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            Job::ExpirePendingOrders => now + chrono::Duration::minutes(1),
            Job::PruneOutbox => now + chrono::Duration::hours(1),
            Job::RollupCheck => {
                let three = now.date_naive().and_time(NaiveTime::from_hms_opt(3, 0, 0).unwrap_or_default()).and_utc();
                if three > now { three } else { three + chrono::Duration::days(1) }
            }
        }
    }
}

/// The jobs of one worker.
pub struct Jobs {
    holder: String,
    outbox: Outbox,
    pending_order_ttl: Option<Duration>,
    retention: Duration,
}

impl Jobs {
    pub fn new(settings: &EventSettings, outbox: Outbox) -> Self {
        // The kernel's host name (Linux), so an operator can tell replicas apart.
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().chars().take(60).collect::<String>())
            .unwrap_or_else(|_| "worker".to_owned());
        let holder = format!("{host}:{}:{}", std::process::id(), &new_token()[..8]);
        Self { holder, outbox, pending_order_ttl: settings.pending_order_ttl, retention: settings.retention }
    }

    /// This worker's name in `job_leases.holder`.
    pub fn holder(&self) -> &str {
        &self.holder
    }

    fn enabled(&self) -> Vec<Job> {
        let mut jobs = vec![Job::RollupCheck, Job::PruneOutbox];
        if self.pending_order_ttl.is_some() {
            jobs.insert(0, Job::ExpirePendingOrders);
        }
        jobs
    }

    /// Runs every enabled job that is due and not leased by another replica.
    pub async fn tick(&self, db: &DatabaseConnection) {
        let now = match database_now(db).await {
            Ok(now) => now,
            Err(err) => {
                tracing::warn!(error = %err, "scheduled jobs skipped: the database's time is unknown");
                return;
            }
        };
        for job in self.enabled() {
            match self.acquire_at(db, job, now).await {
                Ok(true) => {
                    let result = self.run(db, job).await;
                    if let Err(err) = self.release(db, job, &result).await {
                        tracing::warn!(job = job.name(), error = %err, "job result not recorded");
                    }
                }
                Ok(false) => {}
                Err(err) => tracing::warn!(job = job.name(), error = %err, "job lease not taken"),
            }
        }
    }

    /// Takes the job's lease if it is due; `true` when this worker is to run it now. Due times
    /// and leases go by the database's clock, so replicas whose clocks differ agree on them.
    ///
    /// # Errors
    /// Database errors.
    pub async fn acquire(&self, db: &DatabaseConnection, job: Job) -> Result<bool, DbErr> {
        self.acquire_at(db, job, database_now(db).await?).await
    }

    /// [`Jobs::acquire`] at the database time `now`.
    async fn acquire_at(&self, db: &DatabaseConnection, job: Job, now: DateTime<Utc>) -> Result<bool, DbErr> {
        if self.take(db, job, now).await? {
            return Ok(true);
        }
        // Not due, leased elsewhere, or the job's first run anywhere: only the last needs a row.
        if job_leases::Entity::find_by_id(job.name()).one(db).await?.is_some() {
            return Ok(false);
        }
        let first = job_leases::ActiveModel {
            name: Set(job.name().to_owned()),
            holder: Set(None),
            locked_until: Set(None),
            next_run_at: Set(if job == Job::RollupCheck { job.next_run(now) } else { now }),
            last_finished_at: Set(None),
            last_result: Set(None),
        };
        // Another replica may insert it first; its row serves as well.
        let _ = first.insert(db).await;
        self.take(db, job, now).await
    }

    /// The conditional update that is the lease: it moves `next_run_at` only if the job is due
    /// and not leased, so one replica's update succeeds.
    async fn take(&self, db: &DatabaseConnection, job: Job, now: DateTime<Utc>) -> Result<bool, DbErr> {
        let until = now + chrono::Duration::from_std(JOB_LEASE).unwrap_or_default();
        let taken = job_leases::Entity::update_many()
            .col_expr(job_leases::Column::Holder, Expr::value(self.holder.clone()))
            .col_expr(job_leases::Column::LockedUntil, Expr::value(until))
            .col_expr(job_leases::Column::NextRunAt, Expr::value(job.next_run(now)))
            .filter(job_leases::Column::Name.eq(job.name()))
            .filter(job_leases::Column::NextRunAt.lte(now))
            .filter(job_leases::Column::LockedUntil.is_null().or(job_leases::Column::LockedUntil.lt(now)))
            .exec(db)
            .await?;
        Ok(taken.rows_affected == 1)
    }

    async fn release(&self, db: &DatabaseConnection, job: Job, result: &Result<String, String>) -> Result<(), DbErr> {
        let text = match result {
            Ok(done) => done.clone(),
            Err(err) => format!("failed: {err}"),
        };
        match result {
            Ok(done) => tracing::info!(job = job.name(), "{done}"),
            Err(err) => tracing::warn!(job = job.name(), error = %err, "job failed"),
        }
        job_leases::Entity::update_many()
            .col_expr(job_leases::Column::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(job_leases::Column::LastFinishedAt, Expr::value(Utc::now()))
            .col_expr(job_leases::Column::LastResult, Expr::value(text.chars().take(500).collect::<String>()))
            .filter(job_leases::Column::Name.eq(job.name()))
            .filter(job_leases::Column::Holder.eq(self.holder.clone()))
            .exec(db)
            .await?;
        Ok(())
    }

    async fn run(&self, db: &DatabaseConnection, job: Job) -> Result<String, String> {
        match job {
            Job::ExpirePendingOrders => match self.pending_order_ttl {
                Some(ttl) => expire_pending_orders(db, &self.outbox, ttl)
                    .await
                    .map(|n| format!("expired {n} pending order(s)"))
                    .map_err(|e| e.to_string()),
                None => Ok("no TTL set".to_owned()),
            },
            Job::RollupCheck => match crate::service::rollup::drift(db).await {
                Ok(drift) if drift.is_empty() => Ok("the sales rollups match the orders".to_owned()),
                Ok(drift) => {
                    for line in &drift {
                        tracing::warn!(job = job.name(), "{line}");
                    }
                    Err(format!(
                        "{} sales rollup(s) differ from the orders; `shop rollups rebuild` fixes them",
                        drift.len()
                    ))
                }
                Err(err) => Err(err.to_string()),
            },
            Job::PruneOutbox => prune(db, self.retention)
                .await
                .map(|n| format!("pruned {n} finished deliveries"))
                .map_err(|e| e.to_string()),
        }
    }
}

/// The database server's time (PostgreSQL, MySQL); the process's on SQLite, which is local.
///
/// # Errors
/// Database errors.
pub async fn database_now(db: &impl ConnectionTrait) -> Result<DateTime<Utc>, DbErr> {
    let backend = db.get_database_backend();
    let row = match backend {
        DatabaseBackend::Postgres => db.query_one_raw(Statement::from_string(backend, "SELECT now()")).await?,
        DatabaseBackend::MySql => db.query_one_raw(Statement::from_string(backend, "SELECT UTC_TIMESTAMP(6)")).await?,
        _ => return Ok(Utc::now()),
    };
    let row = row.ok_or_else(|| DbErr::Custom("the database did not say its time".to_owned()))?;
    match backend {
        DatabaseBackend::Postgres => row.try_get_by_index::<DateTime<Utc>>(0),
        _ => row.try_get_by_index::<chrono::NaiveDateTime>(0).map(|t| t.and_utc()),
    }
}

/// Cancels the pending orders created more than `ttl` ago (up to [`EXPIRE_BATCH`]).
///
/// # Errors
/// Database errors; orders expired before the error stay expired.
pub async fn expire_pending_orders(
    db: &DatabaseConnection,
    outbox: &Outbox,
    ttl: Duration,
) -> Result<usize, crate::error::ApiError> {
    let cutoff = database_now(db).await? - chrono::Duration::from_std(ttl).unwrap_or_default();
    let ids: Vec<i32> = orders::Entity::find()
        .select_only()
        .column(orders::Column::Id)
        .filter(orders::Column::Status.eq(OrderStatus::Pending.as_str()))
        .filter(orders::Column::CreatedAt.lt(cutoff))
        .order_by_asc(orders::Column::Id)
        .limit(EXPIRE_BATCH)
        .into_tuple()
        .all(db)
        .await?;
    let mut expired = 0;
    for id in ids {
        if crate::service::orders::expire(db, outbox, id).await? {
            expired += 1;
        }
    }
    Ok(expired)
}

/// Rows deleted per transaction by [`prune`]: short transactions, so the workers recording
/// outcomes never wait long behind the prune's locks (MySQL's next-key locks above all).
const PRUNE_BATCH: u64 = 1000;

/// Deletes delivered and dead deliveries last changed before the retention (their attempt
/// logs go with them, by foreign-key cascade), then the events left without deliveries, a
/// batch per transaction; returns the deliveries deleted.
///
/// # Errors
/// Database errors (the batches before it stay deleted).
pub async fn prune(db: &DatabaseConnection, retention: Duration) -> Result<u64, DbErr> {
    let cutoff = database_now(db).await? - chrono::Duration::from_std(retention).unwrap_or_default();
    let finished = Condition::all()
        .add(deliveries::Column::Status.is_in(["delivered", "dead"]))
        .add(deliveries::Column::UpdatedAt.lt(cutoff));
    let removed = delete_in_batches::<deliveries::Entity, i32>(db, deliveries::Column::Id, finished).await?;
    let any_delivery = Query::select()
        .expr(Expr::val(1))
        .from(deliveries::Entity)
        .and_where(
            Expr::col((deliveries::Entity, deliveries::Column::EventId)).equals((events::Entity, events::Column::Id)),
        )
        .to_owned();
    let orphaned = Condition::all().add(events::Column::CreatedAt.lt(cutoff)).add(Expr::exists(any_delivery).not());
    delete_in_batches::<events::Entity, String>(db, events::Column::Id, orphaned).await?;
    Ok(removed)
}

/// Deletes the rows of `E` that meet `condition`, [`PRUNE_BATCH`] keys at a time: a plain read
/// picks a batch, then one transaction deletes it by key, the condition checked again (a
/// delivery retried in between stays).
async fn delete_in_batches<E, K>(db: &DatabaseConnection, key: E::Column, condition: Condition) -> Result<u64, DbErr>
where
    E: EntityTrait,
    K: sea_orm::TryGetableMany + Into<sea_orm::Value>,
{
    let mut removed = 0;
    loop {
        let ids: Vec<K> = E::find()
            .select_only()
            .column(key)
            .filter(condition.clone())
            .order_by_asc(key)
            .limit(PRUNE_BATCH)
            .into_tuple()
            .all(db)
            .await?;
        let last = (ids.len() as u64) < PRUNE_BATCH;
        if ids.is_empty() {
            break;
        }
        let txn = write::begin(db, None).await?;
        let deleted = E::delete_many().filter(condition.clone()).filter(key.is_in(ids)).exec(&*txn).await;
        removed += txn.finish(deleted).await?.rows_affected;
        if last {
            break;
        }
    }
    Ok(removed)
}
