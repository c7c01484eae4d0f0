//! Requirements → needs: the flat list of (principal, action, resource) grants every document
//! is rendered from.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::requirement::{Requirement, Scope};
use immperm_catalog::grants::{Resource, grants};

pub use immperm_catalog::grants::Principal;

/// One grant a principal needs: `action` on `resource`, because of the requirements at the
/// indices in `because`.
///
/// Needs are the single intermediate between requirements and documents: every generated
/// policy is rendered from them, and a lock file, an explanation or a check of a deployed
/// policy can be built on them without re-deriving any rule. A list of needs is sorted by
/// (`principal`, `action`, `resource`) and holds each triple once.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Need {
    /// Who needs the grant.
    pub principal: Principal,
    /// The RAM action, as written in policies (`oss:GetObject`). Never a wildcard, except in
    /// the batch/trigger role's reference content
    /// ([`crate::catalog::BATCH_TRIGGER_ROLE_ACTIONS`]).
    pub action: String,
    /// The resource ARN (`acs:oss:*:*:media/*`) or `*`.
    pub resource: String,
    /// Indices, into the requirements given, of the requirements that need it; sorted.
    pub because: Vec<usize>,
}

/// A caution about generated policies that are broader than they could be.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Warning {
    /// These requirements name no bucket and the scope lists none, so their OSS actions are
    /// granted on every bucket (`acs:oss:*:*:*`).
    AnyBucket {
        /// Indices of the requirements, sorted.
        requirements: Vec<usize>,
    },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AnyBucket { requirements } => {
                let list = requirements
                    .iter()
                    .map(|index| format!("#{index}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                write!(
                    f,
                    "requirement{} {list} name{} no bucket and the scope lists none: OSS actions are \
                     granted on every bucket (`acs:oss:*:*:*`); name the bucket or set the scope's buckets",
                    if requirements.len() == 1 { "" } else { "s" },
                    if requirements.len() == 1 { "s" } else { "" },
                )
            }
        }
    }
}

/// The needs of a set of requirements, and what is broader than it could be.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Needs {
    /// Every need, sorted and unique (see [`Need`]).
    pub needs: Vec<Need>,
    /// Cautions, in a stable order.
    pub warnings: Vec<Warning>,
}

impl Needs {
    /// The needs of one principal, in order.
    pub fn of(&self, principal: Principal) -> impl Iterator<Item = &Need> + '_ {
        self.needs
            .iter()
            .filter(move |need| need.principal == principal)
    }
}

/// An ARN or a name, written into resources from the scope.
pub(super) struct Arns<'a> {
    scope: &'a Scope,
}

impl<'a> Arns<'a> {
    pub(super) fn new(scope: &'a Scope) -> Self {
        Self { scope }
    }

    /// `acs:oss:*:*:<bucket>/<prefix>*`, or every bucket.
    fn object(bucket: Option<&str>, prefix: &str) -> String {
        match bucket {
            Some(bucket) => format!("acs:oss:*:*:{bucket}/{prefix}*"),
            None => "acs:oss:*:*:*".to_owned(),
        }
    }

    fn project(&self) -> Option<String> {
        self.scope.project.as_ref().map(|project| {
            format!(
                "acs:imm:{}:{}:project/{project}",
                self.scope.region, self.scope.account
            )
        })
    }

    /// `.../project/<name>/batch/*` (or `trigger`), or `*` without a project.
    fn runner(&self, kind: &str) -> String {
        match self.project() {
            Some(project) => format!("{project}/{kind}/*"),
            None => "*".to_owned(),
        }
    }

    /// `acs:ram:*:<account>:role/<name, lowercased>`.
    pub(super) fn role(&self, name: &str) -> String {
        format!(
            "acs:ram:*:{}:role/{}",
            self.scope.account,
            name.to_ascii_lowercase()
        )
    }

    /// The ARNs a resource shape stands for, given the requirement's source buckets (`None`:
    /// every bucket).
    fn resources(&self, resource: &Resource, sources: &[Option<&str>]) -> Vec<String> {
        match resource {
            Resource::Source(_) => sources.iter().map(|b| Self::object(*b, "")).collect(),
            Resource::Output(target) => match target.bucket() {
                Some(bucket) => vec![Self::object(Some(bucket), target.prefix())],
                None => sources
                    .iter()
                    .map(|b| Self::object(*b, target.prefix()))
                    .collect(),
            },
            Resource::ImmProject => vec![self.project().unwrap_or_else(|| "*".to_owned())],
            Resource::ImmBatches => vec![self.runner("batch")],
            Resource::ImmTriggers => vec![self.runner("trigger")],
            Resource::Any => vec!["*".to_owned()],
            Resource::ServiceRole => vec![self.role(&self.scope.service_role)],
            Resource::BatchTriggerRole => vec![self.role(&self.scope.batch_trigger_role)],
            Resource::Topic(topic) => vec![self.topic(topic)],
        }
    }

    fn topic(&self, topic: &str) -> String {
        format!(
            "acs:mns:{}:{}:/topics/{topic}/messages",
            self.scope.region, self.scope.account
        )
    }
}

/// Collects needs, each with the requirements behind it.
#[derive(Default)]
struct Collector(BTreeMap<(Principal, String, String), BTreeSet<usize>>);

impl Collector {
    fn add(&mut self, principal: Principal, action: &str, resource: &str, because: usize) {
        self.0
            .entry((principal, action.to_owned(), resource.to_owned()))
            .or_default()
            .insert(because);
    }
}

/// The needs of `requirements` in `scope`. Indices in [`Need::because`] and in warnings
/// refer to positions in `requirements`.
///
/// The rules are the catalog's grant table ([`immperm_catalog::grants::grants`]); this turns
/// its resource shapes into ARNs for the scope: source objects `acs:oss:*:*:<bucket>/*` for
/// the requirement's bucket, else each of the scope's buckets, else every bucket with a
/// [`Warning::AnyBucket`]; save targets `<bucket>/<prefix>*` (the source buckets when the
/// target names none); IMM actions on the project (`acs:imm:<region>:<account>:project/<name>`,
/// its `batch/*` and `trigger/*`) when one is configured, else `*`; roles
/// `acs:ram:*:<account>:role/<name, lowercased>`; topics
/// `acs:mns:<region>:<account>:/topics/<topic>/messages`.
///
/// Service-role needs are listed whichever the role: with the default one its system policy
/// already grants them.
pub fn needs(requirements: &[Requirement], scope: &Scope) -> Needs {
    let arns = Arns::new(scope);
    let mut collector = Collector::default();
    let mut any_bucket = Vec::new();
    for (index, requirement) in requirements.iter().enumerate() {
        let buckets: Vec<Option<&str>> = match requirement.source_bucket() {
            Some(bucket) => vec![Some(bucket)],
            None if scope.buckets.is_empty() => {
                any_bucket.push(index);
                vec![None]
            }
            None => scope.buckets.iter().map(|b| Some(b.as_str())).collect(),
        };
        for grant in grants(requirement) {
            for resource in arns.resources(&grant.resource, &buckets) {
                collector.add(grant.principal, grant.action, &resource, index);
            }
        }
    }

    let needs = collector
        .0
        .into_iter()
        .map(|((principal, action, resource), because)| Need {
            principal,
            action,
            resource,
            because: because.into_iter().collect(),
        })
        .collect();
    let warnings = if any_bucket.is_empty() {
        Vec::new()
    } else {
        vec![Warning::AnyBucket {
            requirements: any_bucket,
        }]
    };
    Needs { needs, warnings }
}
