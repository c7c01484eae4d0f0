//! Evaluation of RAM identity policies: the decision RAM makes for one request.
//!
//! The rules (Alibaba Cloud RAM, "policy evaluation"): an explicit `Deny` in any applicable
//! statement wins; otherwise an `Allow` grants; otherwise the request is denied implicitly.
//! A statement applies when its `Action` matches the action (or its `NotAction` does not) and
//! its `Resource` matches the resource. Actions compare case-insensitively (RAM: "in most
//! cases" actions are not case-sensitive), resources case-sensitively (OSS object keys are);
//! `*` matches any run of characters and `?` exactly one, in both.
//!
//! Conditions are never guessed. A request evaluated here has no context (no source IP, no
//! time, no transport), so a statement with a `Condition` applies only *if* its condition
//! holds: an `Allow` with a condition yields [`Decision::AllowedIf`], never a plain allow, and
//! a `Deny` with a condition turns an allow into [`Decision::PossiblyDenied`].
//!
//! ```
//! use immperm_ram::eval::{Decision, Evaluator};
//! use immperm_ram::policy::PolicyDocument;
//!
//! let deployed = PolicyDocument::from_json(r#"{"Version": "1", "Statement": [
//!     {"Effect": "Allow", "Action": "oss:Get*", "Resource": "acs:oss:*:*:media/*"}]}"#)?;
//! let evaluator = Evaluator::new([&deployed]);
//! assert!(evaluator.decide("oss:GetObject", "acs:oss:*:*:media/a.mp4").is_allowed());
//! assert!(matches!(
//!     evaluator.decide("oss:PutObject", "acs:oss:*:*:media/a.mp4"),
//!     Decision::ImplicitDeny
//! ));
//! # Ok::<(), immperm_ram::policy::PolicyError>(())
//! ```

pub mod pattern;

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use aho_corasick::AhoCorasick;

use crate::policy::{ActionSet, Conditions, Effect, PolicyDocument, Statement};
use pattern::{Case, matches};

/// Where a statement is: the index of its document among those evaluated, and its index in
/// the document's `Statement` array.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StatementRef {
    /// Index of the document.
    pub policy: usize,
    /// Index of the statement in `Statement`.
    pub statement: usize,
}

/// A statement that applies only if its condition holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conditional<'p> {
    /// The statement.
    pub at: StatementRef,
    /// Its condition block.
    pub condition: &'p Conditions,
}

/// What RAM decides for one (action, resource) request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision<'p> {
    /// An unconditional `Allow` applies and no `Deny` does.
    Allowed,
    /// No unconditional `Allow` applies; these conditional ones would allow the request if
    /// their condition held. No `Deny` applies.
    AllowedIf(Vec<Conditional<'p>>),
    /// An `Allow` applies (unconditionally when `allows` is empty), but these conditional
    /// `Deny` statements would deny the request if their condition held.
    PossiblyDenied {
        /// The conditional denies.
        denies: Vec<Conditional<'p>>,
        /// The conditional allows, when no unconditional allow applies.
        allows: Vec<Conditional<'p>>,
    },
    /// An unconditional `Deny` applies.
    ExplicitDeny(StatementRef),
    /// No statement allows the request.
    ImplicitDeny,
}

impl Decision<'_> {
    /// Whether RAM allows the request whatever the request's context.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Self::Allowed)
    }

    /// Whether RAM denies the request whatever the request's context.
    pub fn is_denied(&self) -> bool {
        matches!(self, Self::ExplicitDeny(_) | Self::ImplicitDeny)
    }
}

/// One statement, flattened for matching.
struct Flat<'p> {
    at: StatementRef,
    statement: &'p Statement,
}

/// The statements whose action side covers one action, with an index of their resource
/// patterns.
///
/// Every pattern that applies to a value contains its longest literal run (the longest
/// piece between wildcards) somewhere in the value, so one Aho-Corasick pass over the value
/// finds every candidate statement; only candidates are matched in full. Patterns without a
/// literal run of two or more characters (`*`, `acs:*`) are candidates for every value.
struct ActionGroup {
    statements: Vec<usize>,
    automaton: Option<AhoCorasick>,
    /// Automaton pattern id → statement index.
    owners: Vec<usize>,
    /// Statements with a pattern every value is a candidate for.
    always: Vec<usize>,
}

impl ActionGroup {
    fn new(statements: Vec<usize>, all: &[Flat<'_>]) -> Self {
        let mut literals = Vec::new();
        let mut owners = Vec::new();
        let mut always = Vec::new();
        for &index in &statements {
            let patterns = all
                .get(index)
                .and_then(|flat| flat.statement.resource.as_ref());
            for pattern in patterns.into_iter().flatten() {
                let longest = pattern
                    .split(['*', '?'])
                    .max_by_key(|run| run.len())
                    .unwrap_or_default();
                if longest.len() >= 2 {
                    literals.push(longest.to_owned());
                    owners.push(index);
                } else {
                    always.push(index);
                }
            }
        }
        always.dedup();
        Self {
            statements,
            automaton: AhoCorasick::new(&literals).ok(),
            owners,
            always,
        }
    }

    /// The statements whose resource patterns may match `value`, sorted, once each.
    fn candidates(&self, value: &str) -> Vec<usize> {
        let mut found = self.always.clone();
        if let Some(automaton) = &self.automaton {
            found.extend(
                automaton
                    .find_overlapping_iter(value)
                    .filter_map(|m| self.owners.get(m.pattern().as_usize()).copied()),
            );
        }
        found.sort_unstable();
        found.dedup();
        found
    }
}

/// Evaluates requests against a fixed set of identity policies.
///
/// Statements are grouped by action on first use, and each group indexes its resource
/// patterns, so evaluating many resources for the same few actions (what a crate's needs
/// look like) matches each action pattern once and each resource against a few candidates.
pub struct Evaluator<'p> {
    statements: Vec<Flat<'p>>,
    /// Action (lowercased) → the statements whose action side matches it.
    by_action: RefCell<HashMap<String, Rc<ActionGroup>>>,
}

impl<'p> Evaluator<'p> {
    /// An evaluator of these documents, numbered in iteration order.
    pub fn new(policies: impl IntoIterator<Item = &'p PolicyDocument>) -> Self {
        let statements = policies
            .into_iter()
            .enumerate()
            .flat_map(|(policy, doc)| {
                doc.statements()
                    .iter()
                    .enumerate()
                    .map(move |(statement, s)| Flat {
                        at: StatementRef { policy, statement },
                        statement: s,
                    })
            })
            .collect();
        Self {
            statements,
            by_action: RefCell::new(HashMap::new()),
        }
    }

    /// The statements whose action side covers `action`.
    fn for_action(&self, action: &str) -> Rc<ActionGroup> {
        let key = action.to_ascii_lowercase();
        if let Some(hit) = self.by_action.borrow().get(&key) {
            return hit.clone();
        }
        let statements = self
            .statements
            .iter()
            .enumerate()
            .filter(|(_, flat)| action_applies(&flat.statement.action, action))
            .map(|(index, _)| index)
            .collect();
        let group = Rc::new(ActionGroup::new(statements, &self.statements));
        self.by_action.borrow_mut().insert(key, group.clone());
        group
    }

    /// What RAM decides for `action` on `resource`.
    pub fn decide(&self, action: &str, resource: &str) -> Decision<'p> {
        let mut allowed = false;
        let mut conditional_allows = Vec::new();
        let mut conditional_denies = Vec::new();
        for index in self.for_action(action).candidates(resource) {
            let Some(flat) = self.statements.get(index) else {
                continue;
            };
            let statement = flat.statement;
            let resource_applies = statement
                .resource
                .as_ref()
                .is_some_and(|values| values.iter().any(|p| matches(p, resource, Case::Sensitive)));
            if !resource_applies {
                continue;
            }
            match (statement.effect, &statement.condition) {
                (Effect::Deny, None) => return Decision::ExplicitDeny(flat.at),
                (Effect::Deny, Some(condition)) => conditional_denies.push(Conditional {
                    at: flat.at,
                    condition,
                }),
                (Effect::Allow, None) => allowed = true,
                (Effect::Allow, Some(condition)) => conditional_allows.push(Conditional {
                    at: flat.at,
                    condition,
                }),
            }
        }
        let any_allow = allowed || !conditional_allows.is_empty();
        match (any_allow, conditional_denies.is_empty()) {
            (false, _) => Decision::ImplicitDeny,
            (true, false) => Decision::PossiblyDenied {
                denies: conditional_denies,
                allows: if allowed {
                    Vec::new()
                } else {
                    conditional_allows
                },
            },
            (true, true) if allowed => Decision::Allowed,
            (true, true) => Decision::AllowedIf(conditional_allows),
        }
    }

    /// The statements that allow `action` (on any resource), with whether they carry a
    /// condition, for over-grant reports.
    pub fn allowing(&self, action: &str) -> Vec<(StatementRef, &'p Statement)> {
        self.for_action(action)
            .statements
            .iter()
            .filter_map(|&index| self.statements.get(index))
            .filter(|flat| flat.statement.effect == Effect::Allow)
            .map(|flat| (flat.at, flat.statement))
            .collect()
    }
}

/// Whether a statement's `Action`/`NotAction` covers `action`.
fn action_applies(actions: &ActionSet, action: &str) -> bool {
    let listed = |values: &crate::policy::Values| {
        values
            .iter()
            .any(|pattern| matches(pattern, action, Case::Insensitive))
    };
    match actions {
        ActionSet::Action(values) => listed(values),
        ActionSet::NotAction(values) => !listed(values),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(json: &str) -> PolicyDocument {
        PolicyDocument::from_json(json).unwrap()
    }

    const MEDIA: &str = "acs:oss:*:*:media/a.mp4";

    #[test]
    fn explicit_deny_wins_over_allow() {
        let allow = doc(
            r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*"}]}"#,
        );
        let deny = doc(
            r#"{"Version":"1","Statement":[{"Effect":"Deny","Action":"oss:PutObject","Resource":"acs:oss:*:*:media/*"}]}"#,
        );
        let evaluator = Evaluator::new([&allow, &deny]);
        assert_eq!(
            evaluator.decide("oss:PutObject", MEDIA),
            Decision::ExplicitDeny(StatementRef {
                policy: 1,
                statement: 0
            })
        );
        assert!(evaluator.decide("oss:GetObject", MEDIA).is_allowed());
        assert!(
            evaluator
                .decide("oss:PutObject", "acs:oss:*:*:other/a")
                .is_allowed()
        );
    }

    #[test]
    fn actions_ignore_case_and_resources_do_not() {
        let policy = doc(
            r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"OSS:getobject","Resource":"acs:oss:*:*:media/*"}]}"#,
        );
        let evaluator = Evaluator::new([&policy]);
        assert!(evaluator.decide("oss:GetObject", MEDIA).is_allowed());
        assert_eq!(
            evaluator.decide("oss:GetObject", "acs:oss:*:*:Media/a.mp4"),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn not_action_covers_everything_else() {
        let policy = doc(
            r#"{"Version":"1","Statement":[{"Effect":"Allow","NotAction":["ram:*"],"Resource":"*"}]}"#,
        );
        let evaluator = Evaluator::new([&policy]);
        assert!(evaluator.decide("oss:GetObject", MEDIA).is_allowed());
        assert!(
            evaluator
                .decide("ram:PassRole", "acs:ram:*:*:role/x")
                .is_denied()
        );
    }

    #[test]
    fn conditions_are_never_a_plain_allow() {
        let policy = doc(r#"{"Version":"1","Statement":[
            {"Effect":"Allow","Action":"oss:GetObject","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"}}},
            {"Effect":"Allow","Action":"oss:PutObject","Resource":"*"},
            {"Effect":"Deny","Action":"oss:PutObject","Resource":"*","Condition":{"Bool":{"acs:SecureTransport":"false"}}}]}"#);
        let evaluator = Evaluator::new([&policy]);
        let get = evaluator.decide("oss:GetObject", MEDIA);
        assert!(matches!(&get, Decision::AllowedIf(c) if c.len() == 1 && c[0].at.statement == 0));
        assert!(!get.is_allowed() && !get.is_denied());
        let put = evaluator.decide("oss:PutObject", MEDIA);
        assert!(
            matches!(&put, Decision::PossiblyDenied { denies, allows } if denies.len() == 1 && allows.is_empty())
        );
    }

    #[test]
    fn the_action_index_is_reused() {
        let policy = doc(
            r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"imm:*","Resource":"*"}]}"#,
        );
        let evaluator = Evaluator::new([&policy]);
        assert!(evaluator.decide("imm:DetectMediaMeta", "*").is_allowed());
        assert!(
            evaluator
                .decide("IMM:detectmediameta", "acs:imm:*:*:project/x")
                .is_allowed()
        );
        assert_eq!(evaluator.by_action.borrow().len(), 1);
        assert_eq!(evaluator.allowing("imm:CreateMediaConvertTask").len(), 1);
    }
}
