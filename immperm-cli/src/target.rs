//! The package a command works on: cargo's answer about it (through the build engine's
//! project model), with the features and target the command line asks for or, without
//! flags, those `[package.metadata.immperm]` configures.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use immperm_build::analysis::{self, Analysis, AnalysisError, Options, TargetCfg};
use immperm_build::config::Config;
use immperm_build::project::{self, Features, Request};

use crate::cli::CrateArgs;
use crate::outcome::Failure;

/// An analyzed package.
pub(crate) struct Target {
    /// The directory as given on the command line (or the manifest's, from the working
    /// directory when it is under it).
    pub(crate) dir: PathBuf,
    /// The arguments that name this package again, for commands the messages suggest
    /// (`-p NAME` when it was picked from a workspace, else the directory).
    pub(crate) naming: String,
    /// The host's target triple.
    pub(crate) host: String,
    pub(crate) analysis: Analysis,
}

/// Which features and target an analysis is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Selection {
    /// The command line's flags, or without flags the configured ones.
    Requested,
    /// The configured ones only (`immperm lock`): flags are an error.
    Configured,
}

fn cargo() -> PathBuf {
    std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from)
}

fn rustc() -> PathBuf {
    std::env::var_os("RUSTC").map_or_else(|| PathBuf::from("rustc"), PathBuf::from)
}

/// The manifest the arguments name: `--manifest-path`, else `PATH/Cargo.toml`.
fn manifest(args: &CrateArgs) -> Result<PathBuf, Failure> {
    if let Some(path) = &args.manifest_path {
        if !path.is_file() {
            return Err(Failure::new(format!(
                "`{}` does not exist; `--manifest-path` names a `Cargo.toml`",
                path.display()
            )));
        }
        return Ok(path.clone());
    }
    let dir = &args.path;
    if !dir.is_dir() {
        let what = if dir.exists() {
            "is not a directory"
        } else {
            "does not exist"
        };
        return Err(Failure::new(format!(
            "`{}` {what}; name a package directory (the one with `Cargo.toml`)",
            dir.display()
        )));
    }
    let manifest = dir.join("Cargo.toml");
    if !manifest.is_file() {
        return Err(Failure::new(format!(
            "`{}` has no `Cargo.toml`; name a package directory",
            dir.display()
        )));
    }
    Ok(manifest)
}

impl Target {
    /// Analyzes the package `args` names.
    ///
    /// # Errors
    /// The directory or manifest is missing or invalid, the package is not in the workspace,
    /// cargo or rustc fails, a requested feature does not exist (cargo says so), or the
    /// analysis fails; the message names the file and line.
    pub(crate) fn load(args: &CrateArgs, selection: Selection) -> Result<Self, Failure> {
        if args.workspace {
            return Err(Failure::new(
                "this command works on one package: pick it with `-p NAME` instead of `--workspace`",
            ));
        }
        let manifest = manifest(args)?;
        let manifest = match &args.package {
            Some(name) => project::locate(&cargo(), &manifest, name)
                .map_err(|e| Failure::new(e.to_string()))?,
            None => manifest,
        };
        Self::load_manifest(args, &manifest, args.package.as_deref(), selection)
    }

    /// Analyzes every workspace member that depends on immperm (`--workspace`), or the one
    /// package `args` names.
    ///
    /// # Errors
    /// As [`Target::load`], for any of them.
    pub(crate) fn load_all(args: &CrateArgs, selection: Selection) -> Result<Vec<Self>, Failure> {
        if !args.workspace {
            return Ok(vec![Self::load(args, selection)?]);
        }
        if args.package.is_some() {
            return Err(Failure::new("`--workspace` and `-p` exclude each other"));
        }
        let manifest = manifest(args)?;
        let members =
            project::members(&cargo(), &manifest).map_err(|e| Failure::new(e.to_string()))?;
        if members.is_empty() {
            return Err(Failure::new(format!(
                "no package of the workspace at `{}` depends on `immperm`",
                manifest.display()
            )));
        }
        members
            .iter()
            .map(|(name, member)| Self::load_manifest(args, member, Some(name), selection))
            .collect()
    }

    /// Analyzes the package of `manifest`, `picked` by name from its workspace or not.
    fn load_manifest(
        args: &CrateArgs,
        manifest: &Path,
        picked: Option<&str>,
        selection: Selection,
    ) -> Result<Self, Failure> {
        let config = Config::from_manifest(manifest).map_err(|e| Failure::new(e.to_string()))?;
        let flags = !args.features.is_empty() || args.no_default_features || args.all_features;
        if selection == Selection::Configured && (flags || args.target.is_some()) {
            return Err(Failure::new(
                "`lock` derives the committed files for the features and target `[package.metadata.immperm]` \
                 configures (`features`, `default-features`, `target`): set them there rather than on the command line",
            ));
        }
        let features = if flags {
            Features::Requested {
                features: args.features.clone(),
                no_default: args.no_default_features,
                all: args.all_features,
            }
        } else {
            Features::Requested {
                features: config.features.clone(),
                no_default: !config.default_features,
                all: false,
            }
        };
        let host = analysis::host_triple(&rustc()).map_err(|e| Failure::new(e.to_string()))?;
        let platform = args
            .target
            .clone()
            .or_else(|| config.target.clone())
            .unwrap_or_else(|| host.clone());
        let analysis = Analysis::load(&Options {
            request: Request {
                cargo: cargo(),
                manifest_path: manifest.to_path_buf(),
                features,
                platform: Some(platform),
                offline: false,
                cache_dir: None,
            },
            cfg: TargetCfg::Rustc { rustc: rustc() },
        })
        .map_err(|error| {
            Failure::new(located_error(&display_dir(args, manifest, picked), error))
        })?;
        let dir = display_dir(args, manifest, picked);
        let mut naming = match picked {
            Some(name) => format!("-p {name}"),
            None if args.manifest_path.is_some() => String::new(),
            None => dir.display().to_string(),
        };
        if let Some(path) = &args.manifest_path {
            naming = format!("--manifest-path {} {naming}", path.display());
        }
        Ok(Self {
            dir,
            naming: naming.trim_end().to_owned(),
            host,
            analysis,
        })
    }

    /// Fails when an annotation's arguments do not parse: the crate does not compile with
    /// it, and a policy without it would be smaller than the code.
    ///
    /// # Errors
    /// Every such annotation, at its file, line and column, with the attribute's message.
    pub(crate) fn require_resolved(&self) -> Result<(), Failure> {
        if self.analysis.unresolved.is_empty() {
            return Ok(());
        }
        let lines: Vec<String> = self
            .analysis
            .unresolved
            .iter()
            .map(|u| {
                let mut u = u.clone();
                u.shown = located(&self.dir, &u.shown);
                u.to_string()
            })
            .collect();
        Err(Failure::new(lines.join("\n")))
    }

    /// The package name.
    pub(crate) fn name(&self) -> String {
        self.analysis.project.root.name.clone()
    }

    /// What a lock made of this analysis records as its target.
    pub(crate) fn lock_target(&self) -> String {
        self.analysis.lock_target(&self.host)
    }

    /// Grants broader than they could be: one line per function whose OSS actions are
    /// granted on every bucket. With `from_here`, files are named from the working directory,
    /// else relative to the package.
    pub(crate) fn open_bucket_warnings(&self, from_here: bool) -> Vec<String> {
        self.analysis
            .open_bucket_functions()
            .into_iter()
            .map(|function| {
                let function = if from_here {
                    located(&self.dir, &function)
                } else {
                    function
                };
                format!(
                    "{function}: no `bucket =` and no `buckets` under `[package.metadata.immperm]`: \
                     its OSS actions are granted on every bucket (`acs:oss:*:*:*`)"
                )
            })
            .collect()
    }

    /// `warning: ` lines for stderr: broader grants, and annotations in no policy.
    pub(crate) fn warnings(&self) -> String {
        let mut out = String::new();
        for warning in self.open_bucket_warnings(true) {
            let _ = writeln!(out, "warning: {warning}");
        }
        for unresolved in &self.analysis.unresolved {
            let _ = writeln!(
                out,
                "warning: {}:{}: {} (in no policy; the crate does not compile with it)",
                located(&self.dir, &unresolved.shown),
                unresolved.line,
                unresolved.reason
            );
        }
        out
    }

    /// A path relative to the package, as the user reaches it from where the command runs.
    pub(crate) fn display(&self, relative: &Path) -> String {
        located(&self.dir, &relative.to_string_lossy())
    }
}

/// The package directory as the user reaches it: `PATH` as given, else the manifest's, from
/// the working directory when it is under it.
fn display_dir(args: &CrateArgs, manifest: &Path, picked: Option<&str>) -> PathBuf {
    if args.manifest_path.is_none() && picked.is_none() {
        return args.path.clone();
    }
    let dir = manifest
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let here = std::env::current_dir().and_then(|here| here.canonicalize());
    match (here, dir.canonicalize()) {
        (Ok(here), Ok(full)) => match full.strip_prefix(&here) {
            Ok(relative) if relative.as_os_str().is_empty() => PathBuf::from("."),
            Ok(relative) => relative.to_path_buf(),
            Err(_) => dir,
        },
        _ => dir,
    }
}

/// An analysis error, its source file named from the working directory.
fn located_error(dir: &Path, error: AnalysisError) -> String {
    match error {
        AnalysisError::Scan {
            package,
            shown,
            mut error,
        } => {
            let file = if shown.is_empty() {
                error.file.clone()
            } else {
                format!("{shown}/{}", error.file)
            };
            error.file = located(dir, &file);
            format!("{error} (package `{package}`)")
        }
        other => other.to_string(),
    }
}

/// `file` (relative to the package directory `dir`) as reached from the working directory.
fn located(dir: &Path, file: &str) -> String {
    if dir == Path::new(".") || file.is_empty() {
        file.to_owned()
    } else {
        format!("{}/{file}", dir.display().to_string().trim_end_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_located_from_the_working_directory() {
        assert_eq!(located(Path::new("."), "src/lib.rs"), "src/lib.rs");
        assert_eq!(located(Path::new("app/"), "src/lib.rs"), "app/src/lib.rs");
        assert_eq!(located(Path::new("app"), ""), "");
    }
}
