//! Integration tests of the migration engine: graph and targets in memory, then the executor
//! against real databases (SQLite always; PostgreSQL and MySQL when their URLs are set).

mod batch;
mod engine;
mod fixtures;
mod graph;
