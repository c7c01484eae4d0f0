//! RAM policy documents: a validated model of the JSON RAM accepts, with deterministic output.
//!
//! [`PolicyDocument::from_json`] reads a document the way RAM does, reporting every problem at
//! once, each at its JSON path (`Statement[2].Action: empty array; ...`), and malformed JSON
//! with its line and column. [`PolicyDocument::to_json_pretty`] writes it back in one stable
//! form: 2-space indentation, keys in the order `Version`, `Statement`, and in each statement
//! `Effect`, `Action` (or `NotAction`), `Principal`, `Resource`, `Condition`, values sorted
//! and deduplicated, a one-element list written as a bare string (as Alibaba Cloud's own
//! examples do; RAM reads `"x"` and `["x"]` alike), and a trailing newline.
//!
//! ```
//! use immperm_ram::policy::{PolicyDocument, PolicyKind};
//!
//! let doc = PolicyDocument::from_json_as(
//!     r#"{"Version": "1", "Statement": [{"Effect": "Allow",
//!         "Action": ["ram:PassRole"], "Resource": "acs:ram:*:*:role/aliyunimmdefaultrole"}]}"#,
//!     PolicyKind::Identity,
//! )?;
//! assert_eq!(
//!     doc.to_json_pretty(),
//!     r#"{
//!   "Version": "1",
//!   "Statement": [
//!     {
//!       "Effect": "Allow",
//!       "Action": "ram:PassRole",
//!       "Resource": "acs:ram:*:*:role/aliyunimmdefaultrole"
//!     }
//!   ]
//! }
//! "#
//! );
//! # Ok::<(), immperm_ram::policy::PolicyError>(())
//! ```

mod error;
mod json;
mod parse;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

pub use error::{PolicyError, PolicyIssue};

/// RAM's current limit on the length of a custom policy document, in characters
/// (Resource Management `CreatePolicy`; older pages say 2,048).
pub const DEFAULT_SIZE_LIMIT: usize = 6_144;

/// The only policy language version RAM has.
pub const VERSION: &str = "1";

/// What a document is attached to, which decides two rules RAM applies per statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// A policy attached to a RAM user, group or role: every statement names its `Resource`,
    /// and none has a `Principal`.
    Identity,
    /// A role's trust policy (who may assume it): every statement names its `Principal`.
    Trust,
}

impl PolicyKind {
    /// `identity` or `trust`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Identity => "identity",
            Self::Trust => "trust",
        }
    }
}

/// A RAM policy document: `Version` `"1"` and one or more statements.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PolicyDocument {
    statements: Vec<Statement>,
}

impl PolicyDocument {
    /// A document of these statements.
    ///
    /// # Errors
    /// No statement: RAM rejects an empty `Statement` array.
    pub fn new(statements: Vec<Statement>) -> Result<Self, PolicyError> {
        if statements.is_empty() {
            return Err(PolicyError::Invalid(vec![PolicyIssue::new(
                "Statement",
                "empty array; a policy has at least one statement",
            )]));
        }
        Ok(Self { statements })
    }

    /// A document of one statement.
    pub fn single(statement: Statement) -> Self {
        Self {
            statements: vec![statement],
        }
    }

    /// Reads a document, checking the rules every RAM policy follows; `Resource` and
    /// `Principal` may each be present or not (see [`from_json_as`](Self::from_json_as)).
    ///
    /// # Errors
    /// Malformed JSON (with line and column), or every rule the document breaks, each at its
    /// JSON path: a missing or wrong `Version`, unknown fields, both or neither of `Action`
    /// and `NotAction`, empty arrays, values that are not strings.
    pub fn from_json(json: &str) -> Result<Self, PolicyError> {
        parse::document(json, None)
    }

    /// Reads a document of the given kind: [`from_json`](Self::from_json) plus the rules of
    /// that kind (see [`PolicyKind`]).
    ///
    /// # Errors
    /// As [`from_json`](Self::from_json), plus a statement breaking a rule of `kind`.
    pub fn from_json_as(json: &str, kind: PolicyKind) -> Result<Self, PolicyError> {
        parse::document(json, Some(kind))
    }

    /// Checks the rules of `kind` on every statement.
    ///
    /// # Errors
    /// Every statement breaking a rule of `kind`, each at its JSON path.
    pub fn check_kind(&self, kind: PolicyKind) -> Result<(), PolicyError> {
        let issues = parse::kind_issues(&self.statements, kind);
        if issues.is_empty() {
            Ok(())
        } else {
            Err(PolicyError::Invalid(issues))
        }
    }

    /// The statements, in document order.
    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }

    /// The statements, by value.
    pub fn into_statements(self) -> Vec<Statement> {
        self.statements
    }

    /// The deterministic pretty form: 2-space indentation, stable key order, a trailing
    /// newline.
    pub fn to_json_pretty(&self) -> String {
        json::pretty(self)
    }

    /// The same document on one line, without whitespace and without a trailing newline.
    pub fn to_json_compact(&self) -> String {
        json::compact(self)
    }

    /// The length counted against RAM's limit: the characters of
    /// [`to_json_pretty`](Self::to_json_pretty), whitespace and newline included.
    ///
    /// RAM does not document whether whitespace counts; counting the exact text that is
    /// written (and uploaded) can only over-estimate, never let a rejected document pass.
    pub fn size(&self) -> usize {
        self.to_json_pretty().chars().count()
    }

    /// Checks the document against a length limit in characters, usually
    /// [`DEFAULT_SIZE_LIMIT`]; counted as [`size`](Self::size) does.
    ///
    /// # Errors
    /// [`PolicyError::TooLarge`] with the size and the limit.
    pub fn check_size(&self, limit: usize) -> Result<(), PolicyError> {
        let size = self.size();
        if size > limit {
            Err(PolicyError::TooLarge { size, limit })
        } else {
            Ok(())
        }
    }
}

impl fmt::Display for PolicyDocument {
    /// The pretty form ([`PolicyDocument::to_json_pretty`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_json_pretty())
    }
}

impl std::str::FromStr for PolicyDocument {
    type Err = PolicyError;

    fn from_str(json: &str) -> Result<Self, Self::Err> {
        Self::from_json(json)
    }
}

impl serde::Serialize for PolicyDocument {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        json::Document::from(self).serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for PolicyDocument {
    /// Validates as [`PolicyDocument::from_json`] does (without line and column, which the
    /// surrounding deserializer reports).
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = parse::Raw::deserialize(deserializer)?;
        parse::raw_document(raw, None).map_err(serde::de::Error::custom)
    }
}

/// `Allow` or `Deny`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Effect {
    /// `"Allow"`.
    Allow,
    /// `"Deny"`.
    Deny,
}

impl Effect {
    /// `Allow` or `Deny`, as written in JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "Allow",
            Self::Deny => "Deny",
        }
    }
}

/// A non-empty, sorted, deduplicated set of strings: what RAM reads from `"x"` or
/// `["x", "y"]`. Written back as a bare string when it holds one value.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Values(BTreeSet<String>);

impl Values {
    /// The set of these values; `None` when there are none.
    pub fn new<I, S>(values: I) -> Option<Self>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let set: BTreeSet<String> = values.into_iter().map(Into::into).collect();
        (!set.is_empty()).then_some(Self(set))
    }

    /// The set of one value.
    pub fn one(value: impl Into<String>) -> Self {
        Self(BTreeSet::from([value.into()]))
    }

    /// The values, sorted.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.0.iter().map(String::as_str)
    }

    /// How many values there are (at least one).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always `false`: a set of values is never empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `value` is one of the values (exactly, without wildcard matching).
    pub fn contains(&self, value: &str) -> bool {
        self.0.contains(value)
    }

    /// The values as a set.
    pub fn as_set(&self) -> &BTreeSet<String> {
        &self.0
    }
}

impl<'a> IntoIterator for &'a Values {
    type Item = &'a String;
    type IntoIter = std::collections::btree_set::Iter<'a, String>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// The actions a statement covers: `Action` (these) or `NotAction` (all but these).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ActionSet {
    /// `"Action"`: the listed actions.
    Action(Values),
    /// `"NotAction"`: every action except the listed ones.
    NotAction(Values),
}

impl ActionSet {
    /// The listed actions, whichever the key.
    pub fn values(&self) -> &Values {
        match self {
            Self::Action(values) | Self::NotAction(values) => values,
        }
    }

    /// `Action` or `NotAction`.
    pub const fn key(&self) -> &'static str {
        match self {
            Self::Action(_) => "Action",
            Self::NotAction(_) => "NotAction",
        }
    }
}

/// Who a trust or resource policy statement applies to: `{"Service": ..., "RAM": ...,
/// "Federated": ...}`, at least one of them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Principal {
    /// `"Service"`: Alibaba Cloud services, e.g. `imm.aliyuncs.com`.
    pub service: Option<Values>,
    /// `"RAM"`: accounts, users or roles, e.g. `acs:ram::1234567890123456:root`.
    pub ram: Option<Values>,
    /// `"Federated"`: identity providers, e.g. `acs:ram::<uid>:saml-provider/<name>`.
    pub federated: Option<Values>,
}

impl Principal {
    /// The principal `{"Service": service}`.
    pub fn service(service: impl Into<String>) -> Self {
        Self {
            service: Some(Values::one(service)),
            ..Self::default()
        }
    }
}

/// One value of a condition key, as written in JSON.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ConditionValue {
    /// A string, e.g. `"192.168.0.0/16"`.
    String(String),
    /// A number, kept as written, e.g. `3600`.
    Number(String),
    /// `true` or `false`.
    Bool(bool),
}

/// The condition block of a statement: operator → condition key → one or more values
/// (any of which may match). Operators and keys are sorted; values keep their order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Conditions(BTreeMap<String, BTreeMap<String, Vec<ConditionValue>>>);

impl Conditions {
    /// The block of these operators, keys and values; `None` when it would be empty at any
    /// level (RAM rejects `{}` and `[]` there).
    pub fn new(block: BTreeMap<String, BTreeMap<String, Vec<ConditionValue>>>) -> Option<Self> {
        let valid = !block.is_empty()
            && block
                .values()
                .all(|keys| !keys.is_empty() && keys.values().all(|values| !values.is_empty()));
        valid.then_some(Self(block))
    }

    /// Operator → condition key → values.
    pub fn as_map(&self) -> &BTreeMap<String, BTreeMap<String, Vec<ConditionValue>>> {
        &self.0
    }
}

/// One statement of a policy document.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Statement {
    /// `Effect`.
    pub effect: Effect,
    /// `Action` or `NotAction` (exactly one of them).
    pub action: ActionSet,
    /// `Resource`; required in identity policies, absent from trust policies.
    pub resource: Option<Values>,
    /// `Condition`.
    pub condition: Option<Conditions>,
    /// `Principal`; only in trust and resource policies.
    pub principal: Option<Principal>,
}

impl Statement {
    /// `Allow` these actions on these resources.
    pub fn allow(actions: Values, resources: Values) -> Self {
        Self {
            effect: Effect::Allow,
            action: ActionSet::Action(actions),
            resource: Some(resources),
            condition: None,
            principal: None,
        }
    }
}
