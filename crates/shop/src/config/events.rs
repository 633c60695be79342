//! Events, webhooks, email and scheduled jobs: when stock counts as low, where email goes, how
//! deliveries are timed and retried, whether `shop serve` runs a worker, and when pending
//! orders expire.

use std::time::Duration;

use url::Url;

use super::ConfigError;
use super::env::Env;
use super::secret::{RedactedUrl, redact_url};

pub const DEFAULT_LOW_STOCK_THRESHOLD: u32 = 5;
pub const DEFAULT_WEBHOOK_TIMEOUT_SECONDS: u32 = 10;
/// About 5 s, 5 min, 30 min, 2 h, 5 h and 10 h: the Standard Webhooks schedule.
pub const DEFAULT_RETRY_SCHEDULE: &str = "5s,5m,30m,2h,5h,10h";
pub const DEFAULT_WORKER_POLL_MS: u32 = 500;
pub const DEFAULT_WORKER_CONCURRENCY: u32 = 16;
pub const DEFAULT_OUTBOX_RETENTION_DAYS: u32 = 14;

#[derive(Clone, Debug)]
pub struct EventSettings {
    /// `product.low_stock` fires when a stock falls below this.
    pub low_stock_threshold: u32,
    /// `smtp://host:port` or `smtps://user:pass@host:port`; no email without it.
    pub smtp_url: Option<RedactedUrl>,
    /// The `From` of every email.
    pub email_from: String,
    /// A receiver that takes longer has failed this attempt.
    pub webhook_timeout: Duration,
    /// The waits before each retry; past the last, a delivery is dead.
    pub retry_schedule: Vec<Duration>,
    /// `shop serve` runs a worker in the same process (`WORKER_ENABLED=false` leaves the
    /// deliveries to `shop worker` processes).
    pub worker_in_serve: bool,
    /// How often an idle worker looks for due deliveries made by other processes.
    pub worker_poll: Duration,
    /// Deliveries one worker has in flight at most.
    pub worker_concurrency: u32,
    /// Pending orders older than this are cancelled; `None` never.
    pub pending_order_ttl: Option<Duration>,
    /// Delivered and dead deliveries (and their events) are pruned after this.
    pub retention: Duration,
    /// `shop worker` serves `/metrics` on this port (at `HOST`); none when unset.
    pub worker_metrics_port: Option<u16>,
}

impl EventSettings {
    pub(super) fn read(env: &Env<'_>) -> Result<Self, ConfigError> {
        let smtp_url = match env.get("SMTP_URL")? {
            Some(raw) => match Url::parse(&raw) {
                Ok(url) if matches!(url.scheme(), "smtp" | "smtps") && url.host_str().is_some() => {
                    Some(RedactedUrl::new(raw))
                }
                Ok(_) => {
                    return Err(ConfigError::invalid(
                        "SMTP_URL",
                        &redact_url(&raw),
                        "must be smtp://host[:port] or smtps://host[:port]",
                    ));
                }
                Err(err) => {
                    return Err(ConfigError::invalid(
                        "SMTP_URL",
                        &redact_url(&raw),
                        format!("is not a valid URL ({err})"),
                    ));
                }
            },
            None => None,
        };
        let email_from = env.get("EMAIL_FROM")?.unwrap_or_else(|| "Shop <shop@localhost>".to_owned());
        if !email_from.contains('@') {
            return Err(ConfigError::invalid("EMAIL_FROM", &email_from, "is not an email address"));
        }
        let raw_schedule = env.get("WEBHOOK_RETRY_SCHEDULE")?.unwrap_or_else(|| DEFAULT_RETRY_SCHEDULE.to_owned());
        let retry_schedule = parse_schedule(&raw_schedule).ok_or_else(|| {
            ConfigError::invalid(
                "WEBHOOK_RETRY_SCHEDULE",
                &raw_schedule,
                "is not a comma list of durations such as 5s,5m,2h (or 200ms)",
            )
        })?;
        let ttl_minutes = env.whole("PENDING_ORDER_TTL_MINUTES", 0)?;
        Ok(Self {
            low_stock_threshold: env.whole("LOW_STOCK_THRESHOLD", DEFAULT_LOW_STOCK_THRESHOLD)?,
            smtp_url,
            email_from,
            webhook_timeout: Duration::from_secs(u64::from(
                env.positive("WEBHOOK_TIMEOUT_SECONDS", DEFAULT_WEBHOOK_TIMEOUT_SECONDS)?,
            )),
            retry_schedule,
            worker_in_serve: env.flag("WORKER_ENABLED", true)?,
            worker_poll: Duration::from_millis(u64::from(env.positive("WORKER_POLL_MS", DEFAULT_WORKER_POLL_MS)?)),
            worker_concurrency: env.positive("WORKER_CONCURRENCY", DEFAULT_WORKER_CONCURRENCY)?,
            pending_order_ttl: (ttl_minutes > 0).then(|| Duration::from_secs(u64::from(ttl_minutes) * 60)),
            worker_metrics_port: match env.get("WORKER_METRICS_PORT")? {
                Some(raw) => Some(super::env::parse_port("WORKER_METRICS_PORT", &raw)?),
                None => None,
            },
            retention: Duration::from_secs(
                u64::from(env.positive("OUTBOX_RETENTION_DAYS", DEFAULT_OUTBOX_RETENTION_DAYS)?) * 86_400,
            ),
        })
    }
}

/// `5s,5m,30m,2h` (units ms, s, m, h); `None` for anything else or an empty list.
pub fn parse_schedule(raw: &str) -> Option<Vec<Duration>> {
    let parts: Vec<&str> = raw.split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
    if parts.is_empty() {
        return None;
    }
    parts
        .into_iter()
        .map(|part| {
            let split = part.find(|c: char| !c.is_ascii_digit())?;
            let (number, unit) = part.split_at(split);
            let n: u64 = number.parse().ok()?;
            let millis = match unit {
                "ms" => n,
                "s" => n.checked_mul(1000)?,
                "m" => n.checked_mul(60_000)?,
                "h" => n.checked_mul(3_600_000)?,
                _ => return None,
            };
            Some(Duration::from_millis(millis))
        })
        .collect()
}
