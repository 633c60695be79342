//! Tag DTOs.
