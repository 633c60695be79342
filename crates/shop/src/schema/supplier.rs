//! Supplier DTOs.
