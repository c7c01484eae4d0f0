//! `immperm deploy`: make RAM hold the policies the crate's code needs.

use std::fmt::Write as _;
use std::io::Write as _;

use immperm_ram::api::deploy::{self, Attachee, Change, Desired, DesiredPolicy, DesiredRole, Plan};
use immperm_ram::api::own;
use immperm_ram::policy::PolicyDocument;

use crate::cli::DeployArgs;
use crate::diff;
use crate::outcome::{Failure, Outcome, Status};
use crate::policy::{self, Names, Resource};
use crate::ram;
use crate::target::{Selection, Target};

/// Lines of context around each change of a document.
const CONTEXT: usize = 2;

pub(crate) fn run(args: &DeployArgs) -> Result<Outcome, Failure> {
    let target = Target::load(&args.krate, Selection::Requested)?;
    target.require_resolved()?;
    let Some(policies) = &target.analysis.policies else {
        return Err(policy::nothing_declared(&target));
    };
    let resources = policy::all_resources(policies, &Names::of(&target));
    let account = target.analysis.config.scope.account.clone();
    let caller = match (&args.user, &args.role) {
        (Some(user), _) => Some(Attachee::User(user.clone())),
        (None, Some(role)) => Some(Attachee::Role(role.clone())),
        (None, None) => None,
    };
    if args.print_own_policy {
        return own_policy(&target, &resources, caller, &account);
    }
    let Some(caller) = caller else {
        return Err(Failure::new(
            "`deploy` needs the principal that runs the code, to attach the caller's policy to: \
             `--user NAME` or `--role NAME`",
        ));
    };
    let desired = desired(&resources, &[caller]);
    let connection = ram::connect(&args.ram, &account)?;
    let _ = std::io::stderr()
        .lock()
        .write_all(target.warnings().as_bytes());
    let plan = deploy::plan(&connection.client, &desired)
        .map_err(|error| Failure::new(error.to_string()))?;
    say(&format!(
        "plan for `{}` in RAM ({}):\n{}",
        target.name(),
        connection.described,
        render(&plan)
    ));
    let count = plan.changes.len();
    if plan.is_empty() {
        return Ok(Outcome::success(format!(
            "up to date: RAM holds everything the code needs ({} unchanged)\n",
            plan.unchanged.len()
        )));
    }
    if args.dry_run || args.check {
        return Ok(Outcome {
            stdout: format!(
                "{count} change{} to make; nothing applied ({})\n",
                plural(count),
                if args.check { "--check" } else { "--dry-run" }
            ),
            stderr: String::new(),
            status: if args.check {
                Status::Difference
            } else {
                Status::Success
            },
        });
    }
    deploy::apply(&connection.client, &plan, |change| {
        say(&format!("applied: {change}\n"));
    })
    .map_err(|error| Failure::new(error.to_string()))?;
    Ok(Outcome::success(format!(
        "deployed: {count} change{} applied\n",
        plural(count)
    )))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Writes to stdout at once: the plan and each applied change are seen even if a later call
/// fails.
fn say(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// What RAM should hold for `resources`, the caller's policy attached to each of `callers`.
fn desired(resources: &[Resource], callers: &[Attachee]) -> Desired {
    let mut roles = Vec::new();
    // Each policy with the key its attachments name it by.
    let mut policies: Vec<(&str, DesiredPolicy)> = Vec::new();
    for resource in resources {
        let attach_to = |policies: &mut Vec<(&str, DesiredPolicy)>, key: &str, to: &[Attachee]| {
            if let Some((_, policy)) = policies.iter_mut().find(|(k, _)| *k == key) {
                policy.attach_to.extend(to.iter().cloned());
            }
        };
        match resource {
            Resource::Role {
                name,
                description,
                trust,
                ..
            } => roles.push(DesiredRole {
                name: name.clone(),
                description: description.clone(),
                trust: trust.clone(),
            }),
            Resource::Policy {
                key,
                name,
                description,
                document,
            } => policies.push((
                key,
                DesiredPolicy {
                    name: name.clone(),
                    description: description.clone(),
                    document: document.clone(),
                    attach_to: Vec::new(),
                },
            )),
            Resource::AttachToRole { key, role, .. } => {
                attach_to(&mut policies, key, &[Attachee::Role(role.clone())]);
            }
            Resource::AttachToUser { key } => attach_to(&mut policies, key, callers),
        }
    }
    Desired {
        roles,
        policies: policies.into_iter().map(|(_, policy)| policy).collect(),
    }
}

/// `--print-own-policy`: the policy `deploy` and `check --live` need.
fn own_policy(
    target: &Target,
    resources: &[Resource],
    caller: Option<Attachee>,
    account: &str,
) -> Result<Outcome, Failure> {
    let mut stderr = String::new();
    let callers = if let Some(caller) = caller {
        vec![caller]
    } else {
        stderr.push_str(
            "note: no `--user` or `--role`: the policy lets immperm attach the caller's policy \
             to any user or role; name the principal to narrow it\n",
        );
        vec![
            Attachee::User("*".to_owned()),
            Attachee::Role("*".to_owned()),
        ]
    };
    if account == "*" {
        stderr.push_str(
            "note: no `account` under `[package.metadata.immperm]`: resources name any account \
             (`acs:ram:*:*:...`); set it to narrow them\n",
        );
    }
    let document = own::policy(&desired(resources, &callers), account).ok_or_else(|| {
        Failure::new(format!(
            "`{}` needs no custom policy, so `deploy` makes no call",
            target.dir.display()
        ))
    })?;
    Ok(Outcome {
        stdout: document.to_json_pretty(),
        stderr,
        status: Status::Success,
    })
}

/// A document RAM returned, in the pretty form when it reads as a policy (so that the diff
/// shows what differs, not RAM's formatting).
fn normalized(text: &str) -> String {
    PolicyDocument::from_json(text).map_or_else(|_| text.to_owned(), |d| d.to_json_pretty())
}

/// The plan: each change with its document diff, then what is already right.
fn render(plan: &Plan) -> String {
    let indent = "      ";
    let mut out = String::new();
    for change in &plan.changes {
        let mark = match change {
            Change::NewVersion { .. } | Change::UpdateTrust { .. } => '~',
            _ => '+',
        };
        let _ = writeln!(out, "  {mark} {change}");
        let (old, new) = match change {
            Change::CreateRole { trust, .. } => (String::new(), trust.to_json_pretty()),
            Change::CreatePolicy { document, .. } => (String::new(), document.to_json_pretty()),
            Change::UpdateTrust { current, trust, .. } => {
                (normalized(current), trust.to_json_pretty())
            }
            Change::NewVersion {
                current, document, ..
            } => (normalized(&current.document), document.to_json_pretty()),
            Change::Attach { .. } => continue,
        };
        let context = if old.is_empty() { usize::MAX } else { CONTEXT };
        out.push_str(&diff::render(&old, &new, context, indent));
    }
    for unchanged in &plan.unchanged {
        let _ = writeln!(out, "  = {unchanged}");
    }
    let changes = plan.changes.len();
    let _ = writeln!(
        out,
        "{changes} change{}, {} unchanged",
        plural(changes),
        plan.unchanged.len()
    );
    out
}
