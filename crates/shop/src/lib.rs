//! The shop: an e-commerce backend (catalog, users, orders, analytics) with its schema
//! history, served by one binary on SQLite, PostgreSQL or MySQL.

pub mod cli;
pub mod config;
pub mod db;
pub mod entity;
pub mod migrations;
