//! DDL per dialect, as Alembic's `ddl` package: operations rendered to each dialect's
//! statements, and lint, which warns about what those statements do to existing rows (it
//! needs the renderer to know when SQLite rebuilds a table).

pub mod findings;
pub mod lint;
pub mod render;
