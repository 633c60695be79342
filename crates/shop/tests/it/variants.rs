//! HTTP tests of variants.
