//! Alembic-grade schema migrations for SeaORM.
//!
//! Revisions record typed operations ([`Ops`]); the schema at any revision is obtained by
//! replaying them ([`Schema`]), each dialect renders them to SQL ([`render`]), and the
//! [`Migrator`] applies them with per-revision transactions, a version table, a history table
//! and a migrator lock. The crate knows nothing about any particular application.
//!
//! The source is packaged by role, as Alembic's is, and each package uses only those below
//! it, so any of them can be read, and changed, without the ones above:
//!
//! - `cli`: the `db` command set;
//! - `runtime`: connecting, bookkeeping, locking, running revisions;
//! - `script`: revisions and their graph (a new revision's body comes from `autogenerate`);
//! - `autogenerate`: entities, introspection, schema differences, revision source;
//! - `ddl`: SQL per dialect, and lint of what it does;
//! - `operations`: the operations and the schema model;
//! - [`dialect`]: the supported dialects, named by the schema model itself.
//!
//! [`MigrateError`] sits beside them: the packages from `script` up report through it, and it
//! wraps the graph and connection errors. The flat module paths (`migrate::graph`,
//! `migrate::schema`, ...) stay, so callers need not know the packages.

mod autogenerate;
pub mod cli;
mod ddl;
pub mod dialect;
mod error;
mod operations;
mod runtime;
mod script;
pub mod testing;

pub use autogenerate::{codegen, compare, diff, entity, inspect};
pub use cli::verify;
pub use ddl::{lint, render};
pub use operations::{ops, replay, schema};
pub use runtime::{connect, lock, migrator, offline, store};
pub use script::{graph, revision, scaffold, target};

pub use dialect::Dialect;
pub use error::MigrateError;
pub use graph::RevisionGraph;
pub use migrator::{Migrator, Options, StepReport};
pub use ops::{Alter, DataFuture, External, ExternalKind, Op, Ops, RawSql, Value};
pub use revision::Revision;
pub use runtime::connect::Unreachable;
pub use schema::{Column, ColumnType, DefaultValue, FkAction, Schema, Table};
