//! The build-time export, and the committed files.
//!
//! ```no_run
//! // build.rs
//! if let Err(error) = immperm_build::export() {
//!     eprintln!("{error}");
//!     std::process::exit(1);
//! }
//! ```
//!
//! and once at the root of each target with annotations:
//!
//! ```ignore
//! immperm::include_policies!();
//! ```
//!
//! A build writes only where cargo lets a build script write: `OUT_DIR` (the table the
//! attribute checks itself against, the policy documents as constants) and the build's copy
//! of the deployable documents under the target directory (`target/immperm/<package>/`:
//! `immperm.lock` and the policy files), so the last build's documents are always at hand.
//! It never writes the package's own files: the committed `immperm.lock` and policy
//! directory are written by `immperm lock` (or `cargo immperm lock`), for the features and
//! target `[package.metadata.immperm]` configures, which the lock records. A build re-runs
//! when they change, warns when they are stale for the features and target they record
//! (naming the command), and with `IMMPERM_CHECK=1` fails instead.

mod render;

use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};

use crate::analysis::{Analysis, AnalysisError, Options, TargetCfg, io};
use crate::audit::{self, DeployedPolicy};
use crate::generate;
use crate::lock::Lock;
use crate::project::Request;

/// The name of the lock file at the package root.
pub const LOCK_FILE: &str = "immperm.lock";
/// The name of the generated Rust file in `OUT_DIR`.
pub const RUST_FILE: &str = crate::catalog::TABLE_FILE;
/// The file in `OUT_DIR` that tells the attribute which crate roots lack
/// `include_policies!()`.
pub const MISSING_INCLUDE_FILE: &str = crate::catalog::MISSING_INCLUDE_FILE;
/// Set to `1` (as CI should) to make the build fail on stale committed files instead of
/// warning.
pub const CHECK_VAR: &str = "IMMPERM_CHECK";
/// The directory, under cargo's target directory, where builds put each package's documents.
pub const EXPORT_DIR: &str = "immperm";

/// Why the export failed.
#[derive(Debug)]
pub enum BuildError {
    /// The package cannot be analyzed.
    Analysis(AnalysisError),
    /// The committed lock file or policy directory differs from what the code needs
    /// (`IMMPERM_CHECK=1`).
    Stale(Vec<String>),
    /// Deployed policies would deny what the code needs (`deployed` in the configuration).
    Denied(Vec<String>),
    /// A deployed policy file cannot be read.
    Deployed(String),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Analysis(error) => write!(f, "{error}"),
            Self::Stale(lines) => write!(
                f,
                "the committed policies are stale; run `cargo immperm lock` (or `immperm lock`) and commit the result:\n{}",
                lines.join("\n")
            ),
            Self::Denied(lines) => write!(
                f,
                "the deployed policies would deny what the code needs:\n{}",
                lines.join("\n")
            ),
            Self::Deployed(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for BuildError {}

impl From<AnalysisError> for BuildError {
    fn from(error: AnalysisError) -> Self {
        Self::Analysis(error)
    }
}

/// How the committed files stand against an analysis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Committed {
    /// They hold what the code needs.
    Current,
    /// They differ: one line per difference.
    Stale(Vec<String>),
    /// The committed lock does not parse (an older format, a bad merge): `immperm lock`
    /// replaces it.
    Unreadable(String),
    /// The committed lock records other features or another target than the analysis has:
    /// comparing them would say nothing.
    OtherConfiguration {
        /// The features the lock records.
        features: Vec<String>,
        /// The target the lock records.
        target: String,
    },
}

impl Analysis {
    /// The Rust file `immperm::include_policies!()` includes.
    pub fn rust_file(&self) -> String {
        render::rust_file(&self.documents(), &self.config.scope.buckets, &self.table)
    }

    /// The text of [`MISSING_INCLUDE_FILE`]; `None` when every root includes the table.
    pub fn missing_include_file(&self) -> Option<String> {
        let mut lines = String::new();
        for missing in &self.missing_include {
            let Some(reporter) = missing.keys.first() else {
                continue;
            };
            let _ = writeln!(
                lines,
                "{}\t{reporter}\t{}",
                missing.root,
                missing.keys.join(" ")
            );
        }
        (!lines.is_empty()).then_some(lines)
    }

    /// The package directory.
    pub fn package_dir(&self) -> &Path {
        self.project.root.dir()
    }

    /// Every document the policy directory can hold, with the content it should have:
    /// `None` for a document no requirement needs (to be absent).
    fn policy_files(&self, dir: &Path) -> Vec<(PathBuf, Option<String>)> {
        let mut documents = self.documents();
        [
            generate::CALLER_FILE,
            generate::SERVICE_ROLE_FILE,
            generate::SERVICE_ROLE_TRUST_FILE,
            generate::BATCH_TRIGGER_ROLE_FILE,
        ]
        .into_iter()
        .map(|name| {
            let content = documents
                .iter()
                .position(|(n, _)| *n == name)
                .map(|at| documents.swap_remove(at).1);
            (dir.join(name), content)
        })
        .collect()
    }

    /// The committed policy directory.
    pub fn policy_dir(&self) -> PathBuf {
        self.package_dir().join(&self.config.policy_dir)
    }

    /// The committed lock file.
    pub fn lock_path(&self) -> PathBuf {
        self.package_dir().join(LOCK_FILE)
    }

    /// The committed files a build depends on (for `cargo::rerun-if-changed`).
    pub fn committed_files(&self) -> Vec<PathBuf> {
        let mut files = vec![self.lock_path()];
        files.extend(
            self.policy_files(&self.policy_dir())
                .into_iter()
                .map(|(path, _)| path),
        );
        files
    }

    /// How the committed lock and policy directory stand against this analysis, whose
    /// target the lock names `target` ([`Analysis::lock_target`]). A lock that does not
    /// parse (an older format, a bad merge) is stale: `immperm lock` replaces it.
    pub fn committed(&self, target: &str) -> Committed {
        self.committed_to(&self.lock(target))
    }

    /// [`Analysis::committed`], against the lock this analysis makes.
    fn committed_to(&self, current: &Lock) -> Committed {
        let mut lines = Vec::new();
        match std::fs::read_to_string(self.lock_path()) {
            Ok(text) => match Lock::parse(&text, LOCK_FILE) {
                Ok(committed) => {
                    if committed.features != current.features || committed.target != current.target
                    {
                        return Committed::OtherConfiguration {
                            features: committed.features,
                            target: committed.target,
                        };
                    }
                    lines.extend(current.diff(&committed));
                }
                Err(error) => return Committed::Unreadable(error.to_string()),
            },
            Err(_) => lines.push(format!("+ {LOCK_FILE} (missing)")),
        }
        for (path, content) in self.policy_files(&self.policy_dir()) {
            let shown = crate::catalog::package_path(self.package_dir(), Path::new("/"), &path);
            match (content, std::fs::read_to_string(&path)) {
                (Some(content), Ok(text)) if text == content => {}
                (Some(_), Ok(_)) => lines.push(format!("~ {shown} differs")),
                (Some(_), Err(_)) => lines.push(format!("+ {shown} (missing)")),
                (None, _) if path.exists() => {
                    lines.push(format!("- {shown} (no longer needed)"));
                }
                (None, _) => {}
            }
        }
        if lines.is_empty() {
            Committed::Current
        } else {
            Committed::Stale(lines)
        }
    }

    /// Writes the committed lock file (for `target`) and policy directory where their
    /// content changed, and removes documents no longer needed: `immperm lock`. Returns the
    /// files written or removed. A lock whose only change is where code moved is rewritten
    /// too, so its locations stay true.
    ///
    /// # Errors
    /// A file cannot be written.
    pub fn write_committed(&self, target: &str) -> Result<Vec<PathBuf>, AnalysisError> {
        write_documents(
            self,
            &self.lock(target),
            &self.lock_path(),
            &self.policy_dir(),
        )
    }

    /// Where builds put this package's documents: `<target dir>/immperm/<package>/`.
    pub fn export_dir(&self) -> PathBuf {
        self.project
            .target_directory
            .join(EXPORT_DIR)
            .join(&self.project.root.name)
    }

    /// Checks the deployed policies of the configuration against the caller's needs; one
    /// line per gap.
    ///
    /// # Errors
    /// A deployed file cannot be read or parsed.
    pub fn check_deployed(&self) -> Result<Vec<String>, BuildError> {
        if self.config.deployed.is_empty() {
            return Ok(Vec::new());
        }
        let mut deployed = Vec::new();
        for file in &self.config.deployed {
            let path = self.package_dir().join(file);
            let text =
                std::fs::read_to_string(&path).map_err(|e| BuildError::Analysis(io(&path, &e)))?;
            let source = file.to_string_lossy().replace('\\', "/");
            deployed.push(
                DeployedPolicy::parse(&source, &text)
                    .map_err(|e| BuildError::Deployed(e.to_string()))?,
            );
        }
        let Some(policies) = &self.policies else {
            return Ok(Vec::new());
        };
        let requirements = self.requirements();
        let report = audit::audit(
            policies.needs().of(generate::Principal::Caller),
            &requirements,
            &deployed,
            false,
        );
        Ok(report.gap_lines(&deployed, &|i| self.describe(i)))
    }
}

/// Writes `lock` to `lock_path` and the documents into `dir` where their content changed;
/// removes documents no longer needed.
fn write_documents(
    analysis: &Analysis,
    lock: &Lock,
    lock_path: &Path,
    dir: &Path,
) -> Result<Vec<PathBuf>, AnalysisError> {
    let mut changed = Vec::new();
    let lock = lock.render().map_err(AnalysisError::Lock)?;
    if let Some(parent) = lock_path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| io(parent, &e))?;
    }
    if write_if_changed(lock_path, &lock)? {
        changed.push(lock_path.to_path_buf());
    }
    for (path, content) in analysis.policy_files(dir) {
        match content {
            Some(content) => {
                std::fs::create_dir_all(dir).map_err(|e| io(dir, &e))?;
                if write_if_changed(&path, &content)? {
                    changed.push(path);
                }
            }
            None if path.exists() => {
                std::fs::remove_file(&path).map_err(|e| io(&path, &e))?;
                changed.push(path);
            }
            None => {}
        }
    }
    Ok(changed)
}

/// Writes `content` to `path` unless it already holds exactly that (through a temporary
/// file and a rename, so that a reader never sees half a file); whether it wrote.
fn write_if_changed(path: &Path, content: &str) -> Result<bool, AnalysisError> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == content) {
        return Ok(false);
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&temporary, content).map_err(|e| io(&temporary, &e))?;
    std::fs::rename(&temporary, path).map_err(|e| io(path, &e))?;
    Ok(true)
}

/// Removes `path` if it exists.
fn remove_if_present(path: &Path) -> Result<(), AnalysisError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(io(path, &error)),
    }
}

/// The whole export, for a build script: analyzes the package (cargo's answer cached in
/// `OUT_DIR`), checks deployed policies, writes `OUT_DIR/immperm.rs` and the build's
/// documents under `target/immperm/<package>/`, and compares the committed lock and policy
/// directory with what the code needs: a `cargo::warning` when they are stale for the
/// features and target they record, an error with `IMMPERM_CHECK=1`. Prints
/// `cargo::rerun-if-changed` for everything it read, the committed files included.
///
/// # Errors
/// Any [`BuildError`]; print it and exit non-zero (see the module example).
pub fn export() -> Result<(), BuildError> {
    let request = Request::from_build_env().map_err(AnalysisError::Project)?;
    let out_dir = request.cache_dir.clone().unwrap_or_default();
    let analysis = Analysis::load(&Options {
        request,
        cfg: TargetCfg::BuildEnv,
    })?;
    println!("cargo::rerun-if-env-changed={CHECK_VAR}");
    for file in analysis
        .files_read
        .iter()
        .chain(&analysis.committed_files())
    {
        println!("cargo::rerun-if-changed={}", file.display());
    }
    for file in &analysis.config.deployed {
        println!(
            "cargo::rerun-if-changed={}",
            analysis.package_dir().join(file).display()
        );
    }
    // Watching the source directory catches new files that no module declares yet.
    println!(
        "cargo::rerun-if-changed={}",
        analysis.package_dir().join("src").display()
    );
    for function in analysis.open_bucket_functions() {
        println!(
            "cargo::warning={function}: no bucket named; its OSS actions are granted on every bucket"
        );
    }
    for unresolved in &analysis.unresolved {
        println!(
            "cargo::warning={}:{}: {} (this annotation is in no policy and will not compile)",
            unresolved.shown, unresolved.line, unresolved.reason
        );
    }
    let denied = analysis.check_deployed()?;
    if !denied.is_empty() {
        return Err(BuildError::Denied(denied));
    }
    write_if_changed(&out_dir.join(RUST_FILE), &analysis.rust_file())?;
    match analysis.missing_include_file() {
        Some(text) => {
            write_if_changed(&out_dir.join(MISSING_INCLUDE_FILE), &text)?;
        }
        None => remove_if_present(&out_dir.join(MISSING_INCLUDE_FILE))?,
    }
    let host = std::env::var("HOST").unwrap_or_default();
    let target = analysis.lock_target(&host);
    let export_dir = analysis.export_dir();
    let lock = analysis.lock(&target);
    write_documents(&analysis, &lock, &export_dir.join(LOCK_FILE), &export_dir)?;
    let stale = match analysis.committed_to(&lock) {
        Committed::Current | Committed::OtherConfiguration { .. } => None,
        Committed::Stale(lines) => Some(lines),
        Committed::Unreadable(message) => Some(vec![format!("~ {message}")]),
    };
    if let Some(lines) = stale {
        if std::env::var(CHECK_VAR).is_ok_and(|v| v == "1") {
            return Err(BuildError::Stale(lines));
        }
        println!(
            "cargo::warning=the committed immperm.lock and policies are stale for the code: run `cargo immperm lock -p {}` and commit the result",
            analysis.project.root.name
        );
        for line in lines {
            println!("cargo::warning=  {line}");
        }
    }
    Ok(())
}
