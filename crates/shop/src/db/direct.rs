//! The statements the hot reads send straight through sqlx (`service::product_read`,
//! `service::listing`), counted, since sea-orm's metric callback does not see them: the
//! tests that hold a request to a fixed number of statements add this count to sea-orm's.

use std::sync::atomic::{AtomicU64, Ordering};

static STATEMENTS: AtomicU64 = AtomicU64::new(0);

/// Counts one statement sent past sea-orm.
pub fn record() {
    STATEMENTS.fetch_add(1, Ordering::Relaxed);
}

/// The statements sent past sea-orm since the process started.
pub fn statements() -> u64 {
    STATEMENTS.load(Ordering::Relaxed)
}
