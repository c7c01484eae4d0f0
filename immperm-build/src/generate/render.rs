//! Needs → policy documents.

use std::collections::{BTreeMap, BTreeSet};

use super::need::Need;
use immperm_ram::policy::{PolicyDocument, Statement, Values};

/// One `Allow` statement per distinct resource set (after dropping the resources another
/// one of the set already covers, see [`without_covered`]): each action is granted on exactly the
/// resources it is needed on, and actions needed on the same set share a statement.
/// Statements are ordered by their first action (each action is in exactly one statement).
///
/// `None` when there are no needs.
pub(super) fn identity<'a>(needs: impl IntoIterator<Item = &'a Need>) -> Option<PolicyDocument> {
    let mut resources_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for need in needs {
        resources_of
            .entry(&need.action)
            .or_default()
            .insert(&need.resource);
    }
    let mut actions_on: BTreeMap<BTreeSet<&str>, BTreeSet<&str>> = BTreeMap::new();
    for (action, resources) in resources_of {
        actions_on
            .entry(without_covered(&resources))
            .or_default()
            .insert(action);
    }
    let mut statements: Vec<Statement> = actions_on
        .into_iter()
        .filter_map(|(resources, actions)| {
            Some(Statement::allow(
                Values::new(actions)?,
                Values::new(resources)?,
            ))
        })
        .collect();
    statements.sort_by(|a, b| a.action.values().iter().cmp(b.action.values().iter()));
    PolicyDocument::new(statements).ok()
}

/// The resources not covered by another resource of the set: `p*` covers every resource
/// that starts with `p` (`acs:oss:*:*:out/*` covers `acs:oss:*:*:out/thumbs/*`, and `*`
/// covers everything). Whatever the covered resource matches, the covering one matches too,
/// since `p` is matched the same way and the trailing `*` matches any rest.
fn without_covered<'a>(resources: &BTreeSet<&'a str>) -> BTreeSet<&'a str> {
    resources
        .iter()
        .filter(|resource| {
            !resources.iter().any(|other| {
                other != *resource
                    && other
                        .strip_suffix('*')
                        .is_some_and(|prefix| resource.starts_with(prefix))
            })
        })
        .copied()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covered_resources_are_dropped() {
        let set = BTreeSet::from([
            "acs:oss:*:*:out/*",
            "acs:oss:*:*:out/thumbs/*",
            "acs:oss:*:*:outer/*",
            "acs:oss:*:*:in/*",
        ]);
        assert_eq!(
            without_covered(&set),
            BTreeSet::from([
                "acs:oss:*:*:in/*",
                "acs:oss:*:*:out/*",
                "acs:oss:*:*:outer/*"
            ])
        );
        let any = BTreeSet::from(["acs:oss:*:*:*", "acs:oss:*:*:in/*"]);
        assert_eq!(without_covered(&any), BTreeSet::from(["acs:oss:*:*:*"]));
        let everything = BTreeSet::from(["*", "acs:imm:*:*:project/p"]);
        assert_eq!(without_covered(&everything), BTreeSet::from(["*"]));
        let roles = BTreeSet::from(["acs:ram:*:*:role/a", "acs:ram:*:*:role/ab"]);
        assert_eq!(without_covered(&roles), roles);
    }
}
