//! Times the whole build-time export (`immperm_build::export()`, what a user's `build.rs`
//! calls) on a crate made by `gen-corpus`, as cargo runs it: a process of its own with the
//! environment cargo gives build scripts, built without optimisation (the default `dev`
//! profile), since build scripts and their dependencies compile at opt-level 0.
//!
//! ```text
//! export-bench <crate-dir> [--runs N] [--only cold|rerun]
//! ```
//!
//! The crate is copied into a temporary directory and set up as users set it up (an
//! `immperm` dependency on this workspace's, `include_policies!()` at its root), then, `N`
//! times in turn (default 7), each a fresh process:
//!
//! - `spawn`: the process starting and exiting, doing nothing: the floor of any build script;
//! - `cold`: the export with an empty `OUT_DIR`: cargo's answer asked for (`cargo metadata`),
//!   every file scanned, everything written; what a clean build runs;
//! - `re-run`: the export after appending a line to one annotated file, with what the last
//!   run left in `OUT_DIR` (cargo's cached answer, the scan's cache): what `cargo check`
//!   runs after an edit.
//!
//! Prints the medians, and the cold export's figure without the `cargo metadata` it spawns.
//! `--only` runs just the cold export or the re-run, `N` times, and prints nothing: for
//! profilers (`perf record -g export-bench DIR --runs 20 --only rerun`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// The argument that makes the process the build script.
const CHILD: &str = "--as-build-script";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some(CHILD) {
        return match args.next().as_deref() {
            Some("export") => match immperm_build::export() {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("{error}");
                    ExitCode::FAILURE
                }
            },
            _ => ExitCode::SUCCESS,
        };
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("export-bench: {message}");
            ExitCode::from(2)
        }
    }
}

/// The command line: the crate directory, runs and `--only`.
struct Args {
    dir: PathBuf,
    runs: usize,
    only: Option<String>,
}

fn args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let mut dir = None;
    let mut runs = 7;
    let mut only = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => {
                runs = args
                    .next()
                    .and_then(|v| v.parse::<usize>().ok())
                    .ok_or("`--runs` takes a number")?
                    .max(1);
            }
            "--only" => match args.next().as_deref() {
                Some(part @ ("cold" | "rerun")) => only = Some(part.to_owned()),
                _ => return Err("`--only` takes `cold` or `rerun`".to_owned()),
            },
            flag if flag.starts_with("--") => return Err(format!("unknown option `{flag}`")),
            path => dir = Some(PathBuf::from(path)),
        }
    }
    let dir = dir.ok_or("usage: export-bench <crate-dir> [--runs N] [--only cold|rerun]")?;
    Ok(Args { dir, runs, only })
}

fn run() -> Result<(), String> {
    let Args {
        dir: corpus,
        runs,
        only,
    } = args()?;
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("no workspace")?
        .to_path_buf();
    let work = std::env::temp_dir().join(format!("immperm-export-bench-{}", std::process::id()));
    let result = measure(&corpus, &workspace, &work, runs, only.as_deref());
    let _ = std::fs::remove_dir_all(&work);
    result
}

fn measure(
    corpus: &Path,
    workspace: &Path,
    work: &Path,
    runs: usize,
    only: Option<&str>,
) -> Result<(), String> {
    let package = work.join("corpus");
    copy(corpus, &package).map_err(|e| format!("copying {}: {e}", corpus.display()))?;
    set_up(&package, workspace)?;
    let edited = annotated_file(&package.join("src"))
        .ok_or("the crate has no annotated file to edit; generate it with annotations")?;
    let out_dir = work.join("target/debug/build/corpus-0/out");
    let env = build_env(&package, &out_dir, &work.join("target"))?;
    // The build script is this program under another name, so that profiles tell it apart
    // (`perf report --comm export-child`).
    // It stays beside this program, where profilers find its symbols.
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let me = exe.with_file_name("export-child");
    std::fs::copy(&exe, &me).map_err(|e| e.to_string())?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let child = |part: &str| -> Result<Duration, String> {
        let start = Instant::now();
        let output = Command::new(&me)
            .args([CHILD, part])
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| e.to_string())?;
        let elapsed = start.elapsed();
        if !output.status.success() {
            return Err(format!(
                "the export failed:\n{}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        Ok(elapsed)
    };
    let metadata = || -> Result<Duration, String> {
        let start = Instant::now();
        let status = Command::new(&cargo)
            .args(["metadata", "--format-version", "1", "--offline"])
            .args(["--filter-platform", &host()?])
            .arg("--manifest-path")
            .arg(package.join("Cargo.toml"))
            .stdout(Stdio::null())
            .status()
            .map_err(|e| e.to_string())?;
        if !status.success() {
            return Err("cargo metadata failed".to_owned());
        }
        Ok(start.elapsed())
    };
    let clean = || -> Result<(), String> {
        let _ = std::fs::remove_dir_all(&out_dir);
        let _ = std::fs::remove_dir_all(work.join("target/immperm"));
        std::fs::create_dir_all(&out_dir).map_err(|e| e.to_string())
    };
    let edit = |round: usize| -> Result<(), String> {
        let mut text = std::fs::read_to_string(&edited).map_err(|e| e.to_string())?;
        let _ = writeln!(text, "// edit {round}");
        std::fs::write(&edited, text).map_err(|e| e.to_string())
    };
    // Warm the file system cache and check that the export succeeds.
    child("export")?;
    if let Some(part) = only {
        for round in 0..runs {
            if part == "cold" {
                clean()?;
            } else {
                edit(round)?;
            }
            child("export")?;
        }
        return Ok(());
    }
    let (mut spawn, mut cold, mut rerun, mut asked) = (vec![], vec![], vec![], vec![]);
    for round in 0..runs {
        spawn.push(child("noop")?);
        clean()?;
        cold.push(child("export")?);
        asked.push(metadata()?);
        edit(round)?;
        rerun.push(child("export")?);
    }
    let (spawn, cold, rerun, asked) = (median(spawn), median(cold), median(rerun), median(asked));
    println!("export of {} ({runs} runs, medians)", corpus.display());
    println!("  spawn            {:>8.1} ms", ms(spawn));
    println!("  cold             {:>8.1} ms", ms(cold));
    println!(
        "  cold - metadata  {:>8.1} ms   (cargo metadata alone: {:.1} ms)",
        ms(cold.saturating_sub(asked)),
        ms(asked)
    );
    println!("  re-run           {:>8.1} ms", ms(rerun));
    Ok(())
}

/// The crate set up as users set it up: the runtime as a dependency, the table included.
fn set_up(package: &Path, workspace: &Path) -> Result<(), String> {
    let manifest = package.join("Cargo.toml");
    let mut text = std::fs::read_to_string(&manifest).map_err(|e| e.to_string())?;
    if !text.contains("[dependencies]") {
        text.push_str("\n[dependencies]\n");
    }
    let immperm = workspace.join("immperm");
    text = text.replacen(
        "[dependencies]\n",
        &format!(
            "[dependencies]\nimmperm = {{ path = {:?} }}\n",
            immperm.display().to_string()
        ),
        1,
    );
    text.push_str("\n[package.metadata.immperm]\nbuckets = [\"media\"]\n\n[workspace]\n");
    std::fs::write(&manifest, text).map_err(|e| e.to_string())?;
    std::fs::copy(workspace.join("Cargo.lock"), package.join("Cargo.lock"))
        .map_err(|e| e.to_string())?;
    let lib = package.join("src/lib.rs");
    let text = std::fs::read_to_string(&lib).map_err(|e| e.to_string())?;
    std::fs::write(&lib, format!("immperm::include_policies!();\n{text}"))
        .map_err(|e| e.to_string())
}

/// The environment cargo gives the package's build script (what the export reads of it).
fn build_env(
    package: &Path,
    out_dir: &Path,
    target_dir: &Path,
) -> Result<Vec<(String, String)>, String> {
    let host = host()?;
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(&rustc)
        .args(["--print", "cfg"])
        .output()
        .map_err(|e| e.to_string())?;
    let mut cfg: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let (name, value) = line.split_once('=').unwrap_or((line, ""));
        let values = cfg
            .entry(format!("CARGO_CFG_{}", name.to_uppercase()))
            .or_default();
        let value = value.trim_matches('"');
        if !value.is_empty() {
            values.push(value.to_owned());
        }
    }
    let mut env: Vec<(String, String)> = cfg
        .into_iter()
        .map(|(name, values)| (name, values.join(",")))
        .collect();
    let path = |p: &Path| p.display().to_string();
    env.extend([
        ("CARGO".to_owned(), cargo),
        ("RUSTC".to_owned(), rustc),
        ("CARGO_MANIFEST_DIR".to_owned(), path(package)),
        ("CARGO_PKG_NAME".to_owned(), "corpus".to_owned()),
        ("CARGO_TARGET_DIR".to_owned(), path(target_dir)),
        ("OUT_DIR".to_owned(), path(out_dir)),
        ("TARGET".to_owned(), host.clone()),
        ("HOST".to_owned(), host),
        ("PROFILE".to_owned(), "debug".to_owned()),
        ("OPT_LEVEL".to_owned(), "0".to_owned()),
        ("DEBUG".to_owned(), "true".to_owned()),
        ("NUM_JOBS".to_owned(), "2".to_owned()),
    ]);
    for name in [
        "PATH",
        "HOME",
        "CARGO_HOME",
        "RUSTUP_HOME",
        "RUSTUP_TOOLCHAIN",
    ] {
        if let Ok(value) = std::env::var(name) {
            env.push((name.to_owned(), value));
        }
    }
    Ok(env)
}

fn host() -> Result<String, String> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let output = Command::new(rustc)
        .arg("-vV")
        .output()
        .map_err(|e| e.to_string())?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(str::to_owned)
        .ok_or_else(|| "`rustc -vV` names no host".to_owned())
}

/// The first file (in sorted order) under `dir` with an annotation.
fn annotated_file(dir: &Path) -> Option<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    entries.into_iter().find_map(|path| {
        if path.is_dir() {
            annotated_file(&path)
        } else {
            std::fs::read_to_string(&path)
                .ok()
                .filter(|text| text.contains("#[requires_imm(") || text.contains("::requires_imm("))
                .map(|_| path)
        }
    })
}

fn copy(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            if entry.file_name() != "target" {
                copy(&entry.path(), &target)?;
            }
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}
