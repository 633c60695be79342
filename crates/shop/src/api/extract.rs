//! Our own extractors, so every malformed request becomes an `ApiError` in FastAPI's shapes:
//! JSON bodies (content type, size, syntax, types, unknown fields, validation), query
//! parameters and path ids.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

use crate::error::{ApiError, FieldError, LocItem};

/// A JSON body, deserialized and validated.
pub struct ValidJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Validate> FromRequest<S> for ValidJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|mime| {
                let mime = mime.trim().to_ascii_lowercase();
                mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
            })
            .unwrap_or(false);
        if !is_json {
            return Err(ApiError::UnsupportedMediaType("Content-Type must be application/json".to_owned()));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| match rejection {
            BytesRejection::FailedToBufferBody(_) => ApiError::PayloadTooLarge("Request body is too large".to_owned()),
            other => ApiError::BadRequest(other.body_text()),
        })?;
        let value: T = parse_json(&bytes)?;
        value.validate().map_err(|errors| ApiError::validation(validation_errors(&errors)))?;
        Ok(Self(value))
    }
}

/// Deserializes a JSON body, reporting the path of the offending field.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::one(FieldError::body(&[], "Field required", "missing")));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let result: Result<T, _> = serde_path_to_error::deserialize(&mut de);
    let value = result.map_err(|err| ApiError::one(serde_error(&err)))?;
    de.end().map_err(|err| ApiError::one(json_syntax(&err)))?;
    Ok(value)
}

fn json_syntax(err: &serde_json::Error) -> FieldError {
    FieldError::new(vec!["body".into(), err.column().into()], format!("JSON decode error: {err}"), "json_invalid")
}

fn serde_error(err: &serde_path_to_error::Error<serde_json::Error>) -> FieldError {
    let inner = err.inner();
    if inner.is_syntax() || inner.is_eof() {
        return json_syntax(inner);
    }
    let mut loc: Vec<LocItem> = vec!["body".into()];
    for segment in err.path().iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => loc.push((*index).into()),
            serde_path_to_error::Segment::Map { key } => loc.push(key.clone().into()),
            serde_path_to_error::Segment::Enum { variant } => loc.push(variant.clone().into()),
            serde_path_to_error::Segment::Unknown => {}
        }
    }
    // serde_json appends the position; the location already says where.
    let message = inner.to_string();
    let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
    let backticked = message.split('`').nth(1).map(str::to_owned);
    if message.starts_with("missing field") {
        if let Some(field) = backticked {
            loc.push(field.into());
        }
        return FieldError::new(loc, "Field required", "missing");
    }
    if message.starts_with("unknown field") {
        if let Some(field) = backticked
            && loc.last() != Some(&LocItem::Key(field.clone()))
        {
            loc.push(field.into());
        }
        return FieldError::new(loc, "Extra inputs are not permitted", "extra_forbidden");
    }
    let kind = if message.starts_with("invalid type") { "type_error" } else { "value_error" };
    FieldError::new(loc, message, kind)
}

/// Flattens `validator`'s errors into 422 entries under `body`.
pub fn validation_errors(errors: &ValidationErrors) -> Vec<FieldError> {
    let mut out = Vec::new();
    collect(errors, &mut vec!["body".into()], &mut out);
    out
}

fn collect(errors: &ValidationErrors, prefix: &mut Vec<LocItem>, out: &mut Vec<FieldError>) {
    let mut fields: Vec<_> = errors.errors().iter().collect();
    fields.sort_by(|a, b| a.0.cmp(b.0));
    for (field, kind) in fields {
        prefix.push(field.to_string().into());
        match kind {
            ValidationErrorsKind::Field(list) => {
                for e in list {
                    let msg = e.message.as_ref().map_or_else(|| e.code.to_string(), ToString::to_string);
                    out.push(FieldError::new(prefix.clone(), msg, &e.code));
                }
            }
            ValidationErrorsKind::Struct(inner) => collect(inner, prefix, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    prefix.push((*index).into());
                    collect(inner, prefix, out);
                    prefix.pop();
                }
            }
        }
        prefix.pop();
    }
}

/// Query parameters, read one by one with FastAPI's messages; errors are collected and
/// reported together by [`Params::finish`].
pub struct Params {
    pairs: Vec<(String, String)>,
    errors: Vec<FieldError>,
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let pairs = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        Ok(Self { pairs, errors: Vec::new() })
    }
}

impl Params {
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        Self { pairs, errors: Vec::new() }
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
        // No database stores NUL in text, and PostgreSQL refuses it outright.
        if raw.contains('\0') {
            self.fail(name, "String should not contain NUL characters", "string_type");
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

/// Parses a path id. Non-integers and values past i64 are 422; ids that cannot exist
/// (below 1, or past the 32-bit key range) are left to the caller's 404.
///
/// # Errors
/// A 422 naming the path parameter.
pub fn path_id(name: &str, raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>().map_err(|_| {
        ApiError::one(FieldError::new(
            vec!["path".into(), name.into()],
            "Input should be a valid integer, unable to parse string as an integer",
            "int_parsing",
        ))
    })
}

/// The `{id}` of a path like `/categories/{id}`.
pub struct PathId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw): axum::extract::Path<String> =
            axum::extract::Path::from_request_parts(parts, state)
                .await
                .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        Ok(Self(path_id("id", &raw)?))
    }
}

/// The `{id}` and `{variant_id}` of `/products/{id}/variants/{variant_id}`.
pub struct PathIds(pub i64, pub i64);

impl<S: Send + Sync> FromRequestParts<S> for PathIds {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path((a, b)): axum::extract::Path<(String, String)> =
            axum::extract::Path::from_request_parts(parts, state)
                .await
                .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        Ok(Self(path_id("id", &a)?, path_id("variant_id", &b)?))
    }
}
