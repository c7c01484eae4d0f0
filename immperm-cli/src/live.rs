//! `immperm check --live`: the deployed policies, read from RAM.

use immperm_build::audit::DeployedPolicy;
use immperm_ram::api::{self, Principal};

use crate::cli::CheckArgs;
use crate::outcome::{Failure, note};
use crate::ram;
use crate::target::Target;

/// Every policy RAM applies to the `--user` (its own and its groups') or `--role` of `args`,
/// as the deployed policies of a check: each one's source names it, its default version and
/// where it is attached (`Custom:media-app-imm-caller v3 (attached to group media-ops)`).
///
/// # Errors
/// RAM cannot be reached or refuses a call (a missing user, a denied `ram:` action), or an
/// attached document cannot be read as a RAM policy.
pub(crate) fn deployed(args: &CheckArgs, target: &Target) -> Result<Vec<DeployedPolicy>, Failure> {
    let principal = match (&args.user, &args.role) {
        (Some(user), _) => Principal::User(user.clone()),
        (None, Some(role)) => Principal::Role(role.clone()),
        (None, None) => {
            return Err(Failure::new(
                "`--live` needs the principal to read: `--user NAME` or `--role NAME`",
            ));
        }
    };
    let connection = ram::connect(&args.ram, &target.analysis.config.scope.account)?;
    let attached = api::attached(&connection.client, &principal)
        .map_err(|error| Failure::new(error.to_string()))?;
    note(&format!(
        "{} polic{} apply to {principal} ({})",
        attached.len(),
        if attached.len() == 1 { "y" } else { "ies" },
        connection.described
    ));
    let mut deployed = Vec::with_capacity(attached.len());
    let mut problems = Vec::new();
    for policy in &attached {
        match DeployedPolicy::parse(&policy.to_string(), &policy.document) {
            Ok(document) => deployed.push(document),
            Err(error) => problems.extend(error.lines),
        }
    }
    if problems.is_empty() {
        Ok(deployed)
    } else {
        Err(Failure::new(problems.join("\n")))
    }
}
