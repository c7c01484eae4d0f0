//! Reads the usual module declarations by hand, without tokenizing: `[attributes] [pub[(...)]]
//! mod name;` whose attributes are `#[cfg(...)]`, `#[path = "..."]` or anything the scan
//! ignores, and inner attributes (`#![...]`). Build scripts run at opt-level 0, where
//! proc-macro2's lexer costs tens of microseconds for a few hundred bytes; this reader walks
//! the bytes once through slice patterns, which compile to plain comparisons even there.
//!
//! It accepts only what it can read exactly as the token scan would (`cfg_attr`, escapes in
//! strings, raw identifiers in predicates, comments inside attributes and the like are left
//! to the token scan): [`read`] returns `None` for anything else, and the caller falls back.

use super::cfg::Pred;
use super::skim::{block_comment_end, past_identifier};

/// One top-level item of a module-declaring file, read by hand.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Piece {
    /// Inner attributes (`#![...]`): the predicates of the `cfg`s among them.
    Inner(Vec<Pred>),
    /// `mod name;` with its attributes.
    Declaration {
        /// The byte offset of `mod` in the piece.
        offset: usize,
        /// The name, without `r#`.
        name: String,
        cfg: Vec<Pred>,
        /// Its `#[path]`s, each with no condition (as in [`ModDecl`](super::summary::ModDecl)).
        paths: Vec<(Vec<Pred>, String)>,
    },
}

/// Reads `piece` (one item as split by `skim::chunks`, with the trivia before it).
pub(crate) fn read(piece: &str) -> Option<Piece> {
    let bytes = piece.as_bytes();
    let mut rest = trivia(bytes)?;
    let mut cfg = Vec::new();
    let mut paths = Vec::new();
    let mut inner = None;
    while let [b'#', tail @ ..] = rest {
        let (is_inner, tail) = match space(tail) {
            [b'!', tail @ ..] => (true, space(tail)),
            tail => (false, tail),
        };
        // Inner and outer attributes do not mix in one piece as the splitter cuts them.
        if *inner.get_or_insert(is_inner) != is_inner {
            return None;
        }
        let [b'[', tail @ ..] = tail else {
            return None;
        };
        let (content, tail) = bracketed(tail)?;
        match attribute(content)? {
            Attribute::Cfg(pred) => cfg.push(pred),
            Attribute::Path(path) if !is_inner => paths.push((Vec::new(), path)),
            Attribute::Path(_) | Attribute::Other => {}
        }
        rest = trivia(tail)?;
    }
    if inner == Some(true) {
        return rest.is_empty().then_some(Piece::Inner(cfg));
    }
    if let Some(tail) = keyword(rest, b"pub") {
        rest = trivia(tail)?;
        if let [b'(', tail @ ..] = rest {
            let (_, tail) = parenthesized(tail)?;
            rest = trivia(tail)?;
        }
    }
    let offset = bytes.len() - rest.len();
    rest = trivia(keyword(rest, b"mod")?)?;
    let (name, tail) = identifier(rest)?;
    let name = std::str::from_utf8(name).ok()?;
    rest = trivia(tail)?;
    let [b';', tail @ ..] = rest else {
        return None;
    };
    trivia(tail)?.is_empty().then(|| Piece::Declaration {
        offset,
        name: name.strip_prefix("r#").unwrap_or(name).to_owned(),
        cfg,
        paths,
    })
}

enum Attribute {
    Cfg(Pred),
    Path(String),
    /// An attribute the scan does not look at.
    Other,
}

/// What an attribute's content (between `[` and `]`) says; `None` when it needs the token
/// scan.
fn attribute(content: &[u8]) -> Option<Attribute> {
    let content = space(content);
    let (name, rest) = identifier(content)?;
    let rest = space(rest);
    if let [b':', b':', ..] = rest {
        // A path of several segments is none of `cfg`, `path` and `cfg_attr`.
        return Some(Attribute::Other);
    }
    match name {
        b"cfg" => {
            let [b'(', tail @ ..] = rest else {
                return None;
            };
            let (pred, tail) = predicate(space(tail))?;
            let [b')', tail @ ..] = space(tail) else {
                return None;
            };
            space(tail).is_empty().then_some(Attribute::Cfg(pred))
        }
        b"path" => {
            let [b'=', tail @ ..] = rest else {
                return None;
            };
            let (value, tail) = string(space(tail))?;
            space(tail).is_empty().then_some(Attribute::Path(value))
        }
        b"cfg_attr" => None,
        _ => Some(Attribute::Other),
    }
}

/// A cfg predicate at the start of `bytes` and what follows it.
fn predicate(bytes: &[u8]) -> Option<(Pred, &[u8])> {
    let (name, rest) = identifier(bytes)?;
    let name = std::str::from_utf8(name).ok()?;
    if name.starts_with("r#") {
        return None;
    }
    match space(rest) {
        [b'=', tail @ ..] => {
            let (value, tail) = string(space(tail))?;
            Some((Pred::Value(name.to_owned(), value), tail))
        }
        [b'(', tail @ ..] => {
            let mut args = Vec::new();
            let mut rest = space(tail);
            loop {
                if let [b')', tail @ ..] = rest {
                    rest = tail;
                    break;
                }
                let (arg, tail) = predicate(rest)?;
                args.push(arg);
                rest = match space(tail) {
                    [b',', tail @ ..] => space(tail),
                    tail @ [b')', ..] => tail,
                    _ => return None,
                };
            }
            let pred = match name {
                "all" => Pred::All(args),
                "any" => Pred::Any(args),
                "not" if args.len() == 1 => Pred::Not(Box::new(args.pop()?)),
                _ => return None,
            };
            Some((pred, rest))
        }
        tail @ ([b',' | b')', ..] | []) => {
            let pred = match name {
                "true" => Pred::Literal(true),
                "false" => Pred::Literal(false),
                _ => Pred::Name(name.to_owned()),
            };
            Some((pred, tail))
        }
        _ => None,
    }
}

/// A plain string literal (no escapes, not raw) and what follows it.
fn string(bytes: &[u8]) -> Option<(String, &[u8])> {
    let [b'"', start @ ..] = bytes else {
        return None;
    };
    let mut rest = start;
    loop {
        match rest {
            [b'"', tail @ ..] => {
                let value = start.get(..start.len() - rest.len())?;
                return Some((std::str::from_utf8(value).ok()?.to_owned(), tail));
            }
            [b'\\' | b'\r', ..] | [] => return None,
            [_, tail @ ..] => rest = tail,
        }
    }
}

/// An identifier (`r#` included) and what follows it.
fn identifier(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let body = match bytes {
        [b'r', b'#', tail @ ..] => tail,
        _ => bytes,
    };
    let [b'a'..=b'z' | b'A'..=b'Z' | b'_' | 0x80.., tail @ ..] = body else {
        return None;
    };
    let rest = past_identifier(tail);
    let ident = bytes.get(..bytes.len() - rest.len())?;
    (ident != b"r#_").then_some((ident, rest))
}

/// `bytes` without the keyword `word` at its start, when it is there as a whole word.
fn keyword<'a>(bytes: &'a [u8], word: &[u8]) -> Option<&'a [u8]> {
    let rest = bytes.strip_prefix(word)?;
    match rest {
        [b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | 0x80.., ..] => None,
        _ => Some(rest),
    }
}

/// The content of a `[...]` whose `[` is just before `bytes`, and what follows the `]`.
fn bracketed(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    delimited(bytes, b'[', b']')
}

/// Likewise for `(...)`.
fn parenthesized(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    delimited(bytes, b'(', b')')
}

/// The content up to the `close` matching an `open` just before `bytes`. Strings are
/// skipped; comments, character literals and raw strings are left to the token scan.
fn delimited(bytes: &[u8], open: u8, close: u8) -> Option<(&[u8], &[u8])> {
    let mut depth = 1usize;
    let mut rest = bytes;
    loop {
        match rest {
            [b'"', ..] => rest = string(rest)?.1,
            // A comment, a character literal or lifetime, a raw string or identifier, or
            // no closing delimiter.
            [b'/' | b'\'', ..] | [b'r', b'"' | b'#', ..] | [] => return None,
            [byte, tail @ ..] => {
                if *byte == open {
                    depth += 1;
                } else if *byte == close {
                    depth -= 1;
                    if depth == 0 {
                        let content = bytes.get(..bytes.len() - rest.len())?;
                        return Some((content, tail));
                    }
                }
                rest = tail;
            }
        }
    }
}

/// `bytes` after its leading whitespace.
fn space(mut bytes: &[u8]) -> &[u8] {
    while let [b' ' | b'\n' | b'\t' | b'\r', tail @ ..] = bytes {
        bytes = tail;
    }
    bytes
}

/// `bytes` after its leading whitespace and comments; `None` for an unclosed block comment.
fn trivia(mut bytes: &[u8]) -> Option<&[u8]> {
    loop {
        bytes = space(bytes);
        match bytes {
            [b'/', b'/', tail @ ..] => {
                let mut rest = tail;
                while let [byte, tail @ ..] = rest {
                    rest = tail;
                    if *byte == b'\n' {
                        break;
                    }
                }
                bytes = rest;
            }
            [b'/', b'*', tail @ ..] => bytes = block_comment_end(tail)?,
            _ => return Some(bytes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declaration(name: &str, offset: usize, cfg: Vec<Pred>, paths: &[&str]) -> Piece {
        Piece::Declaration {
            offset,
            name: name.to_owned(),
            cfg,
            paths: paths
                .iter()
                .map(|p| (Vec::new(), (*p).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn plain_declarations_are_read() {
        let read = |piece| read(piece).unwrap();
        assert_eq!(read("mod a;"), declaration("a", 0, vec![], &[]));
        assert_eq!(
            read("\n  pub mod r#type ;\n"),
            declaration("type", 7, vec![], &[])
        );
        assert_eq!(
            read("// c\n/// docs /* */\npub(in crate::x) mod /* c */ b // c\n;"),
            declaration("b", 37, vec![], &[])
        );
        assert_eq!(
            read(
                "#[cfg(any(unix, windows,))]\n#[path = \"x/y.rs\"]\n#[allow(dead_code)]\npub(crate) mod c;"
            ),
            declaration(
                "c",
                78,
                vec![Pred::Any(vec![
                    Pred::Name("unix".to_owned()),
                    Pred::Name("windows".to_owned())
                ])],
                &["x/y.rs"]
            )
        );
        assert_eq!(
            read("# [ cfg ( all ( not ( feature = \"a]b\" ) , true ) ) ] mod d;"),
            declaration(
                "d",
                53,
                vec![Pred::All(vec![
                    Pred::Not(Box::new(Pred::Value(
                        "feature".to_owned(),
                        "a]b".to_owned()
                    ))),
                    Pred::Literal(true)
                ])],
                &[]
            )
        );
        assert_eq!(
            read("#![cfg(unix)]"),
            Piece::Inner(vec![Pred::Name("unix".to_owned())])
        );
        assert_eq!(read("\n#![allow(dead_code)]"), Piece::Inner(Vec::new()));
    }

    #[test]
    fn other_shapes_are_left_to_the_token_scan() {
        for piece in [
            "#[cfg_attr(unix, path = \"x.rs\")] mod a;",
            "#[path = \"a\\\\b.rs\"] mod a;",
            "#[path = r\"x.rs\"] mod a;",
            "#[cfg(not(a, b))] mod a;",
            "#[cfg(not())] mod a;",
            "#[cfg(foo(a))] mod a;",
            "#[cfg(a,,b)] mod a;",
            "#[cfg(r#a)] mod a;",
            "#[cfg(target_os = 3)] mod a;",
            "#[cfg(a /* c */)] mod a;",
            "#[doc = 'x'] mod a;",
            "mod a { mod b; }",
            "mod a; struct S;",
            "unsafe mod a;",
            "mod 1a;",
            "#[cfg(unix)]",
            "#![cfg(unix)] mod a;",
            "/* open mod a;",
            "#[cfg(unix) mod a;",
        ] {
            assert_eq!(read(piece), None, "{piece}");
        }
    }
}
