//! `immperm check`: deployed policies against what the code needs.

use std::fmt::Write as _;

use immperm_build::audit::{self, Collateral, DeployedPolicy, OverGrant};
use immperm_build::generate::Principal;
use immperm_ram::eval::Decision;
use serde::Serialize;

use crate::cli::{CheckArgs, CheckPrincipal, ReportFormat};
use crate::explain::{Site, json, plural};
use crate::outcome::{Failure, Outcome, Status};
use crate::target::{Selection, Target};

/// The JSON report; stable field order, lists in need order.
#[derive(Debug, Serialize)]
struct Report {
    principal: &'static str,
    policies: Vec<String>,
    strict: bool,
    /// How many (action, resource) pairs the principal needs.
    needs: usize,
    /// Whether the check passed (exit 0).
    passed: bool,
    missing: Vec<Missing>,
    over_grants: Vec<OverGrant>,
    collateral: Vec<Collateral>,
}

#[derive(Debug, Serialize)]
struct Missing {
    action: String,
    resource: String,
    /// `not-granted`, `denied`, `granted-if` (only under a condition) or `denied-if`.
    decision: &'static str,
    /// The line the text output prints.
    message: String,
    needed_by: Vec<Site>,
}

pub(crate) fn run(args: &CheckArgs) -> Result<Outcome, Failure> {
    let target = Target::load(&args.krate, Selection::Requested)?;
    target.require_resolved()?;
    let analysis = &target.analysis;
    let deployed = if args.live {
        crate::live::deployed(args, &target)?
    } else {
        read_policies(args)?
    };
    let principal = match args.principal {
        CheckPrincipal::Caller => Principal::Caller,
        CheckPrincipal::ServiceRole => Principal::ServiceRole,
        CheckPrincipal::BatchTriggerRole => Principal::BatchTriggerRole,
    };
    let needs: Vec<_> = analysis
        .policies
        .iter()
        .flat_map(|p| p.needs().of(principal))
        .collect();
    let report = audit::audit(
        needs.iter().copied(),
        &analysis.requirements(),
        &deployed,
        args.strict,
    );
    let lines = report.gap_lines(&deployed, &|i| analysis.describe(i));
    let passed = report.missing.is_empty() && report.over_grants.is_empty();
    let status = if passed {
        Status::Success
    } else {
        Status::Difference
    };
    let sources: Vec<String> = deployed.iter().map(|p| p.source.clone()).collect();
    let stdout = match args.format {
        ReportFormat::Json => json(&Report {
            principal: principal.as_str(),
            policies: sources,
            strict: args.strict,
            needs: needs.len(),
            passed,
            missing: report
                .missing
                .iter()
                .zip(&lines)
                .map(|(gap, line)| Missing {
                    action: gap.need.action.clone(),
                    resource: gap.need.resource.clone(),
                    decision: match gap.decision {
                        Decision::Allowed | Decision::ImplicitDeny => "not-granted",
                        Decision::ExplicitDeny(_) => "denied",
                        Decision::AllowedIf(_) => "granted-if",
                        Decision::PossiblyDenied { .. } => "denied-if",
                    },
                    message: line.clone(),
                    needed_by: Site::of(analysis, &gap.need.because),
                })
                .collect(),
            over_grants: report.over_grants.clone(),
            collateral: if args.strict {
                report.collateral.clone()
            } else {
                Vec::new()
            },
        })?,
        ReportFormat::Text => text(
            &lines,
            &report,
            args.strict,
            principal,
            needs.len(),
            &sources,
        ),
    };
    Ok(Outcome {
        stdout,
        stderr: String::new(),
        status,
    })
}

fn read_policies(args: &CheckArgs) -> Result<Vec<DeployedPolicy>, Failure> {
    let mut deployed = Vec::new();
    let mut problems = Vec::new();
    for path in &args.policy {
        let source = path.display().to_string();
        let text = match std::fs::read(path) {
            Ok(bytes) if bytes.len() > audit::MAX_FILE_SIZE => {
                problems.push(format!(
                    "{source}: {} bytes is too large for a RAM policy (at most {} bytes are read)",
                    bytes.len(),
                    audit::MAX_FILE_SIZE
                ));
                continue;
            }
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => text,
                Err(error) => {
                    problems.push(format!("{source}: not UTF-8 text: {error}"));
                    continue;
                }
            },
            Err(error) => {
                problems.push(format!("{source}: cannot read the policy file: {error}"));
                continue;
            }
        };
        match DeployedPolicy::parse(&source, &text) {
            Ok(policy) => deployed.push(policy),
            Err(error) => problems.extend(error.lines),
        }
    }
    if problems.is_empty() {
        Ok(deployed)
    } else {
        Err(Failure::new(problems.join("\n")))
    }
}

/// The text report: one line per gap, over-grant and (with `strict`) collateral, then a
/// summary line.
fn text(
    lines: &[String],
    report: &audit::Audit<'_, '_>,
    strict: bool,
    principal: Principal,
    needs: usize,
    sources: &[String],
) -> String {
    let mut out = String::new();
    for line in lines {
        let _ = writeln!(out, "{line}");
    }
    for over in &report.over_grants {
        let _ = writeln!(out, "over-grant: {over}");
    }
    if strict {
        for collateral in &report.collateral {
            let _ = writeln!(out, "collateral: {collateral}");
        }
    }
    let files = if sources.is_empty() {
        "no policy".to_owned()
    } else {
        sources
            .iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let summary = if report.missing.is_empty() && report.over_grants.is_empty() {
        format!(
            "ok: {files} allow{} every permission the {} needs ({} grant{})",
            if sources.len() == 1 { "s" } else { "" },
            principal.as_str(),
            needs,
            plural(needs)
        )
    } else {
        let mut parts = Vec::new();
        if !report.missing.is_empty() {
            parts.push(format!(
                "{} of {} grant{} missing",
                report.missing.len(),
                needs,
                plural(needs)
            ));
        }
        if !report.over_grants.is_empty() {
            parts.push(format!(
                "{} over-grant{}",
                report.over_grants.len(),
                plural(report.over_grants.len())
            ));
        }
        format!(
            "failed: {} for the {} in {files}",
            parts.join(", "),
            principal.as_str()
        )
    };
    let _ = writeln!(out, "{summary}");
    out
}
