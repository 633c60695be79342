//! Events through a transactional outbox: a change that causes an event writes it, with one
//! delivery row per destination, in its own transaction ([`outbox::emit`]), so a rolled-back
//! change leaves no event and a committed one always has its deliveries. [`crate::worker`]
//! delivers them.

pub mod outbox;
pub mod signature;

pub use outbox::{EventType, Outbox, emit, fell_below, low_stock, wake};
