//! The crate a command works on: its directory, its manifest, the configuration `#[cfg]` is
//! evaluated against, and its analysis.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use immperm_build::scan::CfgSet;
use immperm_build::{Analysis, AnalysisOptions, BuildError};

use crate::cli::CrateArgs;
use crate::features::{self, Request};
use crate::outcome::{Failure, note};

/// An analyzed crate.
pub(crate) struct Target {
    /// The directory as given on the command line.
    pub(crate) dir: PathBuf,
    /// The package name (`[package] name`), when the manifest has one.
    pub(crate) package: Option<String>,
    /// The enabled features.
    pub(crate) features: BTreeSet<String>,
    pub(crate) analysis: Analysis,
}

impl Target {
    /// Analyzes the crate `args` names.
    ///
    /// # Errors
    /// The directory or its manifest is missing or invalid, a requested feature does not
    /// exist, or the analysis fails; the message names the file and line.
    pub(crate) fn load(args: &CrateArgs) -> Result<Self, Failure> {
        let dir = args.path.clone();
        if !dir.is_dir() {
            let what = if dir.exists() {
                "is not a directory"
            } else {
                "does not exist"
            };
            return Err(Failure::new(format!(
                "`{}` {what}; name a crate directory (the one with `Cargo.toml`)",
                dir.display()
            )));
        }
        let manifest_path = dir.join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest_path).map_err(|error| {
            Failure::new(format!(
                "{}: cannot read the manifest: {error}; name a crate directory (the one with `Cargo.toml`)",
                manifest_path.display()
            ))
        })?;
        let manifest: toml::Table = toml::from_str(&text).map_err(|error| {
            let line = error.span().map_or_else(String::new, |span| {
                format!(":{}", line_of(&text, span.start))
            });
            Failure::new(format!(
                "{}{line}: invalid TOML: {}",
                manifest_path.display(),
                error.message().trim_end()
            ))
        })?;
        let package = manifest
            .get("package")
            .and_then(toml::Value::as_table)
            .and_then(|p| p.get("name"))
            .and_then(toml::Value::as_str)
            .map(str::to_owned);
        let request = Request {
            features: args.features.clone(),
            no_default: args.no_default_features,
            all: args.all_features,
        };
        let features = features::resolve(&manifest, &request)
            .map_err(|message| Failure::new(format!("{}: {message}", manifest_path.display())))?;
        let mut cfg = target_cfg(args.target.as_deref())?;
        for feature in &features {
            cfg = cfg.with_feature(feature);
        }
        let analysis = Analysis::load(&AnalysisOptions {
            manifest_dir: dir.clone(),
            cfg,
            cache_dir: None,
        })
        .map_err(|error| Failure::new(build_error(&dir, &error)))?;
        Ok(Self {
            dir,
            package,
            features,
            analysis,
        })
    }

    /// The package name, or the directory's name.
    pub(crate) fn name(&self) -> String {
        self.package.clone().unwrap_or_else(|| {
            std::fs::canonicalize(&self.dir)
                .ok()
                .and_then(|dir| dir.file_name().map(|n| n.to_string_lossy().into_owned()))
                .unwrap_or_else(|| "crate".to_owned())
        })
    }

    /// Grants broader than they could be: one line per function whose OSS actions are
    /// granted on every bucket. With `from_here`, files are named from the working directory,
    /// else relative to the crate.
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
            let p = &unresolved.provenance;
            let _ = writeln!(
                out,
                "warning: {}:{}: {} (in no policy; the crate does not compile with it)",
                located(&self.dir, &p.file),
                p.line,
                unresolved.reason
            );
        }
        out
    }

    /// A path relative to the crate, as the user reaches it from where the command runs.
    pub(crate) fn display(&self, relative: &Path) -> String {
        located(&self.dir, &relative.to_string_lossy())
    }
}

/// `file` (relative to the crate directory `dir`) as reached from the working directory.
fn located(dir: &Path, file: &str) -> String {
    if dir == Path::new(".") || file.is_empty() {
        file.to_owned()
    } else {
        format!("{}/{file}", dir.display().to_string().trim_end_matches('/'))
    }
}

/// The message of an analysis error, with the files of source errors reachable from the
/// working directory.
fn build_error(dir: &Path, error: &BuildError) -> String {
    match error {
        BuildError::Scan(scan) => {
            let mut located_error = scan.clone();
            located_error.file = located(dir, &scan.file);
            located_error.to_string()
        }
        other => other.to_string(),
    }
}

/// The cfg of the target (the host unless `triple` is given), from `rustc --print cfg`. When
/// rustc cannot be run, an empty set and a note: only features are then known.
///
/// # Errors
/// rustc runs but rejects the target triple.
fn target_cfg(triple: Option<&str>) -> Result<CfgSet, Failure> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let mut command = Command::new(&rustc);
    command.args(["--print", "cfg"]);
    if let Some(triple) = triple {
        command.args(["--target", triple]);
    }
    match command.output() {
        Ok(output) if output.status.success() => {
            Ok(parse_cfg(&String::from_utf8_lossy(&output.stdout)))
        }
        Ok(output) if triple.is_some() => {
            let stderr = String::from_utf8_lossy(&output.stderr);
            Err(Failure::new(format!(
                "`rustc --print cfg --target {}` failed: {}",
                triple.unwrap_or_default(),
                stderr.trim()
            )))
        }
        Ok(output) => {
            let stderr = String::from_utf8_lossy(&output.stderr);
            note(&format!(
                "`{} --print cfg` failed ({}); `#[cfg]` is evaluated with features only",
                rustc.to_string_lossy(),
                stderr.trim()
            ));
            Ok(CfgSet::new())
        }
        Err(error) => {
            note(&format!(
                "cannot run `{}` ({error}); `#[cfg]` is evaluated with features only",
                rustc.to_string_lossy()
            ));
            Ok(CfgSet::new())
        }
    }
}

/// Reads `rustc --print cfg` output: one `name` or `key="value"` per line.
fn parse_cfg(text: &str) -> CfgSet {
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

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset.min(text.len()))
        .map_or(0, |before| before.matches('\n').count())
        + 1
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

    #[test]
    fn files_are_located_from_the_working_directory() {
        assert_eq!(located(Path::new("."), "src/lib.rs"), "src/lib.rs");
        assert_eq!(located(Path::new("app/"), "src/lib.rs"), "app/src/lib.rs");
        assert_eq!(located(Path::new("app"), ""), "");
    }
}
