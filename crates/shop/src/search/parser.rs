//! Recursive-descent parser for `filter` expressions:
//!
//! ```text
//! or        := and ("or" and)*
//! and       := unary ("and" unary)*
//! unary     := "not" unary | "(" or ")" | predicate
//! predicate := field ( cmp value | ["not"] "in" "(" value ("," value)* ")"
//!                    | ["not"] "between" value "and" value | ["not"] ("like" | "ilike") string
//!                    | "is" ["not"] "null" )
//! ```
//!
//! Keywords are case-insensitive. Literals are checked against the field's type here, so SQL
//! only ever sees typed, bound values.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::FilterError;
use super::field::{self, Field, Kind};
use super::lexer::{Tok, Token, tokenize};

/// Longest accepted expression, in characters.
pub const MAX_LENGTH: usize = 2000;
/// Deepest accepted nesting of parentheses and `not`.
pub const MAX_DEPTH: usize = 32;
/// Most predicates in one expression.
pub const MAX_PREDICATES: usize = 100;
/// Most values in one `in (...)` list.
pub const MAX_IN_VALUES: usize = 100;

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Not(Box<Expr>),
    Pred(Predicate),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Predicate {
    pub field: Field,
    pub test: Test,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    Cmp(CmpOp, Literal),
    In {
        values: Vec<Literal>,
        negated: bool,
    },
    Between {
        low: Literal,
        high: Literal,
        negated: bool,
    },
    /// `%` and `_` are wildcards; nothing escapes them.
    Like {
        pattern: String,
        case_insensitive: bool,
        negated: bool,
    },
    IsNull {
        negated: bool,
    },
}

/// A literal, already of its field's type.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Int(i32),
    Money(Decimal),
    Text(String),
    Bool(bool),
    Time(DateTime<Utc>),
}

/// Parses `input` into an expression over the product fields.
///
/// # Errors
/// The first problem, with its position and what was expected there.
pub fn parse(input: &str) -> Result<Expr, FilterError> {
    let length = input.chars().count();
    if length > MAX_LENGTH {
        return Err(FilterError::new(MAX_LENGTH + 1, format!("Expression is longer than {MAX_LENGTH} characters")));
    }
    let tokens = tokenize(input)?;
    let mut parser = Parser { tokens, at: 0, depth: 0, predicates: 0 };
    let expr = parser.or()?;
    let rest = parser.peek();
    if rest.tok != Tok::End {
        return Err(parser.expected(rest, "'and', 'or' or the end of the expression"));
    }
    Ok(expr)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
    predicates: usize,
}

impl Parser {
    fn peek(&self) -> Token {
        self.tokens.get(self.at).or(self.tokens.last()).cloned().unwrap_or(Token { tok: Tok::End, pos: 1 })
    }

    fn bump(&mut self) -> Token {
        let token = self.peek();
        if self.at < self.tokens.len() {
            self.at += 1;
        }
        token
    }

    fn expected(&self, found: Token, what: &str) -> FilterError {
        FilterError::new(found.pos, format!("Expected {what}, found {}", found.describe()))
    }

    /// Consumes the keyword `word` if it is next.
    fn keyword(&mut self, word: &str) -> bool {
        let is = matches!(&self.peek().tok, Tok::Word(w) if w.eq_ignore_ascii_case(word));
        if is {
            self.at += 1;
        }
        is
    }

    fn require_keyword(&mut self, word: &str) -> Result<(), FilterError> {
        if self.keyword(word) { Ok(()) } else { Err(self.expected(self.peek(), &format!("'{word}'"))) }
    }

    fn enter(&mut self, at: &Token) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(FilterError::new(at.pos, format!("Expression is nested deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Expr, FilterError> {
        let mut terms = vec![self.and()?];
        while self.keyword("or") {
            terms.push(self.and()?);
        }
        Ok(if terms.len() == 1 { terms.remove(0) } else { Expr::Or(terms) })
    }

    fn and(&mut self) -> Result<Expr, FilterError> {
        let mut terms = vec![self.unary()?];
        while self.keyword("and") {
            terms.push(self.unary()?);
        }
        Ok(if terms.len() == 1 { terms.remove(0) } else { Expr::And(terms) })
    }

    fn unary(&mut self) -> Result<Expr, FilterError> {
        let token = self.peek();
        if self.keyword("not") {
            self.enter(&token)?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        if token.tok == Tok::LParen {
            self.enter(&token)?;
            self.bump();
            let inner = self.or()?;
            let close = self.bump();
            if close.tok != Tok::RParen {
                return Err(self.expected(close, "')' or an operator"));
            }
            self.depth -= 1;
            return Ok(inner);
        }
        self.predicate()
    }

    fn predicate(&mut self) -> Result<Expr, FilterError> {
        let token = self.bump();
        let Tok::Word(name) = &token.tok else {
            return Err(self.expected(token, "a field name or '('"));
        };
        let Some(field) = field::find(&name.to_ascii_lowercase()) else {
            return Err(FilterError::new(
                token.pos,
                format!("Unknown field '{name}'; allowed: {}", field::filter_names()),
            ));
        };
        self.predicates += 1;
        if self.predicates > MAX_PREDICATES {
            return Err(FilterError::new(token.pos, format!("Expression has more than {MAX_PREDICATES} conditions")));
        }
        let test = self.test(field)?;
        Ok(Expr::Pred(Predicate { field, test }))
    }

    fn test(&mut self, field: Field) -> Result<Test, FilterError> {
        let token = self.peek();
        if let Tok::Cmp(op) = token.tok {
            self.bump();
            let op = match op {
                "=" => CmpOp::Eq,
                "!=" => CmpOp::Ne,
                "<" => CmpOp::Lt,
                "<=" => CmpOp::Le,
                ">" => CmpOp::Gt,
                _ => CmpOp::Ge,
            };
            if field.kind == Kind::Bool && !matches!(op, CmpOp::Eq | CmpOp::Ne) {
                return Err(FilterError::new(token.pos, format!("'{}' only supports = and !=", field.name)));
            }
            return Ok(Test::Cmp(op, self.literal(field)?));
        }
        if self.keyword("is") {
            let negated = self.keyword("not");
            self.require_keyword("null")?;
            return Ok(Test::IsNull { negated });
        }
        let negated = self.keyword("not");
        let token = self.peek();
        if self.keyword("in") {
            return self.in_list(field, negated);
        }
        if self.keyword("between") {
            let low = self.literal(field)?;
            self.require_keyword("and")?;
            let high = self.literal(field)?;
            return Ok(Test::Between { low, high, negated });
        }
        for (word, case_insensitive) in [("like", false), ("ilike", true)] {
            if self.keyword(word) {
                if field.kind != Kind::Text {
                    return Err(FilterError::new(
                        token.pos,
                        format!("'{word}' needs a text field, not '{}'", field.name),
                    ));
                }
                let pattern = self.bump();
                let Tok::Str(pattern) = pattern.tok else {
                    return Err(self.expected(pattern, "a string in single quotes"));
                };
                return Ok(Test::Like { pattern, case_insensitive, negated });
            }
        }
        let what = if negated {
            "'in', 'between', 'like' or 'ilike'"
        } else {
            "an operator (= != < <= > >= in between like ilike is)"
        };
        Err(self.expected(token, what))
    }

    fn in_list(&mut self, field: Field, negated: bool) -> Result<Test, FilterError> {
        let open = self.bump();
        if open.tok != Tok::LParen {
            return Err(self.expected(open, "'(' after 'in'"));
        }
        let mut values = vec![self.literal(field)?];
        loop {
            let token = self.bump();
            match token.tok {
                Tok::Comma if values.len() >= MAX_IN_VALUES => {
                    return Err(FilterError::new(token.pos, format!("'in' takes at most {MAX_IN_VALUES} values")));
                }
                Tok::Comma => values.push(self.literal(field)?),
                Tok::RParen => return Ok(Test::In { values, negated }),
                _ => return Err(self.expected(token, "',' or ')'")),
            }
        }
    }

    /// A literal of the field's type.
    fn literal(&mut self, field: Field) -> Result<Literal, FilterError> {
        let token = self.bump();
        let wrong = |token: &Token| {
            let hint = if matches!(&token.tok, Tok::Word(w) if w.eq_ignore_ascii_case("null")) {
                "; use 'is null' or 'is not null'"
            } else {
                ""
            };
            FilterError::new(
                token.pos,
                format!("Expected {} for '{}', found {}{hint}", field.kind.describe(), field.name, token.describe()),
            )
        };
        let value = match (&token.tok, field.kind) {
            (Tok::Num(raw), Kind::Int) => raw.parse::<i32>().map(Literal::Int).map_err(|_| {
                let msg = if raw.chars().all(|c| c.is_ascii_digit() || c == '-') {
                    format!("Number {raw} is out of range for '{}' (a 32-bit integer)", field.name)
                } else {
                    format!("Expected an integer for '{}', found {raw}", field.name)
                };
                FilterError::new(token.pos, msg)
            })?,
            (Tok::Num(raw), Kind::Money) => money(raw).map(Literal::Money).ok_or_else(|| {
                FilterError::new(token.pos, format!("Number {raw} is not a valid amount for '{}'", field.name))
            })?,
            (Tok::Str(text), Kind::Text) => Literal::Text(text.clone()),
            (Tok::Str(text), Kind::Time) => time(text).map(Literal::Time).ok_or_else(|| {
                FilterError::new(token.pos, format!("Expected {} for '{}'", Kind::Time.describe(), field.name))
            })?,
            (Tok::Word(w), Kind::Bool) if w.eq_ignore_ascii_case("true") => Literal::Bool(true),
            (Tok::Word(w), Kind::Bool) if w.eq_ignore_ascii_case("false") => Literal::Bool(false),
            _ => return Err(wrong(&token)),
        };
        Ok(value)
    }
}

/// Prices are `DECIMAL(10, 2)`; anything past 15 integer digits can only be a typo or a probe.
fn money(raw: &str) -> Option<Decimal> {
    let value = raw.parse::<Decimal>().ok()?;
    (value.abs() < Decimal::from(1_000_000_000_000_000_i64)).then_some(value)
}

/// An RFC 3339 time or a date, within the years 1 to 9999 that every database stores.
fn time(raw: &str) -> Option<DateTime<Utc>> {
    let parsed = match DateTime::parse_from_rfc3339(raw) {
        Ok(t) => t.with_timezone(&Utc),
        Err(_) => NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok()?.and_hms_opt(0, 0, 0)?.and_utc(),
    };
    (1..=9999).contains(&chrono::Datelike::year(&parsed)).then_some(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(input: &str) -> FilterError {
        match parse(input) {
            Err(e) => e,
            Ok(expr) => panic!("{input} parsed as {expr:?}"),
        }
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let Ok(Expr::Or(terms)) = parse("category_id = 2 and price < 50 or category_id = 1 AND price > 1000") else {
            panic!("not an or")
        };
        assert_eq!(terms.len(), 2);
        assert!(terms.iter().all(|t| matches!(t, Expr::And(inner) if inner.len() == 2)));
    }

    #[test]
    fn reads_every_form() {
        let input = "(id in (1, 2) or not name ilike '%a%') and price not between 1 and 2.50 \
                     and sku is not null and description like 'x_' and is_active = TRUE \
                     and created_at >= '2024-01-31' and supplier_id is null";
        let Ok(Expr::And(terms)) = parse(input) else { panic!("not an and") };
        assert_eq!(terms.len(), 7);
    }

    #[test]
    fn errors_point_at_the_problem() {
        assert_eq!(
            err("price <"),
            FilterError::new(8, "Expected a number for 'price', found the end of the expression")
        );
        assert_eq!(err("colour = 'red'").pos, 1);
        assert!(err("colour = 'red'").msg.starts_with("Unknown field 'colour'"));
        assert_eq!(
            err("id = 1 id = 2"),
            FilterError::new(8, "Expected 'and', 'or' or the end of the expression, found 'id'")
        );
        assert_eq!(err("(id = 1").pos, 8);
        assert_eq!(err("id = 'one'").pos, 6);
        assert_eq!(err("id = 1.5").msg, "Expected an integer for 'id', found 1.5");
        assert!(err("sku = null").msg.ends_with("use 'is null' or 'is not null'"));
        assert_eq!(err("price like '1%'").pos, 7);
        assert_eq!(err("is_active > true").pos, 11);
    }

    #[test]
    fn bounds_size_depth_and_numbers() {
        let deep = format!("{}id = 1{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(err(&deep).msg.contains("longer than"));
        let nested = format!("{}id = 1{}", "(".repeat(40), ")".repeat(40));
        assert_eq!(err(&nested), FilterError::new(33, "Expression is nested deeper than 32 levels"));
        let nots = format!("{}id = 1", "not ".repeat(40));
        assert!(err(&nots).msg.contains("nested deeper"));
        assert!(err("id = 99999999999999999999999").msg.contains("out of range"));
        assert!(err("price > 1e400").msg.contains("not a valid amount"));
        assert!(err("price > 99999999999999999999").msg.contains("not a valid amount"));
        assert!(err("created_at > '0000-12-31T23:59:59Z'").msg.contains("timestamp"));
        assert!(err("created_at < '0001-01-01T00:00:00+01:00'").msg.contains("timestamp"));
        assert!(parse("created_at > '0001-01-01' and updated_at < '9999-12-31T23:59:59.999999Z'").is_ok());
        let many = vec!["id = 1"; 101].join(" or ");
        assert!(err(&many).msg.contains("more than 100 conditions"));
    }
}
