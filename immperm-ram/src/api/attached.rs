//! Every policy that applies to a user or a role, with the document RAM applies.

use std::collections::BTreeMap;
use std::fmt;

use super::call::{PolicyRef, Principal};
use super::{Client, RamError};

/// A policy attached to the principal checked or to one of its groups, with the document of
/// its default version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attached {
    /// The policy.
    pub policy: PolicyRef,
    /// Its default version (`v3`), the one RAM applies.
    pub version: String,
    /// What it is attached to: the principal itself, or a group the user belongs to.
    pub via: Principal,
    /// The document, as RAM returns it.
    pub document: String,
}

impl fmt::Display for Attached {
    /// `Custom:media-app-imm-caller v3 (attached to group media-ops)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} (attached to {} {})",
            self.policy,
            self.version,
            self.via.kind(),
            self.via.name()
        )
    }
}

/// The policies that apply to `principal`: for a user, those attached to it
/// (`ListPoliciesForUser`) and to each of its groups (`ListGroupsForUser`,
/// `ListPoliciesForGroup`); for a role, those attached to it (`ListPoliciesForRole`). Each
/// document is its default version's (`GetPolicyVersion` of the version the listing names, or
/// `GetPolicy` first when it names none), system policies included. The order is stable: the
/// principal's own policies, then each group's in name order, each list sorted by type and
/// name. A policy attached in several places is listed for each and fetched once.
///
/// # Errors
/// The first call that fails; `EntityNotExist.User` (or `.Role`) when the principal does not
/// exist.
pub fn attached(client: &Client, principal: &Principal) -> Result<Vec<Attached>, RamError> {
    let mut listed = Vec::new();
    let mut own = client.list_policies(principal)?;
    own.sort_by(|a, b| a.policy.cmp(&b.policy));
    listed.extend(own.into_iter().map(|p| (principal.clone(), p)));
    if let Principal::User(user) = principal {
        let mut groups = client.list_groups_for_user(user)?;
        groups.sort();
        groups.dedup();
        for group in groups {
            let group = Principal::Group(group);
            let mut policies = client.list_policies(&group)?;
            policies.sort_by(|a, b| a.policy.cmp(&b.policy));
            listed.extend(policies.into_iter().map(|p| (group.clone(), p)));
        }
    }

    let mut documents: BTreeMap<(PolicyRef, String), String> = BTreeMap::new();
    let mut out = Vec::with_capacity(listed.len());
    for (via, listing) in listed {
        let version = if listing.default_version.is_empty() {
            client
                .get_policy(&listing.policy)?
                .map(|policy| policy.default_version)
                .unwrap_or_default()
        } else {
            listing.default_version
        };
        let key = (listing.policy.clone(), version.clone());
        let document = if let Some(document) = documents.get(&key) {
            document.clone()
        } else {
            let fetched = client
                .get_policy_version(&listing.policy, &version)?
                .document;
            documents.insert(key, fetched.clone());
            fetched
        };
        out.push(Attached {
            policy: listing.policy,
            version,
            via,
            document,
        });
    }
    Ok(out)
}
