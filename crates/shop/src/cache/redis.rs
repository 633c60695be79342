//! The shared half of the cache, when `REDIS_URL` is set: the generation counter and the
//! entries live in Redis, so a write through one replica is seen by the next read through any
//! other. While Redis is unavailable ([`RedisLink`] bounds and skips the calls) reads are
//! served from the database, and the first successful call afterwards moves the generation,
//! since writes made meanwhile could not. Keys also carry an epoch that Redis picks when it has
//! none, so a Redis restarted empty never revives entries that replicas still hold in process.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use redis::AsyncCommands;

use crate::redis_link::RedisLink;

pub struct RedisStore {
    link: Arc<RedisLink>,
    /// Keys are `<namespace>:epoch`, `<namespace>:generation` and
    /// `<namespace>:<epoch>:<generation>:<key>`.
    namespace: String,
}

impl RedisStore {
    pub fn new(link: Arc<RedisLink>, namespace: &str) -> Self {
        Self { link, namespace: namespace.to_owned() }
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
            self.link.run_read(|mut c| async move { c.mget(&keys).await }).await?;
        let epoch = match epoch {
            Some(epoch) => epoch,
            None => {
                // A new or restarted Redis: whoever comes first names the epoch.
                let fresh = format!("{:016x}", rand_core::RngCore::next_u64(&mut rand_core::OsRng));
                let key = epoch_key.clone();
                self.link.run(|mut c| async move { c.set_nx::<_, _, bool>(&key, fresh).await }).await?;
                self.link.run(|mut c| async move { c.get::<_, Option<String>>(&epoch_key).await }).await??
            }
        };
        if self.link.take_suspect() {
            generation =
                Some(self.link.run(|mut c| async move { c.incr::<_, _, u64>(&generation_key, 1).await }).await?);
        }
        Some(format!("{epoch}:{}", generation.unwrap_or_default()))
    }

    /// After a write: every replica's next read misses what was cached before it.
    pub async fn bump(&self) {
        let key = self.generation_key();
        let _ = self.link.run(|mut c| async move { c.incr::<_, _, u64>(&key, 1).await }).await;
    }

    pub fn entry_key(&self, generation: &str, key: &str) -> String {
        format!("{}:{generation}:{key}", self.namespace)
    }

    pub async fn get(&self, key: &str) -> Option<Bytes> {
        let key = key.to_owned();
        self.link
            .run_read(|mut c| async move { c.get::<_, Option<Vec<u8>>>(&key).await })
            .await
            .flatten()
            .map(Bytes::from)
    }

    pub async fn set(&self, key: &str, value: &Bytes, ttl: Duration) {
        let (key, value) = (key.to_owned(), value.to_vec());
        let _ = self
            .link
            .run_read(|mut c| async move { c.set_ex::<_, _, ()>(&key, value, ttl.as_secs().max(1)).await })
            .await;
    }
}
