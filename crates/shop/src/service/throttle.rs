//! Login throttling by growing delay, never by lockout: past `LOGIN_MAX_FAILURES` failures,
//! each further attempt for the same account, or from the same client address, must wait
//! twice as long as the one before (1 s, 2 s, 4 s ... up to `LOGIN_LOCKOUT_SECONDS`). The
//! account and the address count apart, so one client's failures only slow that client and
//! the accounts it targets. A record is forgotten `LOGIN_LOCKOUT_SECONDS` after its last
//! failure. Kept in process memory: each replica throttles on its own.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct LoginThrottle {
    free_failures: u32,
    longest: Duration,
    failures: Mutex<HashMap<String, Failures>>,
}

#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

impl LoginThrottle {
    pub fn new(free_failures: u32, longest_seconds: u32) -> Self {
        Self {
            free_failures,
            longest: Duration::from_secs(u64::from(longest_seconds)),
            failures: Mutex::new(HashMap::new()),
        }
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
    pub fn retry_after(&self, account: &str, client: &str) -> Option<u64> {
        let now = Instant::now();
        let map = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Self::keys(account, client)
            .iter()
            .filter_map(|key| map.get(key))
            .filter_map(|f| (f.last + self.delay(f.count)).checked_duration_since(now))
            .filter(|left| !left.is_zero())
            .map(|left| left.as_secs_f64().ceil() as u64)
            .max()
    }

    pub fn record_failure(&self, account: &str, client: &str) {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Bound memory under a flood of distinct logins: forget records past the longest delay.
        if map.len() > 100_000 {
            map.retain(|_, f| now.duration_since(f.last) < self.longest);
        }
        for key in Self::keys(account, client) {
            let entry = map.entry(key).or_insert(Failures { count: 0, last: now });
            if now.duration_since(entry.last) >= self.longest {
                entry.count = 0;
            }
            entry.count = entry.count.saturating_add(1);
            entry.last = now;
        }
    }

    /// A successful login clears the account's failures (not the client's).
    pub fn record_success(&self, account: &str) {
        let mut map = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.remove(&format!("account:{account}"));
    }
}

#[cfg(test)]
mod tests {
    use super::LoginThrottle;

    #[test]
    fn the_account_and_the_client_slow_down_apart() {
        let t = LoginThrottle::new(3, 60);
        for _ in 0..2 {
            t.record_failure("user:7", "1.2.3.4");
        }
        assert_eq!(t.retry_after("user:7", "1.2.3.4"), None);
        t.record_failure("user:7", "1.2.3.4");
        assert_eq!(t.retry_after("user:7", "9.9.9.9"), Some(1), "the account waits");
        assert_eq!(t.retry_after("user:8", "1.2.3.4"), Some(1), "the client waits");
        assert_eq!(t.retry_after("user:8", "5.5.5.5"), None, "nobody else does");
        t.record_success("user:7");
        assert_eq!(t.retry_after("user:7", "9.9.9.9"), None);
    }

    #[test]
    fn each_failure_past_the_free_ones_doubles_the_wait_up_to_the_longest() {
        let t = LoginThrottle::new(2, 10);
        let waits: Vec<u64> = (0..7)
            .map(|_| {
                t.record_failure("user:1", "a");
                t.retry_after("user:1", "b").unwrap_or(0)
            })
            .collect();
        assert_eq!(waits, [0, 1, 2, 4, 8, 10, 10]);
    }
}
