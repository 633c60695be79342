//! An in-process cache of read results (analytics), invalidated by writes: every successful
//! write request moves a generation counter that is part of each key, so nothing cached
//! before a write is served after it. A TTL bounds memory and staleness as a safety net, and
//! concurrent misses for one key compute it once.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::body::Bytes;

use crate::error::ApiError;

pub struct ResponseCache {
    entries: Option<moka::future::Cache<String, Bytes>>,
    generation: AtomicU64,
}

impl ResponseCache {
    pub fn new(enabled: bool, ttl_seconds: u32) -> Self {
        let entries = enabled.then(|| {
            moka::future::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(Duration::from_secs(u64::from(ttl_seconds)))
                .build()
        });
        Self { entries, generation: AtomicU64::new(0) }
    }

    /// Called after every successful write: all cached results become unreachable.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
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
        let Some(entries) = &self.entries else { return compute().await };
        let key = format!("{}:{key}", self.generation.load(Ordering::SeqCst));
        if let Some(hit) = entries.get(&key).await {
            metrics::counter!("cache_requests_total", "result" => "hit").increment(1);
            return Ok(hit);
        }
        metrics::counter!("cache_requests_total", "result" => "miss").increment(1);
        entries.try_get_with(key, compute()).await.map_err(|e: Arc<ApiError>| e.duplicate())
    }
}
