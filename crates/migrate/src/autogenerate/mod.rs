//! Autogenerate, as Alembic's `autogenerate` package: the schema the application's entities
//! describe, the schema a live database reports, how two schemas differ, and the revision
//! source that closes the difference.

pub mod codegen;
pub mod compare;
pub mod defaults;
pub mod diff;
pub mod entity;
pub mod inspect;
