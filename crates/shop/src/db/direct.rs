//! The statements the hot reads send straight through sqlx (`service::product_read`,
//! `service::listing`), counted, since sea-orm's metric callback does not see them: the
//! tests that hold a request to a fixed number of statements add this count to sea-orm's.
//!
//! Counted per thread: tests run side by side in one process (`cargo test`), each on its own
//! thread with a current-thread runtime, and must not see each other's statements.

use std::cell::Cell;

thread_local! {
    static STATEMENTS: Cell<u64> = const { Cell::new(0) };
}

/// Counts one statement sent past sea-orm, on the calling thread.
pub fn record() {
    STATEMENTS.with(|n| n.set(n.get() + 1));
}

/// The statements sent past sea-orm from the calling thread.
pub fn statements() -> u64 {
    STATEMENTS.with(Cell::get)
}
