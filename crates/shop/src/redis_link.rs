//! One connection to Redis shared by the response cache and the login throttle, with a short
//! timeout on every call and a circuit breaker: after a failure, reads skip Redis for a while,
//! so a frozen Redis costs one timeout per period instead of one per request.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;
use tokio::sync::Mutex;

/// Longest wait for Redis before serving without it.
const TIMEOUT: Duration = Duration::from_millis(100);

/// After a failed call, calls skip Redis for this long; then one call tries it again (the
/// circuit breaker), so a frozen Redis costs one timeout per period, not one per request.
const BREAK: Duration = Duration::from_secs(2);

pub struct RedisLink {
    client: redis::Client,
    connection: Mutex<Option<MultiplexedConnection>>,
    /// A call failed: writes may have been missed, so the generation moves on recovery.
    suspect: AtomicBool,
    /// For logging only the transitions, not every failed call.
    down: AtomicBool,
    /// Until when calls skip Redis (the breaker is open).
    open_until: std::sync::Mutex<Option<Instant>>,
}

impl RedisLink {
    /// # Errors
    /// A malformed URL (nothing is connected yet: Redis may come up after the service).
    pub fn new(url: &str) -> Result<Self, redis::RedisError> {
        Ok(Self {
            client: redis::Client::open(url)?,
            connection: Mutex::new(None),
            suspect: AtomicBool::new(false),
            down: AtomicBool::new(false),
            open_until: std::sync::Mutex::new(None),
        })
    }

    /// Whether this call should skip Redis. When the break is over, the first caller goes
    /// through as the probe and the others keep skipping until it reports.
    fn skip(&self) -> bool {
        let mut open = self.open_until.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match *open {
            Some(until) if Instant::now() < until => true,
            Some(_) => {
                *open = Some(Instant::now() + BREAK);
                false
            }
            None => false,
        }
    }

    fn close_breaker(&self) {
        *self.open_until.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }

    async fn connection(&self) -> Option<MultiplexedConnection> {
        let mut slot = self.connection.lock().await;
        if let Some(conn) = slot.as_ref() {
            return Some(conn.clone());
        }
        let config = redis::AsyncConnectionConfig::new().set_connection_timeout(TIMEOUT).set_response_timeout(TIMEOUT);
        match self.client.get_multiplexed_async_connection_with_config(&config).await {
            Ok(conn) => {
                *slot = Some(conn.clone());
                Some(conn)
            }
            Err(err) => {
                self.failed(&err.to_string());
                None
            }
        }
    }

    fn failed(&self, cause: &str) {
        *self.open_until.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Instant::now() + BREAK);
        self.suspect.store(true, Ordering::SeqCst);
        metrics::counter!("cache_redis_errors_total").increment(1);
        if !self.down.swap(true, Ordering::SeqCst) {
            tracing::warn!(cause, "redis unavailable: caching and throttling in process until it is back");
        }
    }

    /// Runs one command for a read, unless the breaker is open; `None` when Redis failed,
    /// was too slow or was skipped (the read then goes to the database).
    pub async fn run_read<T, F, Fut>(&self, command: F) -> Option<T>
    where
        F: FnOnce(MultiplexedConnection) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        if self.skip() {
            metrics::counter!("cache_redis_skipped_total").increment(1);
            return None;
        }
        self.run(command).await
    }

    /// Runs one command; `None` when Redis failed or was too slow. Writes always try, breaker
    /// or not: a skipped bump would let replicas that do reach Redis serve what the write
    /// changed.
    pub async fn run<T, F, Fut>(&self, command: F) -> Option<T>
    where
        F: FnOnce(MultiplexedConnection) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let conn = self.connection().await?;
        match tokio::time::timeout(TIMEOUT, command(conn)).await {
            Ok(Ok(value)) => {
                self.close_breaker();
                if self.down.swap(false, Ordering::SeqCst) {
                    tracing::info!("redis is back: cache and throttle counters shared again");
                }
                Some(value)
            }
            Ok(Err(err)) => {
                *self.connection.lock().await = None;
                self.failed(&err.to_string());
                None
            }
            Err(_) => {
                *self.connection.lock().await = None;
                self.failed("timed out");
                None
            }
        }
    }

    /// Whether a call failed since the last time this was asked: writes may have been missed.
    pub fn take_suspect(&self) -> bool {
        self.suspect.swap(false, Ordering::SeqCst)
    }
}
