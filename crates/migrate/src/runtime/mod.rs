//! The runtime, as Alembic's `runtime` package: connecting, the bookkeeping tables, the
//! migrator lock, and running revisions online or printing them as offline SQL.

pub mod connect;
pub(crate) mod direction;
pub mod lock;
pub mod migrator;
pub mod offline;
pub mod progress;
pub mod store;
