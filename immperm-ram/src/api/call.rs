//! The RAM calls the client makes: each one's parameters, the request it becomes, and the
//! permission RAM checks for it.
//!
//! [`Call`] is the one list: the client sends nothing else, [`Call::request`] builds what is
//! sent, and [`Call::permission`] with [`Call::resources`] says what RAM authorizes, which is
//! what [`super::own`] turns into the policy immperm itself needs.

use std::fmt;

use immperm_openapi::{Endpoint, RAM_VERSION, RpcRequest};

/// Whether a policy is the account's own or one of Alibaba Cloud's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PolicyType {
    /// A custom policy of the account (`Custom`).
    Custom,
    /// A system policy managed by Alibaba Cloud (`System`), such as `AliyunOSSFullAccess`.
    System,
}

impl PolicyType {
    /// `Custom` or `System`, as RAM writes it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Custom => "Custom",
            Self::System => "System",
        }
    }

    /// Reads `Custom` or `System` (as RAM writes them; any case).
    pub fn parse(text: &str) -> Option<Self> {
        if text.eq_ignore_ascii_case("Custom") {
            Some(Self::Custom)
        } else if text.eq_ignore_ascii_case("System") {
            Some(Self::System)
        } else {
            None
        }
    }
}

impl fmt::Display for PolicyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A policy by type and name: `Custom:media-app-imm-caller`, `System:AliyunOSSFullAccess`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PolicyRef {
    /// Custom or system.
    pub kind: PolicyType,
    /// The policy name.
    pub name: String,
}

impl PolicyRef {
    /// The custom policy `name`.
    pub fn custom(name: impl Into<String>) -> Self {
        Self {
            kind: PolicyType::Custom,
            name: name.into(),
        }
    }

    /// The system policy `name`.
    pub fn system(name: impl Into<String>) -> Self {
        Self {
            kind: PolicyType::System,
            name: name.into(),
        }
    }

    /// The policy's ARN as RAM authorizes calls on it: `acs:ram:*:<account>:policy/<name>`
    /// for a custom policy, `acs:ram:*:system:policy/<name>` for a system one.
    pub fn arn(&self, account: &str) -> String {
        match self.kind {
            PolicyType::Custom => format!("acs:ram:*:{account}:policy/{}", self.name),
            PolicyType::System => format!("acs:ram:*:system:policy/{}", self.name),
        }
    }
}

impl fmt::Display for PolicyRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind, self.name)
    }
}

/// Who a policy is attached to: a RAM user, a user group or a role.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Principal {
    /// A RAM user, by name.
    User(String),
    /// A user group, by name.
    Group(String),
    /// A RAM role, by name.
    Role(String),
}

impl Principal {
    /// `user`, `group` or `role`.
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::User(_) => "user",
            Self::Group(_) => "group",
            Self::Role(_) => "role",
        }
    }

    /// The name.
    pub fn name(&self) -> &str {
        match self {
            Self::User(name) | Self::Group(name) | Self::Role(name) => name,
        }
    }

    /// The ARN RAM authorizes calls on: `acs:ram:*:<account>:user/<name>` (and `group/`,
    /// `role/`).
    pub fn arn(&self, account: &str) -> String {
        format!("acs:ram:*:{account}:{}/{}", self.kind(), self.name())
    }
}

impl fmt::Display for Principal {
    /// ``user `media-app` ``.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} `{}`", self.kind(), self.name())
    }
}

/// One RAM API call (`2015-05-01`), with its parameters as the API names them.
///
/// Documents travel as the exact text to send. Every parameter goes in the query string, as
/// the official SDK sends RAM's calls; a boolean is sent as `true` or `false`, the values
/// RAM's API reference documents.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Call {
    /// The policies attached to a user directly.
    ListPoliciesForUser {
        /// `UserName`.
        user: String,
    },
    /// The policies attached to a role.
    ListPoliciesForRole {
        /// `RoleName`.
        role: String,
    },
    /// The policies attached to a user group.
    ListPoliciesForGroup {
        /// `GroupName`.
        group: String,
    },
    /// The groups a user belongs to.
    ListGroupsForUser {
        /// `UserName`.
        user: String,
    },
    /// A policy's description and default version.
    GetPolicy {
        /// `PolicyType` and `PolicyName`.
        policy: PolicyRef,
    },
    /// One version of a policy, with its document.
    GetPolicyVersion {
        /// `PolicyType` and `PolicyName`.
        policy: PolicyRef,
        /// `VersionId` (`v3`).
        version: String,
    },
    /// Every version of a custom policy.
    ListPolicyVersions {
        /// `PolicyName` (`PolicyType` is `Custom`).
        policy: String,
    },
    /// A new custom policy.
    CreatePolicy {
        /// `PolicyName`.
        policy: String,
        /// `PolicyDocument`.
        document: String,
        /// `Description`.
        description: String,
    },
    /// A new version of a custom policy.
    CreatePolicyVersion {
        /// `PolicyName`.
        policy: String,
        /// `PolicyDocument`.
        document: String,
        /// `SetAsDefault`.
        set_as_default: bool,
    },
    /// Deletes a non-default version of a custom policy.
    DeletePolicyVersion {
        /// `PolicyName`.
        policy: String,
        /// `VersionId`.
        version: String,
    },
    /// Attaches a policy to a user.
    AttachPolicyToUser {
        /// `PolicyType` and `PolicyName`.
        policy: PolicyRef,
        /// `UserName`.
        user: String,
    },
    /// Attaches a policy to a role.
    AttachPolicyToRole {
        /// `PolicyType` and `PolicyName`.
        policy: PolicyRef,
        /// `RoleName`.
        role: String,
    },
    /// A role, with its trust policy.
    GetRole {
        /// `RoleName`.
        role: String,
    },
    /// A new role.
    CreateRole {
        /// `RoleName`.
        role: String,
        /// `AssumeRolePolicyDocument`: who may assume it.
        trust: String,
        /// `Description`.
        description: String,
    },
    /// Replaces a role's trust policy.
    UpdateRole {
        /// `RoleName`.
        role: String,
        /// `NewAssumeRolePolicyDocument`.
        trust: String,
    },
}

fn boolean(value: bool) -> String {
    if value { "true" } else { "false" }.to_owned()
}

impl Call {
    /// Every action a call can be, in the order of the variants.
    pub const ACTIONS: [&'static str; 15] = [
        "ListPoliciesForUser",
        "ListPoliciesForRole",
        "ListPoliciesForGroup",
        "ListGroupsForUser",
        "GetPolicy",
        "GetPolicyVersion",
        "ListPolicyVersions",
        "CreatePolicy",
        "CreatePolicyVersion",
        "DeletePolicyVersion",
        "AttachPolicyToUser",
        "AttachPolicyToRole",
        "GetRole",
        "CreateRole",
        "UpdateRole",
    ];

    /// The API action, `GetPolicy`.
    pub const fn action(&self) -> &'static str {
        match self {
            Self::ListPoliciesForUser { .. } => "ListPoliciesForUser",
            Self::ListPoliciesForRole { .. } => "ListPoliciesForRole",
            Self::ListPoliciesForGroup { .. } => "ListPoliciesForGroup",
            Self::ListGroupsForUser { .. } => "ListGroupsForUser",
            Self::GetPolicy { .. } => "GetPolicy",
            Self::GetPolicyVersion { .. } => "GetPolicyVersion",
            Self::ListPolicyVersions { .. } => "ListPolicyVersions",
            Self::CreatePolicy { .. } => "CreatePolicy",
            Self::CreatePolicyVersion { .. } => "CreatePolicyVersion",
            Self::DeletePolicyVersion { .. } => "DeletePolicyVersion",
            Self::AttachPolicyToUser { .. } => "AttachPolicyToUser",
            Self::AttachPolicyToRole { .. } => "AttachPolicyToRole",
            Self::GetRole { .. } => "GetRole",
            Self::CreateRole { .. } => "CreateRole",
            Self::UpdateRole { .. } => "UpdateRole",
        }
    }

    /// The RAM action a policy must allow for the call: `ram:` and the API action.
    pub fn permission(&self) -> String {
        format!("ram:{}", self.action())
    }

    /// Whether the call changes RAM (creates, versions, deletes, attaches or updates).
    pub const fn is_write(&self) -> bool {
        !matches!(
            self,
            Self::ListPoliciesForUser { .. }
                | Self::ListPoliciesForRole { .. }
                | Self::ListPoliciesForGroup { .. }
                | Self::ListGroupsForUser { .. }
                | Self::GetPolicy { .. }
                | Self::GetPolicyVersion { .. }
                | Self::ListPolicyVersions { .. }
                | Self::GetRole { .. }
        )
    }

    /// The principal the call names, if it names one: the user, role or group whose absence
    /// an `EntityNotExist.*` error reports.
    pub fn principal(&self) -> Option<Principal> {
        match self {
            Self::ListPoliciesForUser { user }
            | Self::ListGroupsForUser { user }
            | Self::AttachPolicyToUser { user, .. } => Some(Principal::User(user.clone())),
            Self::ListPoliciesForGroup { group } => Some(Principal::Group(group.clone())),
            Self::ListPoliciesForRole { role }
            | Self::AttachPolicyToRole { role, .. }
            | Self::GetRole { role }
            | Self::CreateRole { role, .. }
            | Self::UpdateRole { role, .. } => Some(Principal::Role(role.clone())),
            _ => None,
        }
    }

    /// The policy the call names, if it names one.
    pub fn policy(&self) -> Option<PolicyRef> {
        match self {
            Self::GetPolicy { policy }
            | Self::GetPolicyVersion { policy, .. }
            | Self::AttachPolicyToUser { policy, .. }
            | Self::AttachPolicyToRole { policy, .. } => Some(policy.clone()),
            Self::ListPolicyVersions { policy }
            | Self::CreatePolicy { policy, .. }
            | Self::CreatePolicyVersion { policy, .. }
            | Self::DeletePolicyVersion { policy, .. } => Some(PolicyRef::custom(policy)),
            _ => None,
        }
    }

    /// The resources RAM authorizes the call on, as its API reference lists them for the
    /// action: the policy's ARN for policy calls, the principal's ARN for principal calls,
    /// both for attachments. `account` is the account ID (`*` when unknown).
    pub fn resources(&self, account: &str) -> Vec<String> {
        let mut resources = Vec::new();
        if let Some(policy) = self.policy() {
            resources.push(policy.arn(account));
        }
        if let Some(principal) = self.principal() {
            resources.push(principal.arn(account));
        }
        resources
    }

    /// The parameters, by their API names, as sent.
    pub fn params(&self) -> Vec<(&'static str, String)> {
        let policy = |p: &PolicyRef| {
            [
                ("PolicyType", p.kind.as_str().to_owned()),
                ("PolicyName", p.name.clone()),
            ]
        };
        let custom = |name: &str| {
            [
                ("PolicyType", "Custom".to_owned()),
                ("PolicyName", name.to_owned()),
            ]
        };
        let mut params: Vec<(&'static str, String)> = match self {
            Self::ListPoliciesForUser { user } | Self::ListGroupsForUser { user } => {
                vec![("UserName", user.clone())]
            }
            Self::ListPoliciesForRole { role } | Self::GetRole { role } => {
                vec![("RoleName", role.clone())]
            }
            Self::ListPoliciesForGroup { group } => vec![("GroupName", group.clone())],
            Self::GetPolicy { policy: p } => policy(p).to_vec(),
            Self::GetPolicyVersion { policy: p, version } => {
                let mut params = policy(p).to_vec();
                params.push(("VersionId", version.clone()));
                params
            }
            Self::ListPolicyVersions { policy } => custom(policy).to_vec(),
            Self::CreatePolicy {
                policy,
                document,
                description,
            } => vec![
                ("PolicyName", policy.clone()),
                ("PolicyDocument", document.clone()),
                ("Description", description.clone()),
            ],
            Self::CreatePolicyVersion {
                policy,
                document,
                set_as_default,
            } => vec![
                ("PolicyName", policy.clone()),
                ("PolicyDocument", document.clone()),
                ("SetAsDefault", boolean(*set_as_default)),
            ],
            Self::DeletePolicyVersion { policy, version } => vec![
                ("PolicyName", policy.clone()),
                ("VersionId", version.clone()),
            ],
            Self::AttachPolicyToUser { policy: p, user } => {
                let mut params = policy(p).to_vec();
                params.push(("UserName", user.clone()));
                params
            }
            Self::AttachPolicyToRole { policy: p, role } => {
                let mut params = policy(p).to_vec();
                params.push(("RoleName", role.clone()));
                params
            }
            Self::CreateRole {
                role,
                trust,
                description,
            } => vec![
                ("RoleName", role.clone()),
                ("AssumeRolePolicyDocument", trust.clone()),
                ("Description", description.clone()),
            ],
            Self::UpdateRole { role, trust } => vec![
                ("RoleName", role.clone()),
                ("NewAssumeRolePolicyDocument", trust.clone()),
            ],
        };
        params.sort_by_key(|(name, _)| *name);
        params
    }

    /// The unsigned request to `endpoint`: a `POST` with every parameter in the query.
    pub fn request(&self, endpoint: &Endpoint) -> RpcRequest {
        self.params().into_iter().fold(
            RpcRequest::new(endpoint.clone(), self.action(), RAM_VERSION),
            |request, (name, value)| request.query(name, value),
        )
    }
}

impl fmt::Display for Call {
    /// The action and what it names: ``GetPolicy `Custom:media-app-imm-caller` ``.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.action())?;
        if let Some(policy) = self.policy() {
            write!(f, " `{policy}`")?;
        }
        if let Some(principal) = self.principal() {
            write!(f, " for {principal}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_call_names_its_permission_and_resources() {
        let attach = Call::AttachPolicyToUser {
            policy: PolicyRef::custom("media-app-imm-caller"),
            user: "media-app".into(),
        };
        assert_eq!(attach.permission(), "ram:AttachPolicyToUser");
        assert_eq!(
            attach.resources("1234567890123456"),
            [
                "acs:ram:*:1234567890123456:policy/media-app-imm-caller",
                "acs:ram:*:1234567890123456:user/media-app"
            ]
        );
        assert!(attach.is_write());
        let system = Call::GetPolicyVersion {
            policy: PolicyRef::system("AliyunOSSFullAccess"),
            version: "v1".into(),
        };
        assert_eq!(
            system.resources("1"),
            ["acs:ram:*:system:policy/AliyunOSSFullAccess"]
        );
        assert!(!system.is_write());
        assert_eq!(
            Call::ListPoliciesForGroup {
                group: "ops".into()
            }
            .resources("*"),
            ["acs:ram:*:*:group/ops"]
        );
        assert_eq!(
            attach.to_string(),
            "AttachPolicyToUser `Custom:media-app-imm-caller` for user `media-app`"
        );
    }

    #[test]
    fn parameters_are_sorted_and_booleans_are_lowercase() {
        let call = Call::CreatePolicyVersion {
            policy: "p".into(),
            document: "{}".into(),
            set_as_default: true,
        };
        assert_eq!(
            call.params(),
            [
                ("PolicyDocument", "{}".to_owned()),
                ("PolicyName", "p".to_owned()),
                ("SetAsDefault", "true".to_owned())
            ]
        );
        let request = call
            .request(&Endpoint::ram())
            .build()
            .expect("a RAM request builds");
        assert_eq!(
            request.uri(),
            "https://ram.aliyuncs.com/?PolicyDocument=%7B%7D&PolicyName=p&SetAsDefault=true"
        );
        assert_eq!(request.headers()["x-acs-action"], "CreatePolicyVersion");
        assert_eq!(request.headers()["x-acs-version"], "2015-05-01");
    }
}
