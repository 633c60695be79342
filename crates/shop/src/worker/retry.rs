//! When a failed delivery is tried again: the configured wait for its attempt number, give or
//! take a tenth at random, so the retries of many deliveries that failed together spread out.

use std::time::Duration;

use rand_core::RngCore;

/// The wait after failed attempt `attempt` (1-based), or `None` when the schedule is spent
/// and the delivery is dead.
pub fn next_wait(schedule: &[Duration], attempt: i32) -> Option<Duration> {
    let index = usize::try_from(attempt).ok()?.checked_sub(1)?;
    let base = *schedule.get(index)?;
    // A factor in [0.9, 1.1].
    let jitter = 0.9 + 0.2 * f64::from(rand_core::OsRng.next_u32()) / f64::from(u32::MAX);
    Some(base.mul_f64(jitter))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_follow_the_schedule_within_a_tenth_then_stop() {
        let schedule = [Duration::from_secs(5), Duration::from_secs(300)];
        for _ in 0..100 {
            let first = next_wait(&schedule, 1).unwrap();
            assert!(first >= Duration::from_millis(4500) && first <= Duration::from_millis(5500), "{first:?}");
            let second = next_wait(&schedule, 2).unwrap();
            assert!(second >= Duration::from_secs(270) && second <= Duration::from_secs(330), "{second:?}");
        }
        assert_eq!(next_wait(&schedule, 3), None);
        assert_eq!(next_wait(&schedule, 0), None);
    }
}
