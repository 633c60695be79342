//! Request and response types with their validation: the edge of the API.

pub mod category;
pub mod common;
pub mod order;
pub mod product;
pub mod supplier;
pub mod tag;
pub mod text;
pub mod user;
pub mod variant;
