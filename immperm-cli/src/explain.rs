//! `immperm explain`: every permission of every principal, and why.

use std::fmt::Write as _;

use immperm_build::Analysis;
use immperm_build::Found;
use immperm_build::audit::{self, Collateral};
use immperm_build::catalog;
use immperm_build::generate::{Principal, ServiceRolePolicy};
use serde::Serialize;

use crate::cli::{ExplainArgs, ReportFormat};
use crate::outcome::{Failure, Outcome};
use crate::target::Target;

/// Where an annotation is and what it declares. The JSON form of a function that needs a
/// permission, also used by `check`.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Site {
    pub(crate) file: String,
    pub(crate) line: usize,
    pub(crate) column: usize,
    pub(crate) module_path: String,
    pub(crate) function: String,
    pub(crate) operation: String,
    pub(crate) mode: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) saveas: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) notify: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) bucket: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(crate) batch: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(crate) trigger: bool,
    /// The `#[cfg]` predicates the annotation sits under.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) cfg: Option<String>,
}

impl Site {
    pub(crate) fn new(found: &Found) -> Self {
        let p = &found.provenance;
        Self {
            file: p.file.clone(),
            line: p.line,
            column: p.column,
            module_path: p.module_path.clone(),
            function: p.function.clone(),
            operation: found.requirement.operation().name.to_owned(),
            mode: found.requirement.mode().as_str(),
            saveas: found.requirement.saveas_written().map(|target| {
                target.bucket().map_or_else(
                    || "source".to_owned(),
                    |bucket| format!("{bucket}/{}", target.prefix()),
                )
            }),
            notify: found.requirement.notify_topic().map(str::to_owned),
            bucket: found.requirement.source_bucket().map(str::to_owned),
            batch: found.requirement.runners().batch,
            trigger: found.requirement.runners().trigger,
            cfg: found.cfg.clone(),
        }
    }

    /// `src/probe.rs:42 probe_video  video/info (sync)`, as the lock file's diffs name it.
    pub(crate) fn label(&self) -> String {
        format!(
            "{}:{} {}  {} ({})",
            self.file, self.line, self.function, self.operation, self.mode
        )
    }

    /// The sites of requirement indices.
    pub(crate) fn of(analysis: &Analysis, indices: &[usize]) -> Vec<Self> {
        indices
            .iter()
            .filter_map(|&i| analysis.found.get(i))
            .map(Self::new)
            .collect()
    }
}

/// The whole explanation; its JSON form is stable (fields in this order, lists sorted).
#[derive(Debug, Serialize)]
struct Explanation {
    package: String,
    catalog: &'static str,
    features: Vec<String>,
    /// Every annotation the build compiles, in file then line order.
    annotations: Vec<Site>,
    principals: Vec<PrincipalGrants>,
    excluded: Vec<Site>,
    unresolved: Vec<UnresolvedSite>,
    collateral: Vec<Collateral>,
    warnings: Vec<String>,
}

#[derive(Debug, Serialize)]
struct PrincipalGrants {
    principal: &'static str,
    /// The role's name, for the service and batch/trigger roles.
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<String>,
    /// Why nothing needs to be attached, when so (IMM's default service role).
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    grants: Vec<Grant>,
}

#[derive(Debug, Serialize)]
struct Grant {
    action: String,
    resource: String,
    needed_by: Vec<Site>,
}

#[derive(Debug, Serialize)]
struct UnresolvedSite {
    file: String,
    line: usize,
    column: usize,
    function: String,
    reason: String,
}

pub(crate) fn run(args: &ExplainArgs) -> Result<Outcome, Failure> {
    let target = Target::load(&args.krate)?;
    let explanation = explain(&target);
    let stdout = match args.format {
        ReportFormat::Json => json(&explanation)?,
        ReportFormat::Text => text(&explanation),
    };
    Ok(Outcome::success(stdout))
}

/// Pretty JSON with a trailing newline.
pub(crate) fn json(value: &impl Serialize) -> Result<String, Failure> {
    serde_json::to_string_pretty(value)
        .map(|mut text| {
            text.push('\n');
            text
        })
        .map_err(|e| Failure::new(format!("cannot render JSON: {e}")))
}

fn explain(target: &Target) -> Explanation {
    let analysis = &target.analysis;
    let scope = &analysis.config.scope;
    let mut principals = Vec::new();
    if let Some(policies) = &analysis.policies {
        for principal in [
            Principal::Caller,
            Principal::ServiceRole,
            Principal::BatchTriggerRole,
        ] {
            let grants: Vec<Grant> = policies
                .needs()
                .of(principal)
                .map(|need| Grant {
                    action: need.action.clone(),
                    resource: need.resource.clone(),
                    needed_by: Site::of(analysis, &need.because),
                })
                .collect();
            if grants.is_empty() {
                continue;
            }
            let (role, note) = match principal {
                Principal::Caller => (None, None),
                Principal::ServiceRole => match policies.service_role() {
                    ServiceRolePolicy::Default { role, note } => {
                        (Some(role.clone()), Some(note.clone()))
                    }
                    ServiceRolePolicy::Custom { role, .. } => (Some(role.clone()), None),
                },
                Principal::BatchTriggerRole => (Some(scope.batch_trigger_role.clone()), None),
            };
            principals.push(PrincipalGrants {
                principal: principal.as_str(),
                role,
                note,
                grants,
            });
        }
    }
    let warnings = target.open_bucket_warnings(false);
    Explanation {
        package: target.name(),
        catalog: catalog::CATALOG_VERSION,
        features: target.features.iter().cloned().collect(),
        annotations: analysis.found.iter().map(Site::new).collect(),
        principals,
        excluded: analysis.excluded.iter().map(Site::new).collect(),
        unresolved: analysis
            .unresolved
            .iter()
            .map(|u| UnresolvedSite {
                file: u.provenance.file.clone(),
                line: u.provenance.line,
                column: u.provenance.column,
                function: u.provenance.function.clone(),
                reason: u.reason.clone(),
            })
            .collect(),
        collateral: audit::collateral(&analysis.requirements),
        warnings,
    }
}

fn principal_title(p: &PrincipalGrants) -> String {
    match (p.principal, &p.role) {
        ("caller", _) => "caller (the RAM user or role that runs the code)".to_owned(),
        ("service-role", Some(role)) => format!("service-role `{role}` (IMM's service role)"),
        ("batch-trigger-role", Some(role)) => format!(
            "batch-trigger-role `{role}` (the role IMM batch processors and triggers run as)"
        ),
        (name, _) => name.to_owned(),
    }
}

fn text(e: &Explanation) -> String {
    let mut out = String::new();
    let annotations = e.annotations.len();
    let _ = write!(
        out,
        "{}: {annotations} annotation{} in the build",
        e.package,
        plural(annotations)
    );
    if !e.excluded.is_empty() {
        let _ = write!(out, ", {} excluded by `#[cfg]`", e.excluded.len());
    }
    let features = if e.features.is_empty() {
        "none".to_owned()
    } else {
        e.features.join(", ")
    };
    let _ = writeln!(out, " (features: {features}; catalog {})", e.catalog);
    if e.principals.is_empty() {
        out.push_str("\nno permission is needed: no `#[requires_imm]` is compiled\n");
    }
    for principal in &e.principals {
        let _ = writeln!(out, "\n{}", principal_title(principal));
        if let Some(note) = &principal.note {
            let _ = writeln!(out, "  note: {note}");
        }
        for grant in &principal.grants {
            let _ = writeln!(out, "  {}  on  {}", grant.action, grant.resource);
            for site in &grant.needed_by {
                let _ = writeln!(out, "    {}", site.label());
            }
        }
    }
    if !e.excluded.is_empty() {
        out.push_str("\nexcluded by `#[cfg]` (in no policy of this build)\n");
        for site in &e.excluded {
            let cfg = site.cfg.as_deref().unwrap_or("?");
            let _ = writeln!(out, "  {}  cfg: {cfg}", site.label());
        }
    }
    if !e.unresolved.is_empty() {
        out.push_str("\nunresolved (in no policy; the crate does not compile with them)\n");
        for u in &e.unresolved {
            let _ = writeln!(out, "  {}:{} {}: {}", u.file, u.line, u.function, u.reason);
        }
    }
    if !e.collateral.is_empty() {
        out.push_str("\ncollateral (an IMM action cannot be narrowed to one operation)\n");
        for c in &e.collateral {
            let _ = writeln!(out, "  {c}");
        }
    }
    if !e.warnings.is_empty() {
        out.push_str("\nwarnings\n");
        for w in &e.warnings {
            let _ = writeln!(out, "  {w}");
        }
    }
    out
}

pub(crate) const fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
