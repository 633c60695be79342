//! Admission control: at most as many requests use the database at once as the pool has
//! connections; the rest queue here for at most `DB_ACQUIRE_TIMEOUT_MS` and are then answered
//! 503 with `Retry-After`. Counting the queue here is what lets `/health` report how many
//! wait (the pool does not say), and a request turned away costs no database work.
//!
//! Reads the response cache can answer (the product and analytics GETs) pass the gate and
//! take a pass only when they miss, inside [`crate::api::cached`], so cached reads stay fast
//! while the database is saturated. A request that already holds a pass is never queued for
//! a second one (with every pass held that way, all would wait on each other).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::api::AppState;
use crate::error::ApiError;

pub struct Admission {
    passes: Arc<Semaphore>,
    waiting: AtomicUsize,
    patience: Duration,
}

/// Held while a request may use the database; empty when the request already held one.
pub struct Pass {
    _permit: Option<OwnedSemaphorePermit>,
}

tokio::task_local! {
    /// Set while a request that passed the gate runs.
    static ADMITTED: ();
}

/// Counts a waiter for as long as it waits, however its wait ends (a client that hangs up
/// drops the future mid-wait).
struct Waiter<'a>(&'a AtomicUsize);

impl Drop for Waiter<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Admission {
    /// `capacity` passes (the pool size); a request waits at most `patience` for one.
    pub fn new(capacity: u32, patience: Duration) -> Self {
        let capacity = usize::try_from(capacity).unwrap_or(usize::MAX).max(1);
        Self { passes: Arc::new(Semaphore::new(capacity)), waiting: AtomicUsize::new(0), patience }
    }

    /// Requests queued for a pass now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }

    /// A pass, at once when one is free, else after waiting in line (first come, first
    /// served) for at most the patience.
    ///
    /// # Errors
    /// [`ApiError::Busy`] when none came free in time.
    pub async fn enter(&self) -> Result<Pass, ApiError> {
        if ADMITTED.try_with(|()| ()).is_ok() {
            return Ok(Pass { _permit: None });
        }
        if let Ok(permit) = self.passes.clone().try_acquire_owned() {
            return Ok(Pass { _permit: Some(permit) });
        }
        self.waiting.fetch_add(1, Ordering::Relaxed);
        let _waiter = Waiter(&self.waiting);
        match tokio::time::timeout(self.patience, self.passes.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(Pass { _permit: Some(permit) }),
            Ok(Err(_)) | Err(_) => {
                metrics::counter!("admission_rejected_total").increment(1);
                Err(ApiError::Busy(format!("no database connection came free within {:?}", self.patience)))
            }
        }
    }
}

/// Middleware on every route: requests that may use the database hold a pass while they run.
pub async fn gate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if passes_freely(&state.settings.server.api_v1_str, &request) {
        return next.run(request).await;
    }
    match state.admission.enter().await {
        Ok(_pass) => ADMITTED.scope((), next.run(request)).await,
        Err(busy) => busy.into_response(),
    }
}

/// The banner, the health check, and the reads that take a pass only on a cache miss.
fn passes_freely(api_prefix: &str, request: &Request) -> bool {
    let Some(route) = request.extensions().get::<MatchedPath>().map(MatchedPath::as_str) else { return true };
    if route == "/" || route == "/health" {
        return true;
    }
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return false;
    }
    let Some(api) = route.strip_prefix(api_prefix.trim_end_matches('/')) else { return false };
    api == "/products" || api == "/products/{id}" || api.starts_with("/analytics/")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::Admission;

    #[tokio::test]
    async fn a_full_gate_counts_its_waiters_and_turns_them_away_after_the_patience() {
        let gate = Admission::new(1, Duration::from_millis(50));
        let held = gate.enter().await.ok();
        assert!(held.is_some());
        let (first, second) = tokio::join!(gate.enter(), async {
            tokio::time::sleep(Duration::from_millis(10)).await;
            gate.waiting()
        });
        assert_eq!(second, 1, "one request waits");
        assert_eq!(first.err().map(|e| e.status().as_u16()), Some(503));
        assert_eq!(gate.waiting(), 0, "a turned-away request stops counting");
        drop(held);
        assert!(gate.enter().await.is_ok(), "a freed pass is taken at once");
    }

    #[tokio::test]
    async fn a_request_holding_a_pass_is_not_queued_for_another() {
        let gate = Admission::new(1, Duration::from_millis(50));
        let held = gate.enter().await.ok();
        let nested = super::ADMITTED.scope((), gate.enter()).await;
        assert!(nested.is_ok(), "the admitted request waited on its own pass");
        assert_eq!(gate.waiting(), 0);
        drop(held);
    }
}
