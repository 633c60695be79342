//! Short text formatted on the stack. Money and timestamps are written once into each
//! response; formatting each into its own `String` was a heap allocation per field.

use std::fmt;

/// Up to `N` bytes of text; a write that does not fit fails whole and leaves the text as it
/// was, so the bytes held are always valid UTF-8.
pub struct StackText<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> StackText<N> {
    pub const fn new() -> Self {
        Self { bytes: [0; N], len: 0 }
    }

    pub fn as_str(&self) -> &str {
        // Only whole `&str` pieces are ever copied in.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

impl<const N: usize> Default for StackText<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> fmt::Write for StackText<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        let Some(room) = self.bytes.get_mut(self.len..end) else {
            return Err(fmt::Error);
        };
        room.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write;

    use super::StackText;

    #[test]
    fn holds_what_fits_and_refuses_the_rest_whole() {
        let mut text = StackText::<8>::new();
        let suffix = "ab";
        assert!(write!(text, "{}-{suffix}", 12).is_ok());
        assert_eq!(text.as_str(), "12-ab");
        assert!(text.write_str("éé").is_err());
        assert_eq!(text.as_str(), "12-ab");
        assert!(text.write_str("é").is_ok());
        assert_eq!(text.as_str(), "12-abé");
    }
}
