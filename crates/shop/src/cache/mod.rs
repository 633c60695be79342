//! A cache of read responses (products and analytics), invalidated by writes: every
//! successful write request moves a generation counter that is part of each key, so nothing
//! cached before a write is served after it. A TTL bounds memory and staleness as a safety
//! net, and concurrent misses for one key compute it once.
//!
//! In process by default. With `REDIS_URL` the generation and the entries are shared by all
//! replicas through Redis ([`redis::RedisStore`]); when Redis is unavailable, reads are served
//! from the database. Writes made by other processes reach the cache through the database's
//! [`epoch`] within a second.

pub mod epoch;
pub mod redis;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use axum::body::Bytes;

use self::redis::RedisStore;
use crate::error::ApiError;

pub struct ResponseCache {
    local: Option<moka::future::Cache<String, Bytes>>,
    generation: AtomicU64,
    shared: Option<RedisStore>,
    epoch: Option<epoch::EpochWriter>,
    /// False until the epoch's first reading: an entry stored before it might predate a
    /// write made elsewhere that the reading then takes as its starting point.
    ready: AtomicBool,
    ttl: Duration,
}

impl ResponseCache {
    /// An in-process cache, or none when `enabled` is false.
    pub fn new(enabled: bool, ttl_seconds: u32) -> Self {
        let ttl = Duration::from_secs(u64::from(ttl_seconds));
        let local = enabled.then(|| moka::future::Cache::builder().max_capacity(10_000).time_to_live(ttl).build());
        Self { local, generation: AtomicU64::new(0), shared: None, epoch: None, ready: AtomicBool::new(true), ttl }
    }

    /// What the epoch watcher shares with this cache's epoch writer, if any.
    pub fn epoch_watching(&self) -> Option<(Arc<epoch::EpochLink>, epoch::Seen)> {
        self.epoch.as_ref().map(epoch::EpochWriter::watching)
    }

    /// Moves the database's cache epoch after every write, for the other processes' caches
    /// (kept when this one is disabled: theirs may not be).
    #[must_use]
    pub fn with_epoch(mut self, link: Arc<epoch::EpochLink>) -> Self {
        self.epoch = Some(epoch::EpochWriter::new(link));
        self.ready = AtomicBool::new(false);
        self
    }

    /// Shares generation and entries through `store` (ignored when the cache is disabled).
    #[must_use]
    pub fn with_shared(mut self, store: RedisStore) -> Self {
        if self.local.is_some() {
            self.shared = Some(store);
        }
        self
    }

    pub fn is_enabled(&self) -> bool {
        self.local.is_some()
    }

    pub fn is_shared(&self) -> bool {
        self.shared.is_some()
    }

    /// Called after every successful write: all cached results become unreachable, on every
    /// replica when the cache is shared, and in other processes within a second.
    pub async fn invalidate(&self) {
        self.invalidate_here().await;
        if let Some(epoch) = &self.epoch {
            epoch.bump_soon();
        }
    }

    /// Called by the epoch watcher once it knows the epoch: from then on results are stored.
    pub fn mark_ready(&self) {
        self.ready.store(true, Ordering::Release);
    }

    /// Waits, at most `limit`, until results are stored (the epoch's first reading), so a
    /// server starts with a working cache.
    pub async fn wait_ready(&self, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        while !self.ready.load(Ordering::Acquire) && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Ends the cached results of this process (and of the replicas sharing its Redis), for
    /// a write seen through the epoch.
    pub async fn invalidate_here(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Some(shared) = &self.shared {
            shared.bump().await;
        }
    }

    /// The cached value of `key`, or `compute`'s (stored unless it failed).
    ///
    /// # Errors
    /// `compute`'s error.
    pub async fn get_or_compute<F, Fut>(&self, key: &str, compute: F) -> Result<Bytes, ApiError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Bytes, ApiError>>,
    {
        let Some(local) = &self.local else { return compute().await };
        if !self.ready.load(Ordering::Acquire) {
            metrics::counter!("cache_requests_total", "result" => "bypass").increment(1);
            return compute().await;
        }
        let full = match &self.shared {
            None => format!("{}:{key}", self.generation.load(Ordering::SeqCst)),
            Some(shared) => match shared.generation().await {
                Some(generation) => shared.entry_key(&generation, key),
                None => {
                    metrics::counter!("cache_requests_total", "result" => "bypass").increment(1);
                    return compute().await;
                }
            },
        };
        if let Some(hit) = local.get(&full).await {
            metrics::counter!("cache_requests_total", "result" => "hit").increment(1);
            return Ok(hit);
        }
        if let Some(shared) = &self.shared
            && let Some(hit) = shared.get(&full).await
        {
            metrics::counter!("cache_requests_total", "result" => "hit").increment(1);
            local.insert(full, hit.clone()).await;
            return Ok(hit);
        }
        metrics::counter!("cache_requests_total", "result" => "miss").increment(1);
        let fill = async {
            let value = compute().await?;
            if let Some(shared) = &self.shared {
                shared.set(&full, &value, self.ttl).await;
            }
            Ok(value)
        };
        local.try_get_with(full.clone(), fill).await.map_err(|e: Arc<ApiError>| e.duplicate())
    }
}
