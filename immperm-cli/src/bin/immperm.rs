//! `immperm`: see the `immperm_cli` library.

use std::process::ExitCode;

fn main() -> ExitCode {
    immperm_cli::run(std::env::args_os())
}
