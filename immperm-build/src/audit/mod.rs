//! Checks deployed RAM policies against what the code needs: which needs RAM would deny
//! (an `AccessDenied` to be), and with `strict`, what the policies grant that nothing needs.
//!
//! ```
//! use immperm_build::audit::{self, DeployedPolicy};
//! use immperm_build::generate::{self, Principal};
//! use immperm_build::{mode, op, Requirement, Scope};
//!
//! let requirements = [immperm_build::requirement::of::<op::VideoInfo, mode::Sync>().bucket("media")?];
//! let needs = generate::needs(&requirements, &Scope::default());
//! let deployed = DeployedPolicy::parse("ram-user.json", r#"{"Version": "1", "Statement": [
//!     {"Effect": "Allow", "Action": ["oss:GetObject", "oss:ProcessImm", "imm:DetectMediaMeta"],
//!      "Resource": "*"}]}"#)?;
//! let deployed = [deployed];
//! let report = audit::audit(needs.of(Principal::Caller), &requirements, &deployed, false);
//! // `ram:PassRole` is missing: the code would be denied.
//! assert_eq!(report.missing.len(), 1);
//! assert_eq!(report.missing[0].need.action, "ram:PassRole");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod locate;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;

use crate::catalog;
use crate::generate::Need;
use crate::requirement::Requirement;
use immperm_ram::eval::pattern::{Case, covers, matches};
use immperm_ram::eval::{Conditional, Decision, Evaluator, StatementRef};
use immperm_ram::policy::{ActionSet, Effect, PolicyDocument, PolicyError};

/// Deployed policy files larger than this are rejected unread: RAM documents are at most
/// 6,144 characters, and `aliyun ram GetPolicyVersion` output adds little to that.
pub const MAX_FILE_SIZE: usize = 1 << 20;

/// A policy as deployed: its document and where it was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeployedPolicy {
    /// The file (or other source) it was read from, for messages.
    pub source: String,
    /// The document.
    pub document: PolicyDocument,
}

/// A deployed policy file that cannot be read as a RAM policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeployedError {
    /// One line per problem: `file:line:column: JSON path: message`.
    pub lines: Vec<String>,
}

impl fmt::Display for DeployedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.lines.join("\n"))
    }
}

impl std::error::Error for DeployedError {}

impl DeployedPolicy {
    /// Reads a deployed policy: the document as written in the RAM console, or the output of
    /// `aliyun ram GetPolicyVersion` (`PolicyVersion.PolicyDocument`) or `aliyun ram
    /// GetPolicy` (`DefaultPolicyVersion.PolicyDocument`), where the document is a JSON
    /// string.
    ///
    /// # Errors
    /// Every problem, each with `source`, the line and column, and the JSON path.
    pub fn parse(source: &str, text: &str) -> Result<Self, DeployedError> {
        let fail = |line: String| DeployedError { lines: vec![line] };
        if text.len() > MAX_FILE_SIZE {
            return Err(fail(format!(
                "{source}: {} bytes is too large for a RAM policy (at most {MAX_FILE_SIZE} bytes are read)",
                text.len()
            )));
        }
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            fail(format!(
                "{source}:{}:{}: malformed JSON: {e}",
                e.line(),
                e.column()
            ))
        })?;
        for wrapper in ["PolicyVersion", "DefaultPolicyVersion"] {
            if let Some(inner) = value.get(wrapper) {
                let path = format!("{wrapper}.PolicyDocument");
                let at = match locate::locate(text, &path) {
                    Some((line, column)) => format!("{source}:{line}:{column}: {path}"),
                    None => format!("{source}: {path}"),
                };
                let Some(document) = inner.get("PolicyDocument").and_then(|d| d.as_str()) else {
                    return Err(fail(format!(
                        "{at}: expected the policy document as a JSON string"
                    )));
                };
                // Problems inside the embedded document are located by the outer field and
                // the path inside the document.
                return Self::document(source, document, |_| format!("{at} → "));
            }
        }
        Self::document(source, text, |path| match locate::locate(text, path) {
            Some((line, column)) => format!("{source}:{line}:{column}: "),
            None => format!("{source}: "),
        })
    }

    /// Parses `text` as a document; `at(path)` prefixes each problem with where it is.
    fn document(
        source: &str,
        text: &str,
        at: impl Fn(&str) -> String,
    ) -> Result<Self, DeployedError> {
        PolicyDocument::from_json(text)
            .map(|document| Self {
                source: source.to_owned(),
                document,
            })
            .map_err(|err| DeployedError {
                lines: match &err {
                    PolicyError::Invalid(issues) => issues
                        .iter()
                        .map(|issue| format!("{}{issue}", at(&issue.path)))
                        .collect(),
                    PolicyError::Syntax { .. } | PolicyError::TooLarge { .. } => {
                        vec![format!("{}{err}", at("policy"))]
                    }
                },
            })
    }
}

/// A need the deployed policies do not grant for certain.
#[derive(Clone, Debug)]
pub struct Gap<'n, 'p> {
    /// The need.
    pub need: &'n Need,
    /// What RAM decides for it.
    pub decision: Decision<'p>,
}

/// Something a deployed policy grants that no code needs.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum OverGrant {
    /// An `Allow` statement's action pattern covers known actions nothing needs.
    UnneededActions {
        /// Where.
        at: Location,
        /// The pattern (`oss:*`) or action as written.
        pattern: String,
        /// The known actions it allows that no requirement needs, sorted.
        actions: Vec<String>,
    },
    /// An `Allow` statement with `NotAction`: it allows every action but the listed ones.
    NotAction {
        /// Where.
        at: Location,
    },
    /// A needed action is granted on a broader resource than needed.
    BroaderResource {
        /// Where.
        at: Location,
        /// The action.
        action: String,
        /// The resource pattern granted.
        granted: String,
        /// The resource needed.
        needed: String,
    },
    /// `ram:PassRole` on every role without an `acs:Service` condition: any service can be
    /// handed any role.
    PassRoleAnywhere {
        /// Where.
        at: Location,
    },
}

/// A statement of a deployed policy: the source and the statement index.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    /// The policy's source (file).
    pub source: String,
    /// The statement's index in `Statement`.
    pub statement: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} Statement[{}]", self.source, self.statement)
    }
}

/// An IMM action needed for some operations that also unlocks others.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Collateral {
    /// The action (`imm:CreateMediaConvertTask`).
    pub action: String,
    /// The operations the code declares that need it.
    pub needed_for: Vec<&'static str>,
    /// The other operations it allows.
    pub also_unlocks: Vec<&'static str>,
}

impl fmt::Display for Collateral {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` (needed for {}) also allows {}",
            self.action,
            list(&self.needed_for),
            list(&self.also_unlocks)
        )
    }
}

fn list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The outcome of checking deployed policies against needs.
#[derive(Clone, Debug)]
pub struct Audit<'n, 'p> {
    /// Needs that are not allowed for certain, in need order.
    pub missing: Vec<Gap<'n, 'p>>,
    /// Grants beyond the needs (only filled by a strict audit), sorted.
    pub over_grants: Vec<OverGrant>,
    /// IMM actions whose grant also allows operations the code does not declare.
    pub collateral: Vec<Collateral>,
}

/// Checks `policies` against `needs` (one principal's), whose `because` indices point into
/// `requirements`. With `strict`, also lists over-grants.
pub fn audit<'n, 'p>(
    needs: impl IntoIterator<Item = &'n Need>,
    requirements: &[Requirement],
    policies: &'p [DeployedPolicy],
    strict: bool,
) -> Audit<'n, 'p> {
    let needs: Vec<&Need> = needs.into_iter().collect();
    let evaluator = Evaluator::new(policies.iter().map(|p| &p.document));
    let missing = needs
        .iter()
        .filter_map(|need| {
            let decision = evaluator.decide(&need.action, &need.resource);
            (!decision.is_allowed()).then_some(Gap { need, decision })
        })
        .collect();
    let over_grants = if strict {
        over_grants(&needs, policies, &evaluator)
    } else {
        Vec::new()
    };
    Audit {
        missing,
        over_grants,
        collateral: collateral(requirements),
    }
}

fn over_grants(
    needs: &[&Need],
    policies: &[DeployedPolicy],
    evaluator: &Evaluator<'_>,
) -> Vec<OverGrant> {
    let needed: BTreeSet<String> = needs
        .iter()
        .map(|n| n.action.to_ascii_lowercase())
        .collect();
    let mut found = BTreeSet::new();
    for policy in policies {
        for (statement, s) in policy.document.statements().iter().enumerate() {
            if s.effect != Effect::Allow {
                continue;
            }
            let at = Location {
                source: policy.source.clone(),
                statement,
            };
            match &s.action {
                ActionSet::NotAction(_) => {
                    found.insert(OverGrant::NotAction { at: at.clone() });
                }
                ActionSet::Action(patterns) => {
                    for pattern in patterns {
                        let unneeded: Vec<String> = catalog::KNOWN_ACTIONS
                            .iter()
                            .filter(|known| matches(pattern, known, Case::Insensitive))
                            .filter(|known| !needed.contains(&known.to_ascii_lowercase()))
                            .map(|known| (*known).to_owned())
                            .collect();
                        let serves_a_need = needed
                            .iter()
                            .any(|n| matches(pattern, n, Case::Insensitive));
                        if !unneeded.is_empty() || !serves_a_need {
                            found.insert(OverGrant::UnneededActions {
                                at: at.clone(),
                                pattern: pattern.clone(),
                                actions: unneeded,
                            });
                        }
                    }
                    let pass_role = patterns
                        .iter()
                        .any(|p| matches(p, catalog::RAM_PASS_ROLE, Case::Insensitive));
                    let any_role = s.resource.as_ref().is_some_and(|r| {
                        r.iter()
                            .any(|p| covers(p, "acs:ram:*:*:role/*", Case::Sensitive))
                    });
                    let service_scoped = s.condition.as_ref().is_some_and(|c| {
                        c.as_map()
                            .values()
                            .any(|keys| keys.keys().any(|k| k.eq_ignore_ascii_case("acs:Service")))
                    });
                    if pass_role && any_role && !service_scoped {
                        found.insert(OverGrant::PassRoleAnywhere { at: at.clone() });
                    }
                }
            }
        }
    }
    for need in needs {
        for (at, statement) in evaluator.allowing(&need.action) {
            let Some(resources) = &statement.resource else {
                continue;
            };
            for granted in resources {
                let broader = matches(granted, &need.resource, Case::Sensitive)
                    && !covers(&need.resource, granted, Case::Sensitive);
                if broader {
                    found.insert(OverGrant::BroaderResource {
                        at: location(policies, at),
                        action: need.action.clone(),
                        granted: granted.clone(),
                        needed: need.resource.clone(),
                    });
                }
            }
        }
    }
    found.into_iter().collect()
}

fn location(policies: &[DeployedPolicy], at: StatementRef) -> Location {
    Location {
        source: policies
            .get(at.policy)
            .map_or_else(String::new, |p| p.source.clone()),
        statement: at.statement,
    }
}

/// The IMM actions of `requirements` that also unlock operations they do not declare.
pub fn collateral(requirements: &[Requirement]) -> Vec<Collateral> {
    let mut by_action: BTreeMap<&'static str, BTreeSet<&'static str>> = BTreeMap::new();
    for requirement in requirements {
        let op = requirement.operation();
        for action in op.actions {
            by_action.entry(action).or_default().insert(op.name);
        }
    }
    by_action
        .into_iter()
        .filter_map(|(action, needed)| {
            let also: Vec<&'static str> = catalog::unlocked_by(action)
                .map(|op| op.name)
                .filter(|name| !needed.contains(name))
                .collect();
            (!also.is_empty()).then(|| Collateral {
                action: action.to_owned(),
                needed_for: needed.into_iter().collect(),
                also_unlocks: also,
            })
        })
        .collect()
}

impl Audit<'_, '_> {
    /// One line per gap, naming the requirements behind it through `describe` (which turns a
    /// requirement index into e.g. ``src/thumbs.rs:31 `make_thumbnails` (video/snapshots,
    /// async)``).
    pub fn gap_lines(
        &self,
        policies: &[DeployedPolicy],
        describe: &dyn Fn(usize) -> String,
    ) -> Vec<String> {
        self.missing
            .iter()
            .map(|gap| {
                let need = gap.need;
                let because = need
                    .because
                    .iter()
                    .map(|&index| describe(index))
                    .collect::<Vec<_>>()
                    .join("; ");
                let what = format!("`{}` on `{}`", need.action, need.resource);
                match &gap.decision {
                    Decision::ImplicitDeny | Decision::Allowed => {
                        format!("{what} is not granted: needed by {because}")
                    }
                    Decision::ExplicitDeny(at) => format!(
                        "{what} is denied by {}: needed by {because}",
                        location(policies, *at)
                    ),
                    Decision::AllowedIf(allows) => format!(
                        "{what} is granted only if {}: needed by {because}",
                        conditions(policies, allows)
                    ),
                    Decision::PossiblyDenied { denies, .. } => format!(
                        "{what} is denied if {}: needed by {because}",
                        conditions(policies, denies)
                    ),
                }
            })
            .collect()
    }
}

fn conditions(policies: &[DeployedPolicy], conditionals: &[Conditional<'_>]) -> String {
    conditionals
        .iter()
        .map(|c| {
            let block = c
                .condition
                .as_map()
                .iter()
                .flat_map(|(operator, keys)| {
                    keys.iter().map(move |(key, values)| {
                        let values = values
                            .iter()
                            .map(|v| match v {
                                immperm_ram::policy::ConditionValue::String(s)
                                | immperm_ram::policy::ConditionValue::Number(s) => s.clone(),
                                immperm_ram::policy::ConditionValue::Bool(b) => b.to_string(),
                            })
                            .collect::<Vec<_>>()
                            .join("|");
                        format!("{operator} {key} {values}")
                    })
                })
                .collect::<Vec<_>>()
                .join(" and ");
            format!("`{block}` ({})", location(policies, c.at))
        })
        .collect::<Vec<_>>()
        .join(" or ")
}

impl fmt::Display for OverGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnneededActions {
                at,
                pattern,
                actions,
            } if actions.is_empty() => {
                write!(f, "{at}: `{pattern}` allows actions no code needs")
            }
            Self::UnneededActions {
                at,
                pattern,
                actions,
            } => {
                let shown: Vec<&str> = actions.iter().take(8).map(String::as_str).collect();
                let more = actions.len().saturating_sub(shown.len());
                write!(f, "{at}: `{pattern}` allows {} no code needs", list(&shown))?;
                if more > 0 {
                    write!(f, " and {more} more")?;
                }
                Ok(())
            }
            Self::NotAction { at } => {
                write!(
                    f,
                    "{at}: `NotAction` allows every action but the listed ones"
                )
            }
            Self::BroaderResource {
                at,
                action,
                granted,
                needed,
            } => write!(
                f,
                "{at}: `{action}` is granted on `{granted}`; the code needs only `{needed}`"
            ),
            Self::PassRoleAnywhere { at } => write!(
                f,
                "{at}: `ram:PassRole` on every role without an `acs:Service` condition"
            ),
        }
    }
}

/// Reads `text` as a deployed policy and, when it parses, evaluates and audits a fixed set of
/// needs against it. Used by the fuzz target and its corpus test: whatever the input, this
/// returns without panicking.
#[doc(hidden)]
pub fn exercise(text: &str) {
    let Ok(policy) = DeployedPolicy::parse("fuzz.json", text) else {
        return;
    };
    let _ = policy.document.to_json_pretty();
    let requirements: Vec<Requirement> = catalog::OPERATIONS
        .iter()
        .filter_map(|op| Requirement::new(op.name, catalog::Mode::Sync).ok())
        .filter_map(|req| req.bucket("media").ok())
        .collect();
    let needs = crate::generate::needs(&requirements, &crate::requirement::Scope::default());
    let policies = [policy];
    let report = audit(&needs.needs, &requirements, &policies, true);
    let _ = report.gap_lines(&policies, &|i| i.to_string());
    for over in &report.over_grants {
        let _ = over.to_string();
    }
}
