//! Validation of the names a requirement carries, and "did you mean" suggestions.

/// Checks an OSS bucket name: 3 to 63 characters of lowercase letters, digits and hyphens,
/// starting and ending with a letter or digit.
///
/// # Errors
/// A lowercase message saying which rule the name breaks.
pub fn validate_bucket(name: &str) -> Result<(), String> {
    let len = name.len();
    if !(3..=63).contains(&len) {
        return Err(format!(
            "bucket name `{name}` has {len} characters; OSS bucket names have 3 to 63"
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(format!(
            "bucket name `{name}` contains `{bad}`; OSS bucket names use lowercase letters, digits and hyphens"
        ));
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Err(format!(
            "bucket name `{name}` must start and end with a lowercase letter or digit"
        ));
    }
    Ok(())
}

/// Checks an object key prefix: no leading `/`, no empty path segment (`//`), no control
/// characters, at most 1,023 bytes (OSS's object key limit). An empty prefix means the whole
/// bucket.
///
/// # Errors
/// A lowercase message saying which rule the prefix breaks.
pub fn validate_prefix(prefix: &str) -> Result<(), String> {
    if prefix.starts_with('/') {
        return Err(format!(
            "prefix `{prefix}` starts with `/`; OSS object keys do not, write `{}`",
            prefix.trim_start_matches('/')
        ));
    }
    if prefix.contains("//") {
        return Err(format!(
            "prefix `{prefix}` contains an empty path segment `//`"
        ));
    }
    if prefix.len() > 1023 {
        return Err(format!(
            "prefix has {} bytes; OSS object keys have at most 1023",
            prefix.len()
        ));
    }
    if prefix.chars().any(char::is_control) {
        return Err(format!(
            "prefix `{}` contains a control character",
            prefix.escape_debug()
        ));
    }
    if prefix.contains(['*', '?']) {
        return Err(format!(
            "prefix `{prefix}` contains a wildcard; name a literal prefix, the policy adds the `*`"
        ));
    }
    Ok(())
}

/// Checks an SMQ (MNS) topic name: 1 to 255 characters of ASCII letters, digits, hyphens and
/// underscores, starting with a letter or digit.
///
/// SMQ documents topic names as starting with a letter and using letters, digits and hyphens;
/// whether digits first and underscores are accepted was not found, so they are accepted here
/// rather than rejecting a topic that exists.
///
/// # Errors
/// A lowercase message saying which rule the name breaks.
pub fn validate_topic(name: &str) -> Result<(), String> {
    let len = name.len();
    if !(1..=255).contains(&len) {
        return Err(format!(
            "topic name has {len} characters; SMQ topic names have 1 to 255"
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(format!(
            "topic name `{name}` contains `{bad}`; SMQ topic names use letters, digits and hyphens"
        ));
    }
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(format!(
            "topic name `{name}` must start with a letter or digit"
        ));
    }
    Ok(())
}

/// Levenshtein distance on chars, for short names.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = Vec::with_capacity(previous.len());
        current.push(i + 1);
        for ((cb, diagonal), above) in b.iter().zip(&previous).zip(previous.iter().skip(1)) {
            let left = current.last().copied().unwrap_or(usize::MAX - 1);
            let substitution = diagonal + usize::from(ca != *cb);
            current.push(substitution.min(above + 1).min(left + 1));
        }
        previous = current;
    }
    previous.last().copied().unwrap_or(usize::MAX)
}

/// The candidates closest to `input`, nearest first (ties in the candidates' order), when
/// they are close enough to be a plausible typo: within a third of the longer name.
pub fn suggest_among<'a>(input: &str, candidates: &[&'a str]) -> Vec<&'a str> {
    let mut scored: Vec<(usize, usize, &'a str)> = candidates
        .iter()
        .enumerate()
        .filter_map(|(index, candidate)| {
            let d = distance(input, candidate);
            let limit = input.len().max(candidate.len()) / 3;
            (d > 0 && d <= limit.max(1)).then_some((d, index, *candidate))
        })
        .collect();
    scored.sort_unstable();
    let best = scored.first().map_or(0, |(d, _, _)| *d);
    scored
        .into_iter()
        .take_while(|(d, _, _)| *d == best)
        .map(|(_, _, c)| c)
        .collect()
}

/// The catalog operations closest to an unknown operation name.
pub fn suggest(input: &str) -> Vec<&'static str> {
    let names: Vec<&'static str> = crate::OPERATIONS.iter().map(|op| op.name).collect();
    suggest_among(input, &names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets() {
        assert!(validate_bucket("media-in").is_ok());
        assert!(validate_bucket("abc").is_ok());
        for bad in ["ab", "Media", "-media", "media-", "me_dia", &"a".repeat(64)] {
            assert!(validate_bucket(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn prefixes() {
        assert!(validate_prefix("").is_ok());
        assert!(validate_prefix("media/thumbs/").is_ok());
        assert!(validate_prefix("media/{index}").is_ok());
        let err = validate_prefix("/media").err().unwrap_or_default();
        assert!(err.contains("write `media`"), "{err}");
        assert!(validate_prefix("a//b").is_err());
        assert!(validate_prefix("a/*").is_err());
    }

    #[test]
    fn topics() {
        assert!(validate_topic("jobs").is_ok());
        assert!(validate_topic("imm-jobs_2").is_ok());
        for bad in ["", "-jobs", "jobs.done", &"t".repeat(256)] {
            assert!(validate_topic(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("video/snapshot"), ["video/snapshots"]);
        assert_eq!(suggest("vidoe/info"), ["video/info"]);
        assert_eq!(suggest("doc/previwe"), ["doc/preview"]);
        assert!(suggest("completely/else").is_empty());
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(suggest_among("sveas", &["saveas", "notify"]), ["saveas"]);
    }
}
