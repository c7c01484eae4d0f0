//! `#[cfg]` predicates and the configuration they are evaluated against.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use proc_macro2::{Delimiter, TokenStream, TokenTree};

/// The configuration a build sees: the target's cfg names and `key = "value"` pairs and the
/// enabled features. `test` is never part of it: the scan evaluates every predicate both
/// without and with `test` (a build script does not see `cfg(test)`; `cargo test` compiles
/// with it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CfgSet {
    names: BTreeSet<String>,
    values: BTreeMap<String, BTreeSet<String>>,
    /// Feature names normalised by [`feature_key`].
    features: BTreeSet<String>,
}

/// Features compare equal whatever their case and whether they use `-` or `_`, because
/// `CARGO_FEATURE_*` variables lose both.
fn feature_key(name: &str) -> String {
    name.to_ascii_lowercase().replace('-', "_")
}

impl CfgSet {
    /// An empty configuration: every predicate but `not(...)` of something is false.
    pub fn new() -> Self {
        Self::default()
    }

    /// The configuration of the build script's target, read from the process environment:
    /// `CARGO_CFG_<NAME>` (values comma-separated, empty for names without a value) and
    /// `CARGO_FEATURE_<NAME>`.
    pub fn from_env() -> Self {
        Self::from_vars(
            std::env::vars_os().filter_map(|(key, value)| {
                Some((key.into_string().ok()?, value.into_string().ok()?))
            }),
        )
    }

    /// The configuration described by environment variables as cargo sets them for build
    /// scripts; other variables, and `CARGO_CFG_TEST`, are ignored.
    pub fn from_vars<K, V>(vars: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut set = Self::new();
        for (key, value) in vars {
            let (key, value) = (key.as_ref(), value.as_ref());
            if let Some(feature) = key.strip_prefix("CARGO_FEATURE_") {
                set.features.insert(feature_key(feature));
            } else if let Some(name) = key.strip_prefix("CARGO_CFG_") {
                let name = name.to_ascii_lowercase();
                if name == "feature" {
                    for feature in value.split(',').filter(|f| !f.is_empty()) {
                        set.features.insert(feature_key(feature));
                    }
                } else if value.is_empty() {
                    set = set.with_name(&name);
                } else {
                    let values = set.values.entry(name).or_default();
                    values.extend(value.split(',').map(str::to_owned));
                }
            }
        }
        set
    }

    /// Adds a cfg name without a value (`unix`, `debug_assertions`); `test` is ignored.
    #[must_use]
    pub fn with_name(mut self, name: &str) -> Self {
        if name != "test" {
            self.names.insert(name.to_owned());
        }
        self
    }

    /// Adds a `key = "value"` pair (`target_os = "linux"`); a key may have several values.
    #[must_use]
    pub fn with_value(mut self, key: &str, value: &str) -> Self {
        if key == "feature" {
            return self.with_feature(value);
        }
        self.values
            .entry(key.to_owned())
            .or_default()
            .insert(value.to_owned());
        self
    }

    /// Enables a feature.
    #[must_use]
    pub fn with_feature(mut self, feature: &str) -> Self {
        self.features.insert(feature_key(feature));
        self
    }

    /// The same target configuration with no feature enabled (for another crate of the
    /// same build, whose features differ).
    #[must_use]
    pub fn without_features(&self) -> Self {
        let mut set = self.clone();
        set.features.clear();
        set
    }

    /// Whether `predicate` holds, with `test` set or not.
    pub(crate) fn holds(&self, predicate: &Pred, test: bool) -> bool {
        match predicate {
            Pred::Literal(value) => *value,
            Pred::Name(name) if name == "test" => test,
            Pred::Name(name) => self.names.contains(name),
            Pred::Value(key, value) if key == "feature" => {
                self.features.contains(&feature_key(value))
            }
            Pred::Value(key, value) => self.values.get(key).is_some_and(|set| set.contains(value)),
            Pred::All(all) => all.iter().all(|p| self.holds(p, test)),
            Pred::Any(any) => any.iter().any(|p| self.holds(p, test)),
            Pred::Not(inner) => !self.holds(inner, test),
            Pred::Invalid(_) => false,
        }
    }

    /// Whether every predicate holds, without and with `test`.
    pub(crate) fn holds_all(&self, predicates: &[Pred]) -> (bool, bool) {
        (
            predicates.iter().all(|p| self.holds(p, false)),
            predicates.iter().all(|p| self.holds(p, true)),
        )
    }
}

/// How deeply `all`/`any`/`not` (and `cfg_attr`) may nest: the predicates are read and
/// evaluated recursively, and no real predicate comes near.
pub(crate) const MAX_PREDICATE_DEPTH: usize = 32;

/// A cfg predicate, as written in `#[cfg(...)]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Pred {
    /// `true` or `false`.
    Literal(bool),
    /// `unix`.
    Name(String),
    /// `target_os = "linux"`.
    Value(String, String),
    /// `all(...)`.
    All(Vec<Pred>),
    /// `any(...)`.
    Any(Vec<Pred>),
    /// `not(...)`.
    Not(Box<Pred>),
    /// Not a predicate (rustc rejects it); never holds. Holds the text for display.
    Invalid(String),
}

impl Pred {
    /// Parses the tokens inside `cfg(...)`; `None` when they nest deeper than
    /// [`MAX_PREDICATE_DEPTH`].
    pub(crate) fn parse(trees: &[TokenTree]) -> Option<Self> {
        (depth(trees) <= MAX_PREDICATE_DEPTH).then(|| Self::parse_trees(trees))
    }

    /// Parses the text of a predicate (as [`Display`](fmt::Display) writes it).
    pub(crate) fn parse_text(text: &str) -> Option<Self> {
        let trees: Vec<TokenTree> = text.parse::<TokenStream>().ok()?.into_iter().collect();
        Self::parse(&trees)
    }

    fn parse_trees(trees: &[TokenTree]) -> Self {
        match trees {
            [TokenTree::Ident(ident)] => {
                let name = ident.to_string();
                match name.as_str() {
                    "true" => Self::Literal(true),
                    "false" => Self::Literal(false),
                    _ => Self::Name(name),
                }
            }
            [
                TokenTree::Ident(key),
                TokenTree::Punct(eq),
                TokenTree::Literal(lit),
            ] if eq.as_char() == '=' => match string_literal(lit) {
                Some(value) => Self::Value(key.to_string(), value),
                None => Self::Invalid(trees_text(trees)),
            },
            [TokenTree::Ident(op), TokenTree::Group(group)]
                if group.delimiter() == Delimiter::Parenthesis =>
            {
                let inner: Vec<TokenTree> = group.stream().into_iter().collect();
                let mut args: Vec<Self> = split_commas(&inner)
                    .into_iter()
                    .map(Self::parse_trees)
                    .collect();
                match (op.to_string().as_str(), args.pop()) {
                    ("all", last) => Self::All(args.into_iter().chain(last).collect()),
                    ("any", last) => Self::Any(args.into_iter().chain(last).collect()),
                    ("not", Some(inner)) if args.is_empty() => Self::Not(Box::new(inner)),
                    _ => Self::Invalid(trees_text(trees)),
                }
            }
            _ => Self::Invalid(trees_text(trees)),
        }
    }

    /// `all(a, b)` of a list of predicates that must all hold, or the single one.
    pub(crate) fn conjunction(predicates: &[Pred]) -> Option<Self> {
        match predicates {
            [] => None,
            [one] => Some(one.clone()),
            many => Some(Self::All(many.to_vec())),
        }
    }
}

/// How deeply groups nest in `trees` (1 for no group), counted without recursion.
fn depth(trees: &[TokenTree]) -> usize {
    let mut deepest = 1;
    let mut stack: Vec<(TokenStream, usize)> = trees
        .iter()
        .filter_map(|tree| match tree {
            TokenTree::Group(group) => Some((group.stream(), 2)),
            _ => None,
        })
        .collect();
    while let Some((stream, level)) = stack.pop() {
        deepest = deepest.max(level);
        if deepest > MAX_PREDICATE_DEPTH {
            break;
        }
        for tree in stream {
            if let TokenTree::Group(group) = tree {
                stack.push((group.stream(), level + 1));
            }
        }
    }
    deepest
}

impl fmt::Display for Pred {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn list(f: &mut fmt::Formatter<'_>, name: &str, items: &[Pred]) -> fmt::Result {
            write!(f, "{name}(")?;
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{item}")?;
            }
            f.write_str(")")
        }
        match self {
            Self::Literal(value) => write!(f, "{value}"),
            Self::Name(name) => f.write_str(name),
            Self::Value(key, value) => write!(f, "{key} = {value:?}"),
            Self::All(all) => list(f, "all", all),
            Self::Any(any) => list(f, "any", any),
            Self::Not(inner) => write!(f, "not({inner})"),
            Self::Invalid(text) => f.write_str(text),
        }
    }
}

/// Splits token trees at top-level commas, dropping empty pieces (a trailing comma).
pub(crate) fn split_commas(trees: &[TokenTree]) -> Vec<&[TokenTree]> {
    trees
        .split(|tree| matches!(tree, TokenTree::Punct(p) if p.as_char() == ','))
        .filter(|piece| !piece.is_empty())
        .collect()
}

/// The value of a string literal token (`"x"`, `r#"x"#`), unescaped.
pub(crate) fn string_literal(lit: &proc_macro2::Literal) -> Option<String> {
    match syn::Lit::new(lit.clone()) {
        syn::Lit::Str(s) if s.suffix().is_empty() => Some(s.value()),
        _ => None,
    }
}

fn trees_text(trees: &[TokenTree]) -> String {
    trees.iter().cloned().collect::<TokenStream>().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pred(text: &str) -> Pred {
        Pred::parse_text(text).unwrap()
    }

    #[test]
    fn predicates_evaluate_against_the_environment() {
        let set = CfgSet::from_vars([
            ("CARGO_CFG_UNIX", ""),
            ("CARGO_CFG_TARGET_OS", "linux"),
            ("CARGO_CFG_TARGET_FEATURE", "fxsr,sse,sse2"),
            ("CARGO_CFG_TEST", ""),
            ("CARGO_FEATURE_VIDEO_TOOLS", "1"),
            ("PATH", "/bin"),
        ]);
        let holds = |text: &str| set.holds(&pred(text), false);
        assert!(holds("unix"));
        assert!(!holds("windows"));
        assert!(!holds("test"));
        assert!(holds(r#"target_os = "linux""#));
        assert!(holds(r#"target_feature = "sse2""#));
        assert!(!holds(r#"target_feature = "avx""#));
        assert!(holds(r#"feature = "video-tools""#));
        assert!(holds(r#"feature = "video_tools""#));
        assert!(!holds(r#"feature = "video""#));
        assert!(holds(r#"all(unix, target_os = "linux", not(windows))"#));
        assert!(holds(r#"any(windows, feature = "video-tools")"#));
        assert!(!holds("any()"));
        assert!(holds("all()"));
        assert!(holds("true"));
        assert!(!holds("false"));
        assert!(!holds("not(unix)"));
        assert!(
            !holds("not(unix, windows)"),
            "malformed predicates never hold"
        );
        assert!(!holds("target_os = 3"));
    }

    #[test]
    fn test_is_evaluated_both_ways() {
        let set = CfgSet::new().with_name("unix");
        let both = |text: &str| set.holds_all(&[pred(text)]);
        assert_eq!(both("test"), (false, true));
        assert_eq!(both("not(test)"), (true, false));
        assert_eq!(both("any(test, unix)"), (true, true));
        assert_eq!(both("all(test, windows)"), (false, false));
    }

    #[test]
    fn predicates_display_as_written_and_read_back() {
        for (text, shown) in [
            (
                r#"all(unix,not(feature="x"))"#,
                r#"all(unix, not(feature = "x"))"#,
            ),
            (
                r#"any(a, b = "quote \" tab	")"#,
                r#"any(a, b = "quote \" tab\t")"#,
            ),
            ("not(a, b)", "not (a , b)"),
            ("target_os = 3", "target_os = 3"),
            ("all()", "all()"),
        ] {
            let predicate = pred(text);
            assert_eq!(predicate.to_string(), shown);
            assert_eq!(Pred::parse_text(shown), Some(predicate), "{shown}");
        }
    }

    #[test]
    fn predicates_nested_too_deeply_are_refused() {
        let nested = |depth: usize| format!("{}unix{}", "not(".repeat(depth), ")".repeat(depth));
        assert!(Pred::parse_text(&nested(MAX_PREDICATE_DEPTH - 1)).is_some());
        assert_eq!(Pred::parse_text(&nested(MAX_PREDICATE_DEPTH)), None);
        assert_eq!(Pred::parse_text(&nested(5_000)), None);
    }

    #[test]
    fn built_sets_match_like_the_environment() {
        let set = CfgSet::new()
            .with_name("unix")
            .with_name("test")
            .with_value("target_os", "linux")
            .with_value("feature", "Video-Tools");
        assert!(set.holds(&pred("unix"), false));
        assert!(!set.holds(&pred("test"), false));
        assert!(set.holds(&pred(r#"feature = "video_tools""#), false));
    }
}
