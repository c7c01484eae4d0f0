//! The build-time export: from every `#[requires_imm]` of a crate (and of the workspace crates
//! it depends on by path) to its policies, its lock file and the table the attribute checks
//! itself against.
//!
//! ```no_run
//! // build.rs
//! if let Err(error) = immperm_build::export() {
//!     eprintln!("{error}");
//!     std::process::exit(1);
//! }
//! ```
//!
//! and once at the crate root:
//!
//! ```ignore
//! immperm::include_policies!();
//! ```
//!
//! which defines the module `immperm_policies` with the documents as `&'static str`
//! constants and the table of the annotations the scan saw. Every expansion of the attribute
//! asserts at compile time that its annotation is in that table, so an annotation the scan
//! cannot see (made by `macro_rules!`, through an aliased import, with a non-literal
//! operation) fails to compile instead of leaving the policy smaller than the code.
//!
//! [`Analysis`] is the same work without the build script's side effects, for the CLI.

mod deps;
mod render;

pub use render::TableEntry;

use std::fmt;
use std::path::{Path, PathBuf};

use crate::audit::{self, DeployedPolicy};
use crate::catalog::grammar;
use crate::config::{Config, ConfigError};
use crate::generate::{self, GenerateError, Policies, Principal};
use crate::lock::{Lock, LockError, LockedGrant, LockedRequirement};
use crate::requirement::Requirement;
use crate::scan::{self, CfgSet, ScanError, ScanOptions, Target, TargetKind};

/// The name of the lock file at the crate root.
pub const LOCK_FILE: &str = "immperm.lock";
/// The name of the generated Rust file in `OUT_DIR`.
pub const RUST_FILE: &str = "immperm.rs";
/// Set to `1` (as CI should) to make the export fail on a stale lock file or policy
/// directory instead of rewriting them.
pub const CHECK_VAR: &str = "IMMPERM_CHECK";

/// One `#[requires_imm(...)]` of a function with a body, and what it declares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// Where it is written.
    pub provenance: Provenance,
    /// What it declares.
    pub requirement: Requirement,
    /// The cfg predicates it sits under (modules, items, `cfg_attr`), joined with `all(...)`;
    /// `None` when nothing gates it.
    pub cfg: Option<String>,
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

/// A compiled annotation whose arguments do not parse: it is in no policy, and the
/// attribute reports it at compile time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unresolved {
    /// Where it is written.
    pub provenance: Provenance,
    /// The attribute's errors.
    pub reason: String,
}

/// How to analyze a crate.
#[derive(Clone, Debug)]
pub struct AnalysisOptions {
    /// The directory of the crate's `Cargo.toml`.
    pub manifest_dir: PathBuf,
    /// The configuration `#[cfg]` is evaluated against, for the crate itself.
    pub cfg: CfgSet,
    /// Where the scan caches per-file results.
    pub cache_dir: Option<PathBuf>,
}

/// Everything immperm knows about a crate: its configuration, its annotations (with those of
/// its workspace path dependencies), their requirements and the policies they need.
#[derive(Clone, Debug)]
pub struct Analysis {
    /// The crate directory.
    pub manifest_dir: PathBuf,
    /// The configuration from `[package.metadata.immperm]`.
    pub config: Config,
    /// The annotations the build compiles, in file then line order; paths relative to
    /// `manifest_dir`.
    pub found: Vec<Found>,
    /// How many of `found` (the first ones) are the crate's own; the rest come from its path
    /// dependencies.
    pub own: usize,
    /// The annotations under a false `#[cfg]` (those compiled only by `cargo test` too).
    pub excluded: Vec<Found>,
    /// Compiled annotations whose arguments do not parse.
    pub unresolved: Vec<Unresolved>,
    /// The requirement of each entry of `found`, index for index.
    pub requirements: Vec<Requirement>,
    /// The policies; `None` when the crate declares nothing.
    pub policies: Option<Policies>,
    /// Every file the analysis read, for rebuild tracking.
    pub files_read: Vec<PathBuf>,
}

/// Why a crate cannot be analyzed or exported.
#[derive(Debug)]
pub enum BuildError {
    /// The crate configuration is invalid.
    Config(ConfigError),
    /// A source file cannot be scanned.
    Scan(ScanError),
    /// The policies cannot be generated.
    Generate(GenerateError),
    /// Requirements leave the bucket open and `deny-wildcards` is set.
    Wildcards(Vec<String>),
    /// A file cannot be read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// The committed lock file or policy directory differs from what the code needs.
    Stale(Vec<String>),
    /// Deployed policies would deny what the code needs (`deployed` in the configuration).
    Denied(Vec<String>),
    /// A deployed policy file cannot be read.
    Deployed(String),
    /// A lock file that does not parse.
    Lock(LockError),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Config(error) => write!(f, "{error}"),
            Self::Scan(error) => write!(f, "{error}"),
            Self::Generate(error) => write!(f, "{error}"),
            Self::Wildcards(functions) => write!(
                f,
                "`deny-wildcards` is set and these functions name no bucket while \
                 `[package.metadata.immperm] buckets` is empty, which would grant OSS actions on \
                 every bucket: {}; add `bucket = \"...\"` to their `#[requires_imm]` or list the buckets",
                functions.join(", ")
            ),
            Self::Io { path, message } => write!(f, "{}: {message}", path.display()),
            Self::Stale(lines) => write!(
                f,
                "the committed policies are stale; run `immperm lock` (or build without `{CHECK_VAR}=1`) and commit the result:\n{}",
                lines.join("\n")
            ),
            Self::Denied(lines) => write!(
                f,
                "the deployed policies would deny what the code needs:\n{}",
                lines.join("\n")
            ),
            Self::Deployed(message) => f.write_str(message),
            Self::Lock(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for BuildError {}

fn io(path: &Path, err: &std::io::Error) -> BuildError {
    BuildError::Io {
        path: path.to_path_buf(),
        message: err.to_string(),
    }
}

impl Analysis {
    /// Analyzes the crate in `options.manifest_dir`.
    ///
    /// # Errors
    /// An invalid configuration, a source that cannot be scanned, annotations that break the
    /// catalog's rules (all of them), or policies that cannot be generated.
    pub fn load(options: &AnalysisOptions) -> Result<Self, BuildError> {
        let manifest = options.manifest_dir.join("Cargo.toml");
        let config = Config::from_manifest(&manifest).map_err(BuildError::Config)?;
        let mut scans = Vec::new();
        let own_options = scan_options(
            &options.manifest_dir,
            &options.cfg,
            options.cache_dir.as_ref(),
        )?;
        scans.push((
            String::new(),
            String::new(),
            scan::scan(&own_options).map_err(BuildError::Scan)?,
        ));
        let mut files_read = vec![manifest];
        for dep in deps::path_dependencies(&options.manifest_dir, &options.cfg)? {
            let cache_dir = options
                .cache_dir
                .as_ref()
                .map(|dir| dir.join(format!("dep-{}", dep.name)));
            let dep_options = scan_options(&dep.manifest_dir, &dep.cfg, cache_dir.as_ref())?;
            let scan = scan::scan(&dep_options).map_err(BuildError::Scan)?;
            files_read.push(dep.manifest_dir.join("Cargo.toml"));
            scans.push((dep.relative, dep.name.replace('-', "_"), scan));
        }
        let mut found = Vec::new();
        let mut excluded = Vec::new();
        let mut unresolved = Vec::new();
        let mut own = 0;
        for (prefix, crate_name, scan) in scans {
            // A dependency's paths are relative to its own directory and its modules to its
            // own root: name both from the top crate.
            let rebase = |p: &mut Provenance| {
                if !prefix.is_empty() {
                    p.file = format!("{prefix}/{}", p.file);
                    if let Some(rest) = p.module_path.strip_prefix("crate") {
                        p.module_path = format!("{crate_name}{rest}");
                    }
                }
            };
            let (mut crate_found, crate_excluded, crate_unresolved) = gather(scan.functions);
            for mut f in crate_found.drain(..) {
                rebase(&mut f.provenance);
                found.push(f);
            }
            if prefix.is_empty() {
                own = found.len();
            }
            for mut f in crate_excluded {
                rebase(&mut f.provenance);
                excluded.push(f);
            }
            for mut u in crate_unresolved {
                rebase(&mut u.provenance);
                unresolved.push(u);
            }
            files_read.extend(scan.files_read);
        }
        let requirements: Vec<Requirement> = found.iter().map(|f| f.requirement.clone()).collect();
        let policies = if requirements.is_empty() {
            None
        } else {
            Some(generate::generate(&requirements, &config.scope).map_err(BuildError::Generate)?)
        };
        let analysis = Self {
            manifest_dir: options.manifest_dir.clone(),
            config,
            found,
            own,
            excluded,
            unresolved,
            requirements,
            policies,
            files_read,
        };
        if analysis.config.deny_wildcards {
            let open = analysis.open_bucket_functions();
            if !open.is_empty() {
                return Err(BuildError::Wildcards(open));
            }
        }
        Ok(analysis)
    }

    /// The crate's own annotations (not its dependencies').
    pub fn own(&self) -> &[Found] {
        self.found.get(..self.own).unwrap_or_default()
    }

    /// The functions whose OSS grants are on every bucket (no `bucket =`, no configured
    /// buckets), as `file:line function`.
    pub fn open_bucket_functions(&self) -> Vec<String> {
        let Some(policies) = &self.policies else {
            return Vec::new();
        };
        policies
            .warnings()
            .iter()
            .flat_map(|warning| match warning {
                generate::Warning::AnyBucket { requirements } => requirements.clone(),
            })
            .map(|index| self.short(index))
            .collect()
    }

    /// `src/probe.rs:42 probe_video`.
    fn short(&self, index: usize) -> String {
        self.found.get(index).map_or_else(String::new, |f| {
            format!(
                "{}:{} {}",
                f.provenance.file, f.provenance.line, f.provenance.function
            )
        })
    }

    /// How a requirement is named in reports:
    /// ``src/thumbs.rs:31 `make_thumbnails` (video/snapshots, async)``.
    pub fn describe(&self, index: usize) -> String {
        self.found.get(index).map_or_else(
            || format!("requirement #{index}"),
            |f| {
                format!(
                    "{}:{} `{}` ({}, {})",
                    f.provenance.file,
                    f.provenance.line,
                    f.provenance.function,
                    f.requirement.operation().name,
                    f.requirement.mode().as_str()
                )
            },
        )
    }

    /// The lock file's content.
    pub fn lock(&self) -> Lock {
        let location = |f: &Found| format!("{}:{}", f.provenance.file, f.provenance.line);
        let requirements = self
            .found
            .iter()
            .map(|f| LockedRequirement {
                location: location(f),
                function: format!("{}::{}", f.provenance.module_path, f.provenance.function),
                operation: f.requirement.operation().name.to_owned(),
                mode: f.requirement.mode().as_str().to_owned(),
                saveas: saveas(&f.requirement),
                notify: f.requirement.notify_topic().map(str::to_owned),
                bucket: f.requirement.source_bucket().map(str::to_owned),
                runners: match (
                    f.requirement.runners().batch,
                    f.requirement.runners().trigger,
                ) {
                    (false, false) => None,
                    (true, false) => Some("batch".to_owned()),
                    (false, true) => Some("trigger".to_owned()),
                    (true, true) => Some("batch,trigger".to_owned()),
                },
            })
            .collect();
        let grants = self
            .policies
            .iter()
            .flat_map(|p| p.needs().needs.iter())
            .map(|need| LockedGrant {
                principal: need.principal.as_str().to_owned(),
                action: need.action.clone(),
                resource: need.resource.clone(),
                needed_by: need
                    .because
                    .iter()
                    .filter_map(|&i| self.found.get(i))
                    .map(location)
                    .collect(),
            })
            .collect();
        let mut lock = Lock {
            catalog: crate::catalog::CATALOG_VERSION.to_owned(),
            requirements,
            grants,
        };
        lock.normalize();
        lock
    }

    /// The policy documents, as (file name, content).
    pub fn documents(&self) -> Vec<(&'static str, String)> {
        self.policies
            .as_ref()
            .map(Policies::files)
            .unwrap_or_default()
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
            let path = self.manifest_dir.join(file);
            let text = std::fs::read_to_string(&path).map_err(|e| io(&path, &e))?;
            let source = file.to_string_lossy().replace('\\', "/");
            deployed.push(
                DeployedPolicy::parse(&source, &text)
                    .map_err(|e| BuildError::Deployed(e.to_string()))?,
            );
        }
        let Some(policies) = &self.policies else {
            return Ok(Vec::new());
        };
        let report = audit::audit(
            policies.needs().of(Principal::Caller),
            &self.requirements,
            &deployed,
            false,
        );
        Ok(report.gap_lines(&deployed, &|i| self.describe(i)))
    }

    /// The differences between the committed lock file and policy directory and what the
    /// code needs; empty when they are up to date.
    ///
    /// # Errors
    /// The committed lock file does not parse.
    pub fn stale(&self) -> Result<Vec<String>, BuildError> {
        let mut lines = Vec::new();
        let lock_path = self.manifest_dir.join(LOCK_FILE);
        let current = self.lock();
        match std::fs::read_to_string(&lock_path) {
            Ok(text) => {
                let committed = Lock::parse(&text, LOCK_FILE).map_err(BuildError::Lock)?;
                lines.extend(current.diff(&committed));
                let rendered = current.render().map_err(BuildError::Lock)?;
                if lines.is_empty() && rendered != text {
                    lines.push(format!("~ {LOCK_FILE} is not in its generated form"));
                }
            }
            Err(_) => lines.push(format!("+ {LOCK_FILE} (missing)")),
        }
        for (path, content) in self.policy_files() {
            let shown = self.relative(&path);
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
        Ok(lines)
    }

    /// Writes the lock file and the policy directory where their content changed; removes
    /// generated documents no longer needed. Returns the files written or removed.
    ///
    /// # Errors
    /// A file cannot be written.
    pub fn write(&self) -> Result<Vec<PathBuf>, BuildError> {
        let mut changed = Vec::new();
        let lock = self.lock().render().map_err(BuildError::Lock)?;
        let lock_path = self.manifest_dir.join(LOCK_FILE);
        if write_if_changed(&lock_path, &lock)? {
            changed.push(lock_path);
        }
        for (path, content) in self.policy_files() {
            match content {
                Some(content) => {
                    if let Some(dir) = path.parent() {
                        std::fs::create_dir_all(dir).map_err(|e| io(dir, &e))?;
                    }
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

    /// Every document the policy directory can hold, with the content it should have:
    /// `None` for a document no requirement needs (to be absent).
    fn policy_files(&self) -> Vec<(PathBuf, Option<String>)> {
        let dir = self.manifest_dir.join(&self.config.policy_dir);
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

    fn relative(&self, path: &Path) -> String {
        path.strip_prefix(&self.manifest_dir)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/")
    }

    /// The Rust file `immperm::include_policies!()` includes.
    pub fn rust_file(&self) -> String {
        render::rust_file(
            &self.documents(),
            &self.config.scope.buckets,
            &self.table_entries(),
        )
    }

    /// The crate's own annotated functions, each with its key and documentation section:
    /// the table the attribute checks itself against.
    pub fn table_entries(&self) -> Vec<TableEntry> {
        let own = self.own();
        let requirements = self.requirements.get(..own.len()).unwrap_or_default();
        let mut entries = Vec::new();
        let mut start = 0;
        while start < own.len() {
            let Some(first) = own.get(start) else { break };
            let same = |f: &Found| {
                f.provenance.file == first.provenance.file
                    && f.provenance.module_path == first.provenance.module_path
                    && f.provenance.function == first.provenance.function
            };
            let end = own
                .iter()
                .skip(start)
                .position(|f| !same(f))
                .map_or(own.len(), |n| start + n);
            let declarations = requirements.get(start..end).unwrap_or_default();
            let function = first
                .provenance
                .function
                .rsplit("::")
                .next()
                .unwrap_or(&first.provenance.function);
            let references: Vec<&Requirement> = declarations.iter().collect();
            entries.push(TableEntry {
                key: crate::catalog::key(&first.provenance.file, function, &references),
                doc: crate::docs::section(declarations, &self.config.scope, None),
            });
            start = end;
        }
        entries
    }
}

/// The scan of the crate in `dir`: its library and its main binary (`src/lib.rs`,
/// `src/main.rs`), whichever exist.
fn scan_options(
    dir: &Path,
    cfg: &CfgSet,
    cache_dir: Option<&PathBuf>,
) -> Result<ScanOptions, BuildError> {
    let name = dir
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let targets: Vec<Target> = [
        ("src/lib.rs", TargetKind::Lib),
        ("src/main.rs", TargetKind::Bin),
    ]
    .into_iter()
    .filter(|(root, _)| dir.join(root).is_file())
    .map(|(root, kind)| Target {
        name: name.clone(),
        kind,
        root: root.into(),
    })
    .collect();
    if targets.is_empty() {
        return Err(BuildError::Scan(ScanError {
            file: String::new(),
            location: None,
            message: format!(
                "no crate root in `{}`: neither `src/lib.rs` nor `src/main.rs` exists",
                dir.display()
            ),
        }));
    }
    Ok(ScanOptions {
        package_dir: dir.to_path_buf(),
        targets,
        cfg: cfg.clone(),
        cache_dir: cache_dir.cloned(),
    })
}

/// The annotations of the scanned functions with a body, each read with the attribute's
/// grammar: those the deployed build compiles, the others, and the compiled ones whose
/// arguments do not parse (the attribute reports those at compile time). A file reached by
/// two targets counts once.
fn gather(functions: Vec<scan::Function>) -> (Vec<Found>, Vec<Found>, Vec<Unresolved>) {
    let mut found = Vec::new();
    let mut excluded = Vec::new();
    let mut unresolved = Vec::new();
    for function in functions.into_iter().filter(|f| f.has_body) {
        let name = match &function.owner {
            Some(owner) => format!("{owner}::{}", function.name),
            None => function.name.clone(),
        };
        for (index, attribute) in function.attributes.into_iter().enumerate() {
            let provenance = Provenance {
                file: function.file.clone(),
                line: attribute.line,
                column: attribute.column,
                module_path: function.module_path.clone(),
                function: name.clone(),
            };
            let span = proc_macro2::Span::call_site();
            match grammar::parse(attribute.args, span, index) {
                Ok(requirement) => {
                    let found_one = Found {
                        provenance,
                        requirement,
                        cfg: attribute.cfg,
                    };
                    if attribute.compiled {
                        found.push(found_one);
                    } else {
                        excluded.push(found_one);
                    }
                }
                Err(errors) if attribute.compiled => unresolved.push(Unresolved {
                    provenance,
                    reason: errors
                        .iter()
                        .map(|e| e.message.as_str())
                        .collect::<Vec<_>>()
                        .join("; "),
                }),
                Err(_) => {}
            }
        }
    }
    let order = |a: &Found, b: &Found| a.provenance.cmp(&b.provenance);
    found.sort_by(order);
    found.dedup_by(|a, b| a.provenance == b.provenance);
    excluded.sort_by(order);
    excluded.dedup_by(|a, b| a.provenance == b.provenance);
    unresolved.sort_by(|a, b| a.provenance.cmp(&b.provenance));
    unresolved.dedup();
    (found, excluded, unresolved)
}

/// `saveas` as the lock file writes it: `source`, or `bucket/prefix`.
fn saveas(requirement: &Requirement) -> Option<String> {
    requirement
        .saveas_written()
        .map(|target| match target.bucket() {
            None => "source".to_owned(),
            Some(bucket) => format!("{bucket}/{}", target.prefix()),
        })
}

/// Writes `content` to `path` unless it already holds exactly that; whether it wrote.
fn write_if_changed(path: &Path, content: &str) -> Result<bool, BuildError> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == content) {
        return Ok(false);
    }
    std::fs::write(path, content).map_err(|e| io(path, &e))?;
    Ok(true)
}

/// The whole export, for a build script: analyzes the crate, checks deployed policies,
/// writes `OUT_DIR/immperm.rs`, and writes (or with `IMMPERM_CHECK=1`, checks) the lock file
/// and the policy directory. Prints `cargo::rerun-if-changed` for everything it read and
/// `cargo::warning` for grants broader than they could be.
///
/// # Errors
/// Any [`BuildError`]; print it and exit non-zero (see the module example).
pub fn export() -> Result<(), BuildError> {
    let manifest_dir = env_path("CARGO_MANIFEST_DIR")?;
    let out_dir = env_path("OUT_DIR")?;
    let analysis = Analysis::load(&AnalysisOptions {
        manifest_dir,
        cfg: CfgSet::from_env(),
        cache_dir: Some(out_dir.join("immperm-scan")),
    })?;
    println!("cargo::rerun-if-env-changed={CHECK_VAR}");
    for file in &analysis.files_read {
        println!("cargo::rerun-if-changed={}", file.display());
    }
    for file in &analysis.config.deployed {
        println!(
            "cargo::rerun-if-changed={}",
            analysis.manifest_dir.join(file).display()
        );
    }
    // Watching the source directories catches new files that no module declares yet.
    println!(
        "cargo::rerun-if-changed={}",
        analysis.manifest_dir.join("src").display()
    );
    for function in analysis.open_bucket_functions() {
        println!(
            "cargo::warning={function}: no bucket named; its OSS actions are granted on every bucket"
        );
    }
    for unresolved in &analysis.unresolved {
        println!(
            "cargo::warning={}:{}: {} (this annotation is in no policy and will not compile)",
            unresolved.provenance.file, unresolved.provenance.line, unresolved.reason
        );
    }
    let denied = analysis.check_deployed()?;
    if !denied.is_empty() {
        return Err(BuildError::Denied(denied));
    }
    let rust = analysis.rust_file();
    let rust_path = out_dir.join(RUST_FILE);
    write_if_changed(&rust_path, &rust)?;
    if std::env::var(CHECK_VAR).is_ok_and(|v| v == "1") {
        let stale = analysis.stale()?;
        if !stale.is_empty() {
            return Err(BuildError::Stale(stale));
        }
    } else {
        analysis.write()?;
    }
    Ok(())
}

fn env_path(name: &str) -> Result<PathBuf, BuildError> {
    std::env::var_os(name)
        .map(PathBuf::from)
        .ok_or_else(|| BuildError::Io {
            path: PathBuf::from(name),
            message: format!(
                "`{name}` is not set; `immperm_build::export` runs from a build script"
            ),
        })
}
