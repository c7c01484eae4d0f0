//! What RAM answers, read from its JSON: the fields the client uses, by RAM's names.

use serde::Deserialize;

use super::call::{PolicyRef, PolicyType};

/// A policy attached to a user, group or role (`ListPoliciesFor*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttachedPolicy {
    /// Its type and name.
    pub policy: PolicyRef,
    /// Its default version when listed (`v3`); empty when RAM leaves it out.
    pub default_version: String,
}

/// A policy (`GetPolicy`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Its type and name.
    pub policy: PolicyRef,
    /// Its description.
    pub description: String,
    /// Its default version (`v3`).
    pub default_version: String,
}

/// One version of a policy (`GetPolicyVersion`, `ListPolicyVersions`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyVersion {
    /// `v1`, `v2`, …
    pub id: String,
    /// Whether it is the version RAM applies.
    pub is_default: bool,
    /// The document, as RAM returns it (RAM may reformat what was sent).
    pub document: String,
    /// When it was created (`2026-11-30T08:12:44Z`); empty when RAM leaves it out.
    pub create_date: String,
}

impl PolicyVersion {
    /// The number in the version ID (`3` for `v3`), to order versions created in the same
    /// second; `None` for an ID of another shape.
    pub fn number(&self) -> Option<u64> {
        self.id.strip_prefix('v')?.parse().ok()
    }
}

/// A role (`GetRole`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Role {
    /// Its name.
    pub name: String,
    /// Its ARN (`acs:ram::<account>:role/<name>`).
    pub arn: String,
    /// Its trust policy, as RAM returns it.
    pub trust: String,
    /// Its description.
    pub description: String,
}

// The wire shapes. RAM wraps lists in an object named after the element
// (`{"Policies": {"Policy": [...]}}`); every field is optional on the wire.

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct WirePolicy {
    policy_name: String,
    policy_type: String,
    description: String,
    default_version: String,
}

impl WirePolicy {
    fn reference(&self) -> PolicyRef {
        PolicyRef {
            kind: PolicyType::parse(&self.policy_type).unwrap_or(PolicyType::Custom),
            name: self.policy_name.clone(),
        }
    }

    pub(super) fn attached(self) -> AttachedPolicy {
        AttachedPolicy {
            policy: self.reference(),
            default_version: self.default_version,
        }
    }

    pub(super) fn policy(self) -> Policy {
        Policy {
            policy: self.reference(),
            description: self.description,
            default_version: self.default_version,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct WirePolicies {
    pub(super) policy: Vec<WirePolicy>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct PoliciesBody {
    pub(super) policies: WirePolicies,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct WireGroup {
    pub(super) group_name: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct WireGroups {
    pub(super) group: Vec<WireGroup>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct GroupsBody {
    pub(super) groups: WireGroups,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct GetPolicyBody {
    pub(super) policy: WirePolicy,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct WireVersion {
    version_id: String,
    is_default_version: bool,
    policy_document: String,
    create_date: String,
}

impl From<WireVersion> for PolicyVersion {
    fn from(wire: WireVersion) -> Self {
        Self {
            id: wire.version_id,
            is_default: wire.is_default_version,
            document: wire.policy_document,
            create_date: wire.create_date,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct VersionBody {
    pub(super) policy_version: WireVersion,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct WireVersions {
    pub(super) policy_version: Vec<WireVersion>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct VersionsBody {
    pub(super) policy_versions: WireVersions,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct WireRole {
    role_name: String,
    arn: String,
    assume_role_policy_document: String,
    description: String,
}

impl From<WireRole> for Role {
    fn from(wire: WireRole) -> Self {
        Self {
            name: wire.role_name,
            arn: wire.arn,
            trust: wire.assume_role_policy_document,
            description: wire.description,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct RoleBody {
    pub(super) role: WireRole,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listings_read_as_ram_writes_them() {
        let body: PoliciesBody = serde_json::from_str(
            r#"{"RequestId": "R", "Policies": {"Policy": [
                {"PolicyName": "AliyunOSSFullAccess", "PolicyType": "System", "DefaultVersion": "v1",
                 "Description": "", "AttachDate": "2025-02-01T00:00:00Z"}]}}"#,
        )
        .unwrap();
        let attached: Vec<AttachedPolicy> = body
            .policies
            .policy
            .into_iter()
            .map(WirePolicy::attached)
            .collect();
        assert_eq!(
            attached,
            [AttachedPolicy {
                policy: PolicyRef::system("AliyunOSSFullAccess"),
                default_version: "v1".into()
            }]
        );
        let empty: PoliciesBody = serde_json::from_str(r#"{"RequestId": "R"}"#).unwrap();
        assert!(empty.policies.policy.is_empty());
        let version = PolicyVersion {
            id: "v12".into(),
            is_default: false,
            document: String::new(),
            create_date: String::new(),
        };
        assert_eq!(version.number(), Some(12));
    }
}
