//! The policy immperm itself needs: every call [`super::deploy`] and [`super::attached`] can
//! make for a [`Desired`] state, as [`Call`]s, and the least-privilege document allowing
//! exactly those (actions as [`Call::permission`] names them, resources as
//! [`Call::resources`] does).
//!
//! What deploy manages is known by name: its policies, its roles, the users and roles it
//! attaches to. What `check --live` reads is not: the groups of a user and the policies
//! attached anywhere are found at run time, so the reads that need them are granted on every
//! group and every policy (`group/*`, `policy/*`, and `system:policy/*` for Alibaba Cloud's
//! system policies). No write is granted on anything deploy does not manage.

use std::collections::{BTreeMap, BTreeSet};

use crate::eval::pattern::{Case, covers};
use crate::policy::{PolicyDocument, Statement, Values};

use super::call::{Call, PolicyRef};
use super::deploy::{Attachee, Desired};

/// Every call `deploy` and `check --live` can make for `desired`: for each role, reading,
/// creating and updating it and listing its policies; for each user or role policies are
/// attached to, listing its policies (and a user's groups and their policies) and attaching
/// the policies; for each policy, reading, creating and versioning it; and reading any
/// attached policy's default version.
pub fn calls(desired: &Desired) -> Vec<Call> {
    let any_policy = [PolicyRef::custom("*"), PolicyRef::system("*")];
    let mut calls = Vec::new();
    let read_principal = |calls: &mut Vec<Call>, to: &Attachee| {
        match to {
            Attachee::User(user) => {
                calls.push(Call::ListPoliciesForUser { user: user.clone() });
                calls.push(Call::ListGroupsForUser { user: user.clone() });
                calls.push(Call::ListPoliciesForGroup {
                    group: "*".to_owned(),
                });
            }
            Attachee::Role(role) => calls.push(Call::ListPoliciesForRole { role: role.clone() }),
        }
        for policy in &any_policy {
            calls.push(Call::GetPolicy {
                policy: policy.clone(),
            });
            calls.push(Call::GetPolicyVersion {
                policy: policy.clone(),
                version: "*".to_owned(),
            });
        }
    };
    for role in &desired.roles {
        let role = role.name.clone();
        calls.push(Call::GetRole { role: role.clone() });
        calls.push(Call::CreateRole {
            role: role.clone(),
            trust: String::new(),
            description: String::new(),
        });
        calls.push(Call::UpdateRole {
            role: role.clone(),
            trust: String::new(),
        });
        read_principal(&mut calls, &Attachee::Role(role));
    }
    for policy in &desired.policies {
        let name = policy.name.clone();
        let reference = PolicyRef::custom(&name);
        calls.push(Call::GetPolicy {
            policy: reference.clone(),
        });
        calls.push(Call::GetPolicyVersion {
            policy: reference.clone(),
            version: "*".to_owned(),
        });
        calls.push(Call::ListPolicyVersions {
            policy: name.clone(),
        });
        calls.push(Call::CreatePolicy {
            policy: name.clone(),
            document: String::new(),
            description: String::new(),
        });
        calls.push(Call::CreatePolicyVersion {
            policy: name.clone(),
            document: String::new(),
            set_as_default: true,
        });
        calls.push(Call::DeletePolicyVersion {
            policy: name.clone(),
            version: "*".to_owned(),
        });
        for to in &policy.attach_to {
            read_principal(&mut calls, to);
            calls.push(match to {
                Attachee::User(user) => Call::AttachPolicyToUser {
                    policy: reference.clone(),
                    user: user.clone(),
                },
                Attachee::Role(role) => Call::AttachPolicyToRole {
                    policy: reference.clone(),
                    role: role.clone(),
                },
            });
        }
    }
    calls
}

/// The policy allowing every call of [`calls`] on its resources in `account` (`*` for any):
/// per action the resources it needs, without those another of them covers; actions needing
/// the same resources share a statement; statements in the order of their first action.
/// `None` when `desired` holds nothing, so that no call is made.
pub fn policy(desired: &Desired, account: &str) -> Option<PolicyDocument> {
    let mut by_action: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for call in calls(desired) {
        by_action
            .entry(call.permission())
            .or_default()
            .extend(call.resources(account));
    }
    let mut by_resources: BTreeMap<BTreeSet<String>, BTreeSet<String>> = BTreeMap::new();
    for (action, resources) in by_action {
        let kept: BTreeSet<String> = resources
            .iter()
            .filter(|inner| {
                !resources
                    .iter()
                    .any(|outer| outer != *inner && covers(outer, inner, Case::Sensitive))
            })
            .cloned()
            .collect();
        by_resources.entry(kept).or_default().insert(action);
    }
    let mut statements: Vec<(String, Statement)> = by_resources
        .into_iter()
        .filter_map(|(resources, actions)| {
            let first = actions.iter().next()?.clone();
            Some((
                first,
                Statement::allow(Values::new(actions)?, Values::new(resources)?),
            ))
        })
        .collect();
    statements.sort_by(|a, b| a.0.cmp(&b.0));
    PolicyDocument::new(statements.into_iter().map(|(_, s)| s).collect()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::deploy::{DesiredPolicy, DesiredRole};
    use crate::eval::Evaluator;

    fn desired() -> Desired {
        let document = PolicyDocument::from_json(
            r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "oss:GetObject", "Resource": "*"}]}"#,
        )
        .unwrap();
        Desired {
            roles: vec![DesiredRole {
                name: "MediaAppImmRole".into(),
                description: String::new(),
                trust: document.clone(),
            }],
            policies: vec![
                DesiredPolicy {
                    name: "media-app-imm-caller".into(),
                    description: String::new(),
                    document: document.clone(),
                    attach_to: vec![Attachee::User("media-app".into())],
                },
                DesiredPolicy {
                    name: "media-app-imm-service-role".into(),
                    description: String::new(),
                    document,
                    attach_to: vec![Attachee::Role("MediaAppImmRole".into())],
                },
            ],
        }
    }

    #[test]
    fn writes_are_scoped_to_what_deploy_manages() {
        let document = policy(&desired(), "1234567890123456").unwrap();
        assert_eq!(policy(&Desired::default(), "1"), None);
        let evaluator = Evaluator::new([&document]);
        let account = "acs:ram:*:1234567890123456";
        for (action, resource, allowed) in [
            (
                "ram:CreatePolicyVersion",
                "policy/media-app-imm-caller",
                true,
            ),
            ("ram:CreatePolicyVersion", "policy/someone-elses", false),
            ("ram:AttachPolicyToUser", "user/media-app", true),
            ("ram:AttachPolicyToUser", "user/admin", false),
            ("ram:AttachPolicyToRole", "role/MediaAppImmRole", true),
            ("ram:UpdateRole", "role/AliyunIMMDefaultRole", false),
            ("ram:GetPolicyVersion", "policy/anything-attached", true),
            ("ram:ListPoliciesForGroup", "group/media-ops", true),
            ("ram:DeletePolicy", "policy/media-app-imm-caller", false),
        ] {
            let resource = format!("{account}:{resource}");
            assert_eq!(
                evaluator.decide(action, &resource).is_allowed(),
                allowed,
                "{action} on {resource}"
            );
        }
        assert!(
            evaluator
                .decide(
                    "ram:GetPolicyVersion",
                    "acs:ram:*:system:policy/AliyunOSSFullAccess"
                )
                .is_allowed()
        );
        // Actions exactly as called: no wildcard.
        for statement in document.statements() {
            assert!(statement.action.values().iter().all(|a| !a.contains('*')));
        }
        assert_eq!(Some(document), policy(&desired(), "1234567890123456"));
    }
}
