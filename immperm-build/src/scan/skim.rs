//! Splits a source file into its top-level items without tokenizing it: one pass over the
//! bytes that skips comments, strings and character literals and tracks delimiters. Each
//! item records whether it names `requires_imm` (outside comments and strings) or `mod`, so
//! only those items are tokenized and parsed.
//!
//! An item ends at a top-level `;`, at the `}` closing a top-level brace, or at the `]` of an
//! inner attribute (`#![...]`). A brace inside a signature (`fn f() -> A<{ N }>`) cuts an
//! item short; the piece then fails to parse and the caller falls back to parsing the whole
//! file, so a wrong cut costs time, never results.

/// One top-level item: a byte range of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Chunk {
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// It contains the identifier `requires_imm`.
    pub(crate) annotated: bool,
    /// It contains `mod <name> ;` (it declares a file module), or is an inner attribute.
    pub(crate) modules: bool,
}

/// The top-level items of `text`, or `None` when its delimiters or literals do not close.
///
/// The bytes are walked through slice patterns rather than `get` and helper calls: build
/// scripts run at opt-level 0, where every call per byte shows.
#[expect(
    clippy::too_many_lines,
    reason = "one state machine over the bytes reads best as one loop"
)]
pub(crate) fn chunks(text: &str) -> Option<Vec<Chunk>> {
    let bytes = text.as_bytes();
    let mut chunks = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let mut annotated = false;
    let mut modules = false;
    let mut inner_attribute = false;
    // Progress through `mod <name> ;`: 1 after `mod`, 2 after its name.
    let mut declaration = 0u8;
    let mut rest = bytes;
    while let [_, tail @ ..] = rest {
        let at = bytes.len() - rest.len();
        let mut boundary = false;
        match rest {
            [b'/', b'/', comment @ ..] => {
                let inner_doc = matches!(comment, [b'!', ..]);
                let end = text
                    .get(at..)
                    .and_then(|rest| rest.find('\n'))
                    .map_or(bytes.len(), |nl| at + nl);
                if inner_doc && depth == 0 && blank(text, start, at) {
                    // Inner docs (`//!`) are attributes of the file, not of the next item.
                    start = end;
                }
                rest = bytes.get(end..)?;
                continue;
            }
            [b'/', b'*', comment @ ..] => {
                let inner_doc = matches!(comment, [b'!', ..]);
                rest = block_comment_end(comment)?;
                if inner_doc && depth == 0 && blank(text, start, at) {
                    start = bytes.len() - rest.len();
                }
                continue;
            }
            [b'"', tail @ ..] => {
                rest = string_end(tail)?;
                declaration = 0;
                continue;
            }
            [b'\'', ..] => {
                rest = quote_end(rest);
                declaration = 0;
                continue;
            }
            [b'#', b'!', b'[', ..] if depth == 0 => {
                if blank(text, start, at) {
                    inner_attribute = true;
                }
                declaration = 0;
            }
            [b'{' | b'(' | b'[', ..] => {
                depth += 1;
                declaration = 0;
            }
            [close @ (b'}' | b')' | b']'), ..] => {
                depth = depth.checked_sub(1)?;
                boundary = depth == 0 && (*close == b'}' || (*close == b']' && inner_attribute));
                declaration = 0;
            }
            [b';', ..] => {
                modules |= declaration == 2;
                declaration = 0;
                boundary = depth == 0;
            }
            [b'a'..=b'z' | b'A'..=b'Z' | b'_' | 0x80.., ident_tail @ ..] => {
                let mut after = past_identifier(ident_tail);
                // A raw identifier (`r#type`) is one identifier.
                if let ([b'r'], [b'#', b'a'..=b'z' | b'A'..=b'Z' | b'_' | 0x80.., t @ ..]) =
                    (rest.get(..rest.len() - after.len())?, after)
                {
                    after = past_identifier(t);
                }
                let ident = rest.get(..rest.len() - after.len())?;
                declaration = match (declaration, ident) {
                    (1, _) => 2,
                    (_, b"mod") => 1,
                    _ => 0,
                };
                rest = match (ident, after) {
                    (b"requires_imm", _) => {
                        annotated = true;
                        after
                    }
                    (b"b" | b"c", [b'"', t @ ..]) => string_end(t)?,
                    (b"b", [b'\'', ..]) => quote_end(after),
                    (b"r" | b"br" | b"cr", [b'"' | b'#', ..]) => {
                        raw_string_end(after).unwrap_or(after)
                    }
                    _ => after,
                };
                continue;
            }
            [b' ' | b'\n' | b'\t' | b'\r' | b'\x0c', ..] => {}
            _ => declaration = 0,
        }
        rest = tail;
        if boundary {
            let end = bytes.len() - rest.len();
            chunks.push(Chunk {
                start,
                end,
                annotated,
                modules: modules || inner_attribute,
            });
            start = end;
            annotated = false;
            modules = false;
            inner_attribute = false;
        }
    }
    if depth != 0 {
        return None;
    }
    if text
        .get(start..)
        .is_some_and(|rest| !rest.trim().is_empty())
    {
        chunks.push(Chunk {
            start,
            end: bytes.len(),
            annotated,
            modules: modules || inner_attribute,
        });
    }
    Some(chunks)
}

/// Whether `text[start..end]` is only whitespace (comments aside, which the caller skips).
fn blank(text: &str, start: usize, end: usize) -> bool {
    text.get(start..end).is_some_and(|s| s.trim().is_empty())
}

/// `bytes` after the identifier characters at their start (one call per identifier, not
/// per byte).
pub(crate) fn past_identifier(mut bytes: &[u8]) -> &[u8] {
    while let [
        b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | 0x80..,
        tail @ ..,
    ] = bytes
    {
        bytes = tail;
    }
    bytes
}

/// What follows the (nested) block comment whose `/*` is just before `bytes`.
pub(crate) fn block_comment_end(bytes: &[u8]) -> Option<&[u8]> {
    let mut depth = 1usize;
    let mut rest = bytes;
    while depth > 0 {
        rest = match rest {
            [b'/', b'*', tail @ ..] => {
                depth += 1;
                tail
            }
            [b'*', b'/', tail @ ..] => {
                depth -= 1;
                tail
            }
            [_, tail @ ..] => tail,
            [] => return None,
        };
    }
    Some(rest)
}

/// What follows a string whose contents start `bytes` (after the opening `"`).
fn string_end(bytes: &[u8]) -> Option<&[u8]> {
    let mut rest = bytes;
    loop {
        rest = match rest {
            [b'"', tail @ ..] => return Some(tail),
            [b'\\', _, tail @ ..] | [_, tail @ ..] => tail,
            [] => return None,
        };
    }
}

/// What follows a raw string whose `#`s or `"` start `bytes`; `None` when it is not one or
/// does not close.
fn raw_string_end(bytes: &[u8]) -> Option<&[u8]> {
    let mut rest = bytes;
    while let [b'#', tail @ ..] = rest {
        rest = tail;
    }
    let hashes = bytes.len() - rest.len();
    let [b'"', tail @ ..] = rest else {
        return None;
    };
    rest = tail;
    loop {
        match rest {
            [b'"', tail @ ..] => {
                if tail
                    .get(..hashes)
                    .is_some_and(|h| h.iter().all(|b| *b == b'#'))
                {
                    return tail.get(hashes..);
                }
                rest = tail;
            }
            [_, tail @ ..] => rest = tail,
            [] => return None,
        }
    }
}

/// What follows a character literal whose `'` starts `bytes`, or the `'` of a lifetime or
/// label.
fn quote_end(bytes: &[u8]) -> &[u8] {
    match bytes {
        [b'\'', b'\\', _, tail @ ..] => {
            // An escape: the literal closes at the next `'` (or the line ends).
            let mut rest = tail;
            while let [byte, t @ ..] = rest {
                rest = t;
                if *byte == b'\'' || *byte == b'\n' {
                    break;
                }
            }
            rest
        }
        [b'\'', lead, tail @ ..] => {
            let width = match lead {
                0x00..=0x7f => 0,
                0xc0..=0xdf => 1,
                0xe0..=0xef => 2,
                _ => 3,
            };
            match tail.get(width..) {
                Some([b'\'', after @ ..]) => after,
                _ => tail_after_quote(bytes),
            }
        }
        _ => tail_after_quote(bytes),
    }
}

fn tail_after_quote(bytes: &[u8]) -> &[u8] {
    bytes.get(1..).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(text: &str) -> Vec<(String, bool, bool)> {
        chunks(text)
            .unwrap()
            .into_iter()
            .map(|c| {
                (
                    text[c.start..c.end].trim().to_owned(),
                    c.annotated,
                    c.modules,
                )
            })
            .collect()
    }

    #[test]
    fn items_are_split_at_the_top_level() {
        let text = r##"#![cfg(unix)]
//! Docs mention requires_imm and mod x;
use std::fmt;
/* nested /* requires_imm */ comment */
#[requires_imm(op = "video/info")]
fn probe(x: &str) -> Result<(), String> { let c = '}'; let s = "}{"; let r = r#"}"#; Ok(()) }
struct Unit;
impl<'a> Probe<'a> { fn f(&self) -> &'a str { "x" } }
mod inline { fn f() {} }
#[cfg(unix)] mod /* c */ r#media // c
    ;
const B: &[u8] = b"}";
const C: char = '\'';
const D: char = 'é';
fn labels() { 'outer: loop { break 'outer; } }
"##;
        assert_eq!(
            pieces(text),
            [
                ("#![cfg(unix)]".to_owned(), false, true),
                ("use std::fmt;".to_owned(), false, false),
                (
                    "/* nested /* requires_imm */ comment */\n#[requires_imm(op = \"video/info\")]\nfn probe(x: &str) -> Result<(), String> { let c = '}'; let s = \"}{\"; let r = r#\"}\"#; Ok(()) }".to_owned(),
                    true,
                    false
                ),
                ("struct Unit;".to_owned(), false, false),
                ("impl<'a> Probe<'a> { fn f(&self) -> &'a str { \"x\" } }".to_owned(), false, false),
                ("mod inline { fn f() {} }".to_owned(), false, false),
                ("#[cfg(unix)] mod /* c */ r#media // c\n    ;".to_owned(), false, true),
                ("const B: &[u8] = b\"}\";".to_owned(), false, false),
                ("const C: char = '\\'';".to_owned(), false, false),
                ("const D: char = 'é';".to_owned(), false, false),
                ("fn labels() { 'outer: loop { break 'outer; } }".to_owned(), false, false),
            ]
        );
    }

    #[test]
    fn unbalanced_text_is_not_split() {
        assert_eq!(chunks("fn f() {"), None);
        assert_eq!(chunks("fn f() }"), None);
        assert_eq!(chunks("const S: &str = \"open;"), None);
        assert_eq!(chunks("/* open"), None);
    }
}
