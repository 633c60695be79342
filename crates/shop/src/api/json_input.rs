//! JSON input as FastAPI and pydantic report it: every offending field of a body in one 422
//! (type errors, missing and unknown fields, validation rules), with its location, and no
//! string holding U+0000.

use serde::de::DeserializeOwned;
use validator::Validate;

use crate::error::{ApiError, FieldError, LocItem};

pub use crate::schema::NUL_MESSAGE;

/// Deserializes and validates a JSON body, reporting every offending field at once as
/// pydantic does: type errors, missing and unknown fields, and the validation rules of the
/// fields that did parse.
///
/// # Errors
/// A 422 with one entry per problem.
pub fn parse_valid_json<T: DeserializeOwned + Validate>(bytes: &[u8]) -> Result<T, ApiError> {
    // Every body is an object; serde would also take a struct's fields as a list.
    let start = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if start.is_some_and(|b| *b != b'{') && serde_json::from_slice::<serde_json::Value>(bytes).is_ok() {
        return Err(ApiError::one(FieldError::body(
            &[],
            "Input should be a valid dictionary or object to extract fields from",
            "model_attributes_type",
        )));
    }
    // The common case, a good body, parses once and straight into `T`. A body that may hold
    // U+0000 (escaped, since raw control characters are not JSON) goes the long way.
    if !may_hold_escaped_nul(bytes) {
        match parse_json::<T>(bytes) {
            Ok(value) => {
                return match value.validate() {
                    Ok(()) => Ok(value),
                    Err(errors) => Err(ApiError::validation(validation_errors(&errors))),
                };
            }
            Err(ApiError::Validation(first)) if first.iter().any(|e| e.kind == "json_invalid" || e.loc.len() < 2) => {
                return Err(ApiError::Validation(first));
            }
            Err(ApiError::Validation(_)) => {}
            Err(other) => return Err(other),
        }
    }
    let mut tree: serde_json::Value = serde_json::from_slice(bytes).map_err(|err| ApiError::one(json_syntax(&err)))?;
    let mut errors = Vec::new();
    nul_errors(&tree, &mut vec!["body".into()], &mut errors);
    for error in &errors {
        // A NUL-holding string is reported once; a stand-in keeps the rest parsing.
        replace_at(&mut tree, &error.loc[1..], serde_json::Value::Null);
    }
    let mut replaced: Vec<Vec<LocItem>> = errors.iter().map(|e| e.loc.clone()).collect();
    let parsed = parse_collecting::<T>(tree, &mut errors, &mut replaced);
    if let Some(value) = parsed {
        if let Err(found) = value.validate() {
            errors.extend(
                validation_errors(&found).into_iter().filter(|e| !replaced.iter().any(|r| e.loc.starts_with(r))),
            );
        }
        if errors.is_empty() {
            return Ok(value);
        }
    }
    if errors.is_empty() {
        errors.push(FieldError::body(&[], "Input should be a valid object", "model_type"));
    }
    Err(ApiError::validation(errors))
}

/// Whether `bytes` may hold an escaped U+0000 (`\u0000`); a false alarm only costs the slow
/// path.
fn may_hold_escaped_nul(bytes: &[u8]) -> bool {
    bytes.windows(6).any(|w| w[0] == b'\\' && w[1] == b'u' && &w[2..] == b"0000")
}

/// Every string (value or key) holding U+0000, by location.
fn nul_errors(value: &serde_json::Value, loc: &mut Vec<LocItem>, out: &mut Vec<FieldError>) {
    match value {
        serde_json::Value::String(s) if s.contains('\0') => {
            out.push(FieldError::new(loc.clone(), NUL_MESSAGE, "string_type"))
        }
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                loc.push(i.into());
                nul_errors(item, loc, out);
                loc.pop();
            }
        }
        serde_json::Value::Object(map) => {
            for (key, item) in map {
                loc.push(key.clone().into());
                if key.contains('\0') {
                    out.push(FieldError::new(loc.clone(), NUL_MESSAGE, "string_type"));
                } else {
                    nul_errors(item, loc, out);
                }
                loc.pop();
            }
        }
        _ => {}
    }
}

/// The values tried in place of one that failed, so that the fields after it are still read.
fn stand_ins() -> [serde_json::Value; 7] {
    use serde_json::json;
    [json!(null), json!(0), json!("0"), json!(false), json!([]), json!({}), json!("")]
}

/// Deserializes `tree` into `T`, collecting an error per offending field: each failure is
/// recorded and its value swapped for a stand-in of the right shape (or the unknown key
/// removed), then the rest is read again. `replaced` gathers the locations of stand-ins, whose
/// validation errors mean nothing.
fn parse_collecting<T: DeserializeOwned>(
    mut tree: serde_json::Value,
    errors: &mut Vec<FieldError>,
    replaced: &mut Vec<Vec<LocItem>>,
) -> Option<T> {
    // Each round fixes one location; a body has far fewer fields than this.
    for _ in 0..64 {
        let error = match serde_path_to_error::deserialize::<_, T>(tree.clone()) {
            Ok(value) => return Some(value),
            Err(err) => serde_error(&err),
        };
        let path = error.loc[1..].to_vec();
        if error.kind == "extra_forbidden" {
            remove_at(&mut tree, &path);
            errors.push(error);
            continue;
        }
        let ours = replaced.iter().any(|r| r.as_slice() == error.loc.as_slice());
        if !ours {
            errors.push(error.clone());
        }
        let mut fixed = false;
        for candidate in stand_ins() {
            let mut attempt = tree.clone();
            replace_at(&mut attempt, &path, candidate);
            let still = match serde_path_to_error::deserialize::<_, T>(attempt.clone()) {
                Ok(_) => false,
                Err(err) => serde_error(&err).loc == error.loc,
            };
            if !still {
                tree = attempt;
                fixed = true;
                break;
            }
        }
        // A field with a default (`role`) takes none of the stand-ins, but reads without its key.
        if !fixed {
            let mut attempt = tree.clone();
            remove_at(&mut attempt, &path);
            let still = match serde_path_to_error::deserialize::<_, T>(attempt.clone()) {
                Ok(_) => false,
                Err(err) => serde_error(&err).loc == error.loc,
            };
            if !still {
                tree = attempt;
                fixed = true;
            }
        }
        if !fixed {
            return None;
        }
        if !ours {
            replaced.push(error.loc.clone());
        }
    }
    None
}

/// Walks `path` (keys and indexes) down from `tree`.
fn slot<'a>(tree: &'a mut serde_json::Value, path: &[LocItem]) -> Option<&'a mut serde_json::Value> {
    path.iter().try_fold(tree, |node, item| match item {
        LocItem::Key(key) => node.as_object_mut()?.get_mut(key),
        LocItem::Index(i) => node.as_array_mut()?.get_mut(*i),
    })
}

/// Sets the value at `path`, inserting the last key if it is missing (a missing field).
fn replace_at(tree: &mut serde_json::Value, path: &[LocItem], value: serde_json::Value) {
    let Some((last, parent)) = path.split_last() else {
        *tree = value;
        return;
    };
    match (slot(tree, parent), last) {
        (Some(serde_json::Value::Object(map)), LocItem::Key(key)) => {
            map.insert(key.clone(), value);
        }
        (Some(serde_json::Value::Array(items)), LocItem::Index(i)) if *i < items.len() => items[*i] = value,
        _ => {}
    }
}

/// Removes the key at `path`.
fn remove_at(tree: &mut serde_json::Value, path: &[LocItem]) {
    if let Some((LocItem::Key(key), parent)) = path.split_last()
        && let Some(serde_json::Value::Object(map)) = slot(tree, parent)
    {
        map.remove(key);
    }
}

/// Deserializes a JSON body, reporting the path of the first offending field.
///
/// # Errors
/// A 422 naming the first problem.
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
    let kind = if message.starts_with("invalid type") {
        "type_error"
    } else if crate::entity::choice::is_refusal(&message) {
        "enum"
    } else {
        "value_error"
    };
    FieldError::new(loc, message, kind)
}

pub use crate::schema::validation::validation_errors;

#[cfg(test)]
mod tests {
    use super::parse_valid_json;
    use crate::error::ApiError;
    use crate::schema::order::OrderCreate;
    use crate::schema::product::ProductCreate;

    /// The fields each 422 entry names, in order.
    fn locs<T: serde::de::DeserializeOwned + validator::Validate + std::fmt::Debug>(body: &str) -> Vec<String> {
        match parse_valid_json::<T>(body.as_bytes()) {
            Err(ApiError::Validation(errors)) => errors
                .iter()
                .map(|e| {
                    e.loc.iter().map(|l| serde_json::to_string(l).unwrap_or_default()).collect::<Vec<_>>().join(".")
                })
                .collect(),
            other => panic!("{body}: {other:?}"),
        }
    }

    #[test]
    fn every_offending_field_is_reported_once() {
        let found = locs::<ProductCreate>(
            r#"{"name": "", "price": "-1", "stock_quantity": -5, "category_id": "x", "bogus": 1, "sku": "\u0000"}"#,
        );
        let mut sorted = found.clone();
        sorted.sort();
        assert_eq!(
            sorted,
            [
                r#""body"."bogus""#,
                r#""body"."category_id""#,
                r#""body"."name""#,
                r#""body"."price""#,
                r#""body"."sku""#,
                r#""body"."stock_quantity""#,
            ],
            "{found:?}"
        );
    }

    #[test]
    fn missing_fields_and_nested_items_are_reported_together() {
        let found = locs::<ProductCreate>(r#"{"stock_quantity": "many"}"#);
        assert_eq!(found.len(), 4, "{found:?}");
        let found = locs::<OrderCreate>(r#"{"items": [{"product_id": "a", "quantity": 0}, {"quantity": "b"}]}"#);
        assert!(found.iter().any(|l| l == r#""body"."items".0."product_id""#), "{found:?}");
        assert!(found.iter().any(|l| l == r#""body"."items".1."quantity""#), "{found:?}");
        assert!(found.iter().any(|l| l == r#""body"."items".1."product_id""#), "{found:?}");
    }

    #[test]
    fn a_good_body_parses_and_syntax_errors_stay_single() {
        let ok = parse_valid_json::<ProductCreate>(br#"{"name": "a\\u0000", "price": 1, "category_id": 1}"#);
        assert!(ok.is_ok_and(|p| p.name == "a\\u0000"));
        assert_eq!(locs::<ProductCreate>(r#"{"name": "#).len(), 1);
        assert_eq!(locs::<ProductCreate>(r#"[1, 2]"#).len(), 1);
    }
}
