//! The analysis of a package: cargo's answer about it ([`crate::project`]), the scan of every
//! package its policy covers, each annotated function's declarations, and what follows from
//! them: the policies, the lock, the table the attribute checks itself against.
//!
//! One record flows through: a scanned function's attributes become [`Annotation`]s, each
//! with where it is, what it declares and whether the deployed build compiles it
//! ([`Placement`]); the deployed ones are the generator's requirements.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use proc_macro2::Span;

use crate::catalog::{self, grammar, key};
use crate::config::{Config, ConfigError};
use crate::docs::{self, Undeployed};
use crate::generate::{self, GenerateError, Needs, Policies};
use crate::lock::{self, Lock, LockError, LockedGrant, LockedRequirement};
use crate::project::{self, Package, Project, ProjectError, TargetKind};
use crate::requirement::Requirement;
use crate::scan::{self, CfgSet, Function, ScanError, ScanOptions};

/// How to analyze a package.
#[derive(Clone, Debug)]
pub struct Options {
    /// What to ask cargo.
    pub request: project::Request,
    /// Where the target's `cfg` comes from.
    pub cfg: TargetCfg,
}

/// Where the target's `cfg` (`target_os`, `unix`, …) comes from.
#[derive(Clone, Debug)]
pub enum TargetCfg {
    /// The build script's environment (`CARGO_CFG_*`), which cargo sets for its target.
    BuildEnv,
    /// `rustc --print cfg`, for the request's platform (the host when it names none).
    Rustc {
        /// The rustc to run (`$RUSTC`, or `rustc`).
        rustc: PathBuf,
    },
    /// Given (tests).
    Given(CfgSet),
}

/// Where an annotation stands with respect to the deployed policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Compiled into the library or a binary of the root package, or into a dependency's
    /// library: in the policy.
    Deployed,
    /// Compiled only under `cfg(test)`: in no policy.
    TestOnly,
    /// In an example, integration test or benchmark of the root package: in no policy.
    Undeployed {
        /// The target's kind.
        kind: TargetKind,
        /// The target's name.
        target: String,
    },
    /// Under a `cfg` that is false for this build, tests included.
    Excluded,
}

/// One declaration of one annotated function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Annotation {
    /// The package it is in.
    pub package: String,
    /// The file, relative to its package (what the attribute's key names).
    pub file: String,
    /// The file as reached from the root package's directory (`../media-kit/src/lib.rs`).
    pub shown: String,
    /// The line of the attribute.
    pub line: usize,
    /// The column of the attribute.
    pub column: usize,
    /// `media_app::thumbs::make_thumbnails`, methods as `module::Type::method`.
    pub function: String,
    /// The function's own name.
    pub name: String,
    /// What it declares.
    pub declaration: Requirement,
    /// Whether the deployed build compiles it.
    pub placement: Placement,
    /// The `cfg` predicates it sits under, when any.
    pub cfg: Option<String>,
    /// The source buckets of its package (`buckets` in its `[package.metadata.immperm]`),
    /// for a declaration without `bucket = "..."`.
    pub buckets: Vec<String>,
}

impl Annotation {
    /// ``src/thumbs.rs:31 `make_thumbnails` (video/snapshots, async)``: how reports name it.
    pub fn describe(&self) -> String {
        format!(
            "{}:{} `{}` ({}, {})",
            self.shown,
            self.line,
            self.short_function(),
            self.declaration.operation().name,
            self.declaration.mode().as_str()
        )
    }

    /// The function's module (`media_app::thumbs`).
    pub fn module_path(&self) -> &str {
        let short = self.short_function();
        self.function
            .get(..self.function.len().saturating_sub(short.len() + 2))
            .unwrap_or_default()
    }

    /// The function without its crate and modules (`make_thumbnails`, `Thumbs::make`).
    pub fn short_function(&self) -> &str {
        short_function(&self.function)
    }
}

/// A function's path without its crate and modules: `make_thumbnails`, or `Thumbs::make` for
/// a method (module names are lowercase, an owner type is not).
pub fn short_function(path: &str) -> &str {
    let mut segments: Vec<&str> = path.split("::").collect();
    let name = segments.pop().unwrap_or(path);
    match segments.last() {
        Some(owner) if owner.starts_with(|c: char| c.is_ascii_uppercase()) => {
            let start = path.len() - owner.len() - 2 - name.len();
            path.get(start..).unwrap_or(name)
        }
        _ => name,
    }
}

/// An annotation whose arguments the attribute rejects: it reports it at compile time; the
/// policy leaves it out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unresolved {
    /// Where it is, as reached from the root package (`src/probe.rs`).
    pub shown: String,
    /// Its line.
    pub line: usize,
    /// Its column.
    pub column: usize,
    /// The function.
    pub function: String,
    /// The attribute's first error.
    pub reason: String,
}

impl fmt::Display for Unresolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {} (in `{}`)",
            self.shown, self.line, self.column, self.reason, self.function
        )
    }
}

/// One annotated function of the root package the attribute will look up: its key and its
/// documentation section.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TableEntry {
    /// The key ([`catalog::key`]).
    pub key: String,
    /// The documentation section.
    pub doc: String,
}

/// A target root of the root package without `include_policies!()`, with the keys of its
/// annotations, for the attribute to report it once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingInclude {
    /// The root file, relative to the package.
    pub root: String,
    /// The keys of the target's annotated functions; the first one reports it.
    pub keys: Vec<String>,
}

/// Everything immperm knows about a package.
#[derive(Clone, Debug)]
pub struct Analysis {
    /// Cargo's answer.
    pub project: Project,
    /// The root package's configuration.
    pub config: Config,
    /// The root package's features the analysis is for, sorted.
    pub features: Vec<String>,
    /// The declarations in the policy, in the order the generator was given them:
    /// [`generate::Need::because`] indexes this.
    pub deployed: Vec<Annotation>,
    /// The declarations in no policy: test code, examples, false `cfg`s.
    pub undeployed: Vec<Annotation>,
    /// Annotations the attribute rejects.
    pub unresolved: Vec<Unresolved>,
    /// The policies; `None` when nothing is deployed.
    pub policies: Option<Policies>,
    /// The root package's annotated functions, for the attribute's check.
    pub table: Vec<TableEntry>,
    /// The root package's target roots without `include_policies!()`.
    pub missing_include: Vec<MissingInclude>,
    /// Every file the analysis depends on, for `cargo::rerun-if-changed`.
    pub files_read: Vec<PathBuf>,
}

/// Why a package cannot be analyzed or exported.
#[derive(Debug)]
pub enum AnalysisError {
    /// Cargo's answer cannot be had.
    Project(ProjectError),
    /// A configuration is invalid.
    Config(ConfigError),
    /// A package cannot be scanned.
    Scan {
        /// The package.
        package: String,
        /// The package's directory as reached from the root package's (`../media-kit`;
        /// empty for the root package itself).
        shown: String,
        /// What is wrong, its file relative to the package.
        error: ScanError,
    },
    /// The policies cannot be generated.
    Generate(GenerateError),
    /// Requirements leave the bucket open and `deny-wildcards` is set.
    Wildcards(Vec<String>),
    /// rustc cannot say what the target's cfg is.
    Rustc(String),
    /// A file cannot be read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// A lock file that does not parse.
    Lock(LockError),
}

impl fmt::Display for AnalysisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Project(error) => write!(f, "{error}"),
            Self::Config(error) => write!(f, "{error}"),
            Self::Scan {
                package,
                shown,
                error,
            } => {
                let mut error = error.clone();
                if !shown.is_empty() && !error.file.is_empty() {
                    error.file = format!("{shown}/{}", error.file);
                }
                write!(f, "{error} (package `{package}`)")
            }
            Self::Generate(error) => write!(f, "{error}"),
            Self::Wildcards(functions) => write!(
                f,
                "`deny-wildcards` is set and these functions name no bucket while \
                 `[package.metadata.immperm] buckets` is empty, which would grant OSS actions on \
                 every bucket: {}; add `bucket = \"...\"` to their `#[requires_imm]` or list the buckets",
                functions.join(", ")
            ),
            Self::Rustc(message) => f.write_str(message),
            Self::Io { path, message } => write!(f, "{}: {message}", path.display()),
            Self::Lock(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for AnalysisError {}

pub(crate) fn io(path: &Path, err: &std::io::Error) -> AnalysisError {
    AnalysisError::Io {
        path: path.to_path_buf(),
        message: err.to_string(),
    }
}

impl TargetCfg {
    /// The target's cfg, without features.
    fn resolve(&self, platform: &str) -> Result<CfgSet, AnalysisError> {
        match self {
            Self::BuildEnv => Ok(CfgSet::from_env().without_features()),
            Self::Given(set) => Ok(set.without_features()),
            Self::Rustc { rustc } => {
                let mut command = std::process::Command::new(rustc);
                command.args(["--print", "cfg"]);
                if !platform.is_empty() {
                    command.args(["--target", platform]);
                }
                let shown = if platform.is_empty() {
                    "rustc --print cfg".to_owned()
                } else {
                    format!("rustc --print cfg --target {platform}")
                };
                let output = command.output().map_err(|e| {
                    AnalysisError::Rustc(format!(
                        "cannot run `{shown}` ({e}) to read the target's cfg; set `RUSTC` to the compiler"
                    ))
                })?;
                if !output.status.success() {
                    let stderr = String::from_utf8_lossy(&output.stderr);
                    return Err(AnalysisError::Rustc(format!(
                        "`{shown}` failed: {}",
                        stderr.trim().replace('\n', "; ")
                    )));
                }
                Ok(parse_cfg(&String::from_utf8_lossy(&output.stdout)))
            }
        }
    }
}

/// Reads `rustc --print cfg` output: one `name` or `key="value"` per line.
pub fn parse_cfg(text: &str) -> CfgSet {
    let mut set = CfgSet::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        set = match line.split_once('=') {
            Some((key, value)) => {
                let value = value.trim();
                let value = value
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .unwrap_or(value);
                set.with_value(key.trim(), value)
            }
            None => set.with_name(line),
        };
    }
    set
}

/// The host's target triple, from `rustc -vV`.
///
/// # Errors
/// rustc cannot be run or does not say.
pub fn host_triple(rustc: &Path) -> Result<String, AnalysisError> {
    let output = std::process::Command::new(rustc)
        .arg("-vV")
        .output()
        .map_err(|e| io(rustc, &e))?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .map(str::to_owned)
        .ok_or_else(|| AnalysisError::Io {
            path: rustc.to_path_buf(),
            message: "`-vV` names no host triple".to_owned(),
        })
}

/// `to` relative to `from`, lexically, `/`-separated.
fn relative(from: &Path, to: &Path) -> String {
    catalog::package_path(from, Path::new("/"), to)
}

/// One package's scan turned into annotations.
struct Scanned {
    annotations: Vec<Annotation>,
    unresolved: Vec<Unresolved>,
    /// Root package only: its table and target roots.
    table: Vec<TableEntry>,
    missing_include: Vec<MissingInclude>,
    files: Vec<PathBuf>,
}

impl Analysis {
    /// Analyzes the package `options` names.
    ///
    /// # Errors
    /// Cargo's answer cannot be had, a configuration is invalid, a source cannot be scanned,
    /// or the policies cannot be generated.
    pub fn load(options: &Options) -> Result<Self, AnalysisError> {
        // The target first: an unknown one is rustc's to explain, before cargo's answer.
        let target_cfg = options
            .cfg
            .resolve(options.request.platform.as_deref().unwrap_or_default())?;
        let (project, manifests) =
            project::load(&options.request).map_err(AnalysisError::Project)?;
        let config =
            Config::from_manifest(&project.root.manifest_path).map_err(AnalysisError::Config)?;
        let cache = options.request.cache_dir.as_ref();
        let mut deployed = Vec::new();
        let mut undeployed = Vec::new();
        let mut unresolved = Vec::new();
        let mut table = Vec::new();
        let mut missing_include = Vec::new();
        let mut files_read = manifests;
        for (index, package) in project.packages().enumerate() {
            let is_root = index == 0;
            let buckets = if is_root {
                config.scope.buckets.clone()
            } else {
                Config::from_manifest(&package.manifest_path)
                    .map_err(AnalysisError::Config)?
                    .scope
                    .buckets
            };
            let mut cfg = target_cfg.clone();
            for feature in &package.features {
                cfg = cfg.with_feature(feature);
            }
            let cache_dir = cache.map(|dir| {
                if is_root {
                    dir.join("immperm-scan")
                } else {
                    dir.join(format!("immperm-scan-{}-{}", package.name, package.version))
                }
            });
            let scanned = scan_package(
                package,
                project.root.dir(),
                is_root,
                &buckets,
                &config,
                cfg,
                cache_dir,
            )?;
            for annotation in scanned.annotations {
                if annotation.placement == Placement::Deployed {
                    deployed.push(annotation);
                } else {
                    undeployed.push(annotation);
                }
            }
            unresolved.extend(scanned.unresolved);
            table.extend(scanned.table);
            missing_include.extend(scanned.missing_include);
            files_read.extend(scanned.files);
        }
        files_read.sort();
        files_read.dedup();
        let policies = policies(&deployed, &config)?;
        let analysis = Self {
            features: project.root.features.clone(),
            project,
            config,
            deployed,
            undeployed,
            unresolved,
            policies,
            table,
            missing_include,
            files_read,
        };
        if analysis.config.deny_wildcards {
            let open = analysis.open_bucket_functions();
            if !open.is_empty() {
                return Err(AnalysisError::Wildcards(open));
            }
        }
        Ok(analysis)
    }

    /// The deployed declarations, as the generator was given them.
    pub fn requirements(&self) -> Vec<Requirement> {
        self.deployed
            .iter()
            .map(|a| a.declaration.clone())
            .collect()
    }

    /// How the requirement at `index` is named in reports.
    pub fn describe(&self, index: usize) -> String {
        self.deployed
            .get(index)
            .map_or_else(|| format!("requirement #{index}"), Annotation::describe)
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
            .filter_map(|index| self.deployed.get(index))
            .map(|a| format!("{}:{} {}", a.shown, a.line, a.short_function()))
            .collect()
    }

    /// The policy documents, as (file name, content).
    pub fn documents(&self) -> Vec<(&'static str, String)> {
        self.policies
            .as_ref()
            .map(Policies::files)
            .unwrap_or_default()
    }

    /// The target the analysis is for, as a lock records it: the triple, or [`lock::HOST`]
    /// when it is the host's.
    pub fn lock_target(&self, host: &str) -> String {
        if self.project.platform.is_empty() || self.project.platform == host {
            lock::HOST.to_owned()
        } else {
            self.project.platform.clone()
        }
    }

    /// The lock file's content, for the target as [`lock_target`](Self::lock_target) names it.
    pub fn lock(&self, target: &str) -> Lock {
        let requirements = self
            .deployed
            .iter()
            .map(|a| LockedRequirement {
                package: a.package.clone(),
                function: a.function.clone(),
                declaration: a.declaration.canonical(),
                location: format!("{}:{}", a.shown, a.line),
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
                    .filter_map(|&i| self.deployed.get(i))
                    .map(|a| a.function.clone())
                    .collect(),
            })
            .collect();
        let mut lock = Lock {
            catalog: catalog::CATALOG_VERSION.to_owned(),
            features: self.features.clone(),
            target: target.to_owned(),
            requirements,
            grants,
        };
        lock.normalize();
        lock
    }
}

/// The policies of the deployed declarations: each with its own package's buckets.
fn policies(deployed: &[Annotation], config: &Config) -> Result<Option<Policies>, AnalysisError> {
    if deployed.is_empty() {
        return Ok(None);
    }
    // Declarations are grouped by their default buckets; each group's needs index into
    // `deployed` once offset, and the groups merge into one sorted list.
    let mut merged: BTreeMap<(generate::Principal, String, String), Vec<usize>> = BTreeMap::new();
    let mut any_bucket = Vec::new();
    let mut start = 0;
    while start < deployed.len() {
        let Some(first) = deployed.get(start) else {
            break;
        };
        let end = deployed
            .iter()
            .skip(start)
            .position(|a| a.buckets != first.buckets)
            .map_or(deployed.len(), |n| start + n);
        let group: Vec<Requirement> = deployed
            .get(start..end)
            .unwrap_or_default()
            .iter()
            .map(|a| a.declaration.clone())
            .collect();
        let mut scope = config.scope.clone();
        scope.buckets.clone_from(&first.buckets);
        let needs = generate::needs(&group, &scope);
        for need in needs.needs {
            merged
                .entry((need.principal, need.action, need.resource))
                .or_default()
                .extend(need.because.iter().map(|i| i + start));
        }
        for warning in needs.warnings {
            let generate::Warning::AnyBucket { requirements } = warning;
            any_bucket.extend(requirements.iter().map(|i| i + start));
        }
        start = end;
    }
    let needs = Needs {
        needs: merged
            .into_iter()
            .map(|((principal, action, resource), mut because)| {
                because.sort_unstable();
                because.dedup();
                generate::Need {
                    principal,
                    action,
                    resource,
                    because,
                }
            })
            .collect(),
        warnings: if any_bucket.is_empty() {
            Vec::new()
        } else {
            vec![generate::Warning::AnyBucket {
                requirements: any_bucket,
            }]
        },
    };
    generate::from_needs(needs, &config.scope, &generate::Options::default())
        .map(Some)
        .map_err(AnalysisError::Generate)
}

/// Scans `package` and reads its annotations.
fn scan_package(
    package: &Package,
    root_dir: &Path,
    is_root: bool,
    buckets: &[String],
    config: &Config,
    cfg: CfgSet,
    cache_dir: Option<PathBuf>,
) -> Result<Scanned, AnalysisError> {
    let dir = package.dir().to_path_buf();
    let scan = scan::scan(&ScanOptions {
        package_dir: dir.clone(),
        targets: package.targets.clone(),
        cfg,
        cache_dir,
    })
    .map_err(|error| AnalysisError::Scan {
        package: package.name.clone(),
        shown: if is_root {
            String::new()
        } else {
            relative(root_dir, &dir)
        },
        error,
    })?;
    let crate_name = package.crate_name();
    let mut out = Scanned {
        annotations: Vec::new(),
        unresolved: Vec::new(),
        table: Vec::new(),
        missing_include: Vec::new(),
        files: scan.files_read,
    };
    let mut keys_by_target: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut sections = Sections::new();
    for function in &scan.functions {
        if !function.has_body {
            continue;
        }
        let shown = relative(root_dir, &dir.join(&function.file));
        let path = function_path(&crate_name, function);
        let mut read = Vec::new();
        for (index, attribute) in function.attributes.iter().enumerate() {
            match grammar::parse(attribute.args.clone(), Span::call_site(), index) {
                Ok(declaration) => read.push((attribute, declaration)),
                Err(errors) => out.unresolved.push(Unresolved {
                    shown: shown.clone(),
                    line: attribute.line,
                    column: attribute.column,
                    function: path.clone(),
                    reason: errors
                        .first()
                        .map_or_else(String::new, |e| e.message.clone()),
                }),
            }
        }
        for (attribute, declaration) in &read {
            let placement = match (attribute.compiled, attribute.compiled_in_tests) {
                (true, _) if function.kind.is_deployed() => Placement::Deployed,
                (true, _) => Placement::Undeployed {
                    kind: function.kind,
                    target: function.target.clone(),
                },
                (false, true) => Placement::TestOnly,
                (false, false) => Placement::Excluded,
            };
            out.annotations.push(Annotation {
                package: package.name.clone(),
                file: function.file.clone(),
                shown: shown.clone(),
                line: attribute.line,
                column: attribute.column,
                function: path.clone(),
                name: function.name.clone(),
                declaration: declaration.clone(),
                placement,
                cfg: attribute.cfg.clone(),
                buckets: buckets.to_vec(),
            });
        }
        if is_root {
            let mut scope = config.scope.clone();
            scope.buckets = buckets.to_vec();
            for entry in table_entries(function, &read, &scope, &mut sections) {
                keys_by_target
                    .entry(function.target.as_str())
                    .or_default()
                    .push(entry.key.clone());
                out.table.push(entry);
            }
        }
    }
    if is_root {
        for root in &scan.roots {
            if root.includes_policies {
                continue;
            }
            if let Some(keys) = keys_by_target.get(root.target.as_str()) {
                out.missing_include.push(MissingInclude {
                    root: root.file.clone(),
                    keys: keys.clone(),
                });
            }
        }
    }
    Ok(out)
}

/// Documentation sections made so far, by what they are made of (canonical declarations
/// and why they are undeployed): functions declared alike share one.
type Sections = std::collections::HashMap<(Vec<String>, Option<String>), String>;

/// The table entries of a root package's function: its key and documentation section in
/// each build that compiles it, the deployed build and `cargo test` (whose cfg may keep
/// other attributes).
fn table_entries(
    function: &Function,
    read: &[(&scan::Attribute, Requirement)],
    scope: &crate::requirement::Scope,
    sections: &mut Sections,
) -> Vec<TableEntry> {
    let mut entries = Vec::new();
    for in_tests in [false, true] {
        let compiled: Vec<&Requirement> = read
            .iter()
            .filter(|(a, _)| {
                if in_tests {
                    a.compiled_in_tests
                } else {
                    a.compiled
                }
            })
            .map(|(_, d)| d)
            .collect();
        if compiled.is_empty() {
            continue;
        }
        let key = key(&function.file, &function.name, &compiled);
        let declarations: Vec<Requirement> = compiled.iter().map(|d| (*d).clone()).collect();
        let deployed_too = read.iter().any(|(a, _)| a.compiled);
        let undeployed = match (in_tests, function.kind) {
            (false, kind) if kind.is_deployed() => None,
            (true, kind) if kind.is_deployed() && deployed_too => None,
            (true, kind) if kind.is_deployed() => Some(Undeployed::TestOnly),
            (_, kind) => Some(Undeployed::Target {
                kind: kind.as_str(),
                name: &function.target,
            }),
        };
        let made_of = (
            declarations.iter().map(Requirement::canonical).collect(),
            undeployed.map(|u| format!("{u:?}")),
        );
        let doc = sections
            .entry(made_of)
            .or_insert_with(|| docs::section(&declarations, scope, undeployed))
            .clone();
        entries.push(TableEntry { key, doc });
    }
    entries
}

/// `media_app::thumbs::Thumbs::make`: the function's path with its crate's name.
fn function_path(crate_name: &str, function: &Function) -> String {
    let module = function
        .module_path
        .strip_prefix("crate")
        .unwrap_or(&function.module_path);
    let owner = function
        .owner
        .as_ref()
        .map(|o| format!("::{o}"))
        .unwrap_or_default();
    format!("{crate_name}{module}{owner}::{}", function.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rustc_cfg_output_is_read() {
        let set = parse_cfg("debug_assertions\npanic=\"unwind\"\ntarget_os=\"linux\"\nunix\n");
        let expected = CfgSet::new()
            .with_name("debug_assertions")
            .with_value("panic", "unwind")
            .with_value("target_os", "linux")
            .with_name("unix");
        assert_eq!(set, expected);
    }
}
