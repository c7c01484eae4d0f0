//! What the scan does with a file's bytes before any token: the prefilter that decides
//! whether a file needs tokens at all, and the split of a file into its top-level items, so
//! that only the items with an annotation or a module declaration are tokenized.
//!
//! Build scripts run at opt-level 0, where proc-macro2 tokenizes a few MB/s: most files are
//! only read (the prefilter), and of the others only a few items are tokenized (the split).
//! The searches go through [`skip_past`], whose byte search is the standard library's
//! (compiled with optimisations whatever the build script's opt-level), and the byte loops
//! use slice patterns, which stay plain comparisons at opt-level 0.

/// Whether a file needs tokens: it has an attribute whose path ends in `requires_imm` (or a
/// `cfg_attr` in a file that mentions `requires_imm`), or it may declare a file module
/// (`mod name;`). A `leaf` (a `name.rs` without a `name/` directory) can only declare file
/// modules through `#[path]`, so the search for declarations (anchored on `;`, which is
/// frequent) runs for a leaf only when it has a `path` or `cfg_attr` attribute.
///
/// An annotation is an attribute, so the first search is for `#` (rare in Rust); only
/// `cfg_attr` needs a search of the whole text for `requires_imm`. The bytes need not be
/// UTF-8 here: only the files that are tokenized are checked.
pub(crate) fn needs_tokens(bytes: &[u8], leaf: bool) -> bool {
    let attributes = attributes(bytes);
    attributes.annotation
        || (attributes.cfg_attr && mentions_attribute(bytes))
        || ((!leaf || attributes.path || attributes.cfg_attr) && declares_file_module(bytes))
}

/// What the attributes of a file (`#[...]`, `#![...]`) are, as far as the scan cares.
#[derive(Default)]
struct Attributes {
    /// A path ending in `requires_imm`.
    annotation: bool,
    /// `path`.
    path: bool,
    /// `cfg_attr`, which may hold either.
    cfg_attr: bool,
}

/// Advances `rest` past the next `byte`; `false` when there is none (`rest` is then empty).
/// `BufRead::skip_until` on a slice is the standard library's `memchr`.
pub(crate) fn skip_past(rest: &mut &[u8], byte: u8) -> bool {
    use std::io::BufRead as _;
    let before = *rest;
    if rest.skip_until(byte).is_err() {
        return false;
    }
    match (*rest, before) {
        // Stopped before the end: at the byte.
        ([_, ..], _) => true,
        // Ran to the end: found only if the last byte was it.
        ([], [.., last]) => *last == byte,
        ([], []) => false,
    }
}

fn attributes(bytes: &[u8]) -> Attributes {
    let mut found = Attributes::default();
    let mut rest = bytes;
    while skip_past(&mut rest, b'#') {
        // The commonest attributes, told from their first bytes (none can be one the scan
        // looks for, nor the first segment of one).
        if let [b'[', b'd', b'e', b'r', b'i', b'v', b'e', b'(', ..]
        | [b'[', b'c', b'f', b'g', b'(', ..]
        | [b'[', b't', b'e', b's', b't', b']', ..]
        | [b'[', b'a', b'l', b'l', b'o', b'w', b'(', ..]
        | [b'[', b'i', b'n', b'l', b'i', b'n', b'e', b']' | b'(', ..]
        | [b'[', b'd', b'o', b'c', b'=' | b'(', ..]
        | [b'[', b'd', b'o', b'c', b' ', b'=', ..] = rest
        {
            continue;
        }
        let (name, segments) = attribute_path(bytes, bytes.len() - rest.len());
        match name {
            b"requires_imm" => {
                found.annotation = true;
                return found;
            }
            b"path" if segments == 1 => found.path = true,
            b"cfg_attr" if segments == 1 => found.cfg_attr = true,
            _ => {}
        }
    }
    found
}

/// The last segment of the path of the attribute whose `#` ends before `at`, and how many
/// segments the path has; empty when the `#` does not open an attribute.
fn attribute_path(bytes: &[u8], at: usize) -> (&[u8], usize) {
    // The usual shape, `#[name` followed by `(`, `]` or `=`, in a few comparisons.
    if let Some([b'[', name @ ..]) = bytes.get(at..) {
        let mut rest = name;
        while let [b'a'..=b'z' | b'_', tail @ ..] = rest {
            rest = tail;
        }
        let length = name.len() - rest.len();
        if length > 0 && matches!(rest, [b'(' | b']' | b'=', ..]) {
            return (name.get(..length).unwrap_or_default(), 1);
        }
    }
    let mut at = skip_space(bytes, at);
    if bytes.get(at) == Some(&b'!') {
        at = skip_space(bytes, at + 1);
    }
    if bytes.get(at) != Some(&b'[') {
        return (&[], 0);
    }
    // `[::]ident(::ident)*`, whitespace allowed around `::`.
    at = skip_space(bytes, at + 1);
    let mut segments = 0;
    let mut last = (at, at);
    loop {
        if bytes.get(at..at + 2) == Some(b"::") {
            at = skip_space(bytes, at + 2);
        }
        let start = at;
        while bytes.get(at).is_some_and(|byte| is_ident_byte(*byte)) {
            at += 1;
        }
        if at == start {
            break;
        }
        segments += 1;
        last = (start, at);
        at = skip_space(bytes, at);
        if bytes.get(at..at + 2) != Some(b"::") {
            break;
        }
    }
    (bytes.get(last.0..last.1).unwrap_or_default(), segments)
}

fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\t' | b'\r') = bytes.get(at) {
        at += 1;
    }
    at
}

/// Whether `bytes` contain `requires_imm` anywhere (code, comments or strings).
fn mentions_attribute(bytes: &[u8]) -> bool {
    let mut rest = bytes;
    while skip_past(&mut rest, b'q') {
        // `q` is the third byte of the name.
        let start = (bytes.len() - rest.len()).wrapping_sub(3);
        if bytes
            .get(start..)
            .is_some_and(|tail| tail.starts_with(b"requires_imm"))
        {
            return true;
        }
    }
    false
}

/// Whether the text contains `mod <ident> ;`, the only form that makes the compiler load
/// another file: whitespace and block comments may sit between the parts. Matches inside
/// comments and strings are false positives, which only cost tokens.
fn declares_file_module(bytes: &[u8]) -> bool {
    let mut rest = bytes;
    while skip_past(&mut rest, b';') {
        let semicolon = bytes.len() - rest.len() - 1;
        // Most `;` follow `)`, `]` or a literal: reject them before any other work.
        match bytes.get(..semicolon) {
            Some(
                [
                    ..,
                    b'a'..=b'z'
                    | b'A'..=b'Z'
                    | b'0'..=b'9'
                    | b'_'
                    | b' '
                    | b'\n'
                    | b'\t'
                    | b'\r'
                    | b'/'
                    | 0x80..,
                ],
            ) => {}
            _ => continue,
        }
        let name_end = skip_trivia_back(bytes, semicolon);
        let mut name_start = name_end;
        while name_start > 0
            && bytes
                .get(name_start - 1)
                .is_some_and(|b| is_ident_byte(*b) || *b == b'#')
        {
            name_start -= 1;
        }
        let keyword_end = skip_trivia_back(bytes, name_start);
        if name_start == name_end || keyword_end == name_start || keyword_end < 3 {
            continue;
        }
        let keyword = keyword_end - 3;
        if bytes.get(keyword..keyword_end) == Some(b"mod".as_slice())
            && (keyword == 0 || bytes.get(keyword - 1).is_some_and(|b| !is_ident_byte(*b)))
        {
            return true;
        }
    }
    false
}

fn is_ident_byte(byte: u8) -> bool {
    matches!(byte, b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | 0x80..)
}

/// Skips whitespace and block comments backwards from `end` (exclusive); returns the new end.
fn skip_trivia_back(text: &[u8], mut end: usize) -> usize {
    loop {
        match end.checked_sub(1).and_then(|last| text.get(last)) {
            Some(b) if b.is_ascii_whitespace() => end -= 1,
            Some(b'/') if end >= 2 && text.get(end - 2) == Some(&b'*') => {
                let before = text.get(..end - 2).unwrap_or_default();
                match before.windows(2).rposition(|w| w == b"/*") {
                    Some(open) => end = open,
                    None => return end,
                }
            }
            _ => return end,
        }
    }
}

/// One top-level item of a file: a byte range, and what it contains outside comments and
/// literals.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Item {
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// The identifier `requires_imm`.
    pub(crate) annotated: bool,
    /// `mod <name> ;`, or it is an inner attribute (`#![...]`), which gates the whole file.
    pub(crate) modules: bool,
    /// The identifier `include_policies`.
    pub(crate) policies: bool,
}

/// The top-level items of `text`, or `None` when its delimiters or literals do not close:
/// one pass that skips comments, strings, raw strings and character literals and tracks
/// delimiters. An item ends at a top-level `;`, at the `]` of an inner attribute, or at a
/// top-level `}` followed by what can start an item (so that `fn f() -> A<{ N }> {}` stays
/// one item).
#[expect(
    clippy::too_many_lines,
    reason = "one state machine over the bytes reads best as one loop"
)]
pub(crate) fn items(text: &str) -> Option<Vec<Item>> {
    let bytes = text.as_bytes();
    let mut items = Vec::new();
    let mut item = Item::default();
    let mut depth = 0usize;
    let mut inner_attribute = false;
    // Progress through `mod <name> ;`: 1 after `mod`, 2 after its name.
    let mut declaration = 0u8;
    let mut rest = bytes;
    while let [first, tail @ ..] = rest {
        let mut boundary = false;
        match rest {
            [b'/', b'/', ..] => {
                let mut line = rest;
                skip_past(&mut line, b'\n');
                rest = line;
                continue;
            }
            [b'/', b'*', comment @ ..] => {
                rest = block_comment_end(comment)?;
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
            // Only comments can come before an inner attribute in its item.
            [b'#', b'!', b'[', ..] if depth == 0 => {
                inner_attribute = true;
                declaration = 0;
            }
            [b'{' | b'(' | b'[', ..] => {
                depth += 1;
                declaration = 0;
            }
            [b'}', after @ ..] => {
                depth = depth.checked_sub(1)?;
                boundary = depth == 0 && starts_item(after);
                declaration = 0;
            }
            [b')' | b']', ..] => {
                depth = depth.checked_sub(1)?;
                boundary = depth == 0 && *first == b']' && inner_attribute;
                declaration = 0;
            }
            [b';', ..] => {
                item.modules |= declaration == 2;
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
                        item.annotated = true;
                        after
                    }
                    (b"include_policies", _) => {
                        item.policies = true;
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
            item.end = bytes.len() - rest.len();
            item.modules |= inner_attribute;
            let next = Item {
                start: item.end,
                ..Item::default()
            };
            items.push(std::mem::replace(&mut item, next));
            inner_attribute = false;
        }
    }
    if depth != 0 {
        return None;
    }
    if !text.get(item.start..).is_none_or(is_blank) {
        item.end = bytes.len();
        items.push(item);
    }
    Some(items)
}

fn is_blank(text: &str) -> bool {
    text.trim().is_empty()
}

/// Whether what follows a top-level `}` can start another item: an identifier, an
/// attribute, a comment, or the end of the file (after whitespace).
fn starts_item(mut bytes: &[u8]) -> bool {
    while let [b' ' | b'\n' | b'\t' | b'\r', tail @ ..] = bytes {
        bytes = tail;
    }
    matches!(
        bytes,
        [] | [b'a'..=b'z' | b'A'..=b'Z' | b'_' | b'#' | b'/' | 0x80.., ..]
    )
}

/// `bytes` after the identifier characters at their start.
fn past_identifier(mut bytes: &[u8]) -> &[u8] {
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
fn block_comment_end(bytes: &[u8]) -> Option<&[u8]> {
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
                _ => bytes.get(1..).unwrap_or_default(),
            }
        }
        _ => bytes.get(1..).unwrap_or_default(),
    }
}

/// Lines and columns of byte offsets, counted forwards through a text (offsets must not
/// decrease).
pub(crate) struct Lines<'t> {
    text: &'t str,
    offset: usize,
    newlines: usize,
    line_start: usize,
}

impl<'t> Lines<'t> {
    pub(crate) fn new(text: &'t str) -> Self {
        Self {
            text,
            offset: 0,
            newlines: 0,
            line_start: 0,
        }
    }

    /// The 1-based line and 0-based column (in characters) of byte `at`.
    pub(crate) fn position(&mut self, at: usize) -> (usize, usize) {
        if let Some(mut rest) = self.text.as_bytes().get(self.offset..at) {
            while skip_past(&mut rest, b'\n') {
                self.newlines += 1;
                self.line_start = at - rest.len();
            }
            self.offset = at;
        }
        let column = self
            .text
            .get(self.line_start..at)
            .map_or(0, |s| s.chars().count());
        (self.newlines + 1, column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_stop_past_each_byte_found() {
        let positions = |bytes: &[u8], byte: u8| {
            let mut rest = bytes;
            let mut found = Vec::new();
            while skip_past(&mut rest, byte) {
                found.push(bytes.len() - rest.len() - 1);
            }
            assert!(rest.is_empty());
            found
        };
        assert_eq!(positions(b"#a;#", b'#'), [0, 3]);
        assert_eq!(positions(b"#a;#", b';'), [2]);
        assert_eq!(positions(b"##", b'#'), [0, 1]);
        assert!(positions(b"#a;#", b'q').is_empty());
        assert!(positions(b"", b'q').is_empty());
    }

    #[test]
    fn the_prefilter_sends_only_files_that_matter_to_the_tokenizer() {
        for (text, leaf, expected) in [
            ("fn f() {}\n", false, false),
            ("#[cfg(test)]\nmod tests {\n}\n", false, false),
            ("let model = 1; // mod x;", false, true),
            ("mod a;", false, true),
            ("pub mod media;", false, true),
            ("mod /* c */ r#type /* d */ ;", false, true),
            ("mod\n    media\n;", false, true),
            ("fn mod_x() {} mode;", false, false),
            ("let x = commod y;", false, false),
            ("let x = mod;", false, false),
            (
                "#[immperm::requires_imm(op = \"x\")] fn f() {}",
                false,
                true,
            ),
            ("// requires_imm", false, false),
            ("use immperm::requires_imm;", false, false),
            ("# [ :: immperm :: requires_imm ( op = \"x\")]", false, true),
            ("#[cfg_attr(unix, requires_imm(op = \"x\"))]", true, true),
            ("#[cfg_attr(unix, derive(Debug))] mod a;", true, true),
            ("let q = requires_im; req", false, false),
            (
                "make! { #[requires_imm(op = \"x\")] fn f() {} }",
                true,
                true,
            ),
            // A leaf declares file modules only through `#[path]`.
            ("mod a;", true, false),
            ("#[derive(Debug)] struct S; mod a;", true, false),
            ("# [ path = \"x.rs\"]\nmod a;", true, true),
            ("#[cfg_attr(unix, path = \"x.rs\")] mod a;", true, true),
            ("#! [path = \"x.rs\"] mod a;", true, true),
            ("#[path = \"x.rs\"] struct S;", true, false),
            // The compact shapes (`#[name(`, `#[name]`, `#[name=`) are read by the short path.
            ("#[path=\"x.rs\"]\nmod a;", true, true),
            ("#[requires_imm(op=\"x\")] fn f() {}", true, true),
            ("#[requires_imm] fn f() {}", true, true),
            ("#[requires_imm_not(x)] fn f() {}", true, false),
            ("#[pathx(x)] mod a;", true, false),
            ("#[Path(x)] mod a;", true, false),
            // The commonest attributes are passed over by their first bytes; anything else
            // that starts the same way is still read.
            (
                "#[derive(Debug)]\n#[cfg(unix)]\n#[test]\n#[allow(x)]",
                true,
                false,
            ),
            (
                "#[inline]\n#[inline(always)]\n#[doc = \"requires_imm\"]",
                true,
                false,
            ),
            ("#[derive::requires_imm] fn f() {}", true, true),
            ("#[doc :: requires_imm] fn f() {}", true, true),
            (
                "#[testing(requires_imm)] #[requires_imm] fn f() {}",
                true,
                true,
            ),
        ] {
            assert_eq!(
                needs_tokens(text.as_bytes(), leaf),
                expected,
                "{text:?}, leaf: {leaf}"
            );
        }
    }

    fn pieces(text: &str) -> Vec<(&str, bool, bool, bool)> {
        items(text)
            .unwrap()
            .into_iter()
            .map(|i| {
                let piece = text[i.start..i.end].trim();
                (piece, i.annotated, i.modules, i.policies)
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
fn generic() -> Array<{ N }> { requires_imm }
const E: S = S { a: 1 };
immperm::include_policies!();
"##;
        assert_eq!(
            pieces(text),
            [
                ("#![cfg(unix)]", false, true, false),
                (
                    "//! Docs mention requires_imm and mod x;\nuse std::fmt;",
                    false,
                    false,
                    false
                ),
                (
                    "/* nested /* requires_imm */ comment */\n#[requires_imm(op = \"video/info\")]\nfn probe(x: &str) -> Result<(), String> { let c = '}'; let s = \"}{\"; let r = r#\"}\"#; Ok(()) }",
                    true,
                    false,
                    false
                ),
                ("struct Unit;", false, false, false),
                (
                    "impl<'a> Probe<'a> { fn f(&self) -> &'a str { \"x\" } }",
                    false,
                    false,
                    false
                ),
                ("mod inline { fn f() {} }", false, false, false),
                (
                    "#[cfg(unix)] mod /* c */ r#media // c\n    ;",
                    false,
                    true,
                    false
                ),
                ("const B: &[u8] = b\"}\";", false, false, false),
                ("const C: char = '\\'';", false, false, false),
                ("const D: char = 'é';", false, false, false),
                (
                    "fn labels() { 'outer: loop { break 'outer; } }",
                    false,
                    false,
                    false
                ),
                (
                    "fn generic() -> Array<{ N }> { requires_imm }",
                    true,
                    false,
                    false
                ),
                ("const E: S = S { a: 1 };", false, false, false),
                ("immperm::include_policies!();", false, false, true),
            ]
        );
    }

    #[test]
    fn unbalanced_text_is_not_split() {
        assert_eq!(items("fn f() {"), None);
        assert_eq!(items("fn f() }"), None);
        assert_eq!(items("const S: &str = \"open;"), None);
        assert_eq!(items("/* open"), None);
    }

    #[test]
    fn positions_count_lines_and_characters() {
        let text = "ab\né€x\n\nz";
        let mut lines = Lines::new(text);
        assert_eq!(lines.position(0), (1, 0));
        assert_eq!(lines.position(1), (1, 1));
        assert_eq!(lines.position(3), (2, 0));
        assert_eq!(lines.position(8), (2, 2));
        assert_eq!(lines.position(11), (4, 0));
    }
}
