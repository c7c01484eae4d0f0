//! What a command produces: its output and exit status, or an error.

use std::fmt;
use std::io::Write as _;

/// How a command that ran to the end went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    /// Exit 0.
    Success,
    /// Exit 1: a check found a difference.
    Difference,
}

impl Status {
    pub(crate) const fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::Difference => 1,
        }
    }
}

/// The output of a command that ran to the end.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    pub(crate) status: Status,
}

impl Outcome {
    /// Success with `stdout`.
    pub(crate) fn success(stdout: String) -> Self {
        Self {
            stdout,
            stderr: String::new(),
            status: Status::Success,
        }
    }
}

/// A usage, configuration or source error: exit 2 with the message on stderr.
#[derive(Debug)]
pub(crate) struct Failure(pub(crate) String);

impl Failure {
    pub(crate) const CODE: u8 = 2;

    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }

    /// `error: ` and the message, ending with a newline.
    pub(crate) fn render(&self) -> String {
        let message = self.0.trim_end();
        format!("error: {message}\n")
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Writes `note: <message>` to stderr at once, before the command's own output.
pub(crate) fn note(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "note: {message}");
}
