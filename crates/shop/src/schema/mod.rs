//! Request and response types with their validation: the edge of the API.

pub mod category;
pub mod common;
pub mod order;
pub mod params;
pub mod product;
pub mod supplier;
pub mod tag;
pub mod text;
pub mod user;
pub mod validation;
pub mod variant;
pub mod webhook;

/// Why a string holding U+0000 is refused: PostgreSQL cannot store it, so no database does.
pub const NUL_MESSAGE: &str = "String should not contain the NUL character (U+0000)";
