//! HTTP tests of products.
