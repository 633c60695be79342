//! The worker: claims due deliveries of the outbox ([`crate::events`]), attempts them
//! concurrently (webhooks signed per Standard Webhooks, email over SMTP), records each attempt,
//! and runs the scheduled jobs. `shop serve` runs one in-process; `shop worker` runs one alone;
//! any number may share a database.
//!
//! A worker wakes when its own process commits an event, on PostgreSQL when any process does
//! (`LISTEN`, [`listen`]), and otherwise every `WORKER_POLL_MS`.
//!
//! Deliveries are claimed with `FOR UPDATE SKIP LOCKED` on PostgreSQL and MySQL and in one
//! `UPDATE ... RETURNING` on SQLite, whose writers take turns ([`claim`]). A claim is a lease:
//! a worker killed mid-delivery leaves it to be claimed again when the lease ends, with the
//! same `webhook-id`. A failure waits per the retry schedule ([`retry`]), then the delivery is
//! dead. Scheduled jobs ([`jobs`]) run once across replicas through leases in `job_leases`.

pub mod claim;
pub mod email;
pub mod gauges;
pub mod jobs;
mod listen;
pub mod retry;
pub mod webhook;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::config::{EventSettings, Settings};
use crate::entity::{deliveries, delivery_attempts};
use crate::service::write;

use crate::events::outbox::{Outbox, woken};

use claim::{Claimed, claim};
use email::Mailer;
use jobs::Jobs;

/// How one attempt ended.
#[derive(Debug)]
pub struct Outcome {
    pub delivered: bool,
    /// The HTTP status (webhooks) or SMTP reply code (email), when there was an answer.
    pub status_code: Option<u16>,
    pub error: Option<String>,
}

impl Outcome {
    pub fn delivered(status_code: Option<u16>) -> Self {
        Self { delivered: true, status_code, error: None }
    }

    pub fn failed(status_code: Option<u16>, error: String) -> Self {
        Self { delivered: false, status_code, error: Some(error) }
    }
}

/// How often the outbox gauges are refreshed.
const GAUGE_PERIOD: Duration = Duration::from_secs(5);
/// How often the scheduled jobs are looked at.
const JOBS_PERIOD: Duration = Duration::from_secs(5);
/// Time left on a lease after its last possible attempt ends, for recording the outcome.
const LEASE_MARGIN: Duration = Duration::from_secs(5);

struct Shared {
    db: DatabaseConnection,
    /// The database's URL, for the PostgreSQL listener's own connection.
    url: String,
    events: EventSettings,
    http: reqwest::Client,
    mailer: Option<Mailer>,
}

/// How long a stopping worker may take to finish its attempts: one may start up to a timeout
/// after its claim and lasts at most a timeout.
pub fn stop_within(events: &EventSettings) -> Duration {
    events.webhook_timeout * 2 + Duration::from_secs(1)
}

/// One worker; cheap to clone into its tasks.
#[derive(Clone)]
pub struct Worker {
    shared: Arc<Shared>,
    jobs: Arc<Jobs>,
}

impl Worker {
    /// A worker on `db` with the event settings of `settings`.
    ///
    /// # Errors
    /// An unusable `SMTP_URL`/`EMAIL_FROM`, or a TLS backend that does not start.
    pub fn new(db: DatabaseConnection, settings: &Settings) -> anyhow::Result<Self> {
        let events = settings.events.clone();
        let http = webhook::client(events.webhook_timeout)?;
        let mailer = Mailer::new(&events).map_err(anyhow::Error::msg)?;
        let jobs = Arc::new(Jobs::new(&events, Outbox::new(&events)));
        let url = settings.database_url().to_owned();
        Ok(Self { shared: Arc::new(Shared { db, url, events, http, mailer }), jobs })
    }

    /// Delivers and runs jobs until `stop` turns true; attempts in flight finish first.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        tracing::info!(worker = %self.jobs.holder(), "outbox worker started");
        let listener =
            tokio::spawn(listen::run(self.shared.db.get_database_backend(), self.shared.url.clone(), stop.clone()));
        let mut last_gauges: Option<Instant> = None;
        let mut last_jobs: Option<Instant> = None;
        while !*stop.borrow() {
            if last_gauges.is_none_or(|t| t.elapsed() >= GAUGE_PERIOD) {
                last_gauges = Some(Instant::now());
                if let Err(err) = gauges::refresh(&self.shared.db).await {
                    tracing::warn!(error = %err, "outbox gauges not refreshed");
                }
            }
            if last_jobs.is_none_or(|t| t.elapsed() >= JOBS_PERIOD) {
                last_jobs = Some(Instant::now());
                self.jobs.tick(&self.shared.db).await;
            }
            match self.run_once().await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(err) => tracing::warn!(error = %err, "claiming deliveries failed"),
            }
            tokio::select! {
                () = woken() => {}
                () = tokio::time::sleep(self.shared.events.worker_poll) => {}
                _ = stop.changed() => {}
            }
        }
        let _ = listener.await;
        tracing::info!("outbox worker stopped");
    }

    /// Claims one batch of due deliveries and attempts them all; returns how many.
    ///
    /// # Errors
    /// The claim's database errors (a failed record is logged: its lease ends and the
    /// delivery is attempted again).
    pub async fn run_once(&self) -> Result<usize, DbErr> {
        // An attempt may start up to one timeout after the claim began and lasts at most one
        // timeout, so with the margin the lease outlives it: only a dead worker loses a lease.
        let timeout = self.shared.events.webhook_timeout;
        let lease = timeout * 2 + LEASE_MARGIN;
        let claimed_at = Instant::now();
        let email = self.shared.mailer.is_some();
        let (token, batch) = claim(&self.shared.db, self.shared.events.worker_concurrency, lease, email).await?;
        let count = batch.len();
        let mut tasks = JoinSet::new();
        for claimed in batch {
            let (shared, token) = (self.shared.clone(), token.clone());
            tasks.spawn(async move { attempt(&shared, claimed, &token, claimed_at).await });
        }
        while tasks.join_next().await.is_some() {}
        Ok(count)
    }
}

/// One attempt of one claimed delivery, recorded. An attempt that could not start within a
/// timeout of the claim (a slow claim, a pool wait) is not made: the delivery is released for
/// the next claim, since it could outlive the lease.
async fn attempt(shared: &Shared, claimed: Claimed, token: &str, claimed_at: Instant) {
    let timeout = shared.events.webhook_timeout;
    let delivery = &claimed.delivery;
    if claimed_at.elapsed() > timeout {
        if let Err(err) = release(shared, delivery.id, token).await {
            tracing::warn!(delivery = delivery.id, error = %err, "late delivery not released; its lease will end");
        }
        return;
    }
    let started = Instant::now();
    // Every send is cut at the timeout, whatever it waits on (lettre's own covers only the
    // connect; a stalled SMTP or TLS exchange would outlive the lease).
    let send = send(shared, &claimed);
    let outcome = tokio::time::timeout(timeout, send)
        .await
        .unwrap_or_else(|_| Outcome::failed(None, "no answer within the timeout".to_owned()));
    let elapsed = started.elapsed();
    if let Err(err) = record(shared, &claimed, token, &outcome, elapsed).await {
        tracing::warn!(delivery = delivery.id, error = %err, "delivery outcome not recorded; it will be attempted again");
    }
}

/// Gives a claimed delivery back untouched.
async fn release(shared: &Shared, id: i32, token: &str) -> Result<(), DbErr> {
    let txn = write::begin(&shared.db, None).await?;
    let released = deliveries::Entity::update_many()
        .col_expr(deliveries::Column::LockedUntil, Expr::value(Option::<chrono::DateTime<Utc>>::None))
        .col_expr(deliveries::Column::LeaseToken, Expr::value(Option::<String>::None))
        .filter(deliveries::Column::Id.eq(id))
        .filter(deliveries::Column::LeaseToken.eq(token))
        .exec(&*txn)
        .await
        .map(|_| ());
    txn.finish(released).await
}

async fn send(shared: &Shared, claimed: &Claimed) -> Outcome {
    let delivery = &claimed.delivery;
    match (delivery.channel.as_str(), &claimed.webhook, &shared.mailer) {
        ("webhook", Some(endpoint), _) if endpoint.is_active => {
            webhook::send(&shared.http, endpoint, &delivery.event_id, &claimed.payload).await
        }
        ("webhook", Some(_), _) => Outcome::failed(None, "the endpoint is disabled".to_owned()),
        ("webhook", None, _) => Outcome::failed(None, "the endpoint no longer exists".to_owned()),
        ("email", _, Some(mailer)) => {
            mailer.send(delivery.recipient.as_deref().unwrap_or_default(), &claimed.payload).await
        }
        ("email", _, None) => Outcome::failed(None, "SMTP_URL is not set for this worker".to_owned()),
        (other, _, _) => Outcome::failed(None, format!("unknown channel {other}")),
    }
}

/// The attempt's outcome on the delivery (if this claim still holds it) and in its log.
async fn record(
    shared: &Shared,
    claimed: &Claimed,
    token: &str,
    outcome: &Outcome,
    elapsed: Duration,
) -> Result<(), DbErr> {
    let delivery = &claimed.delivery;
    let attempt = delivery.attempts.saturating_add(1);
    let now = Utc::now();
    let (status, next) = if outcome.delivered {
        ("delivered", now)
    } else {
        match retry::next_wait(&shared.events.retry_schedule, attempt) {
            Some(wait) => ("failed", now + chrono::Duration::from_std(wait).unwrap_or_default()),
            None => ("dead", now),
        }
    };
    let error = outcome.error.as_deref().map(|e| e.chars().take(500).collect::<String>());
    let code = outcome.status_code.map(i32::from);
    let txn = write::begin(&shared.db, None).await?;
    let updated = deliveries::Entity::update_many()
        .col_expr(deliveries::Column::Status, Expr::value(status))
        .col_expr(deliveries::Column::Attempts, Expr::col(deliveries::Column::Attempts).add(1))
        .col_expr(deliveries::Column::LastStatusCode, Expr::value(code))
        .col_expr(deliveries::Column::LastError, Expr::value(error.clone()))
        .col_expr(deliveries::Column::NextAttemptAt, Expr::value(next))
        .col_expr(deliveries::Column::LockedUntil, Expr::value(Option::<chrono::DateTime<Utc>>::None))
        .col_expr(deliveries::Column::LeaseToken, Expr::value(Option::<String>::None))
        .col_expr(deliveries::Column::DeliveredAt, Expr::value(outcome.delivered.then_some(now)))
        .col_expr(deliveries::Column::UpdatedAt, Expr::value(now))
        .filter(deliveries::Column::Id.eq(delivery.id))
        .filter(deliveries::Column::LeaseToken.eq(token))
        .exec(&*txn)
        .await?;
    if updated.rows_affected == 0 {
        // The lease ended and another worker holds the delivery now; its record counts.
        txn.rollback().await?;
        return Ok(());
    }
    delivery_attempts::ActiveModel {
        delivery_id: Set(delivery.id),
        attempt: Set(attempt),
        status_code: Set(code),
        error: Set(error),
        duration_ms: Set(i32::try_from(elapsed.as_millis()).unwrap_or(i32::MAX)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    txn.commit().await?;
    let channel = delivery.channel.clone();
    let result = if outcome.delivered { "delivered" } else { "failed" };
    metrics::counter!("outbox_delivery_attempts_total", "channel" => channel.clone(), "outcome" => result).increment(1);
    if outcome.delivered {
        let latency = (now - delivery.created_at).to_std().unwrap_or_default();
        metrics::histogram!("outbox_delivery_latency_seconds", "channel" => channel).record(latency.as_secs_f64());
    } else if status == "dead" {
        metrics::counter!("outbox_deliveries_dead_total", "channel" => channel).increment(1);
        tracing::warn!(delivery = delivery.id, event = %delivery.event_id, "delivery dead after {attempt} attempts");
    }
    Ok(())
}
