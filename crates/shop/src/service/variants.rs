//! Business rules of variants.
