//! Scratch workspaces, built with the real cargo as users build them: the build script's
//! export runs, the attribute checks itself against its table, and the build's documents land
//! in `target/immperm/<package>/` where the tests read them.
//!
//! Every scratch workspace lives under the workspace's `target/tmp/scratch/` and shares one
//! target directory (`target/scratch-target/`), so immperm and its dependencies compile once
//! for all of them; give each test's packages names of their own, since the documents of a
//! package go to `target/scratch-target/immperm/<package>/`.
#![expect(
    clippy::panic,
    clippy::missing_panics_doc,
    reason = "test support: a step that cannot be done is a failed test, said where it failed"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::python_sdk::workspace_root;

/// A workspace of its own, with files written by the test.
pub struct Scratch {
    root: PathBuf,
}

/// The target directory every scratch workspace builds into.
pub fn target_dir() -> PathBuf {
    workspace_root().join("target").join("scratch-target")
}

/// `immperm = { path = "…" }`, for a scratch manifest's `[dependencies]`.
pub fn immperm_dependency(features: &[&str]) -> String {
    let path = workspace_root().join("immperm");
    let features: Vec<String> = features.iter().map(|f| format!("{f:?}")).collect();
    format!(
        "immperm = {{ path = {:?}, features = [{}] }}",
        path.display().to_string(),
        features.join(", ")
    )
}

/// `immperm-build = { path = "…" }`, for a scratch manifest's `[build-dependencies]`.
pub fn build_dependency() -> String {
    let path = workspace_root().join("immperm-build");
    format!(
        "immperm-build = {{ path = {:?} }}",
        path.display().to_string()
    )
}

/// The build script users write.
pub const BUILD_RS: &str = "fn main() {\n    if let Err(e) = immperm_build::export() {\n        eprintln!(\"{e}\");\n        std::process::exit(1);\n    }\n}\n";

/// A package manifest using immperm: `name`, then `extra` (more tables or keys), with the
/// runtime and the build engine as dependencies.
pub fn manifest(name: &str, extra: &str) -> String {
    format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
         {extra}\n\n[build-dependencies]\n{}\n",
        build_dependency()
    )
}

impl Scratch {
    /// An empty scratch workspace `name` (what was there before is removed).
    pub fn new(name: &str) -> Self {
        let root = workspace_root()
            .join("target")
            .join("tmp")
            .join("scratch")
            .join(name);
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap_or_else(|e| panic!("{}: {e}", root.display()));
        // The workspace's lock file, so that nothing is resolved anew (cargo drops what a
        // scratch workspace does not use).
        let _ = std::fs::copy(workspace_root().join("Cargo.lock"), root.join("Cargo.lock"));
        Self { root }
    }

    /// Writes `text` to `path` (relative to the workspace), creating directories.
    pub fn file(&self, path: &str, text: &str) -> &Self {
        let path = self.root.join(path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        }
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        self
    }

    /// A path in the workspace.
    pub fn path(&self, path: &str) -> PathBuf {
        self.root.join(path)
    }

    /// The workspace directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Runs cargo in the workspace (or in `dir` under it) with `args`, offline, into the
    /// shared target directory, without `IMMPERM_CHECK` unless `env` sets it.
    pub fn cargo_in(&self, dir: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let mut command = Command::new(cargo);
        command
            .args(args)
            .arg("--offline")
            .current_dir(self.root.join(dir))
            .env("CARGO_TARGET_DIR", target_dir())
            .env("CARGO_TERM_COLOR", "never")
            .env_remove("IMMPERM_CHECK")
            .env_remove("RUSTFLAGS");
        for (key, value) in env {
            command.env(key, value);
        }
        command
            .output()
            .unwrap_or_else(|e| panic!("cannot run cargo: {e}"))
    }

    /// [`cargo_in`](Self::cargo_in) at the workspace root.
    pub fn cargo(&self, args: &[&str]) -> Output {
        self.cargo_in(".", args, &[])
    }

    /// [`cargo`](Self::cargo), which must succeed; its standard error.
    pub fn cargo_ok(&self, args: &[&str]) -> String {
        let output = self.cargo(args);
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(
            output.status.success(),
            "`cargo {}` failed in {}:\n{stderr}",
            args.join(" "),
            self.root.display()
        );
        stderr
    }

    /// What the last build of `package` exported as `file` (`caller.json`, `immperm.lock`).
    pub fn exported(&self, package: &str, file: &str) -> Option<String> {
        std::fs::read_to_string(target_dir().join("immperm").join(package).join(file)).ok()
    }

    /// Every file of the workspace but the lock file and what builds write, by path, with
    /// its bytes: to show that a build changed none.
    pub fn sources(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        fn walk(dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else if let Ok(bytes) = std::fs::read(&path) {
                    out.insert(path, bytes);
                }
            }
        }
        let mut files = BTreeMap::new();
        walk(&self.root, &mut files);
        files.remove(&self.root.join("Cargo.lock"));
        files
    }
}
