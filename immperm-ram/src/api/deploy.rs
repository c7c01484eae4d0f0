//! Making RAM hold a set of custom policies, roles and attachments: read what is there, plan
//! what differs, apply only that.
//!
//! Documents are compared semantically: both sides are read with
//! [`PolicyDocument::from_json`] and their validated forms compared (lists as sets, one value
//! as `"x"` or `["x"]`, any key order and whitespace), so that RAM's reformatting of what it
//! was sent never causes a new version, and a second run changes nothing.
//!
//! A policy whose document differs gets a new default version. RAM keeps five versions of a
//! custom policy; when it has five, the plan deletes the oldest non-default one first (by
//! creation date, then version number), and says which.

use std::collections::BTreeMap;
use std::fmt;

use crate::policy::PolicyDocument;

use super::call::{PolicyRef, Principal};
use super::model::{AttachedPolicy, PolicyVersion};
use super::{Client, RamError, VERSION_LIMIT};

/// What a policy can be attached to here: a RAM user or a role.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Attachee {
    /// A RAM user.
    User(String),
    /// A RAM role.
    Role(String),
}

impl Attachee {
    /// The principal.
    pub fn principal(&self) -> Principal {
        match self {
            Self::User(name) => Principal::User(name.clone()),
            Self::Role(name) => Principal::Role(name.clone()),
        }
    }
}

impl fmt::Display for Attachee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.principal().fmt(f)
    }
}

/// A custom policy RAM should hold, and where it should be attached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DesiredPolicy {
    /// The policy name.
    pub name: String,
    /// Its description, used when it is created.
    pub description: String,
    /// Its document.
    pub document: PolicyDocument,
    /// The users and roles it is attached to.
    pub attach_to: Vec<Attachee>,
}

/// A role RAM should hold, with its trust policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DesiredRole {
    /// The role name.
    pub name: String,
    /// Its description, used when it is created.
    pub description: String,
    /// Who may assume it.
    pub trust: PolicyDocument,
}

/// Everything RAM should hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Desired {
    /// The roles to create or update, before any policy is attached to them.
    pub roles: Vec<DesiredRole>,
    /// The custom policies, in order.
    pub policies: Vec<DesiredPolicy>,
}

/// One change to make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Create a role (`CreateRole`).
    CreateRole {
        /// The role.
        role: String,
        /// Its description.
        description: String,
        /// Its trust policy.
        trust: PolicyDocument,
    },
    /// Replace a role's trust policy (`UpdateRole`).
    UpdateTrust {
        /// The role.
        role: String,
        /// The trust policy RAM has, as it returned it.
        current: String,
        /// The one it should have.
        trust: PolicyDocument,
    },
    /// Create a custom policy (`CreatePolicy`).
    CreatePolicy {
        /// The policy.
        policy: String,
        /// Its description.
        description: String,
        /// Its document.
        document: PolicyDocument,
    },
    /// Add a version and make it the default (`CreatePolicyVersion` with `SetAsDefault`),
    /// after deleting `delete` (`DeletePolicyVersion`) when RAM holds five versions.
    NewVersion {
        /// The policy.
        policy: String,
        /// Its default version now.
        current: PolicyVersion,
        /// The version to delete first: the oldest non-default one.
        delete: Option<String>,
        /// The document of the new default version.
        document: PolicyDocument,
    },
    /// Attach a custom policy (`AttachPolicyToUser`, `AttachPolicyToRole`).
    Attach {
        /// The policy.
        policy: String,
        /// Where.
        to: Attachee,
    },
}

impl fmt::Display for Change {
    /// One line: ``create policy `media-app-imm-caller` ``.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CreateRole { role, .. } => write!(f, "create role `{role}`"),
            Self::UpdateTrust { role, .. } => write!(f, "update the trust policy of role `{role}`"),
            Self::CreatePolicy { policy, .. } => write!(f, "create policy `{policy}`"),
            Self::NewVersion {
                policy,
                current,
                delete,
                ..
            } => {
                write!(
                    f,
                    "new default version of policy `{policy}` (replacing {})",
                    current.id
                )?;
                if let Some(version) = delete {
                    write!(
                        f,
                        ", deleting {version} first: the oldest non-default of RAM's \
                         {VERSION_LIMIT} versions"
                    )?;
                }
                Ok(())
            }
            Self::Attach { policy, to } => write!(f, "attach policy `{policy}` to {to}"),
        }
    }
}

/// Something already as it should be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unchanged {
    /// The role exists with the trust policy it should have.
    Role {
        /// The role.
        role: String,
    },
    /// The policy's default version has the document it should have.
    Policy {
        /// The policy.
        policy: String,
        /// Its default version.
        version: String,
    },
    /// The policy is attached.
    Attachment {
        /// The policy.
        policy: String,
        /// Where.
        to: Attachee,
    },
}

impl fmt::Display for Unchanged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Role { role } => write!(f, "role `{role}` has its trust policy"),
            Self::Policy { policy, version } => {
                write!(f, "policy `{policy}` {version} is up to date")
            }
            Self::Attachment { policy, to } => write!(f, "policy `{policy}` is attached to {to}"),
        }
    }
}

/// What to change, in the order it is applied (roles, then policies, then attachments), and
/// what is already right.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// The changes.
    pub changes: Vec<Change>,
    /// What needs no change.
    pub unchanged: Vec<Unchanged>,
}

impl Plan {
    /// Whether RAM already holds everything.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// Whether `text` (as RAM returns it) is the document `wanted`: equal once both are read.
pub fn same_document(text: &str, wanted: &PolicyDocument) -> bool {
    PolicyDocument::from_json(text).is_ok_and(|document| document == *wanted)
}

/// The oldest non-default version: the earliest creation date, then the lowest number.
fn oldest_non_default(versions: &[PolicyVersion]) -> Option<String> {
    versions
        .iter()
        .filter(|v| !v.is_default)
        .min_by(|a, b| {
            (a.create_date.as_str(), a.number(), a.id.as_str()).cmp(&(
                b.create_date.as_str(),
                b.number(),
                b.id.as_str(),
            ))
        })
        .map(|v| v.id.clone())
}

/// Reads what RAM holds and plans the changes that make it hold `desired`. Only reads: the
/// users and roles policies go to (`ListPoliciesForUser`, `ListPoliciesForRole`), the roles
/// (`GetRole`), the policies (`GetPolicy`, `GetPolicyVersion` of the default version, and
/// `ListPolicyVersions` when a new version is needed).
///
/// # Errors
/// The first read that fails: a user or role to attach to that does not exist
/// (`EntityNotExist.User`, `EntityNotExist.Role`), a denied call, an endpoint that does not
/// answer.
pub fn plan(client: &Client, desired: &Desired) -> Result<Plan, RamError> {
    let mut plan = Plan::default();
    let mut attachments: BTreeMap<Attachee, Vec<AttachedPolicy>> = BTreeMap::new();
    let is_desired_role = |to: &Attachee| matches!(to, Attachee::Role(name) if desired.roles.iter().any(|r| r.name == *name));

    // The users and roles named by the caller first: a misspelt name fails before anything
    // else is read.
    for to in desired.policies.iter().flat_map(|p| &p.attach_to) {
        if !is_desired_role(to) && !attachments.contains_key(to) {
            let listed = client.list_policies(&to.principal())?;
            attachments.insert(to.clone(), listed);
        }
    }
    let mut role_changes = Vec::new();
    for role in &desired.roles {
        match client.get_role(&role.name)? {
            None => {
                role_changes.push(Change::CreateRole {
                    role: role.name.clone(),
                    description: role.description.clone(),
                    trust: role.trust.clone(),
                });
                attachments.insert(Attachee::Role(role.name.clone()), Vec::new());
            }
            Some(current) => {
                if same_document(&current.trust, &role.trust) {
                    plan.unchanged.push(Unchanged::Role {
                        role: role.name.clone(),
                    });
                } else {
                    role_changes.push(Change::UpdateTrust {
                        role: role.name.clone(),
                        current: current.trust,
                        trust: role.trust.clone(),
                    });
                }
                let to = Attachee::Role(role.name.clone());
                let listed = client.list_policies(&to.principal())?;
                attachments.insert(to, listed);
            }
        }
    }
    plan.changes.extend(role_changes);

    let mut attach = Vec::new();
    for policy in &desired.policies {
        let reference = PolicyRef::custom(&policy.name);
        match client.get_policy(&reference)? {
            None => plan.changes.push(Change::CreatePolicy {
                policy: policy.name.clone(),
                description: policy.description.clone(),
                document: policy.document.clone(),
            }),
            Some(found) => {
                let current = client.get_policy_version(&reference, &found.default_version)?;
                if same_document(&current.document, &policy.document) {
                    plan.unchanged.push(Unchanged::Policy {
                        policy: policy.name.clone(),
                        version: current.id,
                    });
                } else {
                    let versions = client.list_policy_versions(&policy.name)?;
                    let delete = if versions.len() >= VERSION_LIMIT {
                        oldest_non_default(&versions)
                    } else {
                        None
                    };
                    plan.changes.push(Change::NewVersion {
                        policy: policy.name.clone(),
                        current,
                        delete,
                        document: policy.document.clone(),
                    });
                }
            }
        }
        for to in &policy.attach_to {
            let attached = attachments
                .get(to)
                .is_some_and(|listed| listed.iter().any(|a| a.policy == reference));
            if attached {
                plan.unchanged.push(Unchanged::Attachment {
                    policy: policy.name.clone(),
                    to: to.clone(),
                });
            } else {
                attach.push(Change::Attach {
                    policy: policy.name.clone(),
                    to: to.clone(),
                });
            }
        }
    }
    plan.changes.extend(attach);
    Ok(plan)
}

/// A change that failed, after `applied` changes that succeeded.
#[derive(Clone, Debug, PartialEq)]
pub struct ApplyError {
    /// How many changes of the plan were applied before it.
    pub applied: usize,
    /// The change that failed.
    pub change: Box<Change>,
    /// Why.
    pub error: RamError,
}

impl fmt::Display for ApplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.error)?;
        if self.applied > 0 {
            write!(
                f,
                "\n({} change{} before it {} applied; running the command again plans the rest)",
                self.applied,
                if self.applied == 1 { "" } else { "s" },
                if self.applied == 1 { "was" } else { "were" }
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for ApplyError {}

/// Applies `plan`'s changes in order, calling `applied` after each; documents are sent in
/// their pretty form ([`PolicyDocument::to_json_pretty`]), the text immperm writes and counts
/// against RAM's size limit.
///
/// # Errors
/// The first change that fails, with how many were applied before it.
pub fn apply(
    client: &Client,
    plan: &Plan,
    mut applied: impl FnMut(&Change),
) -> Result<(), ApplyError> {
    for (index, change) in plan.changes.iter().enumerate() {
        let result = match change {
            Change::CreateRole {
                role,
                description,
                trust,
            } => client.create_role(role, &trust.to_json_pretty(), description),
            Change::UpdateTrust { role, trust, .. } => {
                client.update_role(role, &trust.to_json_pretty())
            }
            Change::CreatePolicy {
                policy,
                description,
                document,
            } => client.create_policy(policy, &document.to_json_pretty(), description),
            Change::NewVersion {
                policy,
                delete,
                document,
                ..
            } => delete
                .as_ref()
                .map_or(Ok(()), |version| {
                    client.delete_policy_version(policy, version)
                })
                .and_then(|()| {
                    client
                        .create_policy_version(policy, &document.to_json_pretty(), true)
                        .map(drop)
                }),
            Change::Attach { policy, to } => {
                let reference = PolicyRef::custom(policy);
                match to {
                    Attachee::User(user) => client.attach_policy_to_user(&reference, user),
                    Attachee::Role(role) => client.attach_policy_to_role(&reference, role),
                }
            }
        };
        result.map_err(|error| ApplyError {
            applied: index,
            change: Box::new(change.clone()),
            error,
        })?;
        applied(change);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(id: &str, default: bool, date: &str) -> PolicyVersion {
        PolicyVersion {
            id: id.into(),
            is_default: default,
            document: String::new(),
            create_date: date.into(),
        }
    }

    #[test]
    fn the_oldest_non_default_version_is_deleted() {
        let versions = [
            version("v12", false, "2026-01-03T00:00:00Z"),
            version("v9", true, "2026-01-01T00:00:00Z"),
            version("v10", false, "2026-01-02T00:00:00Z"),
            version("v11", false, "2026-01-02T00:00:00Z"),
        ];
        assert_eq!(oldest_non_default(&versions).as_deref(), Some("v10"));
        assert_eq!(
            oldest_non_default(&[version("v1", true, "")]).as_deref(),
            None
        );
    }

    #[test]
    fn documents_compare_as_ram_reads_them() {
        let wanted = PolicyDocument::from_json(
            r#"{"Version": "1", "Statement": [{"Effect": "Allow",
                "Action": ["oss:PutObject", "oss:GetObject"], "Resource": "acs:oss:*:*:b/*"}]}"#,
        )
        .unwrap();
        assert!(same_document(
            r#"{"Statement":[{"Resource":["acs:oss:*:*:b/*"],"Action":["oss:GetObject","oss:PutObject","oss:GetObject"],"Effect":"Allow"}],"Version":"1"}"#,
            &wanted
        ));
        assert!(!same_document(
            r#"{"Statement":[{"Resource":"acs:oss:*:*:b/*","Action":"oss:GetObject","Effect":"Allow"}],"Version":"1"}"#,
            &wanted
        ));
        assert!(!same_document("not json", &wanted));
    }
}
