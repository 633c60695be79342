//! Query parameters, read one by one with FastAPI's messages: the schema edge of every list
//! and report (the HTTP extractor that fills them lives in `api::extract`).

use crate::error::{ApiError, FieldError};
use crate::schema::NUL_MESSAGE;

/// Query parameters, read one by one with FastAPI's messages; errors are collected and
/// reported together by [`Params::finish`].
pub struct Params {
    pairs: Vec<(String, String)>,
    errors: Vec<FieldError>,
}

impl Params {
    /// The parameters as sent; a value holding U+0000 is refused here, whatever reads it.
    pub fn from_pairs(mut pairs: Vec<(String, String)>) -> Self {
        let mut errors = Vec::new();
        pairs.retain(|(name, value)| {
            let nul = name.contains('\0') || value.contains('\0');
            if nul {
                errors.push(FieldError::query(name, NUL_MESSAGE, "string_type"));
            }
            !nul
        });
        Self { pairs, errors }
    }

    fn last(&self, name: &str) -> Option<&str> {
        self.pairs.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Every value of a repeatable parameter, as sent.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
    }

    pub fn has(&self, name: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == name)
    }

    pub fn fail(&mut self, name: &str, msg: impl Into<String>, kind: &str) {
        self.errors.push(FieldError::query(name, msg, kind));
    }

    /// An integer within `[min, max]`.
    pub fn int(&mut self, name: &str, min: i64, max: i64) -> Option<i64> {
        let raw = self.last(name)?.to_owned();
        match raw.trim().parse::<i64>() {
            Err(_) => {
                self.fail(name, "Input should be a valid integer, unable to parse string as an integer", "int_parsing");
                None
            }
            Ok(v) if v < min => {
                self.fail(name, format!("Input should be greater than or equal to {min}"), "greater_than_equal");
                None
            }
            Ok(v) if v > max => {
                self.fail(name, format!("Input should be less than or equal to {max}"), "less_than_equal");
                None
            }
            Ok(v) => Some(v),
        }
    }

    /// Every value of a repeatable integer parameter.
    pub fn ints(&mut self, name: &str) -> Vec<i64> {
        let raws: Vec<String> = self.pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect();
        let mut out = Vec::new();
        for raw in raws {
            match raw.trim().parse::<i64>() {
                Ok(v) => out.push(v),
                Err(_) => self.fail(
                    name,
                    "Input should be a valid integer, unable to parse string as an integer",
                    "int_parsing",
                ),
            }
        }
        out
    }

    pub fn bool(&mut self, name: &str) -> Option<bool> {
        let raw = self.last(name)?.to_ascii_lowercase();
        match raw.trim() {
            "true" | "1" | "yes" | "on" | "t" | "y" => Some(true),
            "false" | "0" | "no" | "off" | "f" | "n" => Some(false),
            _ => {
                self.fail(name, "Input should be a valid boolean, unable to interpret input", "bool_parsing");
                None
            }
        }
    }

    pub fn string(&mut self, name: &str, max_len: usize) -> Option<String> {
        let raw = self.last(name)?.to_owned();
        if raw.chars().count() > max_len {
            self.fail(name, format!("String should have at most {max_len} characters"), "string_too_long");
            return None;
        }
        Some(raw)
    }

    pub fn decimal(&mut self, name: &str) -> Option<rust_decimal::Decimal> {
        let raw = self.last(name)?.to_owned();
        match raw.trim().parse::<rust_decimal::Decimal>() {
            Ok(v) => Some(v),
            Err(_) => {
                self.fail(name, "Input should be a valid decimal", "decimal_parsing");
                None
            }
        }
    }

    /// Ends parsing: all collected problems as one 422.
    ///
    /// # Errors
    /// The collected field errors.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() { Ok(()) } else { Err(ApiError::validation(self.errors)) }
    }
}
