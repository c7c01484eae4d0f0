//! The source scan: every `#[requires_imm(...)]` of a crate, found by walking its module tree
//! from the crate root the way the compiler does, with each annotation's provenance.
//!
//! Build scripts run before the crate compiles, so they read sources. The scan walks
//! `mod name;` declarations (honouring `#[path]`, `name.rs` versus `name/mod.rs`, and
//! `#[cfg]`/`#[cfg_attr]` evaluated against the build's [`CfgSet`]), and reads each file
//! according to what it contains: in files with a `requires_imm` attribute, syn parses the
//! items that carry one; files that only declare modules get a light scan of their `mod`
//! items; the rest are only read. Two threads share the work, and per-file results are
//! cached in a directory (the build script's `OUT_DIR`) by path, modification time and
//! length, so an edit re-reads only what changed.
//!
//! A `#[cfg]` that is false for the build excludes what it gates: those annotations are
//! listed in [`Scan::excluded`], and their files are read when they exist but need not parse.
//! `cfg(test)` is always false (build scripts do not see it); unknown cfgs are false.
//!
//! ```no_run
//! // build.rs
//! use immperm_build::scan::{self, ScanOptions};
//!
//! let scan = scan::scan_crate(&ScanOptions::from_build_env()?)?;
//! for found in &scan.found {
//!     let requirement = found.requirement()?;
//!     println!("{}: {}", found.provenance, requirement.operation().name);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cache;
mod cfg;
mod decl;
mod parse;
mod skim;
mod summary;
mod walk;

use std::fmt;
use std::path::{Path, PathBuf};

pub use cfg::CfgSet;

use crate::catalog::Mode;
use crate::requirement::{Requirement, RequirementError, Runners, SaveTarget};

/// What to scan and how.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    /// The directory of the crate's `Cargo.toml`; reported paths are relative to it.
    pub manifest_dir: PathBuf,
    /// The crate roots, relative to `manifest_dir` or absolute. Empty means those of
    /// `src/lib.rs` and `src/main.rs` that exist.
    pub roots: Vec<PathBuf>,
    /// The configuration `#[cfg]` is evaluated against.
    pub cfg: CfgSet,
    /// Where per-file results are cached between runs; `None` disables the cache.
    pub cache_dir: Option<PathBuf>,
    /// How many threads read and parse files (at least 1).
    pub threads: usize,
}

impl ScanOptions {
    /// Scans the crate in `manifest_dir` from its default roots, with an empty cfg set, no
    /// cache and two threads.
    pub fn new(manifest_dir: impl Into<PathBuf>) -> Self {
        Self {
            manifest_dir: manifest_dir.into(),
            roots: Vec::new(),
            cfg: CfgSet::new(),
            cache_dir: None,
            threads: 2,
        }
    }

    /// The options a build script wants: the crate of `CARGO_MANIFEST_DIR`, the target's cfg
    /// from `CARGO_CFG_*`/`CARGO_FEATURE_*`, and the cache in `OUT_DIR`.
    ///
    /// # Errors
    /// `CARGO_MANIFEST_DIR` is not set (the process is not a build script).
    pub fn from_build_env() -> Result<Self, ScanError> {
        let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").ok_or_else(|| {
            ScanError::new(
                String::new(),
                None,
                "`CARGO_MANIFEST_DIR` is not set; run the scan from a build script or name the crate directory".to_owned(),
            )
        })?;
        let mut options = Self::new(manifest_dir).cfg(CfgSet::from_env());
        options.cache_dir = std::env::var_os("OUT_DIR").map(PathBuf::from);
        Ok(options)
    }

    /// Adds a crate root (relative to the manifest directory, or absolute).
    #[must_use]
    pub fn root(mut self, root: impl Into<PathBuf>) -> Self {
        self.roots.push(root.into());
        self
    }

    /// Sets the configuration `#[cfg]` is evaluated against.
    #[must_use]
    pub fn cfg(mut self, cfg: CfgSet) -> Self {
        self.cfg = cfg;
        self
    }

    /// Caches per-file results in `dir`.
    #[must_use]
    pub fn cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache_dir = Some(dir.into());
        self
    }

    /// Sets the number of threads (at least 1).
    #[must_use]
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
        self
    }
}

/// Scans a crate.
///
/// # Errors
/// A crate root or a declared module file is missing (or ambiguous), a file cannot be read,
/// or a file that mentions `requires_imm` does not parse; the error names the file, line and
/// column. Files under a false `#[cfg]` are read when present, never required.
pub fn scan_crate(options: &ScanOptions) -> Result<Scan, ScanError> {
    walk::scan(options)
}

/// The annotations of a crate, in file then line order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scan {
    /// The annotations the build compiles.
    pub found: Vec<Found>,
    /// The annotations under a `#[cfg]` that is false for this build.
    pub excluded: Vec<Found>,
    /// Annotations whose arguments cannot be read from source (a non-literal operation, an
    /// unknown key): they are in no policy, and the compile-time cross-check reports them.
    pub unresolved: Vec<Unresolved>,
    /// Every file read (absolute paths, sorted by their bytes), for `cargo::rerun-if-changed`.
    pub files_read: Vec<PathBuf>,
    /// How the files were read.
    pub stats: ScanStats,
}

/// How many files were read which way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScanStats {
    /// Files parsed with syn (they mention `requires_imm`).
    pub parsed: usize,
    /// Files scanned only for their module declarations (read by hand, or tokenized when
    /// a declaration has an unusual shape).
    pub token_scanned: usize,
    /// Files only read.
    pub read: usize,
    /// Files whose results came from the cache, unread.
    pub cached: usize,
}

/// One `#[requires_imm(...)]` on a function with a body, as written. (On a trait method
/// without a body the attribute only validates its arguments: it declares nothing, and the
/// scan does not report it.)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// The operation name (`video/snapshots`), not yet checked against the catalog.
    pub operation: String,
    /// `Async` when the annotation says `async`.
    pub mode: Mode,
    /// `saveas` or `saveas = "..."`.
    pub saveas: Option<Saveas>,
    /// `notify = "topic"`.
    pub notify: Option<String>,
    /// `bucket = "name"`.
    pub bucket: Option<String>,
    /// `batch`.
    pub batch: bool,
    /// `trigger`.
    pub trigger: bool,
    /// Where it is written.
    pub provenance: Provenance,
    /// The cfg predicates it sits under (modules, items, `cfg_attr`), joined with `all(...)`;
    /// `None` when nothing gates it.
    pub cfg: Option<String>,
}

/// The `saveas` argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Saveas {
    /// `saveas`: into the source bucket.
    SourceBucket,
    /// `saveas = "bucket/prefix"`, as written.
    Target(String),
}

/// Where an annotation is written.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Provenance {
    /// The file, relative to the manifest directory, with `/` separators.
    pub file: String,
    /// The 1-based line of the attribute.
    pub line: usize,
    /// The 1-based column of the attribute.
    pub column: usize,
    /// The module (`crate::media::thumbs`).
    pub module_path: String,
    /// The function (`thumbnails`), or `Type::method` for methods.
    pub function: String,
}

impl fmt::Display for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{} `{}::{}`",
            self.file, self.line, self.column, self.module_path, self.function
        )
    }
}

/// An annotation whose arguments cannot be read from source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unresolved {
    /// Where it is written.
    pub provenance: Provenance,
    /// Why its arguments cannot be read.
    pub reason: String,
}

impl Found {
    /// The requirement the annotation declares, checked against the catalog.
    ///
    /// # Errors
    /// The annotation breaks a rule of the catalog (unknown operation, mode, `saveas`,
    /// `notify`) or names an invalid bucket, prefix or topic; the error carries the location.
    pub fn requirement(&self) -> Result<Requirement, FoundError> {
        self.build().map_err(|error| FoundError {
            provenance: Box::new(self.provenance.clone()),
            error,
        })
    }

    fn build(&self) -> Result<Requirement, RequirementError> {
        let mut requirement = Requirement::new(&self.operation, self.mode)?;
        match &self.saveas {
            Some(Saveas::SourceBucket) => {
                requirement = requirement.saveas(SaveTarget::source_bucket())?;
            }
            Some(Saveas::Target(target)) => {
                requirement = requirement.saveas(SaveTarget::parse(target)?)?;
            }
            None => {}
        }
        if let Some(topic) = &self.notify {
            requirement = requirement.notify(topic)?;
        }
        if let Some(bucket) = &self.bucket {
            requirement = requirement.bucket(bucket)?;
        }
        Ok(requirement.run_by(Runners {
            batch: self.batch,
            trigger: self.trigger,
        }))
    }
}

/// An annotation that breaks a rule of the catalog, with its location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundError {
    /// Where the annotation is written.
    pub provenance: Box<Provenance>,
    /// The rule it breaks.
    pub error: RequirementError,
}

impl fmt::Display for FoundError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Provenance {
            file,
            line,
            column,
            function,
            ..
        } = &*self.provenance;
        write!(
            f,
            "{file}:{line}:{column}: {} (in `{function}`)",
            self.error
        )
    }
}

impl std::error::Error for FoundError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// A crate that cannot be scanned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanError {
    /// The file concerned, relative to the manifest directory (`/` separators), or empty.
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

/// `path` relative to `base` with `/` separators, or the whole path when outside it.
fn display_path(path: &Path, base: &Path) -> String {
    match path.strip_prefix(base) {
        Ok(relative) => relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        Err(_) => path.to_string_lossy().replace('\\', "/"),
    }
}

#[cfg(test)]
mod tests;

/// A deterministic random source for tests (xorshift64 from `seed`), so that a failure
/// reproduces: each call gives a number below `n`.
#[cfg(test)]
fn random(seed: u64) -> impl FnMut(usize) -> usize {
    let mut state = seed;
    move |n| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        usize::try_from(state % n as u64).unwrap()
    }
}
