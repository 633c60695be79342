//! Building the target schema from SeaORM entities (filled in with autogenerate).
