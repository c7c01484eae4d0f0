//! `immperm catalog`: the operation table, with evidence and what each action unlocks.

use std::fmt::Write as _;

use immperm_build::catalog::{self, ImmResource, OPERATIONS, Operation};
use serde::Serialize;

use crate::cli::{CatalogArgs, ReportFormat};
use crate::explain::json;
use crate::outcome::{Failure, Outcome};

/// The JSON form; operations in catalog order.
#[derive(Debug, Serialize)]
struct Catalog {
    version: &'static str,
    operations: Vec<Entry>,
    /// OSS-native names easily mistaken for IMM operations; they need no IMM permission.
    oss_native: Vec<Native>,
}

#[derive(Debug, Serialize)]
struct Entry {
    name: &'static str,
    marker: &'static str,
    modes: &'static str,
    modes_evidence: &'static str,
    saveas: &'static str,
    notify: bool,
    actions: Vec<Action>,
    evidence: &'static str,
    source: &'static str,
    note: &'static str,
    /// The other operations the actions also allow.
    also_unlocks: Vec<&'static str>,
}

#[derive(Debug, Serialize)]
struct Action {
    name: &'static str,
    /// `project` (grantable on the IMM project) or `any` (only `*`).
    resource: &'static str,
    evidence: &'static str,
    note: &'static str,
}

#[derive(Debug, Serialize)]
struct Native {
    name: &'static str,
    note: &'static str,
}

fn entry(op: &'static Operation) -> Entry {
    Entry {
        name: op.name,
        marker: op.marker,
        modes: op.modes.as_str(),
        modes_evidence: op.modes_evidence.as_str(),
        saveas: op.saveas.as_str(),
        notify: op.notify,
        actions: op
            .actions
            .iter()
            .map(|&name| match catalog::imm_action(name) {
                Some(action) => Action {
                    name,
                    resource: match action.resource {
                        ImmResource::Project => "project",
                        ImmResource::Any => "any",
                    },
                    evidence: action.evidence.as_str(),
                    note: action.note,
                },
                None => Action {
                    name,
                    resource: "any",
                    evidence: op.evidence.as_str(),
                    note: "",
                },
            })
            .collect(),
        evidence: op.evidence.as_str(),
        source: op.source,
        note: op.note,
        also_unlocks: op.collateral().map(|other| other.name).collect(),
    }
}

pub(crate) fn run(args: &CatalogArgs) -> Result<Outcome, Failure> {
    let catalog = Catalog {
        version: catalog::CATALOG_VERSION,
        operations: OPERATIONS.iter().map(entry).collect(),
        oss_native: catalog::OSS_NATIVE
            .iter()
            .map(|n| Native {
                name: n.name,
                note: n.note,
            })
            .collect(),
    };
    let stdout = match args.format {
        ReportFormat::Json => json(&catalog)?,
        ReportFormat::Text => text(&catalog),
    };
    Ok(Outcome::success(stdout))
}

fn text(catalog: &Catalog) -> String {
    let mut out = format!(
        "immperm catalog {}: {} IMM operations invoked through OSS\n",
        catalog.version,
        catalog.operations.len()
    );
    for op in &catalog.operations {
        let _ = writeln!(out, "\n{}", op.name);
        let _ = writeln!(out, "  modes:    {} ({})", op.modes, op.modes_evidence);
        let _ = writeln!(
            out,
            "  saveas:   {}    notify: {}",
            op.saveas,
            if op.notify { "yes" } else { "no" }
        );
        for action in &op.actions {
            let on = match action.resource {
                "project" => "on the project",
                _ => "on `*` only",
            };
            let _ = write!(
                out,
                "  action:   {}  {on} ({})",
                action.name, action.evidence
            );
            if !action.note.is_empty() {
                let _ = write!(out, "; {}", action.note);
            }
            out.push('\n');
        }
        let _ = writeln!(out, "  evidence: {}", op.evidence);
        let _ = writeln!(out, "  source:   {}", op.source);
        if !op.note.is_empty() {
            let _ = writeln!(out, "  note:     {}", op.note);
        }
        if !op.also_unlocks.is_empty() {
            let _ = writeln!(out, "  unlocks:  {}", op.also_unlocks.join(", "));
        }
    }
    out.push_str("\nOSS-native (no IMM permission)\n");
    for native in &catalog.oss_native {
        let _ = writeln!(out, "  {}: {}", native.name, native.note);
    }
    out
}
