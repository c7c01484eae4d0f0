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

fn is_ident_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_' || byte >= 0x80
}

fn is_ident_continue(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80
}

/// The top-level items of `text`, or `None` when its delimiters or literals do not close.
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
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        let mut boundary = false;
        if !(byte.is_ascii_whitespace() || byte == b'/' || is_ident_start(byte) || byte == b';') {
            declaration = 0;
        }
        match byte {
            b'/' if bytes.get(at + 1) == Some(&b'/') => {
                let inner_doc = bytes.get(at + 2) == Some(&b'!');
                let comment_start = at;
                at = text
                    .get(at..)
                    .and_then(|rest| rest.find('\n'))
                    .map_or(bytes.len(), |nl| at + nl);
                if inner_doc && depth == 0 && blank(text, start, comment_start) {
                    // Inner docs (`//!`) are attributes of the file, not of the next item.
                    start = at;
                }
                continue;
            }
            b'/' if bytes.get(at + 1) == Some(&b'*') => {
                let inner_doc = bytes.get(at + 2) == Some(&b'!');
                let comment_start = at;
                at = block_comment_end(bytes, at)?;
                if inner_doc && depth == 0 && blank(text, start, comment_start) {
                    start = at;
                }
                continue;
            }
            b'"' => {
                at = string_end(bytes, at + 1)?;
                continue;
            }
            b'\'' => {
                at = quote_end(bytes, at);
                continue;
            }
            b'#' if depth == 0
                && bytes.get(at + 1) == Some(&b'!')
                && bytes.get(at + 2) == Some(&b'[') =>
            {
                if blank(text, start, at) {
                    inner_attribute = true;
                }
                at += 1;
                continue;
            }
            b'{' | b'(' | b'[' => depth += 1,
            b'}' | b')' | b']' => {
                depth = depth.checked_sub(1)?;
                boundary = depth == 0 && (byte == b'}' || (byte == b']' && inner_attribute));
            }
            b';' => {
                modules |= declaration == 2;
                declaration = 0;
                boundary = depth == 0;
            }
            byte if is_ident_start(byte) => {
                let ident_start = at;
                while bytes.get(at).is_some_and(|b| is_ident_continue(*b)) {
                    at += 1;
                }
                // A raw identifier (`r#type`) is one identifier.
                if at == ident_start + 1
                    && byte == b'r'
                    && bytes.get(at) == Some(&b'#')
                    && bytes.get(at + 1).is_some_and(|b| is_ident_start(*b))
                {
                    at += 1;
                    while bytes.get(at).is_some_and(|b| is_ident_continue(*b)) {
                        at += 1;
                    }
                }
                let ident = bytes.get(ident_start..at).unwrap_or_default();
                declaration = match (declaration, ident) {
                    (1, _) => 2,
                    (_, b"mod") => 1,
                    _ => 0,
                };
                match (ident, bytes.get(at)) {
                    (b"requires_imm", _) => annotated = true,
                    (b"b" | b"c", Some(b'"')) => at = string_end(bytes, at + 1)?,
                    (b"b", Some(b'\'')) => at = quote_end(bytes, at),
                    (b"r" | b"br" | b"cr", Some(b'"' | b'#')) => {
                        if let Some(end) = raw_string_end(bytes, at) {
                            at = end;
                        }
                    }
                    _ => {}
                }
                continue;
            }
            _ => {}
        }
        at += 1;
        if boundary {
            chunks.push(Chunk {
                start,
                end: at,
                annotated,
                modules: modules || inner_attribute,
            });
            start = at;
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

/// The end of the (nested) block comment opening at `at`.
fn block_comment_end(bytes: &[u8], mut at: usize) -> Option<usize> {
    let mut depth = 0usize;
    loop {
        match (bytes.get(at)?, bytes.get(at + 1)) {
            (b'/', Some(b'*')) => {
                depth += 1;
                at += 2;
            }
            (b'*', Some(b'/')) => {
                depth -= 1;
                at += 2;
                if depth == 0 {
                    return Some(at);
                }
            }
            _ => at += 1,
        }
    }
}

/// The end of a string whose contents start at `at` (after the opening `"`).
fn string_end(bytes: &[u8], mut at: usize) -> Option<usize> {
    loop {
        match bytes.get(at)? {
            b'\\' => at += 2,
            b'"' => return Some(at + 1),
            _ => at += 1,
        }
    }
}

/// The end of a raw string whose `#`s or `"` start at `at`; `None` when it is not one.
fn raw_string_end(bytes: &[u8], mut at: usize) -> Option<usize> {
    let hashes_start = at;
    while bytes.get(at) == Some(&b'#') {
        at += 1;
    }
    let hashes = at - hashes_start;
    if bytes.get(at) != Some(&b'"') {
        return None;
    }
    at += 1;
    loop {
        if bytes.get(at)? == &b'"'
            && bytes
                .get(at + 1..at + 1 + hashes)
                .is_some_and(|h| h.iter().all(|b| *b == b'#'))
        {
            return Some(at + 1 + hashes);
        }
        at += 1;
    }
}

/// The end of a character literal opening at `at`, or just past the `'` of a lifetime or
/// label.
fn quote_end(bytes: &[u8], at: usize) -> usize {
    match bytes.get(at + 1) {
        Some(b'\\') => {
            // An escape: the literal closes at the next `'`.
            let mut end = at + 3;
            while bytes.get(end).is_some_and(|b| *b != b'\'' && *b != b'\n') {
                end += 1;
            }
            end + 1
        }
        Some(&lead) => {
            let width = match lead {
                0x00..=0x7f => 1,
                0xc0..=0xdf => 2,
                0xe0..=0xef => 3,
                _ => 4,
            };
            if bytes.get(at + 1 + width) == Some(&b'\'') {
                at + 2 + width
            } else {
                at + 1
            }
        }
        None => at + 1,
    }
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
