//! Alembic-grade schema migrations for SeaORM.
//!
//! Revisions record typed operations ([`Ops`]); the schema at any revision is obtained by
//! replaying them ([`Schema`]), each dialect renders them to SQL ([`render`]), and the
//! [`Migrator`] applies them with per-revision transactions, a version table, a history table
//! and a migrator lock. The crate knows nothing about any particular application.

pub mod cli;
pub mod codegen;
pub mod compare;
pub mod connect;
pub mod dialect;
pub mod diff;
pub mod entity;
mod error;
pub mod graph;
pub mod inspect;
pub mod lint;
pub mod lock;
pub mod migrator;
pub mod offline;
pub mod ops;
pub mod render;
pub mod replay;
pub mod revision;
pub mod scaffold;
pub mod schema;
pub mod store;
pub mod target;
pub mod testing;
pub mod verify;

pub use connect::Unreachable;
pub use dialect::Dialect;
pub use error::MigrateError;
pub use graph::RevisionGraph;
pub use migrator::{Migrator, Options, StepReport};
pub use ops::{Alter, DataFuture, External, ExternalKind, Op, Ops, RawSql, Value};
pub use revision::Revision;
pub use schema::{Column, ColumnType, DefaultValue, FkAction, Schema, Table};
