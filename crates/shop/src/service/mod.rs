//! Business rules over a database connection; nothing here knows about HTTP beyond `ApiError`.

pub mod categories;
pub mod orders;
pub mod products;
pub mod suppliers;
pub mod tags;
pub mod throttle;
pub mod users;
pub mod variants;

use crate::error::ApiError;

/// An id that cannot name a row (below 1 or past the 32-bit key range) is simply not found.
pub fn key(id: i64, what: &str) -> Result<i32, ApiError> {
    i32::try_from(id).ok().filter(|id| *id > 0).ok_or_else(|| ApiError::not_found(what))
}
