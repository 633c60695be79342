//! Business rules of tags.
