//! Product search: the `filter` expression language, the list filters of `GET /products` and
//! keyset paging with signed cursors.

pub mod cursor;
pub mod field;
pub mod lexer;
pub mod parser;
pub mod query;
pub mod selectivity;
pub mod sql;

/// A problem in a `filter` expression, at a 1-based character position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    pub pos: usize,
    pub msg: String,
}

impl FilterError {
    pub fn new(pos: usize, msg: impl Into<String>) -> Self {
        Self { pos, msg: msg.into() }
    }
}

impl std::fmt::Display for FilterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (at position {})", self.msg, self.pos)
    }
}
