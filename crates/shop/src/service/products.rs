//! Business rules of products.
