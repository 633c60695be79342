//! Integration tests of the migration engine: graph and targets in memory, then the executor
//! against real databases (SQLite always; PostgreSQL and MySQL when their URLs are set).

mod autogen;
mod batch;
mod branches;
mod defaults;
mod edits;
mod engine;
mod externals;
mod fixtures;
mod generated_sample;
mod graph;
mod lint_rules;
mod outside;
mod triggers;
mod types;
