//! Closed sets of values stored as text (roles, order statuses). They parse exactly, and a
//! refusal carries pydantic's enum message, so a 422 for one reads as FastAPI's.

use serde::de::{Deserialize, Deserializer, Error as _};

/// A value from a fixed list, stored and sent as its lowercase name.
pub trait Choice: Copy + Sized + 'static {
    /// Every value, in the order the refusal message lists them.
    const ALL: &'static [Self];

    fn as_str(self) -> &'static str;

    /// The value `text` names exactly; a lenient parse would let differently-cased
    /// duplicates into a column.
    fn parse(text: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|choice| choice.as_str() == text)
    }

    /// pydantic's message for a value outside the list: `Input should be 'a', 'b' or 'c'`.
    fn expected() -> String {
        let quoted: Vec<String> = Self::ALL.iter().map(|c| format!("'{}'", c.as_str())).collect();
        match quoted.split_last() {
            Some((last, [])) => format!("Input should be {last}"),
            Some((last, rest)) => format!("Input should be {} or {last}", rest.join(", ")),
            None => "Input should be nothing".to_owned(),
        }
    }
}

/// Reads a [`Choice`] from a string; anything else is the string type error serde gives a
/// `String` field, so a wrong type reads the same as before the field was typed.
///
/// # Errors
/// The deserializer's error, or [`Choice::expected`] for a string outside the list.
pub fn deserialize<'de, D: Deserializer<'de>, T: Choice>(deserializer: D) -> Result<T, D::Error> {
    let text = String::deserialize(deserializer)?;
    T::parse(&text).ok_or_else(|| D::Error::custom(T::expected()))
}

/// Whether `message` is a [`Choice::expected`] refusal, which FastAPI reports as type `enum`.
pub fn is_refusal(message: &str) -> bool {
    message.starts_with("Input should be '")
}
