//! `immperm policy`: the documents, as RAM JSON, Terraform or `aliyun ram` commands.

use std::fmt::Write as _;
use std::path::Path;

use immperm_build::catalog;
use immperm_build::config::PolicyNames;
use immperm_build::generate::{self, Policies, ServiceRolePolicy};
use immperm_ram::policy::PolicyDocument;

use crate::cli::{Document, PolicyArgs, PolicyFormat};
use crate::outcome::{Failure, Outcome, Status};
use crate::target::{Selection, Target};
use crate::{aliyun, terraform};

/// Something to create in RAM, in creation order.
#[derive(Clone, Debug)]
pub(crate) enum Resource {
    /// A custom policy.
    Policy {
        /// What it is for: `caller`, `service_role`, `batch_trigger_role` (Terraform labels).
        key: &'static str,
        /// The RAM policy name.
        name: String,
        description: String,
        document: PolicyDocument,
    },
    /// A role IMM assumes, with its trust policy.
    Role {
        key: &'static str,
        name: String,
        description: String,
        trust: PolicyDocument,
    },
    /// The policy `key` attached to a role; `created` when the role is a [`Resource::Role`]
    /// of the same key.
    AttachToRole {
        key: &'static str,
        role: String,
        created: bool,
    },
    /// The policy `key` attached to the RAM user that runs the code.
    AttachToUser { key: &'static str },
}

impl Resource {
    /// The name of the policy a [`Resource::Policy`] of `key` creates, among `resources`.
    pub(crate) fn policy_name<'a>(resources: &'a [Resource], key: &str) -> &'a str {
        resources
            .iter()
            .find_map(|r| match r {
                Resource::Policy { key: k, name, .. } if *k == key => Some(name.as_str()),
                _ => None,
            })
            .unwrap_or_default()
    }
}

pub(crate) fn run(args: &PolicyArgs) -> Result<Outcome, Failure> {
    let target = Target::load(&args.krate, Selection::Requested)?;
    target.require_resolved()?;
    let Some(policies) = &target.analysis.policies else {
        return Err(nothing_declared(&target));
    };
    let names = Names::of(&target);
    let warnings = target.warnings();
    if let Some(dir) = &args.out {
        let mut outcome = write_all(&target, policies, &names, args.format, dir)?;
        outcome.stderr = warnings;
        return Ok(outcome);
    }
    let text = match args.format {
        PolicyFormat::Json => document(policies, args.document)?.to_json_pretty(),
        PolicyFormat::Terraform => {
            terraform::render(&target.name(), &resources(policies, &names, args.document)?)
        }
        PolicyFormat::AliyunCli => {
            aliyun::render(&target.name(), &resources(policies, &names, args.document)?)?
        }
    };
    Ok(Outcome {
        stdout: text,
        stderr: warnings,
        status: Status::Success,
    })
}

/// The error for a crate whose build declares nothing.
pub(crate) fn nothing_declared(target: &Target) -> Failure {
    let mut message = format!(
        "`{}` declares no IMM operation: no `#[requires_imm]` is compiled, so there is nothing to grant",
        target.dir.display()
    );
    let excluded = target
        .analysis
        .undeployed
        .iter()
        .filter(|a| a.placement == immperm_build::analysis::Placement::Excluded)
        .count();
    if excluded > 0 {
        let _ = write!(
            message,
            "; {excluded} annotation{} under a false `#[cfg]` (enable features with `--features`, see `immperm explain`)",
            if excluded == 1 { " is" } else { "s are" }
        );
    }
    Failure::new(message)
}

/// The JSON document `which`.
fn document(policies: &Policies, which: Document) -> Result<&PolicyDocument, Failure> {
    match (which, policies.service_role()) {
        (Document::Caller, _) => Ok(policies.caller().document()),
        (Document::ServiceRole, ServiceRolePolicy::Custom { policy, .. }) => Ok(policy),
        (Document::Trust, ServiceRolePolicy::Custom { trust, .. }) => Ok(trust),
        (Document::ServiceRole | Document::Trust, ServiceRolePolicy::Default { note, .. }) => {
            Err(default_role(which, note))
        }
        (Document::BatchTrigger, _) => policies.batch_trigger_role().ok_or_else(no_batch_trigger),
    }
}

fn default_role(which: Document, note: &str) -> Failure {
    let name = if which == Document::Trust {
        "trust"
    } else {
        "service-role"
    };
    Failure::new(format!(
        "no `{name}` document: {note}; to narrow it, create a custom service role and name it \
         with `service-role = \"...\"` under `[package.metadata.immperm]`"
    ))
}

fn no_batch_trigger() -> Failure {
    Failure::new(
        "no `batch-trigger` document: no `#[requires_imm]` says `batch` or `trigger`, so no IMM \
         batch processor or trigger runs an operation",
    )
}

/// RAM policy names: as configured under `policy-names`, else derived from the package name
/// (`<package>-imm-caller`); 1 to 128 letters, digits and hyphens.
pub(crate) struct Names {
    stem: String,
    /// The batch/trigger role, as configured.
    batch_trigger_role: String,
    configured: PolicyNames,
}

impl Names {
    const LONGEST_SUFFIX: usize = "-imm-batch-trigger-role".len();

    pub(crate) fn new(package: &str, batch_trigger_role: &str) -> Self {
        let mut stem: String = package
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        stem.truncate(128 - Self::LONGEST_SUFFIX);
        let stem = stem.trim_matches('-');
        Self {
            stem: if stem.is_empty() {
                "app".to_owned()
            } else {
                stem.to_owned()
            },
            batch_trigger_role: batch_trigger_role.to_owned(),
            configured: PolicyNames::default(),
        }
    }

    /// The names of `target`'s policies, its configuration's `policy-names` first.
    pub(crate) fn of(target: &Target) -> Self {
        let config = &target.analysis.config;
        Self {
            configured: config.policy_names.clone(),
            ..Self::new(&target.name(), &config.scope.batch_trigger_role)
        }
    }

    /// The name of the policy of document `what` (`caller`, `service-role`,
    /// `batch-trigger-role`).
    pub(crate) fn policy(&self, what: &str) -> String {
        let configured = match what {
            "caller" => &self.configured.caller,
            "service-role" => &self.configured.service_role,
            "batch-trigger-role" => &self.configured.batch_trigger_role,
            _ => &None,
        };
        configured
            .clone()
            .unwrap_or_else(|| format!("{}-imm-{what}", self.stem))
    }
}

/// What to create for `which`.
fn resources(
    policies: &Policies,
    names: &Names,
    which: Document,
) -> Result<Vec<Resource>, Failure> {
    let mut out = Vec::new();
    match which {
        Document::Caller => caller(policies, names, &mut out),
        Document::ServiceRole | Document::Trust => match policies.service_role() {
            ServiceRolePolicy::Default { note, .. } => return Err(default_role(which, note)),
            ServiceRolePolicy::Custom { .. } if which == Document::Trust => {
                service_role(policies, names, &mut out, false);
            }
            ServiceRolePolicy::Custom { .. } => service_role(policies, names, &mut out, true),
        },
        Document::BatchTrigger => {
            if !batch_trigger_role(policies, names, &mut out) {
                return Err(no_batch_trigger());
            }
        }
    }
    Ok(out)
}

/// Every applicable resource.
pub(crate) fn all_resources(policies: &Policies, names: &Names) -> Vec<Resource> {
    let mut out = Vec::new();
    caller(policies, names, &mut out);
    service_role(policies, names, &mut out, true);
    batch_trigger_role(policies, names, &mut out);
    out
}

fn caller(policies: &Policies, names: &Names, out: &mut Vec<Resource>) {
    out.push(Resource::Policy {
        key: "caller",
        name: names.policy("caller"),
        description: format!(
            "IMM through OSS: what the code of {} needs (generated by immperm)",
            names.stem
        ),
        document: policies.caller().document().clone(),
    });
    out.push(Resource::AttachToUser { key: "caller" });
}

/// The custom service role (with its policy when `with_policy`); nothing for the default one.
fn service_role(policies: &Policies, names: &Names, out: &mut Vec<Resource>, with_policy: bool) {
    let ServiceRolePolicy::Custom {
        role,
        policy,
        trust,
    } = policies.service_role()
    else {
        return;
    };
    out.push(Resource::Role {
        key: "service_role",
        name: role.clone(),
        description: format!("IMM service role of {} (generated by immperm)", names.stem),
        trust: trust.clone(),
    });
    if with_policy {
        out.push(Resource::Policy {
            key: "service_role",
            name: names.policy("service-role"),
            description: format!(
                "What IMM needs to read, write and notify for {} (generated by immperm)",
                names.stem
            ),
            document: policy.clone(),
        });
        out.push(Resource::AttachToRole {
            key: "service_role",
            role: role.clone(),
            created: true,
        });
    }
}

/// The batch/trigger role's policy and attachment, and the role itself unless it is IMM's
/// default one (created on the Cloud Resource Access Authorization page). Whether any.
fn batch_trigger_role(policies: &Policies, names: &Names, out: &mut Vec<Resource>) -> bool {
    let Some(policy) = policies.batch_trigger_role() else {
        return false;
    };
    let role = names.batch_trigger_role.clone();
    let custom = !role.eq_ignore_ascii_case(catalog::DEFAULT_BATCH_TRIGGER_ROLE);
    if custom {
        out.push(Resource::Role {
            key: "batch_trigger_role",
            name: role.clone(),
            description: format!(
                "Role IMM batch processors and triggers of {} run as (generated by immperm)",
                names.stem
            ),
            trust: generate::trust_policy(),
        });
    }
    out.push(Resource::Policy {
        key: "batch_trigger_role",
        name: names.policy("batch-trigger-role"),
        description: format!(
            "What IMM batch processors and triggers of {} need (generated by immperm)",
            names.stem
        ),
        document: policy.clone(),
    });
    out.push(Resource::AttachToRole {
        key: "batch_trigger_role",
        role,
        created: custom,
    });
    true
}

/// `--out DIR`: every applicable document.
fn write_all(
    target: &Target,
    policies: &Policies,
    names: &Names,
    format: PolicyFormat,
    dir: &Path,
) -> Result<Outcome, Failure> {
    let files: Vec<(String, String)> = match format {
        PolicyFormat::Json => policies
            .files()
            .into_iter()
            .map(|(name, content)| (name.to_owned(), content))
            .collect(),
        PolicyFormat::Terraform => vec![(
            "immperm.tf".to_owned(),
            terraform::render(&target.name(), &all_resources(policies, names)),
        )],
        PolicyFormat::AliyunCli => vec![(
            "immperm.sh".to_owned(),
            aliyun::render(&target.name(), &all_resources(policies, names))?,
        )],
    };
    std::fs::create_dir_all(dir).map_err(|e| {
        Failure::new(format!(
            "{}: cannot create the directory: {e}",
            dir.display()
        ))
    })?;
    let mut stdout = String::new();
    for (name, content) in files {
        let path = dir.join(&name);
        std::fs::write(&path, content)
            .map_err(|e| Failure::new(format!("{}: cannot write: {e}", path.display())))?;
        let _ = writeln!(stdout, "wrote {}", path.display());
    }
    Ok(Outcome::success(stdout))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_names_are_letters_digits_and_hyphens() {
        let names = Names::new("media_app", "r");
        assert_eq!(names.policy("caller"), "media-app-imm-caller");
        assert_eq!(Names::new("__", "r").policy("caller"), "app-imm-caller");
        let long = Names::new(&"x".repeat(300), "r").policy("batch-trigger-role");
        assert_eq!(long.len(), 128);
        assert!(long.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        let configured = Names {
            configured: PolicyNames {
                service_role: Some("media-imm".into()),
                ..PolicyNames::default()
            },
            ..Names::new("media_app", "r")
        };
        assert_eq!(configured.policy("service-role"), "media-imm");
        assert_eq!(configured.policy("caller"), "media-app-imm-caller");
    }
}
