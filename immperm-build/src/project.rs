//! The project model: cargo's own answer about the package being built.
//!
//! Which packages the policy covers, which targets they have and which features cargo
//! enables for each are cargo's to decide (`workspace = true`, renames, `[patch]`, feature
//! defaults, implications, forwarding and unification, autobins, `[[bin]] path`, target-only
//! dependencies). The model is read from `cargo metadata` (spawned with `$CARGO` in a build
//! script), filtered to the target platform, never from a manifest reader of ours:
//!
//! - the root package: every target (lib and bins are deployed; examples, tests and benches
//!   are scanned so their annotations compile, and are in no deployed policy), with exactly
//!   the features of the build (`CARGO_CFG_FEATURE` in a build script, the command line's
//!   flags otherwise);
//! - every package in its resolved normal dependency graph that depends on `immperm`: its
//!   lib target, with the features cargo's resolve gives it.
//!
//! `cargo metadata` resolves features for the whole workspace (dev-dependencies and the
//! other members included), so a dependency may be scanned with more features than a build
//! of the root enables: the policy can only get broader, never smaller (docs/decisions.md).
//!
//! A build script asks cargo once and caches the answer in `OUT_DIR`, keyed on the files the
//! answer depends on (every local manifest and `Cargo.lock`, by length and modification
//! time) and on the request (features, target): an edit of a source file costs no spawn.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use cargo_metadata::{DependencyKind, Metadata, MetadataCommand, TargetKind as CargoTargetKind};
use serde::{Deserialize, Serialize};

/// The name of the runtime crate whose dependents can carry `#[requires_imm]`.
const RUNTIME_CRATE: &str = "immperm";
/// The cache file in a build script's `OUT_DIR`.
const CACHE_FILE: &str = "immperm-project.json";
/// Bumped when the cache's shape changes.
const CACHE_FORMAT: u32 = 1;

/// What a package's target is, as far as the policy goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TargetKind {
    /// The library (also a proc-macro library).
    Lib,
    /// A binary.
    Bin,
    /// An example.
    Example,
    /// An integration test.
    Test,
    /// A benchmark.
    Bench,
}

impl TargetKind {
    /// Whether code of this target is deployed: the library and the binaries.
    pub const fn is_deployed(self) -> bool {
        matches!(self, Self::Lib | Self::Bin)
    }

    /// `lib`, `bin`, `example`, `test` or `bench`, as cargo names them.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Lib => "lib",
            Self::Bin => "bin",
            Self::Example => "example",
            Self::Test => "test",
            Self::Bench => "bench",
        }
    }
}

/// One target of a package: its name, kind and root source file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Target {
    /// The target's name (`media-app`, `thumbnailer`).
    pub name: String,
    /// Its kind.
    pub kind: TargetKind,
    /// Its root source file, absolute.
    pub root: PathBuf,
}

/// One package whose annotations the policy covers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// The package name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// Its `Cargo.toml`, absolute.
    pub manifest_path: PathBuf,
    /// The targets to scan: every target of the root package, the lib of a dependency.
    pub targets: Vec<Target>,
    /// The features cargo enables for it, sorted.
    pub features: Vec<String>,
    /// Whether its sources are local (a workspace member or a path dependency), as opposed
    /// to a registry or git checkout.
    pub local: bool,
}

impl Package {
    /// The directory of its manifest.
    pub fn dir(&self) -> &Path {
        self.manifest_path
            .parent()
            .unwrap_or_else(|| Path::new("."))
    }

    /// The crate name of its library (`media_kit` for `media-kit`), or of the package.
    pub fn crate_name(&self) -> String {
        let name = self
            .targets
            .iter()
            .find(|t| t.kind == TargetKind::Lib)
            .map_or(self.name.as_str(), |t| t.name.as_str());
        name.replace('-', "_")
    }
}

/// The packages the root package's policy covers, as cargo resolves them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    /// The workspace root directory.
    pub workspace_root: PathBuf,
    /// Cargo's target directory.
    pub target_directory: PathBuf,
    /// The target triple dependencies were filtered for.
    pub platform: String,
    /// The root package.
    pub root: Package,
    /// The packages in the root's resolved normal dependency graph that depend on `immperm`,
    /// sorted by name and version.
    pub dependencies: Vec<Package>,
}

impl Project {
    /// The root package, then its dependencies.
    pub fn packages(&self) -> impl Iterator<Item = &Package> {
        std::iter::once(&self.root).chain(&self.dependencies)
    }
}

/// Which features of the root package to enable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Features {
    /// Exactly these (a build script knows them: `CARGO_CFG_FEATURE`).
    Exactly(Vec<String>),
    /// As cargo's command line asks: `--features`, `--no-default-features`,
    /// `--all-features`.
    Requested {
        /// Feature names, comma- or space-separated as on cargo's command line.
        features: Vec<String>,
        /// `--no-default-features`.
        no_default: bool,
        /// `--all-features`.
        all: bool,
    },
}

impl Default for Features {
    fn default() -> Self {
        Self::Requested {
            features: Vec::new(),
            no_default: false,
            all: false,
        }
    }
}

/// What to ask cargo about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The cargo to run (`$CARGO` in a build script).
    pub cargo: PathBuf,
    /// The package's `Cargo.toml` (a virtual workspace's is an error listing the packages
    /// to pick from; [`locate`] finds a member's).
    pub manifest_path: PathBuf,
    /// The root package's features.
    pub features: Features,
    /// The target triple; `None` for the host.
    pub platform: Option<String>,
    /// `--offline`: a build script's cargo has fetched everything already.
    pub offline: bool,
    /// Where to cache cargo's answer (a build script's `OUT_DIR`).
    pub cache_dir: Option<PathBuf>,
}

impl Request {
    /// The request of a build script: its package and features, its target, `$CARGO`, the
    /// cache in `OUT_DIR`.
    ///
    /// # Errors
    /// A variable cargo sets for build scripts is missing (the process is not one).
    pub fn from_build_env() -> Result<Self, ProjectError> {
        let var = |name: &str| {
            std::env::var_os(name).ok_or_else(|| {
                ProjectError(format!(
                    "`{name}` is not set; `immperm_build::export()` runs from a build script \
                     (`build.rs`), which cargo gives it"
                ))
            })
        };
        let manifest_dir = PathBuf::from(var("CARGO_MANIFEST_DIR")?);
        let features = std::env::var("CARGO_CFG_FEATURE")
            .map(|list| {
                list.split(',')
                    .filter(|f| !f.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self {
            cargo: PathBuf::from(var("CARGO")?),
            manifest_path: manifest_dir.join("Cargo.toml"),
            features: Features::Exactly(features),
            platform: std::env::var("TARGET").ok(),
            offline: true,
            cache_dir: Some(PathBuf::from(var("OUT_DIR")?)),
        })
    }

    /// What the answer is cached under: everything of the request but where it is cached.
    fn key(&self) -> String {
        format!(
            "{}\n{:?}\n{:?}",
            self.manifest_path.display(),
            self.features,
            self.platform
        )
    }
}

/// Why cargo's answer cannot be had or used: what happened and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProjectError(pub String);

impl fmt::Display for ProjectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ProjectError {}

/// A file the answer depends on, as it was when cargo answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Stamp {
    path: PathBuf,
    len: u64,
    modified_ns: u128,
}

impl Stamp {
    fn of(path: &Path) -> Option<Self> {
        let metadata = std::fs::metadata(path).ok()?;
        let modified = metadata.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
        Some(Self {
            path: path.to_path_buf(),
            len: metadata.len(),
            modified_ns: modified.as_nanos(),
        })
    }

    fn current(&self) -> bool {
        Self::of(&self.path).as_ref() == Some(self)
    }
}

#[derive(Serialize, Deserialize)]
struct Cache {
    format: u32,
    key: String,
    stamps: Vec<Stamp>,
    project: Project,
}

/// Cargo's answer for `request`, from the cache when nothing it depends on changed.
/// Returns the model and the files it depends on (for `cargo::rerun-if-changed`).
///
/// # Errors
/// Cargo cannot be run or fails (its message is included), the package is not in the
/// workspace, or a virtual workspace is named without `-p`.
pub fn load(request: &Request) -> Result<(Project, Vec<PathBuf>), ProjectError> {
    let cache_path = request.cache_dir.as_ref().map(|dir| dir.join(CACHE_FILE));
    let key = request.key();
    if let Some(path) = &cache_path
        && let Ok(text) = std::fs::read_to_string(path)
        && let Ok(cache) = serde_json::from_str::<Cache>(&text)
        && cache.format == CACHE_FORMAT
        && cache.key == key
        && cache.stamps.iter().all(Stamp::current)
    {
        let files = cache.stamps.into_iter().map(|s| s.path).collect();
        return Ok((cache.project, files));
    }
    let metadata = metadata(request)?;
    let project = model(&metadata, request)?;
    let mut files: BTreeSet<PathBuf> = metadata
        .packages
        .iter()
        .filter(|p| p.source.is_none())
        .map(|p| p.manifest_path.clone().into_std_path_buf())
        .collect();
    let workspace_root = metadata.workspace_root.clone().into_std_path_buf();
    files.insert(workspace_root.join("Cargo.toml"));
    files.insert(workspace_root.join("Cargo.lock"));
    let stamps: Vec<Stamp> = files.iter().filter_map(|f| Stamp::of(f)).collect();
    if let Some(path) = &cache_path {
        let cache = Cache {
            format: CACHE_FORMAT,
            key,
            stamps: stamps.clone(),
            project: project.clone(),
        };
        // A cache that cannot be written costs the next build a spawn, nothing more.
        if let Ok(text) = serde_json::to_string(&cache) {
            let _ = std::fs::write(path, text);
        }
    }
    Ok((project, stamps.into_iter().map(|s| s.path).collect()))
}

/// Runs `cargo metadata` for the request.
fn metadata(request: &Request) -> Result<Metadata, ProjectError> {
    command(request, true)
        .exec()
        .map_err(|e| cargo_failed(request, &e))
}

fn command(request: &Request, features: bool) -> MetadataCommand {
    let mut command = MetadataCommand::new();
    command
        .cargo_path(&request.cargo)
        .manifest_path(&request.manifest_path);
    let mut options = Vec::new();
    if request.offline {
        options.push("--offline".to_owned());
    }
    if features {
        if let Some(platform) = &request.platform {
            options.push("--filter-platform".to_owned());
            options.push(platform.clone());
        }
        match &request.features {
            Features::Exactly(list) => {
                options.push("--no-default-features".to_owned());
                if !list.is_empty() {
                    options.push("--features".to_owned());
                    options.push(list.join(","));
                }
            }
            Features::Requested {
                features,
                no_default,
                all,
            } => {
                if *all {
                    options.push("--all-features".to_owned());
                }
                if *no_default {
                    options.push("--no-default-features".to_owned());
                }
                if !features.is_empty() {
                    options.push("--features".to_owned());
                    options.push(features.join(","));
                }
            }
        }
    }
    command.other_options(options);
    command
}

fn cargo_failed(request: &Request, error: &cargo_metadata::Error) -> ProjectError {
    let detail = match error {
        cargo_metadata::Error::CargoMetadata { stderr } => stderr
            .lines()
            .map(str::trim)
            // Cargo's progress lines say nothing about what went wrong.
            .filter(|line| {
                !line.is_empty()
                    && ![
                        "Blocking ",
                        "Updating ",
                        "Locking ",
                        "Adding ",
                        "Downloading ",
                        "Downloaded ",
                    ]
                    .iter()
                    .any(|progress| line.starts_with(progress))
            })
            .map(|line| line.strip_prefix("error: ").unwrap_or(line))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    };
    ProjectError(format!(
        "cargo cannot answer for `{}`: {detail}",
        request.manifest_path.display()
    ))
}

/// The workspace members that depend on `immperm`, as (package name, manifest), sorted by
/// name: what `--workspace` works on. One quick `cargo metadata --no-deps`.
///
/// # Errors
/// Cargo cannot be run or fails.
pub fn members(cargo: &Path, manifest_path: &Path) -> Result<Vec<(String, PathBuf)>, ProjectError> {
    let request = Request {
        cargo: cargo.to_path_buf(),
        manifest_path: manifest_path.to_path_buf(),
        features: Features::default(),
        platform: None,
        offline: false,
        cache_dir: None,
    };
    let workspace = command(&request, false)
        .no_deps()
        .exec()
        .map_err(|e| cargo_failed(&request, &e))?;
    let mut members: Vec<(String, PathBuf)> = workspace
        .workspace_packages()
        .into_iter()
        .filter(|p| uses_runtime(p))
        .map(|p| {
            (
                p.name.to_string(),
                p.manifest_path.clone().into_std_path_buf(),
            )
        })
        .collect();
    members.sort();
    Ok(members)
}

/// The manifest of the workspace member named `name`, for `-p`. One quick
/// `cargo metadata --no-deps`.
///
/// # Errors
/// Cargo cannot be run or fails, or no member has that name (with the nearest names).
pub fn locate(cargo: &Path, manifest_path: &Path, name: &str) -> Result<PathBuf, ProjectError> {
    let request = Request {
        cargo: cargo.to_path_buf(),
        manifest_path: manifest_path.to_path_buf(),
        features: Features::default(),
        platform: None,
        offline: false,
        cache_dir: None,
    };
    let workspace = command(&request, false)
        .no_deps()
        .exec()
        .map_err(|e| cargo_failed(&request, &e))?;
    member(&workspace, name)
}

/// The manifest of the workspace member named `name`.
fn member(workspace: &Metadata, name: &str) -> Result<PathBuf, ProjectError> {
    let members = workspace.workspace_packages();
    if let Some(package) = members.iter().find(|p| p.name.as_str() == name) {
        return Ok(package.manifest_path.clone().into_std_path_buf());
    }
    let names: Vec<&str> = members.iter().map(|p| p.name.as_str()).collect();
    let hint = match immperm_catalog::suggest_among(name, &names).first() {
        Some(best) => format!("did you mean `{best}`?"),
        None => format!("its packages are {}", quoted(&names)),
    };
    Err(ProjectError(format!(
        "no package `{name}` in the workspace; {hint}"
    )))
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether a cargo package depends on the runtime crate (under any name) as a normal
/// dependency, for any platform: only then can its code carry `#[requires_imm]`.
fn uses_runtime(package: &cargo_metadata::Package) -> bool {
    package
        .dependencies
        .iter()
        .any(|d| d.name == RUNTIME_CRATE && d.kind == DependencyKind::Normal)
}

fn kind_of(target: &cargo_metadata::Target) -> Option<TargetKind> {
    target.kind.iter().find_map(|kind| match kind {
        CargoTargetKind::Lib
        | CargoTargetKind::RLib
        | CargoTargetKind::DyLib
        | CargoTargetKind::CDyLib
        | CargoTargetKind::StaticLib
        | CargoTargetKind::ProcMacro => Some(TargetKind::Lib),
        CargoTargetKind::Bin => Some(TargetKind::Bin),
        CargoTargetKind::Example => Some(TargetKind::Example),
        CargoTargetKind::Test => Some(TargetKind::Test),
        CargoTargetKind::Bench => Some(TargetKind::Bench),
        _ => None,
    })
}

fn package(package: &cargo_metadata::Package, features: Vec<String>, all_targets: bool) -> Package {
    let mut targets: Vec<Target> = package
        .targets
        .iter()
        .filter_map(|target| {
            let kind = kind_of(target)?;
            (all_targets || kind == TargetKind::Lib).then(|| Target {
                name: target.name.clone(),
                kind,
                root: target.src_path.clone().into_std_path_buf(),
            })
        })
        .collect();
    targets.sort();
    let mut features = features;
    features.sort();
    Package {
        name: package.name.to_string(),
        version: package.version.to_string(),
        manifest_path: package.manifest_path.clone().into_std_path_buf(),
        targets,
        features,
        local: package.source.is_none(),
    }
}

/// The model of cargo's answer: the root package and the packages of its resolved normal
/// dependency graph that use the runtime crate.
fn model(metadata: &Metadata, request: &Request) -> Result<Project, ProjectError> {
    let resolve = metadata.resolve.as_ref().ok_or_else(|| {
        ProjectError("`cargo metadata` answered without a dependency graph".to_owned())
    })?;
    let root_id = resolve.root.clone().ok_or_else(|| no_root(metadata))?;
    let packages: BTreeMap<_, _> = metadata.packages.iter().map(|p| (&p.id, p)).collect();
    let nodes: BTreeMap<_, _> = resolve.nodes.iter().map(|n| (&n.id, n)).collect();
    let features_of = |id| {
        nodes
            .get(id)
            .map(|n| n.features.iter().map(ToString::to_string).collect())
            .unwrap_or_default()
    };
    let root_package = packages
        .get(&root_id)
        .ok_or_else(|| ProjectError(format!("`cargo metadata` lists no package `{root_id}`")))?;
    let root = package(root_package, features_of(&root_id), true);

    // The normal dependencies, transitively, for the platform the answer was filtered to.
    let mut seen = BTreeSet::from([&root_id]);
    let mut queue = vec![&root_id];
    let mut dependencies = Vec::new();
    while let Some(id) = queue.pop() {
        let Some(node) = nodes.get(id) else { continue };
        for dep in &node.deps {
            let normal = dep
                .dep_kinds
                .iter()
                .any(|k| k.kind == DependencyKind::Normal);
            if !normal || !seen.insert(&dep.pkg) {
                continue;
            }
            queue.push(&dep.pkg);
            if let Some(found) = packages.get(&dep.pkg)
                && uses_runtime(found)
            {
                dependencies.push(package(found, features_of(&dep.pkg), false));
            }
        }
    }
    dependencies.sort_by(|a, b| (&a.name, &a.version).cmp(&(&b.name, &b.version)));
    Ok(Project {
        workspace_root: metadata.workspace_root.clone().into_std_path_buf(),
        target_directory: metadata.target_directory.clone().into_std_path_buf(),
        platform: request.platform.clone().unwrap_or_default(),
        root,
        dependencies,
    })
}

/// The error for a virtual workspace named without `-p`: which packages to pick from.
fn no_root(metadata: &Metadata) -> ProjectError {
    let mut binaries = Vec::new();
    let mut libraries = Vec::new();
    for package in metadata.workspace_packages() {
        if !uses_runtime(package) {
            continue;
        }
        let has_bin = package
            .targets
            .iter()
            .any(|t| kind_of(t) == Some(TargetKind::Bin));
        if has_bin {
            binaries.push(package.name.as_str());
        } else {
            libraries.push(package.name.as_str());
        }
    }
    binaries.sort_unstable();
    libraries.sort_unstable();
    let message = match (binaries.as_slice(), libraries.as_slice()) {
        ([], []) => format!(
            "`{}` is a virtual workspace and none of its packages depends on `immperm`",
            metadata.workspace_root
        ),
        ([], libraries) => format!(
            "`{}` is a virtual workspace: pick a package with `-p`; the packages that use immperm are {}",
            metadata.workspace_root,
            quoted(libraries)
        ),
        (binaries, _) => format!(
            "`{}` is a virtual workspace: pick the binary package whose policy you want with `-p`: {}",
            metadata.workspace_root,
            quoted(binaries)
        ),
    };
    ProjectError(message)
}
