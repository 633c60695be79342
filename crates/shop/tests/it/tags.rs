//! HTTP tests of tags.
