//! Requirements → needs: the flat list of (principal, action, resource) grants every document
//! is rendered from.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::catalog::{self, ImmResource, Operation};
use crate::requirement::{Requirement, Scope};

/// Who needs a grant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Principal {
    /// The RAM user or role whose code sends the OSS requests.
    Caller,
    /// The IMM service role of the project bound to the buckets ([`Scope::service_role`]).
    ServiceRole,
    /// The role IMM batch processors and triggers run as ([`Scope::batch_trigger_role`]).
    BatchTriggerRole,
}

impl Principal {
    /// `caller`, `service-role` or `batch-trigger-role`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Caller => "caller",
            Self::ServiceRole => "service-role",
            Self::BatchTriggerRole => "batch-trigger-role",
        }
    }
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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
    /// ([`catalog::BATCH_TRIGGER_ROLE_ACTIONS`]).
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

    /// Where an IMM action of an operation is granted.
    fn imm(&self, action: &str) -> String {
        let scoped = catalog::imm_action(action).map(|a| a.resource) == Some(ImmResource::Project);
        match self.project() {
            Some(project) if scoped => project,
            _ => "*".to_owned(),
        }
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
/// The rules, per requirement (facts from [`catalog`]):
/// - caller, on the source objects (`acs:oss:*:*:<bucket>/*` for the requirement's bucket,
///   else each of the scope's buckets, else every bucket with a [`Warning::AnyBucket`]):
///   [`Operation::caller_source_actions`] — `oss:GetObject`, `oss:ProcessImm`, and
///   `oss:PostProcessTask` for every `POST` (asynchronous, or synchronous that saves);
/// - caller, `oss:PutObject` on the save target (`<bucket>/<prefix>*`; the source buckets
///   when the target names none) when the request saves;
/// - caller, each IMM action of the operation, on the project
///   (`acs:imm:<region>:<account>:project/<name>`) when one is configured and the action can
///   be scoped to it, else `*`;
/// - caller, `ram:PassRole` on the service role (`acs:ram:*:<account>:role/<name lowercased>`),
///   always;
/// - batch/trigger use: caller `imm:CreateBatch`/`imm:CreateTrigger` on
///   `.../project/<name>/batch/*` (`trigger/*`, or `*` without a project) and `ram:PassRole`
///   on the batch/trigger role; that role the reference content
///   [`catalog::BATCH_TRIGGER_ROLE_ACTIONS`] on `*`;
/// - service role: `oss:GetObject` on the source objects, `oss:PutObject` on the save
///   target, `mns:PublishMessage` on `acs:mns:<region>:<account>:/topics/<topic>/messages`.
///
/// Service-role needs are listed whichever the role: with the default one its system policy
/// already grants them.
pub fn needs(requirements: &[Requirement], scope: &Scope) -> Needs {
    let arns = Arns::new(scope);
    let mut collector = Collector::default();
    let mut any_bucket = Vec::new();
    let service_role = arns.role(&scope.service_role);
    let batch_trigger_role = arns.role(&scope.batch_trigger_role);

    for (index, requirement) in requirements.iter().enumerate() {
        let op = requirement.operation();
        let buckets: Vec<Option<&str>> = match requirement.source_bucket() {
            Some(bucket) => vec![Some(bucket)],
            None if scope.buckets.is_empty() => {
                any_bucket.push(index);
                vec![None]
            }
            None => scope.buckets.iter().map(|b| Some(b.as_str())).collect(),
        };
        let mut add = |principal, action: &str, resource: &str| {
            collector.add(principal, action, resource, index);
        };

        // The source objects: read and processed by the caller, read by the service role.
        let source_actions =
            Operation::caller_source_actions(requirement.mode(), requirement.saves());
        for bucket in &buckets {
            let source = Arns::object(*bucket, "");
            for action in source_actions {
                add(Principal::Caller, action, &source);
            }
            add(Principal::ServiceRole, "oss:GetObject", &source);
        }

        // The save target: written by the caller's request and by the service role.
        if let Some(target) = requirement.save_target() {
            let targets: Vec<Option<&str>> = match target.bucket() {
                Some(bucket) => vec![Some(bucket)],
                None => buckets.clone(),
            };
            for bucket in targets {
                let output = Arns::object(bucket, target.prefix());
                add(Principal::Caller, catalog::OSS_SAVE, &output);
                add(Principal::ServiceRole, catalog::OSS_SAVE, &output);
            }
        }

        for action in op.actions {
            add(Principal::Caller, action, &arns.imm(action));
        }
        add(Principal::Caller, catalog::RAM_PASS_ROLE, &service_role);

        if let Some(topic) = requirement.notify_topic() {
            add(
                Principal::ServiceRole,
                catalog::MNS_PUBLISH,
                &arns.topic(topic),
            );
        }

        let runners = requirement.runners();
        if runners.batch {
            add(
                Principal::Caller,
                catalog::IMM_CREATE_BATCH,
                &arns.runner("batch"),
            );
        }
        if runners.trigger {
            add(
                Principal::Caller,
                catalog::IMM_CREATE_TRIGGER,
                &arns.runner("trigger"),
            );
        }
        if runners.batch || runners.trigger {
            add(
                Principal::Caller,
                catalog::RAM_PASS_ROLE,
                &batch_trigger_role,
            );
            for action in catalog::BATCH_TRIGGER_ROLE_ACTIONS {
                add(Principal::BatchTriggerRole, action, "*");
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
