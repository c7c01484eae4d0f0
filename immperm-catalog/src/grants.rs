//! The one table of grant rules: what each principal needs for a declaration, as actions on
//! resource shapes. The generator turns the shapes into ARNs for a deployment; the
//! documentation section of an annotated function turns them into words. Both read this
//! table, so they cannot disagree.

use crate::declaration::{Declaration, SaveTarget};
use crate::{
    BATCH_TRIGGER_ROLE_ACTIONS, IMM_CREATE_BATCH, IMM_CREATE_TRIGGER, ImmResource, MNS_PUBLISH,
    OSS_SAVE, Operation, RAM_PASS_ROLE, imm_action,
};

/// Who needs a grant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Principal {
    /// The RAM user or role whose code sends the OSS requests.
    Caller,
    /// The IMM service role of the project bound to the buckets.
    ServiceRole,
    /// The role IMM batch processors and triggers run as.
    BatchTriggerRole,
}

impl Principal {
    /// Every principal, in report order.
    pub const ALL: [Self; 3] = [Self::Caller, Self::ServiceRole, Self::BatchTriggerRole];

    /// `caller`, `service-role` or `batch-trigger-role`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Caller => "caller",
            Self::ServiceRole => "service-role",
            Self::BatchTriggerRole => "batch-trigger-role",
        }
    }
}

impl std::fmt::Display for Principal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a grant applies to, before a deployment names it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Resource {
    /// The objects read: in the declaration's bucket, or (`None`) in each of the package's
    /// buckets.
    Source(Option<String>),
    /// The objects written: under the prefix in the bucket, or (bucket `None`) in each
    /// source bucket.
    Output(SaveTarget),
    /// The IMM project bound to the buckets.
    ImmProject,
    /// The project's batch processors.
    ImmBatches,
    /// The project's triggers.
    ImmTriggers,
    /// Any resource (`*`), for actions that cannot be scoped.
    Any,
    /// The IMM service role, passed to IMM.
    ServiceRole,
    /// The role batch processors and triggers run as, passed to IMM.
    BatchTriggerRole,
    /// The messages of an SMQ topic.
    Topic(String),
}

/// One grant: `principal` needs `action` on `resource`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Grant {
    /// Who.
    pub principal: Principal,
    /// The RAM action, as written in policies. Never a wildcard, except in the batch/trigger
    /// role's reference content ([`BATCH_TRIGGER_ROLE_ACTIONS`]).
    pub action: &'static str,
    /// On what.
    pub resource: Resource,
}

/// Every grant `declaration` needs, in the table's order (callers sort and merge).
///
/// The rules (facts from the catalog):
/// - caller, on the source objects: [`Operation::caller_source_actions`] (`oss:GetObject`,
///   `oss:ProcessImm`, and `oss:PostProcessTask` for every `POST`: asynchronous, or
///   synchronous that saves);
/// - caller, `oss:PutObject` on the save target when the request saves;
/// - caller, each IMM action of the operation on the project ([`ImmResource::Project`]) or on
///   `*` ([`ImmResource::Any`]);
/// - caller, `ram:PassRole` on the IMM service role, always;
/// - run by batch processors or triggers: caller `imm:CreateBatch` on the project's batches
///   and/or `imm:CreateTrigger` on its triggers, and `ram:PassRole` on the batch/trigger role;
///   that role the reference content [`BATCH_TRIGGER_ROLE_ACTIONS`] on `*`;
/// - service role: `oss:GetObject` on the source objects, `oss:PutObject` on the save target,
///   `mns:PublishMessage` on the notification topic.
pub fn grants(declaration: &Declaration) -> Vec<Grant> {
    let mut out = Vec::new();
    let mut grant = |principal, action, resource| {
        out.push(Grant {
            principal,
            action,
            resource,
        });
    };
    let source = Resource::Source(declaration.source_bucket().map(str::to_owned));
    for action in Operation::caller_source_actions(declaration.mode(), declaration.saves()) {
        grant(Principal::Caller, action, source.clone());
    }
    grant(Principal::ServiceRole, "oss:GetObject", source);
    if let Some(target) = declaration.save_target() {
        grant(
            Principal::Caller,
            OSS_SAVE,
            Resource::Output(target.clone()),
        );
        grant(Principal::ServiceRole, OSS_SAVE, Resource::Output(target));
    }
    for action in declaration.operation().actions {
        let resource = match imm_action(action).map(|a| a.resource) {
            Some(ImmResource::Any) => Resource::Any,
            Some(ImmResource::Project) | None => Resource::ImmProject,
        };
        grant(Principal::Caller, action, resource);
    }
    grant(Principal::Caller, RAM_PASS_ROLE, Resource::ServiceRole);
    if let Some(topic) = declaration.notify_topic() {
        grant(
            Principal::ServiceRole,
            MNS_PUBLISH,
            Resource::Topic(topic.to_owned()),
        );
    }
    let runners = declaration.runners();
    if runners.batch {
        grant(Principal::Caller, IMM_CREATE_BATCH, Resource::ImmBatches);
    }
    if runners.trigger {
        grant(Principal::Caller, IMM_CREATE_TRIGGER, Resource::ImmTriggers);
    }
    if runners.batch || runners.trigger {
        grant(Principal::Caller, RAM_PASS_ROLE, Resource::BatchTriggerRole);
        for action in BATCH_TRIGGER_ROLE_ACTIONS {
            grant(Principal::BatchTriggerRole, action, Resource::Any);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Mode, Runners};

    fn declaration(name: &str, mode: Mode) -> Declaration {
        Declaration::new(name, mode).unwrap_or_else(|e| unreachable!("{e}"))
    }

    #[test]
    fn the_caller_always_passes_the_service_role_and_reads_the_source() {
        for op in crate::OPERATIONS {
            for mode in [Mode::Sync, Mode::Async] {
                let Ok(declared) = Declaration::of(op, mode) else {
                    continue;
                };
                let all = grants(&declared);
                let has = |principal, action: &str, resource: &Resource| {
                    all.iter().any(|g| {
                        g.principal == principal && g.action == action && &g.resource == resource
                    })
                };
                assert!(has(
                    Principal::Caller,
                    RAM_PASS_ROLE,
                    &Resource::ServiceRole
                ));
                assert!(has(
                    Principal::Caller,
                    "oss:GetObject",
                    &Resource::Source(None)
                ));
                assert_eq!(
                    has(
                        Principal::Caller,
                        "oss:PostProcessTask",
                        &Resource::Source(None)
                    ),
                    mode == Mode::Async || declared.saves(),
                    "{}",
                    op.name
                );
            }
        }
    }

    #[test]
    fn runners_add_the_creation_and_the_role() {
        let batch = declaration("video/convert", Mode::Async).run_by(Runners {
            batch: true,
            trigger: false,
        });
        let all = grants(&batch);
        assert!(all.iter().any(|g| g.action == IMM_CREATE_BATCH));
        assert!(!all.iter().any(|g| g.action == IMM_CREATE_TRIGGER));
        assert!(
            all.iter()
                .any(|g| g.action == RAM_PASS_ROLE && g.resource == Resource::BatchTriggerRole)
        );
        assert_eq!(
            all.iter()
                .filter(|g| g.principal == Principal::BatchTriggerRole)
                .count(),
            BATCH_TRIGGER_ROLE_ACTIONS.len()
        );
    }
}
