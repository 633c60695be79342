//! The operations and the schema model they act on, as Alembic's `operations` package.
//! Within it `schema` is the bottom: `ops` builds on the model, and `replay` applies ops to
//! it.

pub mod ops;
pub mod replay;
pub mod schema;
pub mod sql_objects;
