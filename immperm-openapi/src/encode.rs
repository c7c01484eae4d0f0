//! Percent-encoding as Alibaba Cloud's SDKs do it.
//!
//! Two encodings meet in one request. The canonical request uses RFC 3986 (`%20` for a space,
//! `*` as `%2A`, `~` kept), as Python's `urllib.parse.quote(value, safe="~")` in the official
//! SDK; the query string and the form body that go on the wire use the form encoding of
//! `urllib.parse.urlencode` (the same set, but `+` for a space). A server decodes the wire form
//! and re-encodes it canonically, so both sides reach the same canonical request.

use std::fmt::Write as _;

/// Characters neither encoding escapes (RFC 3986 "unreserved").
fn unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~')
}

fn push_escaped(out: &mut String, byte: u8) {
    // Writing to a `String` cannot fail.
    let _ = write!(out, "%{byte:02X}");
}

/// RFC 3986 percent-encoding of `text` (UTF-8): what the canonical request carries.
pub(crate) fn rfc3986(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for &byte in text.as_bytes() {
        if unreserved(byte) {
            out.push(char::from(byte));
        } else {
            push_escaped(&mut out, byte);
        }
    }
    out
}

/// `application/x-www-form-urlencoded` encoding of `text`: RFC 3986 with `+` for a space, as
/// the query string and form body are sent.
pub(crate) fn form(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for &byte in text.as_bytes() {
        if unreserved(byte) {
            out.push(char::from(byte));
        } else if byte == b' ' {
            out.push('+');
        } else {
            push_escaped(&mut out, byte);
        }
    }
    out
}

/// `name=value` pairs joined by `&`, each form-encoded, in the order given.
pub(crate) fn form_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (name, value) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(&form(name));
        out.push('=');
        out.push_str(&form(value));
    }
    out
}

/// Why a received query string could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DecodeError {
    /// A `%` not followed by two hexadecimal digits.
    BadEscape,
    /// The decoded bytes are not UTF-8.
    NotUtf8,
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::BadEscape => "a `%` is not followed by two hexadecimal digits",
            Self::NotUtf8 => "its percent-escapes do not decode to UTF-8",
        })
    }
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// Decodes one form-encoded component (`+` is a space).
pub(crate) fn decode_form(text: &str) -> Result<String, DecodeError> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        rest = tail;
        match byte {
            b'+' => bytes.push(b' '),
            b'%' => {
                let (high, low, tail) = match rest {
                    [high, low, tail @ ..] => (*high, *low, tail),
                    _ => return Err(DecodeError::BadEscape),
                };
                let (Some(high), Some(low)) = (hex_value(high), hex_value(low)) else {
                    return Err(DecodeError::BadEscape);
                };
                bytes.push(high << 4 | low);
                rest = tail;
            }
            other => bytes.push(other),
        }
    }
    String::from_utf8(bytes).map_err(|_| DecodeError::NotUtf8)
}

/// Splits a query string into decoded `(name, value)` pairs; a pair without `=` has an empty
/// value, empty pieces (`a=1&&b=2`) are skipped.
pub(crate) fn decode_query(query: &str) -> Result<Vec<(String, String)>, DecodeError> {
    query
        .split('&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
            Ok((decode_form(name)?, decode_form(value)?))
        })
        .collect()
}

/// Lowercase hexadecimal, as every digest in the signature is written.
pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        // Writing to a `String` cannot fail.
        let _ = write!(out, "{byte:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3986_keeps_only_unreserved_characters() {
        assert_eq!(rfc3986("AZaz09-_.~"), "AZaz09-_.~");
        assert_eq!(rfc3986("a b*c+d/e=f&g:h"), "a%20b%2Ac%2Bd%2Fe%3Df%26g%3Ah");
        assert_eq!(rfc3986("猫"), "%E7%8C%AB");
        assert_eq!(rfc3986(r#"{"k":"v"}"#), "%7B%22k%22%3A%22v%22%7D");
    }

    #[test]
    fn form_writes_a_space_as_plus() {
        assert_eq!(form("a b*c+d~"), "a+b%2Ac%2Bd~");
        assert_eq!(form_pairs([("A b", "c d"), ("E", "")]), "A+b=c+d&E=");
    }

    #[test]
    fn decoding_inverts_both_encodings() {
        for text in ["a b*c+d/e=f&g:h", "猫 1.mp4", "", "~%"] {
            assert_eq!(decode_form(&form(text)).unwrap(), text);
            assert_eq!(decode_form(&rfc3986(text)).unwrap(), text);
        }
        assert_eq!(decode_form("%e7%8c%ab").unwrap(), "猫");
        assert_eq!(decode_form("%4"), Err(DecodeError::BadEscape));
        assert_eq!(decode_form("%zz"), Err(DecodeError::BadEscape));
        assert_eq!(decode_form("%FF"), Err(DecodeError::NotUtf8));
    }

    #[test]
    fn query_pairs_decode_in_order() {
        assert_eq!(
            decode_query("b=2&a=x+y&&flag").unwrap(),
            [("b", "2"), ("a", "x y"), ("flag", "")].map(|(n, v)| (n.to_owned(), v.to_owned()))
        );
    }

    #[test]
    fn hex_is_lowercase() {
        assert_eq!(hex_lower(&[0x00, 0xab, 0x7f]), "00ab7f");
    }
}
