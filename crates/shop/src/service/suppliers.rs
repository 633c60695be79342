//! Business rules of suppliers.
