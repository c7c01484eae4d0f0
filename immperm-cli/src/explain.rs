//! `immperm explain`: every permission of every principal, and why.

use std::fmt::Write as _;

use immperm_build::analysis::{Analysis, Annotation, Placement, short_function};
use immperm_build::audit::{self, Collateral};
use immperm_build::catalog;
use immperm_build::generate::{Principal, ServiceRolePolicy};
use serde::Serialize;

use crate::cli::{ExplainArgs, ReportFormat};
use crate::outcome::{Failure, Outcome};
use crate::target::{Selection, Target};

/// Where an annotation is and what it declares. The JSON form of a function that needs a
/// permission, also used by `check`.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Site {
    pub(crate) package: String,
    pub(crate) file: String,
    pub(crate) line: usize,
    pub(crate) column: usize,
    /// `media_app::thumbs`.
    pub(crate) module_path: String,
    /// `make_thumbnails`, or `Type::method`.
    pub(crate) function: String,
    pub(crate) declaration: String,
    pub(crate) operation: &'static str,
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
    /// Why it is in no deployed policy, when it is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) not_deployed: Option<String>,
    /// The `#[cfg]` predicates the annotation sits under.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) cfg: Option<String>,
}

impl Site {
    pub(crate) fn new(annotation: &Annotation) -> Self {
        let not_deployed = match &annotation.placement {
            Placement::Deployed => None,
            Placement::TestOnly => Some("test code (compiled only under `cfg(test)`)".to_owned()),
            Placement::Undeployed { kind, target } => {
                Some(format!("the {} `{target}`", kind.as_str()))
            }
            Placement::Excluded => Some("under a `cfg` that is false for this build".to_owned()),
        };
        Self {
            package: annotation.package.clone(),
            file: annotation.shown.clone(),
            line: annotation.line,
            column: annotation.column,
            module_path: annotation.module_path().to_owned(),
            function: annotation.short_function().to_owned(),
            declaration: annotation.declaration.canonical(),
            operation: annotation.declaration.operation().name,
            mode: annotation.declaration.mode().as_str(),
            saveas: annotation
                .declaration
                .saveas_written()
                .map(|target| match target.bucket() {
                    Some(bucket) => format!("{bucket}/{}", target.prefix()),
                    None => "source".to_owned(),
                }),
            notify: annotation.declaration.notify_topic().map(str::to_owned),
            bucket: annotation.declaration.source_bucket().map(str::to_owned),
            batch: annotation.declaration.runners().batch,
            trigger: annotation.declaration.runners().trigger,
            not_deployed,
            cfg: annotation.cfg.clone(),
        }
    }

    /// `src/probe.rs:42 probe_video  video/info (sync)`.
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
            .filter_map(|&i| analysis.deployed.get(i))
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
    /// Every declaration in the deployed policy, in file then line order.
    annotations: Vec<Site>,
    principals: Vec<PrincipalGrants>,
    /// Test code, examples, integration tests and benchmarks: compiled, in no deployed
    /// policy.
    not_deployed: Vec<Site>,
    /// Under a false `cfg`.
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
    let targets = Target::load_all(&args.krate, Selection::Requested)?;
    let explanations: Vec<Explanation> = targets.iter().map(explain).collect();
    let stdout = match (args.format, explanations.as_slice()) {
        (ReportFormat::Json, [one]) => json(one)?,
        (ReportFormat::Json, all) => json(&all)?,
        (ReportFormat::Text, all) => all.iter().map(text).collect::<Vec<_>>().join("\n"),
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
        features: analysis.features.clone(),
        annotations: analysis.deployed.iter().map(Site::new).collect(),
        principals,
        not_deployed: analysis
            .undeployed
            .iter()
            .filter(|a| a.placement != Placement::Excluded)
            .map(Site::new)
            .collect(),
        excluded: analysis
            .undeployed
            .iter()
            .filter(|a| a.placement == Placement::Excluded)
            .map(Site::new)
            .collect(),
        unresolved: analysis
            .unresolved
            .iter()
            .map(|u| UnresolvedSite {
                file: u.shown.clone(),
                line: u.line,
                column: u.column,
                function: short_function(&u.function).to_owned(),
                reason: u.reason.clone(),
            })
            .collect(),
        collateral: audit::collateral(&analysis.requirements()),
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
    if !e.not_deployed.is_empty() {
        out.push_str("\nnot deployed (compiled, in no policy)\n");
        for site in &e.not_deployed {
            let why = site.not_deployed.as_deref().unwrap_or("?");
            let _ = writeln!(out, "  {}  {why}", site.label());
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
