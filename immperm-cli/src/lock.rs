//! `immperm lock`: writes or checks `immperm.lock` and the policy directory.

use std::fmt::Write as _;

use immperm_build::LOCK_FILE;

use crate::cli::LockArgs;
use crate::outcome::{Failure, Outcome, Status};
use crate::target::Target;

pub(crate) fn run(args: &LockArgs) -> Result<Outcome, Failure> {
    let target = Target::load(&args.krate)?;
    let analysis = &target.analysis;
    let lock = target.display(LOCK_FILE.as_ref());
    let policy_dir = target.display(&analysis.config.policy_dir);
    let up_to_date = format!("{lock} and {policy_dir}/ are up to date\n");
    if args.check {
        let stale = analysis
            .stale()
            .map_err(|error| Failure::new(located(&target, &error.to_string())))?;
        if stale.is_empty() {
            return Ok(Outcome::success(up_to_date));
        }
        let mut stdout = String::new();
        for line in &stale {
            let _ = writeln!(stdout, "{line}");
        }
        let command = if target.dir == std::path::Path::new(".") {
            "immperm lock".to_owned()
        } else {
            format!("immperm lock {}", target.dir.display())
        };
        return Ok(Outcome {
            stdout,
            stderr: format!(
                "error: {lock} or {policy_dir}/ is stale: run `{command}` and commit the result\n"
            ),
            status: Status::Difference,
        });
    }
    // What changes, said before writing; a committed lock file that does not parse is
    // replaced, which is how it gets repaired.
    let mut stdout = String::new();
    let mut stderr = target.warnings();
    match analysis.stale() {
        Ok(lines) => {
            for line in lines {
                let _ = writeln!(stdout, "{line}");
            }
        }
        Err(error) => {
            let _ = writeln!(
                stderr,
                "warning: replacing {lock}: {}",
                located(&target, &error.to_string())
            );
        }
    }
    let changed = analysis
        .write()
        .map_err(|error| Failure::new(error.to_string()))?;
    if changed.is_empty() {
        return Ok(Outcome {
            stdout: up_to_date,
            stderr,
            status: Status::Success,
        });
    }
    for path in changed {
        let relative = path.strip_prefix(&analysis.manifest_dir).unwrap_or(&path);
        let verb = if path.exists() { "wrote" } else { "removed" };
        let _ = writeln!(stdout, "{verb} {}", target.display(relative));
    }
    Ok(Outcome {
        stdout,
        stderr,
        status: Status::Success,
    })
}

/// A lock file error names `immperm.lock` relative to the crate; name it from the working
/// directory.
fn located(target: &Target, message: &str) -> String {
    match message.strip_prefix(LOCK_FILE) {
        Some(rest) => format!("{}{rest}", target.display(LOCK_FILE.as_ref())),
        None => message.to_owned(),
    }
}
