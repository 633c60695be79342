//! Login throttling by growing delay, never by lockout: past `LOGIN_MAX_FAILURES` failures,
//! each further attempt for the same account, or from the same client address, must wait
//! twice as long as the one before (1 s, 2 s, 4 s ... up to `LOGIN_LOCKOUT_SECONDS`). The
//! account and the address count apart, so one client's failures only slow that client and
//! the accounts it targets. A record is forgotten `LOGIN_LOCKOUT_SECONDS` after its last
//! failure.
//!
//! With `REDIS_URL` the counters live in Redis, so every replica sees every failure (an
//! attacker spreading guesses over replicas gains nothing). Each replica also counts in
//! process, and throttles by the larger of the two: while Redis is unavailable a replica
//! still throttles what it saw itself.
//!
//! `governor` (behind `tower_governor`) was considered: it limits a rate of requests, in
//! process only, while this counts failures and grows the wait with each one, across replicas.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::redis_link::RedisLink;

pub struct LoginThrottle {
    free_failures: u32,
    longest: Duration,
    failures: Mutex<HashMap<String, Failures>>,
    shared: Option<Shared>,
}

/// The counters in Redis: a hash `<namespace>:throttle:<key>` of `count` and `last` (Unix
/// milliseconds of the last failure) that expires `LOGIN_LOCKOUT_SECONDS` after it.
struct Shared {
    link: Arc<RedisLink>,
    namespace: String,
}

#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

fn unix_millis() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Whole seconds, rounded up, so a client that waits `Retry-After` is let in.
fn whole_seconds(left: Duration) -> u64 {
    left.as_secs() + u64::from(left.subsec_nanos() > 0)
}

impl LoginThrottle {
    pub fn new(free_failures: u32, longest_seconds: u32) -> Self {
        Self {
            free_failures,
            longest: Duration::from_secs(u64::from(longest_seconds)),
            failures: Mutex::new(HashMap::new()),
            shared: None,
        }
    }

    /// Shares the counters with every replica through Redis.
    #[must_use]
    pub fn with_shared(mut self, link: Arc<RedisLink>, namespace: &str) -> Self {
        self.shared = Some(Shared { link, namespace: namespace.to_owned() });
        self
    }

    /// `account` names the account tried (its id, or the login when none has it).
    fn keys(account: &str, client: &str) -> [String; 2] {
        [format!("account:{account}"), format!("client:{client}")]
    }

    /// How long after the last of `count` failures the next attempt may come.
    fn delay(&self, count: u32) -> Duration {
        let Some(over) = count.checked_sub(self.free_failures) else { return Duration::ZERO };
        Duration::from_secs(1u64.checked_shl(over).unwrap_or(u64::MAX)).min(self.longest)
    }

    /// Seconds to wait before `account` may be tried again from `client`, when either has to.
    pub async fn retry_after(&self, account: &str, client: &str) -> Option<u64> {
        let keys = Self::keys(account, client);
        let local = self.local_wait(&keys);
        let shared = match &self.shared {
            Some(shared) => self.shared_wait(shared, &keys).await,
            None => None,
        };
        local.max(shared).map(whole_seconds)
    }

    fn local_wait(&self, keys: &[String; 2]) -> Option<Duration> {
        let now = Instant::now();
        let map = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        keys.iter()
            .filter_map(|key| map.get(key))
            .filter_map(|f| (f.last + self.delay(f.count)).checked_duration_since(now))
            .filter(|left| !left.is_zero())
            .max()
    }

    /// `None` when nobody has to wait, or when Redis did not answer.
    async fn shared_wait(&self, shared: &Shared, keys: &[String; 2]) -> Option<Duration> {
        let names: Vec<String> = keys.iter().map(|k| shared.key(k)).collect();
        let records: Vec<(Option<u32>, Option<u64>)> = shared
            .link
            .run_read(|mut c| async move {
                let mut pipe = redis::pipe();
                for name in &names {
                    pipe.cmd("HMGET").arg(name).arg("count").arg("last");
                }
                pipe.query_async(&mut c).await
            })
            .await?;
        let now = unix_millis();
        records
            .into_iter()
            .filter_map(|(count, last)| Some((count?, last?)))
            .map(|(count, last)| {
                let until = last.saturating_add(u64::try_from(self.delay(count).as_millis()).unwrap_or(u64::MAX));
                Duration::from_millis(until.saturating_sub(now))
            })
            .filter(|left| !left.is_zero())
            .max()
    }

    pub async fn record_failure(&self, account: &str, client: &str) {
        let keys = Self::keys(account, client);
        self.record_local_failure(&keys);
        if let Some(shared) = &self.shared {
            let names: Vec<String> = keys.iter().map(|k| shared.key(k)).collect();
            let (now, ttl) = (unix_millis(), self.longest.as_secs().max(1));
            // Always tried, breaker or not: a failure the other replicas miss is an attempt
            // they do not slow down.
            let _ = shared
                .link
                .run(|mut c| async move {
                    let mut pipe = redis::pipe();
                    pipe.atomic();
                    for name in &names {
                        pipe.cmd("HINCRBY").arg(name).arg("count").arg(1).ignore();
                        pipe.cmd("HSET").arg(name).arg("last").arg(now).ignore();
                        pipe.cmd("EXPIRE").arg(name).arg(ttl).ignore();
                    }
                    pipe.query_async::<()>(&mut c).await
                })
                .await;
        }
    }

    fn record_local_failure(&self, keys: &[String; 2]) {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Bound memory under a flood of distinct logins: forget records past the longest delay.
        if map.len() > 100_000 {
            map.retain(|_, f| now.duration_since(f.last) < self.longest);
        }
        for key in keys {
            let entry = map.entry(key.clone()).or_insert(Failures { count: 0, last: now });
            if now.duration_since(entry.last) >= self.longest {
                entry.count = 0;
            }
            entry.count = entry.count.saturating_add(1);
            entry.last = now;
        }
    }

    /// A successful login clears the account's failures (not the client's).
    pub async fn record_success(&self, account: &str) {
        let key = format!("account:{account}");
        self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&key);
        if let Some(shared) = &self.shared {
            let name = shared.key(&key);
            let _ = shared
                .link
                .run(|mut c| async move { redis::cmd("DEL").arg(&name).query_async::<()>(&mut c).await })
                .await;
        }
    }
}

impl Shared {
    fn key(&self, key: &str) -> String {
        format!("{}:throttle:{key}", self.namespace)
    }
}

#[cfg(test)]
mod tests {
    use super::LoginThrottle;

    #[tokio::test]
    async fn the_account_and_the_client_slow_down_apart() {
        let t = LoginThrottle::new(3, 60);
        for _ in 0..2 {
            t.record_failure("user:7", "1.2.3.4").await;
        }
        assert_eq!(t.retry_after("user:7", "1.2.3.4").await, None);
        t.record_failure("user:7", "1.2.3.4").await;
        assert_eq!(t.retry_after("user:7", "9.9.9.9").await, Some(1), "the account waits");
        assert_eq!(t.retry_after("user:8", "1.2.3.4").await, Some(1), "the client waits");
        assert_eq!(t.retry_after("user:8", "5.5.5.5").await, None, "nobody else does");
        t.record_success("user:7").await;
        assert_eq!(t.retry_after("user:7", "9.9.9.9").await, None);
    }

    #[tokio::test]
    async fn each_failure_past_the_free_ones_doubles_the_wait_up_to_the_longest() {
        let t = LoginThrottle::new(2, 10);
        let mut waits = Vec::new();
        for _ in 0..7 {
            t.record_failure("user:1", "a").await;
            waits.push(t.retry_after("user:1", "b").await.unwrap_or(0));
        }
        assert_eq!(waits, [0, 1, 2, 4, 8, 10, 10]);
    }
}
