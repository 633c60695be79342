//! The revision scripts, as Alembic's `script` package: revisions, the graph they form, the
//! targets that name a set of them, and the writing of new revision files.

pub mod graph;
pub mod revision;
pub mod scaffold;
pub mod target;
