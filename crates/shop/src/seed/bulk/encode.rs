//! Generated cells in the form each database is sent: `COPY` text for PostgreSQL, bound
//! arguments for SQLite. The text is written by hand rather than through format strings,
//! and a time is formatted once for the run of cells that repeat it (an order's two times
//! and all its lines'), since at millions of rows the formatting was much of the load.

use std::fmt::Write;
use std::sync::Arc;

use chrono::{DateTime, Datelike, SecondsFormat, Timelike, Utc};
use sea_orm::sqlx::sqlite::SqliteArguments;
use sea_orm::sqlx::{Arguments, error::BoxDynError};

use super::Cell;

/// Money in cents as decimal text, "12.34", as `rust_decimal` writes it with two places.
fn write_cents(out: &mut String, cents: i64) {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let _ = write!(out, "{sign}{}.{:02}", abs / 100, abs % 100);
}

/// Rows in `COPY ... (FORMAT text)`.
#[derive(Default)]
pub struct CopyText {
    last_time: Option<(DateTime<Utc>, String)>,
}

impl CopyText {
    /// Rows from `rows` until the text reaches `size` bytes, and how many; `None` when no
    /// rows are left.
    pub fn chunk(&mut self, rows: &mut impl Iterator<Item = Vec<Cell>>, size: usize) -> Option<(Vec<u8>, u64)> {
        let mut out = String::with_capacity(size + size / 8);
        let mut n = 0;
        for row in rows.by_ref() {
            for (i, cell) in row.iter().enumerate() {
                if i > 0 {
                    out.push('\t');
                }
                self.cell(cell, &mut out);
            }
            out.push('\n');
            n += 1;
            if out.len() >= size {
                break;
            }
        }
        (n > 0).then(|| (out.into_bytes(), n))
    }

    fn cell(&mut self, cell: &Cell, out: &mut String) {
        match cell {
            Cell::Int(v) => {
                let _ = write!(out, "{v}");
            }
            Cell::Text(v) => write_copy_text(out, v),
            Cell::Cents(v) => write_cents(out, *v),
            Cell::Bool(v) => out.push(if *v { 't' } else { 'f' }),
            Cell::Time(v) => {
                if self.last_time.as_ref().is_none_or(|(t, _)| t != v) {
                    let d = v.naive_utc();
                    let text = format!(
                        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}+00",
                        d.year(),
                        d.month(),
                        d.day(),
                        d.hour(),
                        d.minute(),
                        d.second(),
                        d.nanosecond() / 1000
                    );
                    self.last_time = Some((*v, text));
                }
                if let Some((_, text)) = &self.last_time {
                    out.push_str(text);
                }
            }
        }
    }
}

/// Text with COPY's special characters escaped (generated text has none, so this is one
/// scan).
fn write_copy_text(out: &mut String, text: &str) {
    if !text.bytes().any(|b| matches!(b, b'\\' | b'\t' | b'\n' | b'\r')) {
        out.push_str(text);
        return;
    }
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

/// Rows as the arguments of one multi-row `INSERT` on SQLite, bound as sqlx and sea-orm
/// bind them (a time as RFC 3339 text, money as decimal text for the REAL column to convert).
#[derive(Default)]
pub struct SqliteBinds {
    last_time: Option<(DateTime<Utc>, Arc<str>)>,
}

impl SqliteBinds {
    /// The arguments of up to `rows_per_statement` rows, and how many rows; `None` when no
    /// rows are left.
    pub fn chunk(
        &mut self,
        rows: &mut impl Iterator<Item = Vec<Cell>>,
        rows_per_statement: usize,
    ) -> Option<Result<(SqliteArguments, u64), BoxDynError>> {
        let mut arguments = SqliteArguments::default();
        let mut n = 0;
        for row in rows.by_ref().take(rows_per_statement) {
            if n == 0 {
                arguments.reserve(row.len() * rows_per_statement, 0);
            }
            for cell in row {
                if let Err(err) = self.bind(&mut arguments, cell) {
                    return Some(Err(err));
                }
            }
            n += 1;
        }
        (n > 0).then_some(Ok((arguments, n)))
    }

    fn bind(&mut self, arguments: &mut SqliteArguments, cell: Cell) -> Result<(), BoxDynError> {
        match cell {
            Cell::Int(v) => arguments.add(v),
            Cell::Text(v) => arguments.add(v),
            Cell::Cents(v) => {
                let mut text = String::with_capacity(12);
                write_cents(&mut text, v);
                arguments.add(text)
            }
            Cell::Bool(v) => arguments.add(v),
            Cell::Time(v) => {
                if self.last_time.as_ref().is_none_or(|(t, _)| *t != v) {
                    // As sqlx encodes a `DateTime<Utc>` on SQLite.
                    self.last_time = Some((v, v.to_rfc3339_opts(SecondsFormat::AutoSi, false).into()));
                }
                match &self.last_time {
                    Some((_, text)) => arguments.add(Arc::clone(text)),
                    None => arguments.add(v),
                }
            }
        }
    }
}

/// A column's type in PostgreSQL's binary `COPY`, for the types generated cells go into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PgType {
    Int2,
    Int4,
    Int8,
    Bool,
    Text,
    Numeric,
    /// With or without time zone: both are microseconds since 2000 (UTC for the former).
    Timestamp,
}

impl PgType {
    /// From `format_type`'s name; `None` for a type the binary encoder does not write.
    pub fn from_name(name: &str) -> Option<Self> {
        let base = name.split('(').next().unwrap_or(name).trim();
        Some(match base {
            "smallint" => Self::Int2,
            "integer" => Self::Int4,
            "bigint" => Self::Int8,
            "boolean" => Self::Bool,
            "text" | "character varying" => Self::Text,
            "numeric" => Self::Numeric,
            "timestamp with time zone" | "timestamp without time zone" => Self::Timestamp,
            _ => return None,
        })
    }
}

/// Rows in `COPY ... (FORMAT binary)`: PostgreSQL reads integers, times and decimals without
/// parsing text, which was most of its work on the order lines (two times and a price each).
pub struct CopyBinary {
    types: Vec<PgType>,
}

/// The file header: signature, no flags, no extension.
pub const BINARY_HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";
/// The file trailer: a tuple of -1 fields.
pub const BINARY_TRAILER: &[u8] = &[0xff, 0xff];
/// 2000-01-01 00:00:00 UTC, PostgreSQL's epoch, in microseconds since 1970.
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;

impl CopyBinary {
    pub fn new(types: Vec<PgType>) -> Self {
        Self { types }
    }

    /// Tuples from `rows` until they reach `size` bytes, and how many; `None` when no rows
    /// are left. A cell that does not fit its column's type is an error.
    pub fn chunk(
        &mut self,
        rows: &mut impl Iterator<Item = Vec<Cell>>,
        size: usize,
    ) -> Option<Result<(Vec<u8>, u64), String>> {
        let mut out = Vec::with_capacity(size + size / 8);
        let mut n = 0;
        for row in rows.by_ref() {
            if let Err(err) = self.row(&row, &mut out) {
                return Some(Err(err));
            }
            n += 1;
            if out.len() >= size {
                break;
            }
        }
        (n > 0).then_some(Ok((out, n)))
    }

    fn row(&self, row: &[Cell], out: &mut Vec<u8>) -> Result<(), String> {
        if row.len() != self.types.len() {
            return Err(format!("a row of {} cells for {} columns", row.len(), self.types.len()));
        }
        let fields = i16::try_from(row.len()).map_err(|_| "too many columns".to_owned())?;
        out.extend_from_slice(&fields.to_be_bytes());
        for (cell, ty) in row.iter().zip(&self.types) {
            let out_of_range = || format!("{cell:?} does not fit a {ty:?} column");
            match (cell, ty) {
                (Cell::Int(v), PgType::Int2) => {
                    field(out, &i16::try_from(*v).map_err(|_| out_of_range())?.to_be_bytes());
                }
                (Cell::Int(v), PgType::Int4) => {
                    field(out, &i32::try_from(*v).map_err(|_| out_of_range())?.to_be_bytes());
                }
                (Cell::Int(v), PgType::Int8) => field(out, &v.to_be_bytes()),
                (Cell::Bool(v), PgType::Bool) => field(out, &[u8::from(*v)]),
                (Cell::Text(v), PgType::Text) => field(out, v.as_bytes()),
                (Cell::Cents(v), PgType::Numeric) => write_numeric_cents(out, *v),
                (Cell::Time(v), PgType::Timestamp) => {
                    field(out, &(v.timestamp_micros() - PG_EPOCH_MICROS).to_be_bytes());
                }
                _ => return Err(format!("{cell:?} cannot go into a {ty:?} column")),
            }
        }
        Ok(())
    }
}

/// One field: its length, then its bytes.
fn field(out: &mut Vec<u8>, bytes: &[u8]) {
    // Fields here are short generated values; a length past i32 is not made.
    out.extend_from_slice(&i32::try_from(bytes.len()).unwrap_or(i32::MAX).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// Cents as PostgreSQL's binary numeric: base-10000 digits, the weight of the first, a sign
/// and two decimal places shown.
fn write_numeric_cents(out: &mut Vec<u8>, cents: i64) {
    let abs = cents.unsigned_abs();
    let (mut whole, fraction) = (abs / 100, (abs % 100) as i16 * 100);
    // Up to five base-10000 digits for the whole part of an i64 of cents, lowest first.
    let mut digits = [0i16; 5];
    let mut n = 0;
    while whole > 0 {
        digits[n] = (whole % 10_000) as i16;
        whole /= 10_000;
        n += 1;
    }
    let ndigits = n + usize::from(fraction != 0);
    let weight = if ndigits == 0 { 0 } else { n as i16 - 1 };
    let sign: i16 = if cents < 0 { 0x4000 } else { 0 };
    out.extend_from_slice(&(8 + 2 * ndigits as i32).to_be_bytes());
    for v in [ndigits as i16, weight, sign, 2] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    for digit in digits[..n].iter().rev() {
        out.extend_from_slice(&digit.to_be_bytes());
    }
    if fraction != 0 {
        out.extend_from_slice(&fraction.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use super::*;

    #[test]
    fn cents_read_as_decimals_do() {
        for cents in [0, 1, 5, 99, 100, 101, 123_456, -1, -5, -100, -12_345, i64::MAX, i64::MIN + 1] {
            let mut text = String::new();
            write_cents(&mut text, cents);
            assert_eq!(text, Decimal::new(cents, 2).to_string(), "{cents}");
        }
    }

    #[test]
    fn copy_times_as_chrono_formats_them() {
        let times = ["2026-12-06T19:49:50.123456789Z", "2001-02-03T04:05:06Z", "2026-01-01T00:00:00.000001Z"];
        for time in times {
            let Ok(t) = time.parse::<DateTime<Utc>>() else { panic!("{time}") };
            let mut out = String::new();
            CopyText::default().cell(&Cell::Time(t), &mut out);
            assert_eq!(out, t.format("%Y-%m-%d %H:%M:%S%.6f+00").to_string());
        }
    }

    /// The numeric's digits back to cents.
    fn numeric_cents(bytes: &[u8]) -> i64 {
        let word = |i: usize| i16::from_be_bytes([bytes[4 + 2 * i], bytes[5 + 2 * i]]);
        let (ndigits, weight, sign) = (word(0), word(1), word(2));
        assert_eq!(word(3), 2);
        let mut value: i128 = 0;
        for i in 0..ndigits as usize {
            let power = 2 + 4 * i32::from(weight - i as i16);
            let digit = i128::from(word(4 + i));
            value += if power >= 0 { digit * 10i128.pow(power as u32) } else { digit / 10i128.pow((-power) as u32) };
        }
        let value = i64::try_from(value).unwrap();
        if sign == 0x4000 { -value } else { value }
    }

    #[test]
    fn numerics_hold_the_cents() {
        for cents in [0, 5, 50, 99, 100, 1234, 10_000_000, 123_456_789, -1, -1234, i64::MAX, i64::MIN + 1] {
            let mut out = Vec::new();
            write_numeric_cents(&mut out, cents);
            let len = i32::from_be_bytes([out[0], out[1], out[2], out[3]]) as usize;
            assert_eq!(len + 4, out.len(), "{cents}");
            assert_eq!(numeric_cents(&out), cents, "{cents}");
        }
    }

    #[test]
    fn copy_text_escapes_its_specials() {
        let mut out = String::new();
        write_copy_text(&mut out, "a\tb\\c\nd");
        assert_eq!(out, "a\\tb\\\\c\\nd");
    }
}
