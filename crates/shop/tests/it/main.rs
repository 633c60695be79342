//! Black-box tests of the shop: the schema history through the engine, the `shop` binary's
//! commands, and the HTTP API through the real router on a real database. SQLite always;
//! PostgreSQL and MySQL when their URLs are set.

mod above_average;
mod analytics;
mod cache;
mod categories;
mod cli;
mod console;
mod differential;
mod events;
mod fault;
mod http;
mod migrations;
mod orders;
mod products;
mod readme;
mod rollups;
mod schema_tools;
mod search;
mod search_model;
mod security;
mod seed;
mod server;
mod suppliers;
mod support;
mod system;
mod tags;
mod totals;
mod users;
mod variants;
