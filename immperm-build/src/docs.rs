//! The documentation section of an annotated function: what it declares and what each
//! principal needs for it, for the crate's real buckets, project and roles. The build
//! script's table holds one per function, and the attribute puts it at the end of the
//! function's docs, so `cargo doc` shows it next to the function.
//!
//! The grants are the generator's own needs for the function's declarations ([`needs`]):
//! the section and the policy cannot disagree.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::catalog::{self, Mode};
use crate::generate::{Principal, needs};
use crate::requirement::{Requirement, Scope};

/// Why an annotation is in no deployed policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Undeployed<'a> {
    /// Compiled only under `cfg(test)`.
    TestOnly,
    /// In a target that is not deployed: an example, an integration test or a benchmark.
    Target {
        /// `example`, `test` or `bench`.
        kind: &'a str,
        /// The target's name.
        name: &'a str,
    },
}

/// The section for a function's `declarations` (at least one) in `scope`, as Markdown; for
/// an annotation in no deployed policy, `undeployed` says why and no grant is listed.
pub fn section(
    declarations: &[Requirement],
    scope: &Scope,
    undeployed: Option<Undeployed<'_>>,
) -> String {
    let mut text = String::from("\n# IMM permissions\n\nDeclared with `#[requires_imm]`:\n");
    for declaration in declarations {
        let _ = writeln!(text, "- {}", declared(declaration));
    }
    if let Some(why) = undeployed {
        let why = match why {
            Undeployed::TestOnly => "test code (`#[cfg(test)]`)".to_owned(),
            Undeployed::Target { kind, name } => format!("the {kind} `{name}`"),
        };
        let _ = write!(
            text,
            "\nThis is {why}: it is in no deployed policy (`immperm explain` lists it).\n"
        );
        return text;
    }
    let found = needs(declarations, scope);
    let mut by_principal: BTreeMap<Principal, BTreeMap<&str, Vec<&str>>> = BTreeMap::new();
    for need in &found.needs {
        by_principal
            .entry(need.principal)
            .or_default()
            .entry(need.resource.as_str())
            .or_default()
            .push(need.action.as_str());
    }
    for (principal, grants) in &by_principal {
        let _ = write!(text, "\n{}\n", heading(*principal, scope));
        for (resource, actions) in grants {
            let actions: Vec<String> = actions.iter().map(|a| format!("`{a}`")).collect();
            let _ = writeln!(text, "- {} on `{resource}`", actions.join(", "));
        }
    }
    if !found.warnings.is_empty() {
        text.push_str(
            "\nNo bucket is named (`bucket = \"...\"`, or `buckets` under \
             `[package.metadata.immperm]`): the OSS actions are granted on every bucket.\n",
        );
    }
    text
}

fn heading(principal: Principal, scope: &Scope) -> String {
    match principal {
        Principal::Caller => {
            "The caller (the RAM user or role that runs this code) needs:".to_owned()
        }
        Principal::ServiceRole if scope.uses_default_service_role() => format!(
            "The IMM service role `{}` needs (its system policy `{}` already grants this):",
            scope.service_role,
            catalog::DEFAULT_SERVICE_ROLE_POLICY
        ),
        Principal::ServiceRole => format!("The IMM service role `{}` needs:", scope.service_role),
        Principal::BatchTriggerRole => format!(
            "The batch and trigger role `{}` needs:",
            scope.batch_trigger_role
        ),
    }
}

/// One declaration in words: `` `video/snapshots` asynchronously (`x-oss-async-process`) ``...
fn declared(declaration: &Requirement) -> String {
    let mut text = format!(
        "`{}` {} (`{}`)",
        declaration.operation().name,
        match declaration.mode() {
            Mode::Sync => "synchronously",
            Mode::Async => "asynchronously",
        },
        declaration.mode().parameter()
    );
    if let Some(bucket) = declaration.source_bucket() {
        let _ = write!(text, " on objects in bucket `{bucket}`");
    }
    if let Some(target) = declaration.save_target() {
        match target.bucket() {
            Some(bucket) => {
                let _ = write!(text, ", saving under `{bucket}/{}`", target.prefix());
            }
            None => text.push_str(", saving into the source bucket"),
        }
    }
    if let Some(topic) = declaration.notify_topic() {
        let _ = write!(text, ", announcing completion to SMQ topic `{topic}`");
    }
    let runners = declaration.runners();
    match (runners.batch, runners.trigger) {
        (true, true) => text.push_str(", run by IMM batch processors and triggers"),
        (true, false) => text.push_str(", run by IMM batch processors"),
        (false, true) => text.push_str(", run by IMM triggers"),
        (false, false) => {}
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Declaration, OPERATIONS, Runners, SaveTarget};
    use std::collections::BTreeSet;

    /// Every declaration the grammar accepts, option by option: each operation in each mode
    /// it runs in, with and without a bucket, `saveas` (bare and with a target), `notify`,
    /// `batch` and `trigger` where the catalog allows them.
    fn every_declaration() -> Vec<Declaration> {
        let mut all = Vec::new();
        for op in OPERATIONS {
            for mode in [Mode::Sync, Mode::Async] {
                let Ok(base) = Declaration::of(op, mode) else {
                    continue;
                };
                let mut variants = vec![base.clone()];
                variants.extend(base.clone().bucket("media-in").ok());
                variants.extend(base.clone().saveas(SaveTarget::source_bucket()).ok());
                variants.extend(
                    SaveTarget::parse("media-out/thumbs/")
                        .ok()
                        .and_then(|t| base.clone().saveas(t).ok()),
                );
                variants.extend(base.clone().notify("jobs").ok());
                for (batch, trigger) in [(true, false), (false, true), (true, true)] {
                    variants.push(base.clone().run_by(Runners { batch, trigger }));
                }
                all.extend(variants);
            }
        }
        all
    }

    fn scopes() -> [Scope; 2] {
        [
            Scope::default(),
            Scope {
                account: "1234567890123456".into(),
                region: "cn-hangzhou".into(),
                project: Some("media".into()),
                service_role: "MediaAppImmRole".into(),
                batch_trigger_role: "MediaBatches".into(),
                buckets: vec!["media-in".into(), "media-two".into()],
            },
        ]
    }

    #[test]
    fn the_section_lists_exactly_what_the_generator_grants() {
        for scope in scopes() {
            for declaration in every_declaration() {
                let text = section(std::slice::from_ref(&declaration), &scope, None);
                let mut listed = BTreeSet::new();
                let mut principal = None;
                for line in text.lines() {
                    if line.starts_with("The caller") {
                        principal = Some(Principal::Caller);
                    } else if line.starts_with("The IMM service role") {
                        principal = Some(Principal::ServiceRole);
                    } else if line.starts_with("The batch and trigger role") {
                        principal = Some(Principal::BatchTriggerRole);
                    } else if let (Some(principal), Some(grant)) =
                        (principal, line.strip_prefix("- "))
                        && let Some((actions, resource)) = grant.rsplit_once(" on ")
                    {
                        for action in actions.split(", ") {
                            listed.insert((
                                principal,
                                action.trim_matches('`').to_owned(),
                                resource.trim_matches('`').to_owned(),
                            ));
                        }
                    }
                }
                let generated: BTreeSet<_> = needs(std::slice::from_ref(&declaration), &scope)
                    .needs
                    .into_iter()
                    .map(|n| (n.principal, n.action, n.resource))
                    .collect();
                assert_eq!(listed, generated, "{declaration}\n{text}");
            }
        }
    }

    #[test]
    fn the_section_names_the_crates_role_and_project() {
        let [_, custom] = scopes();
        let Ok(thumbs) =
            Declaration::new("video/snapshots", Mode::Async).and_then(|d| d.notify("jobs"))
        else {
            unreachable!()
        };
        let text = section(&[thumbs], &custom, None);
        assert!(
            text.contains("The IMM service role `MediaAppImmRole` needs:"),
            "{text}"
        );
        assert!(!text.contains("AliyunIMMDefaultRole"), "{text}");
        assert!(
            text.contains("`imm:CreateMediaConvertTask` on `acs:imm:cn-hangzhou:1234567890123456:project/media`"),
            "{text}"
        );
        assert!(text.contains("on `acs:oss:*:*:media-two/*`"), "{text}");
        assert!(
            text.contains("`ram:PassRole` on `acs:ram:*:1234567890123456:role/mediaappimmrole`"),
            "{text}"
        );
    }

    #[test]
    fn undeployed_annotations_list_no_grant() {
        let Ok(info) = Declaration::new("video/info", Mode::Sync) else {
            unreachable!()
        };
        let text = section(&[info], &Scope::default(), Some(Undeployed::TestOnly));
        assert!(text.contains("in no deployed policy"), "{text}");
        assert!(!text.contains("oss:GetObject"), "{text}");
    }
}
