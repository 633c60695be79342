//! Shared pieces of the request/response layer: money, timestamps, lists, pagination, and
//! "sent as null" versus "not sent" for partial updates.

use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::ToSchema;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{RefOr, Schema};

use crate::api::extract::Params;

/// The largest amount a NUMERIC(10,2) column holds.
const MAX_MONEY: Decimal = Decimal::from_parts(999_999_999, 0, 0, false, 2);

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

fn money_text(amount: Decimal) -> String {
    let mut rounded = amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    // The common case, a non-negative amount that fits two decimals, prints its integer cents:
    // Decimal's formatting with a precision was most of the time a large report spent on
    // its money columns.
    rounded.rescale(2);
    if rounded.scale() == 2 && rounded.is_sign_positive() {
        let cents = rounded.mantissa().unsigned_abs();
        return format!("{}.{:02}", cents / 100, cents % 100);
    }
    format!("{rounded:.2}")
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
        s.serialize_str(&money_text(self.0))
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
        s.serialize_str(&money_text(self.0))
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
    s.serialize_str(&value.to_rfc3339_opts(SecondsFormat::Micros, true))
}

/// Keeps "sent as null" (`Some(None)`) apart from "not sent" (`None`) in partial updates.
pub fn nullable<'de, T: Deserialize<'de>, D: Deserializer<'de>>(de: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(de).map(Some)
}

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    pub total: u64,
    pub skip: u64,
    pub limit: u64,
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

    pub fn page<T: ToSchema>(self, items: Vec<T>, total: u64) -> Page<T> {
        Page { items, total, skip: self.skip, limit: self.limit }
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
            assert_eq!(money_text(amount), reference(amount), "{amount}");
        }
    }
}
