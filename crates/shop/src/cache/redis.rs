//! The shared half of the cache, when `REDIS_URL` is set: the generation counter and the
//! entries live in Redis, so a write through one replica is seen by the next read through any
//! other. Every call is bounded by a short timeout, and after a failure calls skip Redis for a
//! while (a circuit breaker); meanwhile callers serve from the database, and the first
//! successful call afterwards moves the generation, since writes made meanwhile could not. Keys also carry an epoch that Redis picks when it has none, so a
//! Redis restarted empty never revives entries that replicas still hold in process.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use redis::AsyncCommands;
use redis::aio::MultiplexedConnection;
use tokio::sync::Mutex;

/// Longest wait for Redis before serving without it.
const TIMEOUT: Duration = Duration::from_millis(100);

/// After a failed call, calls skip Redis for this long; then one call tries it again (the
/// circuit breaker), so a frozen Redis costs one timeout per period, not one per request.
const BREAK: Duration = Duration::from_secs(2);

pub struct RedisStore {
    client: redis::Client,
    connection: Mutex<Option<MultiplexedConnection>>,
    /// Keys are `<namespace>:epoch`, `<namespace>:generation` and
    /// `<namespace>:<epoch>:<generation>:<key>`.
    namespace: String,
    /// A call failed: writes may have been missed, so the generation moves on recovery.
    suspect: AtomicBool,
    /// For logging only the transitions, not every failed call.
    down: AtomicBool,
    /// Until when calls skip Redis (the breaker is open).
    open_until: std::sync::Mutex<Option<Instant>>,
}

impl RedisStore {
    /// # Errors
    /// A malformed URL (nothing is connected yet: Redis may come up after the service).
    pub fn new(url: &str, namespace: &str) -> Result<Self, redis::RedisError> {
        Ok(Self {
            client: redis::Client::open(url)?,
            connection: Mutex::new(None),
            namespace: namespace.to_owned(),
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
            tracing::warn!(cause, "redis unavailable: serving from the database without the shared cache");
        }
    }

    /// Runs one command for a read, unless the breaker is open; `None` when Redis failed,
    /// was too slow or was skipped (the read then goes to the database).
    async fn run_read<T, F, Fut>(&self, command: F) -> Option<T>
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
    async fn run<T, F, Fut>(&self, command: F) -> Option<T>
    where
        F: FnOnce(MultiplexedConnection) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let conn = self.connection().await?;
        match tokio::time::timeout(TIMEOUT, command(conn)).await {
            Ok(Ok(value)) => {
                self.close_breaker();
                if self.down.swap(false, Ordering::SeqCst) {
                    tracing::info!("redis is back: shared cache in use again");
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

    fn generation_key(&self) -> String {
        format!("{}:generation", self.namespace)
    }

    fn epoch_key(&self) -> String {
        format!("{}:epoch", self.namespace)
    }

    /// `<epoch>:<generation>`, the current version of everything cached; `None` when Redis
    /// is unavailable.
    pub async fn generation(&self) -> Option<String> {
        let (epoch_key, generation_key) = (self.epoch_key(), self.generation_key());
        let keys = [epoch_key.clone(), generation_key.clone()];
        let (epoch, mut generation): (Option<String>, Option<u64>) =
            self.run_read(|mut c| async move { c.mget(&keys).await }).await?;
        let epoch = match epoch {
            Some(epoch) => epoch,
            None => {
                // A new or restarted Redis: whoever comes first names the epoch.
                let fresh = format!("{:016x}", rand_core::RngCore::next_u64(&mut rand_core::OsRng));
                let key = epoch_key.clone();
                self.run(|mut c| async move { c.set_nx::<_, _, bool>(&key, fresh).await }).await?;
                self.run(|mut c| async move { c.get::<_, Option<String>>(&epoch_key).await }).await??
            }
        };
        if self.suspect.load(Ordering::SeqCst) {
            generation = Some(self.run(|mut c| async move { c.incr::<_, _, u64>(&generation_key, 1).await }).await?);
            self.suspect.store(false, Ordering::SeqCst);
        }
        Some(format!("{epoch}:{}", generation.unwrap_or_default()))
    }

    /// After a write: every replica's next read misses what was cached before it.
    pub async fn bump(&self) {
        let key = self.generation_key();
        let _ = self.run(|mut c| async move { c.incr::<_, _, u64>(&key, 1).await }).await;
    }

    pub fn entry_key(&self, generation: &str, key: &str) -> String {
        format!("{}:{generation}:{key}", self.namespace)
    }

    pub async fn get(&self, key: &str) -> Option<Bytes> {
        let key = key.to_owned();
        self.run_read(|mut c| async move { c.get::<_, Option<Vec<u8>>>(&key).await }).await.flatten().map(Bytes::from)
    }

    pub async fn set(&self, key: &str, value: &Bytes, ttl: Duration) {
        let (key, value) = (key.to_owned(), value.to_vec());
        let _ =
            self.run_read(|mut c| async move { c.set_ex::<_, _, ()>(&key, value, ttl.as_secs().max(1)).await }).await;
    }
}
