//! Server defaults compared by meaning. Each database reports a default back in its own
//! spelling: PostgreSQL adds casts (`'a'::character varying`, `'-1'::integer`), MariaDB
//! writes `current_timestamp()` and `0.00` for a `DECIMAL(10,2)` default of `0`, SQLite
//! keeps the text of the DDL, parentheses included. Both sides are reduced to one canonical
//! text per column type before they are compared.

use crate::dialect::Dialect;
use crate::operations::schema::{ColumnType, DefaultValue};

/// The canonical text of `value` on a column of type `ty`, as read from `dialect` (or from a
/// model, `None`).
pub fn canonical(ty: &ColumnType, value: &DefaultValue, dialect: Option<Dialect>) -> String {
    let text = match value {
        DefaultValue::Int(n) => n.to_string(),
        DefaultValue::Bool(b) => b.to_string(),
        DefaultValue::Str(s) => return quoted(s),
        DefaultValue::Decimal(d) => d.clone(),
        DefaultValue::Expr(e) => e.clone(),
    };
    let bare = strip_cast(unwrap_parens(text.trim()));
    let literal = unquote(bare, dialect);
    let word = literal.as_deref().unwrap_or(bare);
    match ty {
        ColumnType::Boolean => match word.to_ascii_lowercase().as_str() {
            "1" | "true" | "t" => "true".to_owned(),
            "0" | "false" | "f" => "false".to_owned(),
            _ => expression(bare),
        },
        ColumnType::SmallInteger
        | ColumnType::Integer
        | ColumnType::BigInteger
        | ColumnType::Decimal(..)
        | ColumnType::Float
        | ColumnType::Double => number(word).unwrap_or_else(|| expression(bare)),
        _ => match literal {
            Some(s) => quoted(&s),
            None => expression(bare),
        },
    }
}

/// Whether two defaults of a column of type `ty` mean the same.
pub fn same(ty: &ColumnType, a: Option<&DefaultValue>, b: Option<&DefaultValue>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => canonical(ty, a, None) == canonical(ty, b, None),
        _ => false,
    }
}

fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// `text` without parentheses that enclose all of it.
fn unwrap_parens(mut text: &str) -> &str {
    while text.starts_with('(') && text.ends_with(')') && encloses(text) {
        text = text[1..text.len() - 1].trim();
    }
    text
}

/// Whether the first character's parenthesis closes at the last character.
fn encloses(text: &str) -> bool {
    let mut depth = 0usize;
    let mut in_quote = false;
    for (i, c) in text.char_indices() {
        match c {
            '\'' => in_quote = !in_quote,
            '(' if !in_quote => depth += 1,
            ')' if !in_quote => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i == text.len() - 1;
                }
            }
            _ => {}
        }
    }
    false
}

/// `text` without PostgreSQL's trailing casts (`'a'::character varying`), then without the
/// parentheses they may have left around it.
fn strip_cast(text: &str) -> &str {
    let mut in_quote = false;
    let bytes = text.as_bytes();
    for (i, c) in text.char_indices() {
        match c {
            '\'' => in_quote = !in_quote,
            ':' if !in_quote && bytes.get(i + 1) == Some(&b':') => return unwrap_parens(text[..i].trim()),
            _ => {}
        }
    }
    text
}

/// The value of a quoted literal (`'it''s'`), or `None` when `text` is not one.
fn unquote(text: &str, dialect: Option<Dialect>) -> Option<String> {
    let inner = text.strip_prefix('\'')?.strip_suffix('\'')?;
    // A quote inside must be doubled; `'a' || 'b'` is an expression, not a literal.
    if inner.replace("''", "").contains('\'') {
        return None;
    }
    let value = inner.replace("''", "'");
    Some(if dialect == Some(Dialect::Mysql) { value.replace("\\\\", "\\") } else { value })
}

/// A number in its shortest form (`0.00` and `0` are one default), if `text` is one.
fn number(text: &str) -> Option<String> {
    let text = text.trim();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.strip_prefix('+').unwrap_or(text)),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole = whole.trim_start_matches('0');
    let fraction = fraction.trim_end_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    let body = if fraction.is_empty() { whole.to_owned() } else { format!("{whole}.{fraction}") };
    Some(if body == "0" { body } else { format!("{sign}{body}") })
}

/// An expression in lower case with single spaces; the spellings of "now" agree.
fn expression(text: &str) -> String {
    let lowered = text.split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_lowercase();
    let head = lowered.split('(').next().unwrap_or(&lowered).trim();
    match head {
        "now" | "current_timestamp" | "localtimestamp" | "transaction_timestamp" => "current_timestamp".to_owned(),
        "current_date" | "curdate" => "current_date".to_owned(),
        "current_time" | "curtime" => "current_time".to_owned(),
        _ => lowered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(ty: ColumnType, text: &str, dialect: Option<Dialect>) -> String {
        canonical(&ty, &DefaultValue::Expr(text.to_owned()), dialect)
    }

    #[test]
    fn each_database_spelling_reads_as_the_model_value() {
        use ColumnType as T;
        let pg = Some(Dialect::Postgres);
        let my = Some(Dialect::Mysql);
        let lite = Some(Dialect::Sqlite);
        let str_model = canonical(&T::String(20), &DefaultValue::Str("it's".into()), None);
        assert_eq!(canon(T::String(20), "'it''s'::character varying", pg), str_model);
        assert_eq!(canon(T::String(20), "'it''s'", my), str_model);
        assert_eq!(canon(T::String(20), "('it''s')", lite), str_model);
        let int_model = canonical(&T::Integer, &DefaultValue::Int(-1), None);
        assert_eq!(canon(T::Integer, "'-1'::integer", pg), int_model);
        assert_eq!(canon(T::Integer, "-1", my), int_model);
        let dec_model = canonical(&T::Decimal(10, 2), &DefaultValue::Decimal("0".into()), None);
        assert_eq!(canon(T::Decimal(10, 2), "0.00", my), dec_model);
        assert_eq!(canon(T::Decimal(10, 2), "(0.0)", lite), dec_model);
        let yes = canonical(&T::Boolean, &DefaultValue::Bool(true), None);
        assert_eq!(canon(T::Boolean, "true", pg), yes);
        assert_eq!(canon(T::Boolean, "1", my), yes);
        assert_eq!(canon(T::Boolean, "1", lite), yes);
        let now = canonical(&T::TimestampTz, &DefaultValue::Expr("CURRENT_TIMESTAMP".into()), None);
        assert_eq!(canon(T::TimestampTz, "now()", pg), now);
        assert_eq!(canon(T::TimestampTz, "current_timestamp(6)", my), now);
        assert_eq!(canon(T::TimestampTz, "CURRENT_TIMESTAMP", lite), now);
    }

    #[test]
    fn different_values_stay_different() {
        use ColumnType as T;
        assert!(!same(&T::Integer, Some(&DefaultValue::Int(0)), Some(&DefaultValue::Int(1))));
        assert!(!same(&T::Integer, Some(&DefaultValue::Int(0)), None));
        assert!(!same(&T::Text, Some(&DefaultValue::Str("a".into())), Some(&DefaultValue::Str("A".into()))));
        assert!(!same(&T::Decimal(10, 2), Some(&DefaultValue::Decimal("1.5".into())), Some(&DefaultValue::Int(15))));
        // An expression is not its text as a literal.
        assert_ne!(
            canonical(&T::Text, &DefaultValue::Expr("'a' || 'b'".into()), None),
            canonical(&T::Text, &DefaultValue::Str("a' || 'b".into()), None)
        );
    }
}
