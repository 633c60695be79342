//! Login throttling: after `LOGIN_MAX_FAILURES` failures for one username or one client within
//! `LOGIN_LOCKOUT_SECONDS`, further attempts are refused until the window passes. Kept in
//! process memory: each replica throttles on its own.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct LoginThrottle {
    max_failures: u32,
    window: Duration,
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl LoginThrottle {
    pub fn new(max_failures: u32, window_seconds: u32) -> Self {
        Self {
            max_failures,
            window: Duration::from_secs(u64::from(window_seconds)),
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn keys(username: &str, client: &str) -> [String; 2] {
        [format!("user:{}", username.to_lowercase()), format!("client:{client}")]
    }

    /// Seconds to wait when either key is over the limit, else `None`.
    pub fn retry_after(&self, username: &str, client: &str) -> Option<u64> {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut wait = None;
        for key in Self::keys(username, client) {
            if let Some(times) = map.get_mut(&key) {
                times.retain(|t| now.duration_since(*t) < self.window);
                if times.len() >= self.max_failures as usize
                    && let Some(oldest) = times.first()
                {
                    let left = self.window.saturating_sub(now.duration_since(*oldest)).as_secs().max(1);
                    wait = Some(wait.map_or(left, |w: u64| w.max(left)));
                }
            }
        }
        wait
    }

    pub fn record_failure(&self, username: &str, client: &str) {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Bound memory under a flood of distinct usernames: forget entries past the window.
        if map.len() > 100_000 {
            map.retain(|_, times| times.last().is_some_and(|t| now.duration_since(*t) < self.window));
        }
        for key in Self::keys(username, client) {
            map.entry(key).or_default().push(now);
        }
    }

    /// A successful login clears the username's failures (not the client's).
    pub fn record_success(&self, username: &str) {
        let mut map = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.remove(&format!("user:{}", username.to_lowercase()));
    }
}

#[cfg(test)]
mod tests {
    use super::LoginThrottle;

    #[test]
    fn refuses_after_the_limit_per_user_and_per_client() {
        let t = LoginThrottle::new(3, 60);
        for _ in 0..2 {
            t.record_failure("bob", "1.2.3.4");
        }
        assert_eq!(t.retry_after("bob", "1.2.3.4"), None);
        t.record_failure("bob", "1.2.3.4");
        assert!(t.retry_after("bob", "9.9.9.9").is_some(), "per user");
        assert!(t.retry_after("carol", "1.2.3.4").is_some(), "per client");
        assert_eq!(t.retry_after("carol", "5.5.5.5"), None);
        t.record_success("bob");
        assert_eq!(t.retry_after("bob", "9.9.9.9"), None);
    }
}
