//! Turns parsed filters into sea-query conditions. Values are always bound; the dialect only
//! decides how text is compared, so that every database answers the same:
//! - text comparisons are exact and by code point (`COLLATE "C"` on PostgreSQL, `BINARY` on
//!   MySQL, whose default collations ignore case and trailing spaces);
//! - `like` is case-sensitive (`GLOB` on SQLite, whose `LIKE` ignores ASCII case);
//! - `ilike` ignores case (on SQLite only for ASCII letters, as SQLite's `LIKE` does);
//! - a backslash in a pattern is an ordinary character.

use sea_orm::sea_query::{Condition, Expr, ExprTrait, SimpleExpr, Value};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};

use super::field::{self, Field, Kind};
use super::parser::{CmpOp, Expr as Filter, Literal, Test};
use crate::entity::products;

pub fn column(field: Field) -> SimpleExpr {
    Expr::col((products::Entity, field.column))
}

/// A custom SQL fragment whose `$1`, `$2`... each appear once and in order.
fn custom(backend: DbBackend, template: &str, args: Vec<SimpleExpr>) -> SimpleExpr {
    let mut sql = template.to_owned();
    if backend != DbBackend::Postgres {
        for n in (1..=args.len()).rev() {
            sql = sql.replace(&format!("${n}"), "?");
        }
    }
    Expr::cust_with_exprs(sql, args)
}

/// The bound value of a literal: one type per field kind whatever builds the query (list
/// parameters, `filter`, cursors), since PostgreSQL connections reuse a prepared statement by
/// its text, and the same text with other bind types breaks on the wire. MySQL gets times as
/// DATETIME: bound as TIMESTAMP, a time outside 1970-2038 compares as no time at all.
pub fn value(backend: DbBackend, literal: &Literal) -> Value {
    match literal {
        Literal::Int(v) => (*v).into(),
        Literal::Money(v) => (*v).into(),
        Literal::Text(v) => v.clone().into(),
        Literal::Bool(v) => (*v).into(),
        Literal::Time(v) if backend == DbBackend::MySql => v.naive_utc().into(),
        Literal::Time(v) => (*v).into(),
    }
}

/// The column as filters compare it: text by code point on every database.
fn compared(backend: DbBackend, field: Field) -> SimpleExpr {
    match (field.kind, backend) {
        (Kind::Text, DbBackend::Postgres) => custom(backend, "$1 COLLATE \"C\"", vec![column(field)]),
        (Kind::Text, DbBackend::MySql) => custom(backend, "BINARY $1", vec![column(field)]),
        _ => column(field),
    }
}

pub fn condition(backend: DbBackend, filter: &Filter) -> Condition {
    match filter {
        Filter::Or(terms) => terms.iter().fold(Condition::any(), |c, t| c.add(condition(backend, t))),
        Filter::And(terms) => terms.iter().fold(Condition::all(), |c, t| c.add(condition(backend, t))),
        Filter::Not(inner) => condition(backend, inner).not(),
        Filter::Pred(pred) => Condition::all().add(test(backend, pred.field, &pred.test)),
    }
}

/// `field` passes `test`: the one way a condition on a product field becomes SQL.
pub fn test(backend: DbBackend, field: Field, test: &Test) -> SimpleExpr {
    let col = compared(backend, field);
    let value = |literal: &Literal| value(backend, literal);
    match test {
        Test::Cmp(op, literal) => {
            let v = value(literal);
            match op {
                CmpOp::Eq => col.eq(v),
                CmpOp::Ne => col.ne(v),
                CmpOp::Lt => col.lt(v),
                CmpOp::Le => col.lte(v),
                CmpOp::Gt => col.gt(v),
                CmpOp::Ge => col.gte(v),
            }
        }
        Test::In { values, negated } => {
            let values: Vec<Value> = values.iter().map(value).collect();
            if *negated { col.is_not_in(values) } else { col.is_in(values) }
        }
        Test::Between { low, high, negated } => {
            if *negated {
                col.not_between(value(low), value(high))
            } else {
                col.between(value(low), value(high))
            }
        }
        Test::Like { pattern, case_insensitive, negated } => {
            let matched = like(backend, field, pattern, *case_insensitive);
            if *negated { matched.not() } else { matched }
        }
        Test::IsNull { negated } => {
            if *negated {
                column(field).is_not_null()
            } else {
                column(field).is_null()
            }
        }
    }
}

/// `field` matches `pattern`, whose `%` and `_` are the only wildcards.
pub fn like(backend: DbBackend, field: Field, pattern: &str, case_insensitive: bool) -> SimpleExpr {
    if backend == DbBackend::Sqlite && !case_insensitive {
        return custom(backend, "$1 GLOB $2", vec![column(field), Expr::val(glob(pattern))]);
    }
    escaped_like(backend, field, pattern.replace('\\', "\\\\"), case_insensitive)
}

/// `field LIKE pattern ESCAPE '\'`, where `pattern` already escapes its backslashes and any
/// literal `%` or `_`.
fn escaped_like(backend: DbBackend, field: Field, pattern: String, case_insensitive: bool) -> SimpleExpr {
    let template = match (backend, case_insensitive) {
        (DbBackend::Postgres, false) => "$1 LIKE $2 ESCAPE '\\'",
        (DbBackend::Postgres, true) => "$1 ILIKE $2 ESCAPE '\\'",
        (DbBackend::MySql, false) => "$1 COLLATE utf8mb4_bin LIKE $2 ESCAPE '\\\\'",
        (DbBackend::MySql, true) => "LOWER($1) COLLATE utf8mb4_bin LIKE LOWER($2) ESCAPE '\\\\'",
        (_, _) => "$1 LIKE $2 ESCAPE '\\'",
    };
    custom(backend, template, vec![column(field), Expr::val(pattern)])
}

/// A LIKE pattern as a GLOB pattern, with GLOB's own wildcards made literal.
fn glob(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    for c in pattern.chars() {
        match c {
            '%' => out.push('*'),
            '_' => out.push('?'),
            '*' => out.push_str("[*]"),
            '?' => out.push_str("[?]"),
            '[' => out.push_str("[[]"),
            c => out.push(c),
        }
    }
    out
}

/// `%text%` for a substring search, with the wildcards in `text` made literal.
pub fn contains_pattern(text: &str) -> String {
    let mut out = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// `field` contains `text`, ignoring case.
pub fn contains(backend: DbBackend, field: Field, text: &str) -> SimpleExpr {
    escaped_like(backend, field, contains_pattern(&text.replace('\\', "\\\\")), true)
}

/// Whether SQLite's FTS5 trigram table (revision ff459adeaa15) can answer a LIKE for `text`
/// from its index: three characters or more, without an ESCAPE clause.
pub fn trigram_indexable(text: &str) -> bool {
    text.chars().count() >= 3 && !text.contains(['%', '_', '\\'])
}

/// More trigram candidates than this and a scan of the names is faster than looking each
/// candidate up (SQLite, a million products: 11,000 matches take 38 ms through the index and
/// 93 ms by scan, 200,000 matches 1.1 s and 0.1 s).
const TRIGRAM_CANDIDATES: u64 = 10_000;

/// Whether `text` matches few enough names (SQLite) for the trigram table to pay off: counts
/// its candidates up to [`TRIGRAM_CANDIDATES`] (about 12 ms for a term in a fifth of a
/// million names), or recalls the answer of the last minute (`search::selectivity`).
///
/// # Errors
/// Database errors.
pub async fn trigram_selective(db: &impl ConnectionTrait, text: &str) -> Result<bool, DbErr> {
    if let Some(selective) = super::selectivity::recalled(text) {
        return Ok(selective);
    }
    let sql = format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM products_name_trgm WHERE name LIKE ? LIMIT {})",
        TRIGRAM_CANDIDATES
    );
    let statement = Statement::from_sql_and_values(DbBackend::Sqlite, sql, [format!("%{text}%").into()]);
    let found: i64 = match db.query_one_raw(statement).await? {
        Some(row) => row.try_get_by_index(0)?,
        None => 0,
    };
    let selective = u64::try_from(found).unwrap_or(0) < TRIGRAM_CANDIDATES;
    super::selectivity::remember(text, selective);
    Ok(selective)
}

/// `q`: the product's name contains `text`, ignoring case. With `trigram` (SQLite, see
/// [`trigram_selective`]) the FTS5 trigram table first narrows the candidates and the LIKE
/// then decides, so the rows are exactly those of the scan. PostgreSQL's planner picks the
/// trigram index for the ILIKE by itself.
pub fn name_contains(backend: DbBackend, text: &str, trigram: bool) -> SimpleExpr {
    let name = field::find("name").unwrap_or_else(field::id);
    let exact = contains(backend, name, text);
    if backend == DbBackend::Sqlite && trigram && trigram_indexable(text) {
        let candidates = custom(
            backend,
            "$1 IN (SELECT rowid FROM products_name_trgm WHERE name LIKE $2)",
            vec![column(field::id()), Expr::val(format!("%{text}%"))],
        );
        candidates.and(exact)
    } else {
        exact
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_keeps_glob_characters_literal() {
        assert_eq!(glob("a%b_c*d?e[f]"), "a*b?c[*]d[?]e[[]f]");
    }

    #[test]
    fn contains_escapes_wildcards() {
        assert_eq!(contains_pattern("50%_off"), "%50\\%\\_off%");
    }
}
