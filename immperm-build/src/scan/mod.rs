//! The source scan: every function annotated with `#[requires_imm(...)]` in every target of
//! a package, found by walking each target's module tree from its root the way the compiler
//! does, with each attribute's arguments as tokens and whether the build compiles it.
//!
//! Build scripts run before the crate compiles, so they read sources. The scan follows
//! `mod name;` (`name.rs` or `name/mod.rs`, `#[path]`, inline modules, `#[cfg]` and
//! `#[cfg_attr]`), and reads each file according to what its bytes show: most are only read;
//! of the others, only the top-level items with an annotation or a module declaration are
//! tokenized and walked (annotations inside macro invocations included, when they have the
//! shape `#[requires_imm(...)] ... fn name`). A per-file cache in `cache_dir` (the build
//! script's `OUT_DIR`), keyed by path, length and modification time, lets a re-run tokenize
//! only what changed.
//!
//! Every cfg is evaluated twice: without `test` (the deployed build, [`Attribute::compiled`])
//! and with it (`cargo test`, [`Attribute::compiled_in_tests`]); unknown cfgs are false.
//! Modules under a false cfg are read when their files exist and are never required. The
//! arguments are not read here: [`immperm_catalog::grammar::parse`] reads them, as the
//! attribute does, and an annotation whose arguments do not parse is the attribute's to
//! report at compile time.
//!
//! ```no_run
//! use immperm_build::scan::{self, CfgSet, ScanOptions, Target, TargetKind};
//!
//! let scan = scan::scan(&ScanOptions {
//!     package_dir: "examples/media-app".into(),
//!     targets: vec![Target {
//!         name: "media-app".to_owned(),
//!         kind: TargetKind::Bin,
//!         root: "src/main.rs".into(),
//!     }],
//!     cfg: CfgSet::from_env(),
//!     cache_dir: None,
//! })?;
//! for function in &scan.functions {
//!     for attribute in function.attributes.iter().filter(|a| a.compiled) {
//!         println!("{}:{} {}: {}", function.file, attribute.line, function.name, attribute.args);
//!     }
//! }
//! # Ok::<(), scan::ScanError>(())
//! ```

mod bytes;
mod cache;
mod cfg;
mod items;
mod walk;

use std::fmt;
use std::path::PathBuf;

pub use cfg::CfgSet;

/// What to scan and how.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    /// The package's directory (`CARGO_MANIFEST_DIR`); reported paths are relative to it.
    pub package_dir: PathBuf,
    /// The package's targets.
    pub targets: Vec<Target>,
    /// Features and the target's cfg (`CARGO_CFG_*`), without `test`.
    pub cfg: CfgSet,
    /// Where per-file results are cached between runs; `None` caches nothing.
    pub cache_dir: Option<PathBuf>,
}

pub use crate::project::{Target, TargetKind};

/// Scans the package's targets.
///
/// # Errors
/// A root or a module file of the deployed build is missing, ambiguous (`name.rs` and
/// `name/mod.rs`), circular or unreadable, or a file that needs tokens does not tokenize
/// (or nests deeper than the scan reads); the error names the file, line and column.
pub fn scan(options: &ScanOptions) -> Result<Scan, ScanError> {
    walk::scan(options)
}

/// What the scan found.
#[derive(Clone, Debug, Default)]
pub struct Scan {
    /// Every annotated function of every target, sorted by target, file and line.
    pub functions: Vec<Function>,
    /// Per target, what its root file does.
    pub roots: Vec<Root>,
    /// Every file read (absolute, sorted), for `cargo::rerun-if-changed`.
    pub files_read: Vec<PathBuf>,
}

/// A function with at least one `#[requires_imm]`, in one target (a file reached by two
/// targets is reported for each).
#[derive(Clone, Debug)]
pub struct Function {
    /// The target's name.
    pub target: String,
    /// The target's kind.
    pub kind: TargetKind,
    /// Relative to the package directory, `/`-separated (`../shared/x.rs` outside it).
    pub file: String,
    /// The line of its first `#[requires_imm]` (1-based).
    pub line: usize,
    /// Its column (1-based, in characters).
    pub column: usize,
    /// `crate::media::thumbs`.
    pub module_path: String,
    /// Its name, without `r#`.
    pub name: String,
    /// `Thumbs` for a method of `impl Thumbs` or `impl<T> Media for Thumbs<T>`, the trait for
    /// a trait's method (for display).
    pub owner: Option<String>,
    /// `false` for a trait method without a body, which declares nothing.
    pub has_body: bool,
    /// Every `#[requires_imm(...)]` on it (also `#[immperm::requires_imm(...)]` and
    /// `#[cfg_attr(p, requires_imm(...))]`), in source order.
    pub attributes: Vec<Attribute>,
}

/// One `#[requires_imm(...)]`.
#[derive(Clone, Debug)]
pub struct Attribute {
    /// The line where it is (1-based): of its `#`, or of its path inside a `cfg_attr`.
    pub line: usize,
    /// The column there (1-based, in characters).
    pub column: usize,
    /// The tokens between its parentheses (empty without), as the attribute receives them;
    /// their spans are positions in that text, not in the file.
    pub args: proc_macro2::TokenStream,
    /// Every cfg above it (file, modules, items, `cfg_attr`) holds without `test`: the
    /// deployed build compiles it.
    pub compiled: bool,
    /// The same with `test`: `cargo test` of the target compiles it.
    pub compiled_in_tests: bool,
    /// The predicates it sits under, joined as `all(...)`.
    pub cfg: Option<String>,
}

/// A target's root file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Root {
    /// The target's name.
    pub target: String,
    /// The target's kind.
    pub kind: TargetKind,
    /// Relative to the package directory.
    pub file: String,
    /// It invokes `include_policies!` at its top level (`immperm::include_policies!()`, or
    /// the macro imported by `use`).
    pub includes_policies: bool,
}

/// A package that cannot be scanned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanError {
    /// The file concerned, relative to the package directory (`/` separators).
    pub file: String,
    /// The 1-based line and column, when the problem is at one.
    pub location: Option<(usize, usize)>,
    /// What is wrong.
    pub message: String,
}

impl ScanError {
    fn new(file: String, location: Option<(usize, usize)>, message: String) -> Self {
        Self {
            file,
            location,
            message,
        }
    }
}

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.file.is_empty() {
            f.write_str(&self.file)?;
            if let Some((line, column)) = self.location {
                write!(f, ":{line}:{column}")?;
            }
            f.write_str(": ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ScanError {}

#[cfg(test)]
mod tests;
