//! `immperm lock`: writes or checks the committed `immperm.lock` and policy directory, for
//! the features and target `[package.metadata.immperm]` configures.

use std::fmt::Write as _;

use immperm_build::{Committed, LOCK_FILE};

use crate::cli::LockArgs;
use crate::outcome::{Failure, Outcome, Status};
use crate::target::{Selection, Target};

pub(crate) fn run(args: &LockArgs) -> Result<Outcome, Failure> {
    let targets = Target::load_all(&args.krate, Selection::Configured)?;
    let mut outcome = Outcome::success(String::new());
    for target in &targets {
        target.require_resolved()?;
        let one = if args.check {
            check(target)?
        } else {
            write(target)?
        };
        if targets.len() > 1 {
            let _ = writeln!(outcome.stdout, "{}:", target.name());
        }
        outcome.stdout.push_str(&one.stdout);
        outcome.stderr.push_str(&one.stderr);
        if one.status == Status::Difference {
            outcome.status = Status::Difference;
        }
    }
    Ok(outcome)
}

/// The lock and policy directory as the user reaches them.
fn names(target: &Target) -> (String, String) {
    (
        target.display(LOCK_FILE.as_ref()),
        target.display(&target.analysis.config.policy_dir),
    )
}

/// The command that brings the committed files up to date.
fn command(target: &Target) -> String {
    if target.naming.is_empty() || target.naming == "." {
        "immperm lock".to_owned()
    } else {
        format!("immperm lock {}", target.naming)
    }
}

/// `lock --check`: exit 1 and the semantic difference when the committed files are stale.
fn check(target: &Target) -> Result<Outcome, Failure> {
    let (lock, policy_dir) = names(target);
    let lines = match target.analysis.committed(&target.lock_target()) {
        Committed::Unreadable(message) => {
            return Err(Failure::new(format!(
                "{}; `{}` replaces it",
                located(target, &message),
                command(target)
            )));
        }
        Committed::Current => {
            return Ok(Outcome::success(format!(
                "{lock} and {policy_dir}/ are up to date\n"
            )));
        }
        Committed::Stale(lines) => lines,
        Committed::OtherConfiguration {
            features,
            target: recorded,
        } => {
            let now = target.analysis.lock(&target.lock_target());
            vec![format!(
                "~ {lock} records features [{}] for target {recorded}; `[package.metadata.immperm]` configures [{}] for {}",
                features.join(", "),
                now.features.join(", "),
                now.target
            )]
        }
    };
    let mut stdout = String::new();
    for line in &lines {
        let _ = writeln!(stdout, "{line}");
    }
    Ok(Outcome {
        stdout,
        stderr: format!(
            "error: {lock} or {policy_dir}/ is stale: run `{}` and commit the result\n",
            command(target)
        ),
        status: Status::Difference,
    })
}

/// `lock`: says what changes, then writes it.
fn write(target: &Target) -> Result<Outcome, Failure> {
    let (lock, policy_dir) = names(target);
    let analysis = &target.analysis;
    let lock_target = target.lock_target();
    let mut stdout = String::new();
    let mut stderr = target.warnings();
    // A committed lock file that does not parse is replaced, which is how it gets repaired.
    match analysis.committed(&lock_target) {
        Committed::Stale(lines) => {
            for line in lines {
                let _ = writeln!(stdout, "{line}");
            }
        }
        Committed::OtherConfiguration { features, target } => {
            let _ = writeln!(
                stdout,
                "~ {lock}: features [{}] for {target} -> [{}] for {lock_target}",
                features.join(", "),
                analysis.features.join(", ")
            );
        }
        Committed::Unreadable(message) => {
            let _ = writeln!(stderr, "warning: replacing {}", located(target, &message));
        }
        Committed::Current => {}
    }
    let changed = analysis
        .write_committed(&lock_target)
        .map_err(|error| Failure::new(error.to_string()))?;
    if changed.is_empty() {
        let _ = writeln!(stdout, "{lock} and {policy_dir}/ are up to date");
        return Ok(Outcome {
            stdout,
            stderr,
            status: Status::Success,
        });
    }
    for path in changed {
        let relative = path.strip_prefix(analysis.package_dir()).unwrap_or(&path);
        let verb = if path.exists() { "wrote" } else { "removed" };
        let _ = writeln!(stdout, "{verb} {}", target.display(relative));
    }
    Ok(Outcome {
        stdout,
        stderr,
        status: Status::Success,
    })
}

/// A lock file error names `immperm.lock` relative to the package; name it from the working
/// directory.
fn located(target: &Target, message: &str) -> String {
    match message.strip_prefix(LOCK_FILE) {
        Some(rest) => format!("{}{rest}", target.display(LOCK_FILE.as_ref())),
        None => message.to_owned(),
    }
}
