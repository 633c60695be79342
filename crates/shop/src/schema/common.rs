//! Shared pieces of the request/response layer: money, timestamps, lists, pagination, and
//! "sent as null" versus "not sent" for partial updates.

use std::fmt::Write as _;
use std::str::FromStr;

use chrono::{DateTime, Datelike, SecondsFormat, Timelike, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::ToSchema;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{RefOr, Schema};

use super::text::StackText;
use crate::schema::params::Params;

/// The largest amount a NUMERIC(10,2) column holds: 99,999,999.99.
pub const MAX_MONEY: Decimal = Decimal::from_parts(1_410_065_407, 2, 0, false, 2);

fn parse_money<'de, D: Deserializer<'de>>(de: D, allow_negative: bool) -> Result<Decimal, D::Error> {
    use serde::de::Error;
    let value = serde_json::Value::deserialize(de)?;
    let text = match &value {
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => s.trim().to_owned(),
        _ => return Err(D::Error::custom("Input should be a valid decimal")),
    };
    let amount = Decimal::from_str(&text)
        .or_else(|_| Decimal::from_scientific(&text))
        .map_err(|_| D::Error::custom("Input should be a valid decimal"))?;
    if amount.normalize().scale() > 2 {
        return Err(D::Error::custom("Decimal input should have no more than 2 decimal places"));
    }
    if !allow_negative && amount.is_sign_negative() && !amount.is_zero() {
        return Err(D::Error::custom("Input should be greater than or equal to 0"));
    }
    if amount.abs() > MAX_MONEY {
        return Err(D::Error::custom("Decimal input should have no more than 10 digits in total"));
    }
    Ok(amount)
}

fn money_text(amount: Decimal) -> StackText<48> {
    let mut rounded = amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    let mut text = StackText::new();
    // The common case, a non-negative amount that fits two decimals, prints its integer cents:
    // Decimal's formatting with a precision was most of the time a large report spent on
    // its money columns. 48 bytes hold any Decimal with two decimals, so no write fails.
    rounded.rescale(2);
    if rounded.scale() == 2 && rounded.is_sign_positive() {
        // At most 29 digits, a point, and a leading zero.
        let mut digits = [b'0'; 31];
        let mut cents = rounded.mantissa().unsigned_abs();
        let mut start = digits.len();
        while cents > 0 || start > digits.len() - 4 {
            start -= 1;
            if start == digits.len() - 3 {
                digits[start] = b'.';
                continue;
            }
            digits[start] = b'0' + (cents % 10) as u8;
            cents /= 10;
        }
        let _ = text.write_str(std::str::from_utf8(&digits[start..]).unwrap_or_default());
    } else {
        let _ = write!(text, "{rounded:.2}");
    }
    text
}

fn money_schema(description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(r"^-?\d{1,8}\.\d{2}$"))
        .description(Some(description))
        .examples([serde_json::json!("1199.99")])
        .into()
}

/// A non-negative amount of money with at most two decimals. JSON: a string with exactly two
/// decimals; input accepts a number or a string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Money(pub Decimal);

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(money_text(self.0).as_str())
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        parse_money(de, false).map(Self)
    }
}

impl utoipa::PartialSchema for Money {
    fn schema() -> RefOr<Schema> {
        money_schema("Amount >= 0 with two decimals; input accepts a number or a string")
    }
}

impl ToSchema for Money {}

/// An amount that may be negative (a price modifier), at most two decimals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct SignedMoney(pub Decimal);

impl Serialize for SignedMoney {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(money_text(self.0).as_str())
    }
}

impl<'de> Deserialize<'de> for SignedMoney {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        parse_money(de, true).map(Self)
    }
}

impl utoipa::PartialSchema for SignedMoney {
    fn schema() -> RefOr<Schema> {
        money_schema("Amount with two decimals, may be negative; input accepts a number or a string")
    }
}

impl ToSchema for SignedMoney {}

/// RFC 3339 in UTC with microseconds: `2024-01-01T10:00:00.123456Z`.
pub fn timestamp<S: Serializer>(value: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(timestamp_text(value).as_str())
}

/// What `to_rfc3339_opts(SecondsFormat::Micros, true)` prints, written on the stack for the
/// years 0 to 9999 outside leap seconds (every timestamp the service stores).
fn timestamp_text(value: &DateTime<Utc>) -> StackText<40> {
    let mut text = StackText::new();
    let (date, time) = (value.date_naive(), value.time());
    match u32::try_from(date.year()) {
        Ok(year) if year <= 9999 && time.nanosecond() < 1_000_000_000 => {
            let mut out = *b"0000-00-00T00:00:00.000000Z";
            for (range, value) in [
                (0..4, year),
                (5..7, date.month()),
                (8..10, date.day()),
                (11..13, time.hour()),
                (14..16, time.minute()),
                (17..19, time.second()),
                (20..26, time.nanosecond() / 1_000),
            ] {
                put_digits(&mut out[range], value);
            }
            let _ = text.write_str(std::str::from_utf8(&out).unwrap_or_default());
        }
        _ => {
            let _ = text.write_str(&value.to_rfc3339_opts(SecondsFormat::Micros, true));
        }
    }
    text
}

/// `value`'s last `slot.len()` decimal digits, zero-padded.
fn put_digits(slot: &mut [u8], mut value: u32) {
    for digit in slot.iter_mut().rev() {
        *digit = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// Keeps "sent as null" (`Some(None)`) apart from "not sent" (`None`) in partial updates.
pub fn nullable<'de, T: Deserialize<'de>, D: Deserializer<'de>>(de: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(de).map(Some)
}

/// A page of a list. `total` is exact when `total_relation` is `eq`, and a lower bound when it
/// is `gte` (see [`Total`]).
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    pub total: u64,
    pub total_relation: TotalRelation,
    pub skip: u64,
    pub limit: u64,
}

/// Whether a list's `total` is the number of matches (`eq`) or a lower bound (`gte`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TotalRelation {
    Eq,
    Gte,
}

/// The number of matches a list reports: exact up to [`Total::TRACKED`], a lower bound past it
/// unless the client asked for the exact count (Elasticsearch's `track_total_hits` rule).
/// Counting every match of a broad search on a large catalog costs more than the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Total {
    pub value: u64,
    pub relation: TotalRelation,
}

impl Total {
    /// Matches counted exactly before the count stops.
    pub const TRACKED: u64 = 10_000;

    pub fn exact(value: u64) -> Self {
        Self { value, relation: TotalRelation::Eq }
    }

    /// The total from a count that stopped after `TRACKED + 1` rows (or never, when `exact`).
    pub fn counted(counted: u64, exact: bool) -> Self {
        if exact || counted <= Self::TRACKED {
            Self::exact(counted)
        } else {
            Self { value: Self::TRACKED, relation: TotalRelation::Gte }
        }
    }

    /// How many rows a count reads: one past the tracked number shows there are more.
    pub fn count_limit(exact: bool) -> Option<u64> {
        (!exact).then_some(Self::TRACKED + 1)
    }

    pub fn is_exact(self) -> bool {
        self.relation == TotalRelation::Eq
    }
}

/// `skip` (>= 0, default 0) and `limit` (1..=100, default 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pagination {
    pub skip: u64,
    pub limit: u64,
}

impl Pagination {
    pub const DEFAULT_LIMIT: u64 = 10;
    pub const MAX_LIMIT: u64 = 100;

    /// Reads `skip` and `limit`, recording problems in `params`.
    pub fn read(params: &mut Params) -> Self {
        let skip = params.int("skip", 0, i64::MAX).and_then(|v| u64::try_from(v).ok()).unwrap_or(0);
        let limit = params.int("limit", 1, 100).and_then(|v| u64::try_from(v).ok()).unwrap_or(Self::DEFAULT_LIMIT);
        Self { skip, limit }
    }

    /// A page of a list whose `total` is always exact.
    pub fn page<T: ToSchema>(self, items: Vec<T>, total: u64) -> Page<T> {
        self.tracked(items, Total::exact(total))
    }

    pub fn tracked<T: ToSchema>(self, items: Vec<T>, total: Total) -> Page<T> {
        Page { items, total: total.value, total_relation: total.relation, skip: self.skip, limit: self.limit }
    }
}

/// The ids in `?include=a,b` (also repeatable), checked against `allowed`.
pub fn includes(params: &mut Params, allowed: &[&str]) -> Vec<String> {
    let raw = params.all("include").join(",");
    if raw.chars().count() > 200 {
        params.fail("include", "String should have at most 200 characters", "string_too_long");
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if !allowed.contains(&part) {
            params.fail("include", format!("Unknown relation '{part}'; allowed: {}", allowed.join(", ")), "enum");
        } else if !out.iter().any(|o| o == part) {
            out.push(part.to_owned());
        }
    }
    out
}

#[cfg(test)]
mod money_text_tests {
    use rust_decimal::{Decimal, RoundingStrategy};

    use super::money_text;

    /// What the cents fast path must print: Decimal's own two-decimal formatting.
    fn reference(amount: Decimal) -> String {
        format!("{:.2}", amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
    }

    #[test]
    fn prints_what_decimal_prints() {
        let mut cases: Vec<Decimal> = [
            (0, 0),
            (0, 2),
            (4, 3),
            (5, 3),
            (5, 1),
            (1, 0),
            (11, 1),
            (119_999, 2),
            (1_199_995, 3),
            (9_999_999_999, 2),
            (123_456, 4),
            (-125, 2),
            (-4, 3),
            (1, 28),
        ]
        .into_iter()
        .map(|(mantissa, scale)| Decimal::new(mantissa, scale))
        .chain([Decimal::MAX, Decimal::MIN])
        .collect();
        cases.extend((0..100_000).map(|c| Decimal::new(c * 7919 % 10_000_000, 3)));
        for amount in cases {
            assert_eq!(money_text(amount).as_str(), reference(amount), "{amount}");
        }
    }

    #[test]
    fn the_money_bound_is_ten_digits_with_two_decimals() {
        assert_eq!(super::MAX_MONEY, Decimal::new(9_999_999_999, 2));
    }
}

#[cfg(test)]
mod timestamp_text_tests {
    use chrono::{DateTime, NaiveDate, SecondsFormat, TimeZone, Utc};

    use super::timestamp_text;

    #[test]
    fn prints_what_chrono_prints() {
        let mut cases: Vec<DateTime<Utc>> = vec![
            DateTime::<Utc>::MIN_UTC,
            DateTime::<Utc>::MAX_UTC,
            DateTime::<Utc>::UNIX_EPOCH,
            Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).single().unwrap_or_default(),
            Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).single().unwrap_or_default(),
            Utc.with_ymd_and_hms(10000, 1, 1, 0, 0, 0).single().unwrap_or_default(),
            Utc.with_ymd_and_hms(-1, 1, 1, 0, 0, 0).single().unwrap_or_default(),
        ];
        // A leap second: chrono keeps it as a nanosecond count past 10^9.
        if let Some(leap) =
            NaiveDate::from_ymd_opt(2016, 12, 31).and_then(|d| d.and_hms_nano_opt(23, 59, 59, 1_500_000_000))
        {
            cases.push(leap.and_utc());
        }
        let mut nanos: i64 = 1_700_000_000_123_456_789;
        for _ in 0..20_000 {
            cases.push(DateTime::from_timestamp_nanos(nanos));
            nanos = nanos
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407)
                .rem_euclid(4_000_000_000_000_000_000);
        }
        for value in cases {
            assert_eq!(
                timestamp_text(&value).as_str(),
                value.to_rfc3339_opts(SecondsFormat::Micros, true),
                "{value:?}"
            );
        }
    }
}
