//! The shop: an e-commerce backend (catalog, users, orders, analytics) with its schema
//! history, served by one binary on SQLite, PostgreSQL or MySQL.

pub mod analytics;
pub mod api;
pub mod app;
pub mod cache;
pub mod cli;
pub mod config;
pub mod console;
pub mod db;
pub mod entity;
pub mod error;
pub mod events;
pub mod healthcheck;
pub mod metrics;
pub mod middleware;
pub mod migrations;
pub mod net;
pub mod pool;
pub mod prompt;
pub mod redis_link;
pub mod schema;
pub mod search;
pub mod security;
pub mod seed;
pub mod service;
pub mod telemetry;
pub mod worker;
