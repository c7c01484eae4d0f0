//! RAM's wildcard patterns: `*` matches zero or more characters, `?` exactly one.

/// How letters compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Case {
    /// Exact comparison (resources: OSS object keys are case-sensitive).
    Sensitive,
    /// ASCII case-insensitive comparison (actions: RAM matches them case-insensitively).
    Insensitive,
}

/// The length in bytes of the UTF-8 character starting with `first` (1 for a stray byte, so
/// matching always advances).
fn char_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// Whether `value` matches `pattern`.
///
/// Iterative, with one backtracking point (the last `*`), so it runs in O(|pattern| ×
/// |value|) at worst and linear time on ordinary ARNs; it never recurses.
pub fn matches(pattern: &str, value: &str, case: Case) -> bool {
    let (p, v) = (pattern.as_bytes(), value.as_bytes());
    let eq = |a: u8, b: u8| match case {
        Case::Sensitive => a == b,
        Case::Insensitive => a.eq_ignore_ascii_case(&b),
    };
    let (mut pi, mut vi) = (0, 0);
    // After the last `*` seen: the pattern position behind it and the value position it
    // currently stops at.
    let mut star: Option<(usize, usize)> = None;
    while vi < v.len() {
        match p.get(pi) {
            Some(b'*') => {
                star = Some((pi + 1, vi));
                pi += 1;
            }
            Some(b'?') => {
                pi += 1;
                vi += v.get(vi).map_or(1, |b| char_len(*b));
            }
            Some(&c) if v.get(vi).is_some_and(|&b| eq(c, b)) => {
                pi += 1;
                vi += 1;
            }
            _ => match star {
                // Let the last `*` swallow one more character and retry behind it.
                Some((after, stop)) => {
                    let next = stop + v.get(stop).map_or(1, |b| char_len(*b));
                    star = Some((after, next));
                    pi = after;
                    vi = next;
                }
                None => return false,
            },
        }
    }
    // A `?` consuming a multi-byte character may step past the end: no match then.
    vi == v.len()
        && p.get(pi..)
            .is_some_and(|rest| rest.iter().all(|&b| b == b'*'))
}

/// Whether every value `inner` can match is also matched by `outer` — i.e. `inner` is no
/// broader than `outer`. Exact for patterns without wildcards in `inner`; for wildcard
/// `inner` patterns it treats `*`/`?` in `inner` as literal characters that `outer` must
/// cover with its own wildcards, which is sound (never claims containment that does not
/// hold) because a literal `*` in `outer` is itself a wildcard covering anything.
pub fn covers(outer: &str, inner: &str, case: Case) -> bool {
    if !inner.contains(['*', '?']) {
        return matches(outer, inner, case);
    }
    // `inner`'s wildcards can only be covered by wildcards of `outer`: a `*` in `inner`
    // needs a `*` in `outer` spanning it. Compare treating `inner` as text and requiring
    // that every wildcard of `inner` falls inside a `*` of `outer`.
    covers_wild(outer.as_bytes(), inner.as_bytes(), case)
}

fn covers_wild(outer: &[u8], inner: &[u8], case: Case) -> bool {
    let eq = |a: u8, b: u8| match case {
        Case::Sensitive => a == b,
        Case::Insensitive => a.eq_ignore_ascii_case(&b),
    };
    let (mut oi, mut ii) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ii < inner.len() {
        match outer.get(oi) {
            Some(b'*') => {
                star = Some((oi + 1, ii));
                oi += 1;
            }
            // `?` in outer covers exactly one character, which must not be `*` in inner.
            Some(b'?') if inner.get(ii).is_some_and(|&b| b != b'*') => {
                oi += 1;
                ii += inner.get(ii).map_or(1, |b| char_len(*b));
            }
            Some(&c)
                if c != b'?'
                    && inner
                        .get(ii)
                        .is_some_and(|&b| b != b'*' && b != b'?' && eq(c, b)) =>
            {
                oi += 1;
                ii += 1;
            }
            _ => match star {
                Some((after, stop)) => {
                    let next = stop + inner.get(stop).map_or(1, |b| char_len(*b));
                    star = Some((after, next));
                    oi = after;
                    ii = next;
                }
                None => return false,
            },
        }
    }
    ii == inner.len()
        && outer
            .get(oi..)
            .is_some_and(|rest| rest.iter().all(|&b| b == b'*'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        let s = Case::Sensitive;
        assert!(matches("*", "", s));
        assert!(matches("*", "anything", s));
        assert!(matches(
            "acs:oss:*:*:media/*",
            "acs:oss:*:*:media/a/b.mp4",
            s
        ));
        assert!(!matches("acs:oss:*:*:media/*", "acs:oss:*:*:media2/a", s));
        assert!(matches("a?c", "abc", s));
        assert!(!matches("a?c", "ac", s));
        assert!(matches("a?c", "aéc", s));
        assert!(!matches("a?c", "aééc", s));
        assert!(matches("*a*b*c", "xxaxxbxxc", s));
        assert!(!matches("*a*b*c", "xxaxxcxxb", s));
        assert!(matches("a**", "a", s));
        assert!(!matches("Media/*", "media/x", s));
        assert!(matches("oss:get*", "oss:GetObject", Case::Insensitive));
        assert!(!matches("oss:Get*", "oss:PutObject", Case::Insensitive));
        assert!(!matches("", "x", s));
        assert!(matches("", "", s));
    }

    #[test]
    fn long_inputs_stay_fast() {
        let value = "a".repeat(10_000);
        let pattern = format!("{}b", "*a".repeat(50));
        assert!(!matches(&pattern, &value, Case::Sensitive));
    }

    #[test]
    fn coverage() {
        let s = Case::Sensitive;
        assert!(covers(
            "acs:oss:*:*:media/*",
            "acs:oss:*:*:media/thumbs/*",
            s
        ));
        assert!(!covers(
            "acs:oss:*:*:media/thumbs/*",
            "acs:oss:*:*:media/*",
            s
        ));
        assert!(covers("*", "acs:oss:*:*:*", s));
        assert!(!covers("acs:oss:*:*:media/?", "acs:oss:*:*:media/*", s));
        assert!(covers("acs:oss:*:*:media/*", "acs:oss:*:*:media/?", s));
        assert!(covers("a*", "a*", s));
        assert!(!covers("ab", "a*", s));
    }
}
