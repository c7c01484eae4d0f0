//! The `immperm` command: the RAM policies a crate's `#[requires_imm]` annotations need, why
//! each permission is there, the committed lock file, and a check of deployed policies.
//!
//! ```text
//! immperm policy [PATH] [--document caller|service-role|trust|batch-trigger]
//!                [--format json|terraform|aliyun-cli] [--out DIR]
//! immperm explain [PATH] [--format text|json]
//! immperm lock [PATH] [--check]
//! immperm check [PATH] (--policy FILE... | --live (--user NAME | --role NAME))
//!               [--strict] [--format text|json]
//!               [--principal caller|service-role|batch-trigger-role]
//! immperm deploy [PATH] (--user NAME | --role NAME) [--dry-run] [--check]
//! immperm deploy [PATH] --print-own-policy [--user NAME | --role NAME]
//! immperm catalog [--format text|json]
//! ```
//!
//! `check --live` and `deploy` call RAM's API: `--profile NAME` picks an aliyun CLI profile
//! (by default the `ALIBABA_CLOUD_*` variables, then the CLI's profile), and
//! `--ram-endpoint URL` (or `IMMPERM_RAM_ENDPOINT`) another endpoint than
//! `https://ram.aliyuncs.com`; plain `http://` is accepted for loopback test servers only.
//!
//! `PATH` is a crate directory (the one with `Cargo.toml`; default `.`). Installed as
//! `cargo-immperm` too, the same commands run as `cargo immperm ...`.
//!
//! Exit status: 0 on success; 1 when a check found a difference (a stale lock file, a
//! missing grant, an over-grant with `--strict`, RAM differing from the code with
//! `deploy --check`); 2 for usage, configuration, source and RAM API errors, with the message
//! on stderr.

mod aliyun;
mod catalog;
mod check;
mod cli;
mod deploy;
mod diff;
mod explain;
mod live;
mod lock;
mod outcome;
mod policy;
mod ram;
mod target;
mod terraform;

use std::ffi::OsString;
use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use clap::{CommandFactory as _, FromArgMatches as _};

use cli::{Cli, Command};
use outcome::{Failure, Outcome};

/// Runs the command line `args` (the program name first) and returns the exit status: 0 on
/// success, 1 when a check found a difference, 2 for usage, configuration and source errors.
///
/// Run as `cargo-immperm` (which cargo calls with `immperm` as the first argument for
/// `cargo immperm ...`), that argument is dropped and usage messages say `cargo immperm`.
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    let mut args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let as_cargo = args
        .first()
        .and_then(|program| Path::new(program).file_stem())
        .is_some_and(|stem| stem == "cargo-immperm");
    if as_cargo && args.get(1).is_some_and(|first| first == "immperm") {
        args.remove(1);
    }
    let mut command = Cli::command();
    if as_cargo {
        command = command.bin_name("cargo immperm");
    }
    let parsed = command
        .try_get_matches_from(args)
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(error) => {
            // Help and version go to stdout with status 0, usage errors to stderr with 2.
            let _ = error.print();
            return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2));
        }
    };
    let result = match cli.command {
        Command::Policy(args) => policy::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Lock(args) => lock::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Deploy(args) => deploy::run(&args),
        Command::Catalog(args) => catalog::run(&args),
    };
    match result {
        Ok(outcome) => finish(&outcome),
        Err(failure) => fail(&failure),
    }
}

/// Writes an outcome's output; a closed pipe (`immperm policy | head -1`) is not an error.
fn finish(outcome: &Outcome) -> ExitCode {
    let _ = std::io::stdout()
        .lock()
        .write_all(outcome.stdout.as_bytes());
    let _ = std::io::stderr()
        .lock()
        .write_all(outcome.stderr.as_bytes());
    ExitCode::from(outcome.status.code())
}

fn fail(failure: &Failure) -> ExitCode {
    let _ = std::io::stderr()
        .lock()
        .write_all(failure.render().as_bytes());
    ExitCode::from(Failure::CODE)
}
