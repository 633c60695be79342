//! Black-box tests of the shop: the schema history through the engine, and the `shop`
//! binary's commands. SQLite always; PostgreSQL and MySQL when their URLs are set.

mod cli;
mod migrations;
