//! Variant DTOs.
