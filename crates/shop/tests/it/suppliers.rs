//! HTTP tests of suppliers.
