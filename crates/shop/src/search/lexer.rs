//! Splits a `filter` expression into tokens, each with its 1-based character position so
//! errors can point at it.

use super::FilterError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    LParen,
    RParen,
    Comma,
    /// `=`, `!=`, `<>`, `<`, `<=`, `>`, `>=`.
    Cmp(&'static str),
    /// A field name or keyword, as written.
    Word(String),
    /// A single-quoted string, with `''` already turned into `'`.
    Str(String),
    /// A numeric literal as written, sign included.
    Num(String),
    End,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub tok: Tok,
    /// 1-based character position of the token's first character.
    pub pos: usize,
}

impl Token {
    /// How the token reads in an error message.
    pub fn describe(&self) -> String {
        match &self.tok {
            Tok::LParen => "'('".to_owned(),
            Tok::RParen => "')'".to_owned(),
            Tok::Comma => "','".to_owned(),
            Tok::Cmp(op) => format!("'{op}'"),
            Tok::Word(w) => format!("'{w}'"),
            Tok::Str(_) => "a string".to_owned(),
            Tok::Num(n) => format!("number {n}"),
            Tok::End => "the end of the expression".to_owned(),
        }
    }
}

/// Tokenizes `input`; the last token is always [`Tok::End`].
///
/// # Errors
/// An unterminated string or a character the language does not use.
pub fn tokenize(input: &str) -> Result<Vec<Token>, FilterError> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let pos = i + 1;
        let next = chars.get(i + 1).copied();
        let (tok, len) = match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '(' => (Tok::LParen, 1),
            ')' => (Tok::RParen, 1),
            ',' => (Tok::Comma, 1),
            '=' => (Tok::Cmp("="), 1),
            '!' if next == Some('=') => (Tok::Cmp("!="), 2),
            '<' if next == Some('=') => (Tok::Cmp("<="), 2),
            '<' if next == Some('>') => (Tok::Cmp("!="), 2),
            '<' => (Tok::Cmp("<"), 1),
            '>' if next == Some('=') => (Tok::Cmp(">="), 2),
            '>' => (Tok::Cmp(">"), 1),
            '\'' => {
                let (text, len) = string(&chars[i..]).ok_or_else(|| FilterError::new(pos, "Unterminated string"))?;
                // No database stores NUL in text, and PostgreSQL refuses it outright.
                if text.contains('\0') {
                    return Err(FilterError::new(pos, "Strings cannot contain NUL characters"));
                }
                (Tok::Str(text), len)
            }
            c if c.is_ascii_digit() || ((c == '-' || c == '.') && next.is_some_and(|n| n.is_ascii_digit())) => {
                let len = 1 + chars[i + 1..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == '.').count();
                (Tok::Num(chars[i..i + len].iter().collect()), len)
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let len = chars[i..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == '_').count();
                (Tok::Word(chars[i..i + len].iter().collect()), len)
            }
            other => return Err(FilterError::new(pos, format!("Unexpected character '{other}'"))),
        };
        tokens.push(Token { tok, pos });
        i += len;
    }
    tokens.push(Token { tok: Tok::End, pos: chars.len() + 1 });
    Ok(tokens)
}

/// The string starting at the opening quote `chars[0]`: its text and length in characters.
fn string(chars: &[char]) -> Option<(String, usize)> {
    let mut text = String::new();
    let mut i = 1;
    loop {
        match chars.get(i)? {
            '\'' if chars.get(i + 1) == Some(&'\'') => {
                text.push('\'');
                i += 2;
            }
            '\'' => return Some((text, i + 1)),
            c => {
                text.push(*c);
                i += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(input: &str) -> Vec<Tok> {
        tokenize(input).map(|t| t.into_iter().map(|t| t.tok).collect()).unwrap_or_default()
    }

    #[test]
    fn splits_operators_strings_and_numbers() {
        assert_eq!(
            toks("price>=-1.5 and name<>'it''s'"),
            vec![
                Tok::Word("price".into()),
                Tok::Cmp(">="),
                Tok::Num("-1.5".into()),
                Tok::Word("and".into()),
                Tok::Word("name".into()),
                Tok::Cmp("!="),
                Tok::Str("it's".into()),
                Tok::End,
            ]
        );
    }

    #[test]
    fn positions_count_characters() {
        let tokens = tokenize("é = 'x'").err();
        assert_eq!(tokens, Some(FilterError::new(1, "Unexpected character 'é'")));
        let tokens = tokenize("name = 'é' and").unwrap_or_default();
        assert_eq!(tokens[3].pos, 12);
    }

    #[test]
    fn rejects_unterminated_strings_and_stray_characters() {
        assert_eq!(tokenize("name = 'abc").err(), Some(FilterError::new(8, "Unterminated string")));
        assert_eq!(tokenize("id = 1; drop").err(), Some(FilterError::new(7, "Unexpected character ';'")));
    }
}
