//! Finds where a JSON path (`Statement[2].Action[1]`) stands in a document's text, so errors
//! about a deployed policy file can name its line and column.
//!
//! A small forward scanner over the text: it never recurses (nesting depth costs memory for
//! one stack entry per level, not a call frame) and gives up on malformed text, which the JSON
//! parser reports by itself.

/// One step of a path: an object key or an array index.
#[derive(Debug, PartialEq, Eq)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// Splits `Statement[2].Action[1]` into steps; `None` for paths it does not understand
/// (such as `policy`, the document itself).
fn steps(path: &str) -> Option<Vec<Step<'_>>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
        if !key.is_empty() {
            out.push(Step::Key(key));
        }
        while !rest.is_empty() {
            let (index, after) = rest.split_once(']')?;
            out.push(Step::Index(index.parse().ok()?));
            rest = after.strip_prefix('[').unwrap_or(after);
        }
    }
    Some(out)
}

/// The 1-based line and column of the value at `path` in `text`.
pub(crate) fn locate(text: &str, path: &str) -> Option<(usize, usize)> {
    let steps = steps(path)?;
    let offset = find(text.as_bytes(), &steps)?;
    let before = text.get(..offset)?;
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Some((line, column))
}

fn skip_ws(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(u8::is_ascii_whitespace) {
        at += 1;
    }
    at
}

/// The offset just past the string starting at `at` (which is `"`), and its raw content.
fn string(bytes: &[u8], at: usize) -> Option<(usize, &[u8])> {
    let start = at + 1;
    let mut i = start;
    loop {
        match bytes.get(i)? {
            b'\\' => i += 2,
            b'"' => return Some((i + 1, bytes.get(start..i)?)),
            _ => i += 1,
        }
    }
}

/// The offset just past the value starting at `at`.
fn skip_value(bytes: &[u8], at: usize) -> Option<usize> {
    match bytes.get(at)? {
        b'"' => Some(string(bytes, at)?.0),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = at;
            loop {
                match bytes.get(i)? {
                    b'"' => {
                        i = string(bytes, i)?.0;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.checked_sub(1)?;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
        }
        _ => {
            // A scalar runs to the next delimiter.
            let mut i = at;
            while bytes
                .get(i)
                .is_some_and(|b| !matches!(b, b',' | b'}' | b']') && !b.is_ascii_whitespace())
            {
                i += 1;
            }
            Some(i)
        }
    }
}

fn find(bytes: &[u8], steps: &[Step<'_>]) -> Option<usize> {
    let mut at = skip_ws(bytes, 0);
    for step in steps {
        match (step, bytes.get(at)?) {
            (Step::Key(key), b'{') => {
                at = skip_ws(bytes, at + 1);
                loop {
                    if bytes.get(at)? != &b'"' {
                        return None;
                    }
                    let (after, name) = string(bytes, at)?;
                    at = skip_ws(bytes, after);
                    if bytes.get(at)? != &b':' {
                        return None;
                    }
                    at = skip_ws(bytes, at + 1);
                    if name == key.as_bytes() {
                        break;
                    }
                    at = skip_ws(bytes, skip_value(bytes, at)?);
                    match bytes.get(at)? {
                        b',' => at = skip_ws(bytes, at + 1),
                        _ => return None,
                    }
                }
            }
            (Step::Index(index), b'[') => {
                at = skip_ws(bytes, at + 1);
                for _ in 0..*index {
                    at = skip_ws(bytes, skip_value(bytes, at)?);
                    match bytes.get(at)? {
                        b',' => at = skip_ws(bytes, at + 1),
                        _ => return None,
                    }
                }
            }
            _ => return None,
        }
    }
    Some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{
  "Version": "1",
  "Statement": [
    {"Effect": "Allow", "Action": "oss:GetObject", "Resource": "*"},
    {
      "Effect": "Allow",
      "Action": ["oss:PutObject", []],
      "Resource": {"x": [1, 2]}
    }
  ]
}"#;

    #[test]
    fn paths_find_their_values() {
        assert_eq!(locate(DOC, "Version"), Some((2, 14)));
        assert_eq!(locate(DOC, "Statement[0].Action"), Some((4, 35)));
        assert_eq!(locate(DOC, "Statement[1].Action[1]"), Some((7, 35)));
        assert_eq!(locate(DOC, "Statement[1].Resource"), Some((8, 19)));
        assert_eq!(locate(DOC, "Statement[2]"), None);
        assert_eq!(locate(DOC, "policy"), None);
        assert_eq!(locate("{\"a\": \"unterminated", "b"), None);
    }

    #[test]
    fn deep_nesting_does_not_recurse() {
        let deep = format!(
            "{{\"a\": {}1{}, \"b\": 2}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert_eq!(locate(&deep, "b"), Some((1, 200_015)));
    }
}
