//! `validator`'s errors as FastAPI's 422 entries, for the API's bodies and for the same
//! rules applied outside HTTP (an admin made by the CLI or at start-up).

use validator::{ValidationErrors, ValidationErrorsKind};

use crate::error::{FieldError, LocItem};

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
