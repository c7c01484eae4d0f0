//! What is wrong with a policy document.

use std::fmt;

/// One broken rule, at its JSON path.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PolicyIssue {
    /// Where: `Version`, `Statement[2].Action`, `Statement[0].Action[1]`, or `policy` for the
    /// document itself.
    pub path: String,
    /// What is wrong, lowercase, with the fix when there is one.
    pub message: String,
}

impl PolicyIssue {
    pub(crate) fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for PolicyIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// A policy document RAM would reject.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PolicyError {
    /// The text is not JSON.
    Syntax {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What the JSON reader expected.
        message: String,
    },
    /// The JSON is not a valid policy: every broken rule, in document order.
    Invalid(Vec<PolicyIssue>),
    /// The document is longer than the limit it is checked against.
    TooLarge {
        /// Its length in characters, as [`PolicyDocument::size`](super::PolicyDocument::size)
        /// counts it.
        size: usize,
        /// The limit.
        limit: usize,
    },
}

impl PolicyError {
    /// The broken rules of an [`Invalid`](Self::Invalid) document; empty otherwise.
    pub fn issues(&self) -> &[PolicyIssue] {
        match self {
            Self::Invalid(issues) => issues,
            Self::Syntax { .. } | Self::TooLarge { .. } => &[],
        }
    }
}

impl fmt::Display for PolicyError {
    /// One line per problem.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Syntax {
                line,
                column,
                message,
            } => write!(
                f,
                "malformed JSON at line {line}, column {column}: {message}"
            ),
            Self::Invalid(issues) => {
                let mut separator = "";
                for issue in issues {
                    write!(f, "{separator}{issue}")?;
                    separator = "\n";
                }
                Ok(())
            }
            Self::TooLarge { size, limit } => write!(
                f,
                "policy is {size} characters long; RAM accepts at most {limit} \
                 (counted on the pretty form, whitespace included); split it into several policies"
            ),
        }
    }
}

impl std::error::Error for PolicyError {}
