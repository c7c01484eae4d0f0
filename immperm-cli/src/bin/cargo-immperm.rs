//! `cargo-immperm`: `cargo immperm ...` runs the `immperm` command.

use std::process::ExitCode;

fn main() -> ExitCode {
    immperm_cli::run(std::env::args_os())
}
