//! The crate configuration: `[package.metadata.immperm]` in the application's `Cargo.toml`,
//! read identically by the build script and the command line.
//!
//! ```toml
//! [package.metadata.immperm]
//! buckets = ["media-in", "media-out"]   # default source buckets for annotations without `bucket =`
//! account = "1234567890123456"          # default "*"
//! region = "cn-hangzhou"                # default "*"
//! project = "media"                     # IMM project bound to the buckets; default: IMM resource "*"
//! service-role = "AliyunIMMDefaultRole" # the default
//! batch-trigger-role = "AliyunIMMBatchTriggerRole" # the default
//! policy-dir = "policy"                 # where committed artifacts live; the default
//! deny-wildcards = false                # true: an annotation without a bucket is an error
//! deployed = ["deployed/caller.json"]   # deployed policies to check against
//! # what `immperm lock` (and the other commands, by default) derives the policy for:
//! features = ["video"]                  # the package's features; default: none but `default`
//! default-features = true               # the default
//! target = "x86_64-unknown-linux-gnu"   # default: the host running the command
//! # RAM names of the custom policies `immperm deploy` and the generated scripts create;
//! # each defaults to `<package>-imm-<document>`
//! policy-names = { caller = "media-caller", service-role = "media-imm", batch-trigger-role = "media-batch" }
//! ```
//!
//! Every key is optional. Unknown keys and wrongly typed or invalid values are errors naming
//! the key, the manifest and the line.

use std::fmt::{self, Write as _};
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::catalog;
use crate::requirement::Scope;

/// The keys `[package.metadata.immperm]` accepts, in documentation order.
pub const KEYS: [&str; 13] = [
    "buckets",
    "account",
    "region",
    "project",
    "service-role",
    "batch-trigger-role",
    "policy-dir",
    "deny-wildcards",
    "deployed",
    "features",
    "default-features",
    "target",
    "policy-names",
];

/// The keys of `policy-names`: the documents that are custom policies.
pub const POLICY_NAME_KEYS: [&str; 3] = ["caller", "service-role", "batch-trigger-role"];

/// RAM names for the custom policies the crate's documents become; `None` keeps the name
/// derived from the package (`<package>-imm-caller`, `-imm-service-role`,
/// `-imm-batch-trigger-role`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicyNames {
    /// The caller's policy.
    pub caller: Option<String>,
    /// The custom IMM service role's policy.
    pub service_role: Option<String>,
    /// The batch/trigger role's policy.
    pub batch_trigger_role: Option<String>,
}

/// The configuration of one crate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Where the generated policies apply.
    pub scope: Scope,
    /// The directory, relative to the manifest, where the committed policy documents live.
    pub policy_dir: PathBuf,
    /// Whether a requirement that leaves the source bucket open (`acs:oss:*:*:*`) is an
    /// error rather than a warning.
    pub deny_wildcards: bool,
    /// Deployed policy documents to check the generated ones against, relative to the manifest.
    pub deployed: Vec<PathBuf>,
    /// The features the committed lock and policies are derived for (besides `default`).
    pub features: Vec<String>,
    /// Whether the committed lock and policies are derived with the `default` feature.
    pub default_features: bool,
    /// The target triple the committed lock and policies are derived for; `None`: the host.
    pub target: Option<String>,
    /// The RAM names of the custom policies.
    pub policy_names: PolicyNames,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            scope: Scope::default(),
            policy_dir: PathBuf::from("policy"),
            deny_wildcards: false,
            deployed: Vec::new(),
            features: Vec::new(),
            default_features: true,
            target: None,
            policy_names: PolicyNames::default(),
        }
    }
}

impl Config {
    /// Reads the configuration from the manifest at `manifest` (a `Cargo.toml`). A manifest
    /// without `[package.metadata.immperm]` has the default configuration.
    ///
    /// # Errors
    /// The manifest cannot be read, is not TOML, or its configuration is invalid.
    pub fn from_manifest(manifest: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(manifest).map_err(|err| ConfigError {
            manifest: manifest.to_path_buf(),
            problems: vec![Problem {
                line: None,
                key: None,
                message: format!("cannot read the manifest: {err}"),
            }],
        })?;
        Self::parse(&text, manifest)
    }

    /// Reads the configuration from the text of a manifest; `manifest` names it in errors.
    ///
    /// # Errors
    /// The text is not TOML, or the configuration is invalid; every problem is reported.
    pub fn parse(text: &str, manifest: &Path) -> Result<Self, ConfigError> {
        let mut reader = Reader {
            text,
            problems: Vec::new(),
        };
        let config = match DeTable::parse(text) {
            Ok(document) => reader.document(document.get_ref()),
            Err(err) => {
                let line = err.span().map(|span| line_of(text, span.start));
                reader.problems.push(Problem {
                    line,
                    key: None,
                    message: format!("invalid TOML: {}", err.message().trim_end()),
                });
                Config::default()
            }
        };
        if reader.problems.is_empty() {
            Ok(config)
        } else {
            reader.problems.sort_by_key(|problem| problem.line);
            Err(ConfigError {
                manifest: manifest.to_path_buf(),
                problems: reader.problems,
            })
        }
    }
}

/// An invalid crate configuration: every problem found, in manifest order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The manifest read.
    pub manifest: PathBuf,
    /// What is wrong, in manifest order.
    pub problems: Vec<Problem>,
}

/// One problem in a crate configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The 1-based line in the manifest, when known.
    pub line: Option<usize>,
    /// The key under `[package.metadata.immperm]`, when the problem concerns one.
    pub key: Option<String>,
    /// What is wrong, and the fix when there is one.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, problem) in self.problems.iter().enumerate() {
            if index > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{}", self.manifest.display())?;
            if let Some(line) = problem.line {
                write!(f, ":{line}")?;
            }
            f.write_str(": ")?;
            if let Some(key) = &problem.key {
                write!(f, "`package.metadata.immperm.{key}`: ")?;
            }
            f.write_str(&problem.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

struct Reader<'t> {
    text: &'t str,
    problems: Vec<Problem>,
}

type Value<'i> = Spanned<DeValue<'i>>;

fn field<'a, 'i>(table: &'a DeTable<'i>, name: &str) -> Option<&'a Value<'i>> {
    table
        .iter()
        .find(|(key, _)| key.get_ref().as_ref() == name)
        .map(|(_, value)| value)
}

impl Reader<'_> {
    fn problem(&mut self, span: Range<usize>, key: &str, message: String) {
        self.problems.push(Problem {
            line: Some(line_of(self.text, span.start)),
            key: Some(key.to_owned()),
            message,
        });
    }

    fn document(&mut self, document: &DeTable<'_>) -> Config {
        let mut config = Config::default();
        let Some(package) = field(document, "package") else {
            return config;
        };
        let Some(metadata) = package
            .get_ref()
            .as_table()
            .and_then(|t| field(t, "metadata"))
        else {
            return config;
        };
        let Some(section) = metadata
            .get_ref()
            .as_table()
            .and_then(|t| field(t, "immperm"))
        else {
            return config;
        };
        let Some(table) = section.get_ref().as_table() else {
            let found = section.get_ref().type_str();
            self.problems.push(Problem {
                line: Some(line_of(self.text, section.span().start)),
                key: None,
                message: format!("`package.metadata.immperm` must be a table, found {found}"),
            });
            return config;
        };
        for (key, value) in table {
            let name = key.get_ref().as_ref();
            self.entry(&mut config, name, key.span(), value);
        }
        config
    }

    fn entry(
        &mut self,
        config: &mut Config,
        name: &str,
        key_span: Range<usize>,
        value: &Value<'_>,
    ) {
        let span = value.span();
        match name {
            "buckets" => {
                if let Some(buckets) = self.strings(name, value) {
                    for (bucket, span) in buckets {
                        match catalog::validate_bucket(&bucket) {
                            Ok(()) => config.scope.buckets.push(bucket),
                            Err(message) => self.problem(span, name, message),
                        }
                    }
                }
            }
            "account" => {
                if let Some(account) = self.string(name, value) {
                    if account == "*"
                        || (!account.is_empty() && account.bytes().all(|b| b.is_ascii_digit()))
                    {
                        config.scope.account = account;
                    } else {
                        let message = format!(
                            "account `{account}` is not an Alibaba Cloud account id; write its digits (`1234567890123456`) or `*`"
                        );
                        self.problem(span, name, message);
                    }
                }
            }
            "region" => {
                if let Some(region) = self.string(name, value) {
                    match validate_region(&region) {
                        Ok(()) => config.scope.region = region,
                        Err(message) => self.problem(span, name, message),
                    }
                }
            }
            "project" => {
                if let Some(project) = self.string(name, value) {
                    match validate_resource_name("project", &project) {
                        Ok(()) => config.scope.project = Some(project),
                        Err(message) => self.problem(span, name, message),
                    }
                }
            }
            "service-role" | "batch-trigger-role" => {
                if let Some(role) = self.string(name, value) {
                    match validate_role(&role) {
                        Ok(()) if name == "service-role" => config.scope.service_role = role,
                        Ok(()) => config.scope.batch_trigger_role = role,
                        Err(message) => self.problem(span, name, message),
                    }
                }
            }
            "policy-dir" => {
                if let Some(dir) = self.string(name, value) {
                    if dir.is_empty() {
                        let message = "the policy directory is empty; write a path relative to the manifest, e.g. `policy`".to_owned();
                        self.problem(span, name, message);
                    } else {
                        config.policy_dir = PathBuf::from(dir);
                    }
                }
            }
            "deny-wildcards" => {
                if let Some(flag) = value.get_ref().as_bool() {
                    config.deny_wildcards = flag;
                } else {
                    self.wrong_type(name, value, "a boolean (`true` or `false`)");
                }
            }
            "deployed" => {
                if let Some(paths) = self.strings(name, value) {
                    for (path, span) in paths {
                        if path.is_empty() {
                            self.problem(span, name, "a deployed policy path is empty".to_owned());
                        } else {
                            config.deployed.push(PathBuf::from(path));
                        }
                    }
                }
            }
            "features" | "default-features" | "target" => self.selection(config, name, value),
            "policy-names" => self.policy_names(config, value),
            _ => {
                let message = unknown("key", name, &KEYS);
                self.problem(key_span, name, message);
            }
        }
    }

    /// `features`, `default-features` and `target`: what `immperm lock` derives for.
    fn selection(&mut self, config: &mut Config, name: &str, value: &Value<'_>) {
        let span = value.span();
        match name {
            "features" => {
                if let Some(features) = self.strings(name, value) {
                    for (feature, span) in features {
                        if feature.is_empty() || feature.contains([',', ' ']) {
                            let message = format!(
                                "feature `{feature}` is not a feature name; list each feature as its own string"
                            );
                            self.problem(span, name, message);
                        } else {
                            config.features.push(feature);
                        }
                    }
                }
            }
            "default-features" => {
                if let Some(flag) = value.get_ref().as_bool() {
                    config.default_features = flag;
                } else {
                    self.wrong_type(name, value, "a boolean (`true` or `false`)");
                }
            }
            "target" => {
                if let Some(target) = self.string(name, value) {
                    if target.is_empty() || target.contains(char::is_whitespace) {
                        let message = format!(
                            "target `{target}` is not a target triple; write one like `x86_64-unknown-linux-gnu` (as `rustc --print target-list` names them)"
                        );
                        self.problem(span, name, message);
                    } else {
                        config.target = Some(target);
                    }
                }
            }
            _ => {}
        }
    }

    /// `policy-names = { caller = "...", service-role = "...", batch-trigger-role = "..." }`,
    /// or the same as a `[package.metadata.immperm.policy-names]` table.
    fn policy_names(&mut self, config: &mut Config, value: &Value<'_>) {
        let Some(table) = value.get_ref().as_table() else {
            self.wrong_type(
                "policy-names",
                value,
                "a table such as `{ caller = \"media-caller\" }`",
            );
            return;
        };
        let mut seen: Vec<(String, String)> = Vec::new();
        for (key, entry) in table {
            let document = key.get_ref().as_ref();
            let path = format!("policy-names.{document}");
            let slot = match document {
                "caller" => &mut config.policy_names.caller,
                "service-role" => &mut config.policy_names.service_role,
                "batch-trigger-role" => &mut config.policy_names.batch_trigger_role,
                _ => {
                    let message = unknown("document", document, &POLICY_NAME_KEYS);
                    self.problem(key.span(), &path, message);
                    continue;
                }
            };
            let Some(name) = self.string(&path, entry) else {
                continue;
            };
            if let Err(message) = validate_policy_name(&name) {
                self.problem(entry.span(), &path, message);
                continue;
            }
            if let Some((other, _)) = seen.iter().find(|(_, n)| *n == name) {
                let message = format!(
                    "`{name}` is also the name of the `{other}` policy; each document needs its own"
                );
                self.problem(entry.span(), &path, message);
                continue;
            }
            seen.push((document.to_owned(), name.clone()));
            *slot = Some(name);
        }
    }

    fn wrong_type(&mut self, name: &str, value: &Value<'_>, expected: &str) {
        let found = value.get_ref().type_str();
        self.problem(
            value.span(),
            name,
            format!("expected {expected}, found {found}"),
        );
    }

    fn string(&mut self, name: &str, value: &Value<'_>) -> Option<String> {
        if let Some(text) = value.get_ref().as_str() {
            Some(text.to_owned())
        } else {
            self.wrong_type(name, value, "a string");
            None
        }
    }

    fn strings(&mut self, name: &str, value: &Value<'_>) -> Option<Vec<(String, Range<usize>)>> {
        let Some(array) = value.get_ref().as_array() else {
            self.wrong_type(name, value, "an array of strings");
            return None;
        };
        let mut strings = Vec::new();
        for item in array.as_ref() {
            if let Some(text) = item.get_ref().as_str() {
                strings.push((text.to_owned(), item.span()));
            } else {
                self.wrong_type(name, item, "a string");
            }
        }
        Some(strings)
    }
}

/// ``unknown <kind> `<name>`; did you mean `<best>`?`` (or the list of the `known` ones).
fn unknown(kind: &str, name: &str, known: &[&str]) -> String {
    let mut message = format!("unknown {kind} `{name}`");
    if let Some(best) = catalog::suggest_among(name, known).first() {
        let _ = write!(message, "; did you mean `{best}`?");
    } else {
        let _ = write!(message, "; the {kind}s are {}", quoted(known));
    }
    message
}

fn quoted(keys: &[&str]) -> String {
    keys.iter()
        .map(|key| format!("`{key}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Region ids are lowercase letters, digits and hyphens (`cn-hangzhou`, `ap-southeast-1`).
fn validate_region(region: &str) -> Result<(), String> {
    let valid = region == "*"
        || (!region.is_empty()
            && !region.starts_with('-')
            && !region.ends_with('-')
            && region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
    if valid {
        Ok(())
    } else {
        Err(format!(
            "region `{region}` is not a region id; write one like `cn-hangzhou`, or `*`"
        ))
    }
}

/// IMM project names: the documented rule is not stated precisely, so any name is accepted
/// that cannot break a resource name (no `*`, `:`, `/` or whitespace).
fn validate_resource_name(what: &str, name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err(format!("the {what} name is empty"));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| matches!(c, '*' | ':' | '/') || c.is_whitespace() || c.is_control())
    {
        return Err(format!(
            "{what} name `{name}` contains `{bad}`, which cannot appear in a resource name"
        ));
    }
    Ok(())
}

/// RAM policy names: 1 to 128 letters, digits and hyphens.
fn validate_policy_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 128 {
        return Err(format!(
            "policy name `{name}` has {} characters; RAM policy names have 1 to 128",
            name.chars().count()
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        return Err(format!(
            "policy name `{name}` contains `{bad}`; RAM policy names use letters, digits and `-`"
        ));
    }
    Ok(())
}

/// RAM role names: 1 to 64 letters, digits, `.`, `-` and `_`.
fn validate_role(role: &str) -> Result<(), String> {
    if role.is_empty() || role.len() > 64 {
        return Err(format!(
            "role name `{role}` has {} characters; RAM role names have 1 to 64",
            role.chars().count()
        ));
    }
    if let Some(bad) = role
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
    {
        return Err(format!(
            "role name `{role}` contains `{bad}`; RAM role names use letters, digits, `.`, `-` and `_`"
        ));
    }
    Ok(())
}

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()
        .get(..end)
        .map_or(0, |before| before.split(|b| *b == b'\n').count() - 1)
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("app/Cargo.toml"))
    }

    fn error(text: &str) -> String {
        parse(text).err().map(|e| e.to_string()).unwrap_or_default()
    }

    #[test]
    fn a_manifest_without_the_section_has_the_defaults() {
        let config = parse("[package]\nname = \"app\"\n").unwrap();
        assert_eq!(config, Config::default());
        assert_eq!(config.policy_dir, PathBuf::from("policy"));
        assert_eq!(config.scope, Scope::default());
        assert_eq!(parse("[workspace]\n").unwrap(), Config::default());
    }

    #[test]
    fn every_key_is_read() {
        let config = parse(
            r#"
[package]
name = "app"

[package.metadata.immperm]
buckets = ["media-in", "media-out"]
account = "1234567890123456"
region = "cn-hangzhou"
project = "media"
service-role = "MediaRole"
batch-trigger-role = "Batches"
policy-dir = "ops/policy"
deny-wildcards = true
deployed = ["deployed/caller.json"]
features = ["video", "thumbs"]
default-features = false
target = "aarch64-unknown-linux-gnu"
policy-names = { caller = "media-caller", service-role = "media-imm" }
"#,
        )
        .unwrap();
        assert_eq!(config.scope.buckets, ["media-in", "media-out"]);
        assert_eq!(config.scope.account, "1234567890123456");
        assert_eq!(config.scope.region, "cn-hangzhou");
        assert_eq!(config.scope.project.as_deref(), Some("media"));
        assert_eq!(config.scope.service_role, "MediaRole");
        assert_eq!(config.scope.batch_trigger_role, "Batches");
        assert_eq!(config.policy_dir, PathBuf::from("ops/policy"));
        assert!(config.deny_wildcards);
        assert_eq!(config.deployed, [PathBuf::from("deployed/caller.json")]);
        assert_eq!(config.features, ["video", "thumbs"]);
        assert!(!config.default_features);
        assert_eq!(config.target.as_deref(), Some("aarch64-unknown-linux-gnu"));
        assert_eq!(
            config.policy_names,
            PolicyNames {
                caller: Some("media-caller".into()),
                service_role: Some("media-imm".into()),
                batch_trigger_role: None,
            }
        );
    }

    #[test]
    fn policy_names_are_validated_and_located() {
        let text = "[package.metadata.immperm.policy-names]\ncaller = \"media_caller\"\nservice-rol = \"x\"\nbatch-trigger-role = 3\n\n[package.metadata.immperm.policy-names.nested]\n";
        assert_eq!(
            error(text),
            "app/Cargo.toml:2: `package.metadata.immperm.policy-names.caller`: policy name `media_caller` contains `_`; RAM policy names use letters, digits and `-`\n\
             app/Cargo.toml:3: `package.metadata.immperm.policy-names.service-rol`: unknown document `service-rol`; did you mean `service-role`?\n\
             app/Cargo.toml:4: `package.metadata.immperm.policy-names.batch-trigger-role`: expected a string, found integer\n\
             app/Cargo.toml:6: `package.metadata.immperm.policy-names.nested`: unknown document `nested`; the documents are `caller`, `service-role`, `batch-trigger-role`"
        );
        let text = "[package.metadata.immperm]\npolicy-names = { caller = \"same\", batch-trigger-role = \"same\" }\n";
        assert!(
            error(text).ends_with("policy; each document needs its own")
                && error(text).contains("`same` is also the name of the `"),
            "{}",
            error(text)
        );
        let long = format!(
            "[package.metadata.immperm]\npolicy-names = {{ caller = \"{}\" }}\n",
            "x".repeat(129)
        );
        assert!(error(&long).contains("has 129 characters; RAM policy names have 1 to 128"));
        assert!(
            error("[package.metadata.immperm]\npolicy-names = \"x\"\n")
                .contains("expected a table")
        );
    }

    #[test]
    fn unknown_keys_are_errors_with_a_suggestion_and_the_line() {
        let text =
            "[package]\nname = \"app\"\n[package.metadata.immperm]\nbucket = [\"media-in\"]\n";
        assert_eq!(
            error(text),
            "app/Cargo.toml:4: `package.metadata.immperm.bucket`: unknown key `bucket`; did you mean `buckets`?"
        );
        let text = "[package.metadata.immperm]\nzzzzzzzzzzzz = 1\n";
        assert!(error(text).contains("unknown key `zzzzzzzzzzzz`; the keys are `buckets`, "));
    }

    #[test]
    fn wrongly_typed_values_name_the_key() {
        let text = "[package.metadata.immperm]\nbuckets = \"media-in\"\ndeny-wildcards = \"yes\"\n";
        assert_eq!(
            error(text),
            "app/Cargo.toml:2: `package.metadata.immperm.buckets`: expected an array of strings, found string\n\
             app/Cargo.toml:3: `package.metadata.immperm.deny-wildcards`: expected a boolean (`true` or `false`), found string"
        );
        let text = "[package.metadata.immperm]\nbuckets = [\"media-in\", 3]\n";
        assert_eq!(
            error(text),
            "app/Cargo.toml:2: `package.metadata.immperm.buckets`: expected a string, found integer"
        );
        let text = "[package.metadata]\nimmperm = 3\n";
        assert!(error(text).contains("must be a table, found integer"));
    }

    #[test]
    fn values_are_validated() {
        let text = "[package.metadata.immperm]\nbuckets = [\n  \"ok-bucket\",\n  \"Media_In\",\n]\naccount = \"12ab\"\nregion = \"CN-Hangzhou\"\nservice-role = \"a role\"\nproject = \"a:b\"\n";
        let message = error(text);
        let lines: Vec<&str> = message.lines().collect();
        assert_eq!(lines.len(), 5, "{message}");
        assert!(lines[0].starts_with(
            "app/Cargo.toml:4: `package.metadata.immperm.buckets`: bucket name `Media_In`"
        ));
        assert!(
            lines[1].starts_with(
                "app/Cargo.toml:6: `package.metadata.immperm.account`: account `12ab`"
            )
        );
        assert!(lines[2].starts_with(
            "app/Cargo.toml:7: `package.metadata.immperm.region`: region `CN-Hangzhou`"
        ));
        assert!(lines[3].starts_with("app/Cargo.toml:8: `package.metadata.immperm.service-role`"));
        assert!(lines[4].starts_with("app/Cargo.toml:9: `package.metadata.immperm.project`"));
        let wildcard =
            parse("[package.metadata.immperm]\naccount = \"*\"\nregion = \"*\"\n").unwrap();
        assert_eq!(
            (
                wildcard.scope.account.as_str(),
                wildcard.scope.region.as_str()
            ),
            ("*", "*")
        );
    }

    #[test]
    fn invalid_toml_is_reported_with_its_line() {
        let message = error("[package]\nname = \"app\"\nbroken = \n");
        assert!(
            message.starts_with("app/Cargo.toml:3: invalid TOML: "),
            "{message}"
        );
    }

    #[test]
    fn a_missing_manifest_is_an_error_naming_it() {
        let missing = std::env::temp_dir().join("immperm-config-missing/Cargo.toml");
        let message = Config::from_manifest(&missing).err().unwrap().to_string();
        assert!(message.contains("cannot read the manifest"), "{message}");
    }
}
