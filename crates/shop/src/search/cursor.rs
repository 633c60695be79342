//! Opaque keyset cursors: the sort values of the last row of a page, the total the first page
//! counted, and a fingerprint of the filters and sort they belong to, signed with HMAC-SHA256
//! under `SECRET_KEY`. A forged, altered or mismatched cursor is refused instead of silently
//! paging wrong.
//!
//! The total rides along so that paging on through a large result does not count every
//! matching row again for each page: on a million products that count is most of a page's
//! time. A cursor page therefore reports the total as of the first page.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, SecondsFormat, Utc};
use rust_decimal::Decimal;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use super::field::{Field, Kind};
use crate::entity::products;
use crate::schema::common::{Total, TotalRelation};

/// The value of one sort key in a cursor; `None` is SQL NULL.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyValue {
    Int(Option<i32>),
    Money(Decimal),
    Text(String),
    Time(DateTime<Utc>),
}

impl KeyValue {
    /// The value of `field` in `row`.
    pub fn of(field: Field, row: &products::Model) -> Self {
        use products::Column as C;
        match field.column {
            C::Name => Self::Text(row.name.clone()),
            C::Price => Self::Money(row.price),
            C::StockQuantity => Self::Int(Some(row.stock_quantity)),
            C::CategoryId => Self::Int(Some(row.category_id)),
            C::SupplierId => Self::Int(row.supplier_id),
            C::CreatedAt => Self::Time(row.created_at),
            C::UpdatedAt => Self::Time(row.updated_at),
            _ => Self::Int(Some(row.id)),
        }
    }

    fn to_json(&self) -> Json {
        match self {
            Self::Int(v) => v.map_or(Json::Null, Json::from),
            Self::Money(v) => Json::from(v.to_string()),
            Self::Text(v) => Json::from(v.clone()),
            Self::Time(v) => Json::from(v.to_rfc3339_opts(SecondsFormat::Nanos, true)),
        }
    }

    fn from_json(field: Field, json: &Json) -> Option<Self> {
        match (field.kind, json) {
            (Kind::Int, Json::Null) if field.nullable => Some(Self::Int(None)),
            (Kind::Int, Json::Number(n)) => Some(Self::Int(Some(i32::try_from(n.as_i64()?).ok()?))),
            (Kind::Money, Json::String(s)) => s.parse().ok().map(Self::Money),
            // Text no database stores can come from no row.
            (Kind::Text, Json::String(s)) if !s.contains('\0') => Some(Self::Text(s.clone())),
            (Kind::Time, Json::String(s)) => {
                DateTime::parse_from_rfc3339(s).ok().map(|t| Self::Time(t.with_timezone(&Utc)))
            }
            _ => None,
        }
    }
}

/// Why a cursor was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CursorError {
    /// Not one of ours, or altered.
    Invalid,
    /// Ours, but made for other filters or another sort.
    Mismatch,
}

impl CursorError {
    pub fn message(self) -> &'static str {
        match self {
            Self::Invalid => "Invalid cursor",
            Self::Mismatch => "The cursor belongs to other filters or another sort; send the same ones as before",
        }
    }
}

/// Where a cursor continues: the sort values of the last row it saw, and the total its first
/// page counted (`None` in cursors that do not carry one).
#[derive(Debug, Clone, PartialEq)]
pub struct Position {
    pub values: Vec<KeyValue>,
    pub total: Option<Total>,
}

/// Signs and checks cursors for one set of filters and sort.
pub struct CursorCodec<'a> {
    pub secret: &'a [u8],
    /// Identifies the filters and sort; a cursor is only valid with the same ones.
    pub fingerprint: &'a str,
}

impl CursorCodec<'_> {
    pub fn encode(&self, values: &[KeyValue], total: Total) -> String {
        let mut payload = serde_json::json!({
            "f": self.fingerprint,
            "v": values.iter().map(KeyValue::to_json).collect::<Vec<_>>(),
        });
        carry_total(&mut payload, total);
        seal(self.secret, &payload)
    }

    /// The values of `keys` the cursor carries, and its total.
    ///
    /// # Errors
    /// A cursor that is not ours, altered, or made for other filters or sort.
    pub fn decode(&self, cursor: &str, keys: &[Field]) -> Result<Position, CursorError> {
        let payload = open(self.secret, cursor)?;
        if payload.get("f").and_then(Json::as_str) != Some(self.fingerprint) {
            return Err(CursorError::Mismatch);
        }
        let values = payload.get("v").and_then(Json::as_array).ok_or(CursorError::Invalid)?;
        if values.len() != keys.len() {
            return Err(CursorError::Mismatch);
        }
        let total = carried_total(&payload)?;
        let values = keys
            .iter()
            .zip(values)
            .map(|(field, json)| KeyValue::from_json(*field, json).ok_or(CursorError::Invalid))
            .collect::<Result<_, _>>()?;
        Ok(Position { values, total })
    }
}

/// `payload` signed with `secret`: its JSON in base64, a dot, and its HMAC.
pub fn seal(secret: &[u8], payload: &Json) -> String {
    let payload = URL_SAFE_NO_PAD.encode(payload.to_string());
    let signature = URL_SAFE_NO_PAD.encode(sign(secret, payload.as_bytes()));
    format!("{payload}.{signature}")
}

/// The payload of a cursor [`seal`] made with `secret`.
///
/// # Errors
/// [`CursorError::Invalid`] for anything else, an altered cursor included.
pub fn open(secret: &[u8], cursor: &str) -> Result<Json, CursorError> {
    let (payload, signature) = cursor.split_once('.').ok_or(CursorError::Invalid)?;
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| CursorError::Invalid)?;
    if !crate::security::same_secret(&signature, &sign(secret, payload.as_bytes())) {
        return Err(CursorError::Invalid);
    }
    let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| CursorError::Invalid)?;
    serde_json::from_slice(&payload).map_err(|_| CursorError::Invalid)
}

/// Puts `total` in a cursor's payload (`t`, and `g` when it is a lower bound).
pub fn carry_total(payload: &mut Json, total: Total) {
    payload["t"] = Json::from(total.value);
    if !total.is_exact() {
        payload["g"] = Json::Bool(true);
    }
}

/// The total a cursor's payload carries, if any.
///
/// # Errors
/// [`CursorError::Invalid`] for a malformed one.
pub fn carried_total(payload: &Json) -> Result<Option<Total>, CursorError> {
    let relation = match payload.get("g") {
        None => TotalRelation::Eq,
        Some(Json::Bool(true)) => TotalRelation::Gte,
        Some(_) => return Err(CursorError::Invalid),
    };
    match payload.get("t") {
        None => Ok(None),
        Some(t) => Ok(Some(Total { value: t.as_u64().ok_or(CursorError::Invalid)?, relation })),
    }
}

/// HMAC-SHA256 (RFC 2104), truncated to 128 bits.
fn sign(secret: &[u8], message: &[u8]) -> [u8; 16] {
    const BLOCK: usize = 64;
    let mut key = [0u8; BLOCK];
    if secret.len() > BLOCK {
        key[..32].copy_from_slice(&Sha256::digest(secret));
    } else {
        key[..secret.len()].copy_from_slice(secret);
    }
    let pad = |byte: u8| key.map(|k| k ^ byte);
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
    let outer = Sha256::new().chain_update(pad(0x5c)).chain_update(inner).finalize();
    let mut mac = [0u8; 16];
    mac.copy_from_slice(&outer[..16]);
    mac
}

/// A short digest of a canonical description of filters and sort.
pub fn fingerprint(canonical: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(canonical.as_bytes());
    digest[..8].iter().flat_map(|b| [HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]).map(char::from).collect()
}

#[cfg(test)]
mod tests {
    use super::super::field;
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mac = sign(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "5bdcc146bf60754e6a042426089575c7");
    }

    #[test]
    fn round_trips_and_refuses_tampering() {
        let keys = [field::find("supplier_id").unwrap_or(field::id()), field::id()];
        let codec = CursorCodec { secret: b"secret", fingerprint: "abc" };
        let values = vec![KeyValue::Int(None), KeyValue::Int(Some(7))];
        let cursor = codec.encode(&values, Total::exact(42));
        assert_eq!(
            codec.decode(&cursor, &keys),
            Ok(Position { values: values.clone(), total: Some(Total::exact(42)) })
        );
        let bound = Total::counted(20_000, false);
        let tracked = codec.decode(&codec.encode(&values, bound), &keys).map(|p| p.total);
        assert_eq!(tracked, Ok(Some(Total { value: 10_000, relation: TotalRelation::Gte })));

        let other = CursorCodec { secret: b"secret", fingerprint: "abd" };
        assert_eq!(other.decode(&cursor, &keys), Err(CursorError::Mismatch));
        let forged = CursorCodec { secret: b"guess", fingerprint: "abc" };
        assert_eq!(
            codec.decode(&forged.encode(&[KeyValue::Int(None), KeyValue::Int(Some(1))], Total::exact(1)), &keys),
            Err(CursorError::Invalid)
        );
        let (payload, signature) = cursor.split_once('.').unwrap_or_default();
        let altered = format!("{}A.{signature}", payload);
        assert_eq!(codec.decode(&altered, &keys), Err(CursorError::Invalid));
        assert_eq!(codec.decode("garbage", &keys), Err(CursorError::Invalid));
    }
}
