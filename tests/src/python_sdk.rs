//! Alibaba Cloud's official Python SDKs, for the agreement tests: a virtual environment under
//! the target directory, filled from `scripts/sdk-agreement/requirements.txt` on first use.
//!
//! `cargo test` needs no separate install step: the first agreement test to run creates the
//! environment (`python3 -m venv`, then `pip install -r`), later runs reuse it while the
//! requirements file's content is unchanged (a stamp in the environment records it). Test
//! binaries that run at once take turns on a lock file, so one installs and the others wait.
//! Where Python or the packages cannot be had, the error says why (the interpreter missing,
//! pip's own output), and the test fails rather than skips.

use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The interpreter used to create the environment: `$PYTHON`, else `python3`.
fn base_interpreter() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// The workspace's root directory.
pub fn workspace_root() -> PathBuf {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR"));
    tests.parent().unwrap_or(tests).to_path_buf()
}

/// `scripts/sdk-agreement/`, where the SDK scripts and their requirements live.
pub fn scripts_dir() -> PathBuf {
    workspace_root().join("scripts").join("sdk-agreement")
}

fn interpreter_in(venv: &Path) -> PathBuf {
    if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    }
}

/// The last `limit` characters of a command's output, for an error message.
fn tail(output: &Output, limit: usize) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let count = text.chars().count();
    if count <= limit {
        return text.trim_end().to_owned();
    }
    let kept: String = text.chars().skip(count - limit).collect();
    format!("…{}", kept.trim_end())
}

fn run(command: &mut Command, what: &str) -> Result<(), String> {
    let output = command.output().map_err(|error| {
        format!(
            "cannot run `{}` ({error}) to {what}; the SDK agreement tests need Python 3 with its \
             `venv` module: install it, or set PYTHON to an interpreter",
            command.get_program().to_string_lossy()
        )
    })?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "could not {what} ({}):\n{}",
        output.status,
        tail(&output, 4000)
    ))
}

/// The Python interpreter of the environment under `target_tmpdir` (an integration test's
/// `env!("CARGO_TARGET_TMPDIR")`), created or brought up to date first.
///
/// # Errors
///
/// Why the environment cannot be made: no Python, `venv` failing (on Debian and Ubuntu the
/// `python3-venv` package provides it), or pip failing, with the command's output.
pub fn python(target_tmpdir: &Path) -> Result<PathBuf, String> {
    python_from(target_tmpdir, &base_interpreter())
}

fn python_from(target_tmpdir: &Path, base: &str) -> Result<PathBuf, String> {
    let requirements_path = scripts_dir().join("requirements.txt");
    let requirements = fs::read_to_string(&requirements_path)
        .map_err(|error| format!("cannot read {}: {error}", requirements_path.display()))?;
    fs::create_dir_all(target_tmpdir)
        .map_err(|error| format!("cannot create {}: {error}", target_tmpdir.display()))?;
    let venv = target_tmpdir.join("python-sdk");
    let python = interpreter_in(&venv);
    let stamp = venv.join("requirements.stamp");

    let lock_path = target_tmpdir.join("python-sdk.lock");
    let lock: File = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|error| format!("cannot open {}: {error}", lock_path.display()))?;
    // Held until `lock` drops at return: another test binary waits here while one installs.
    lock.lock()
        .map_err(|error| format!("cannot lock {}: {error}", lock_path.display()))?;

    if python.is_file() && fs::read_to_string(&stamp).is_ok_and(|done| done == requirements) {
        return Ok(python);
    }
    if venv.exists() {
        fs::remove_dir_all(&venv)
            .map_err(|error| format!("cannot remove the stale {}: {error}", venv.display()))?;
    }
    run(
        Command::new(base).arg("-m").arg("venv").arg(&venv),
        &format!(
            "create a Python virtual environment in {} with `{base} -m venv` (on Debian and \
             Ubuntu, install the python3-venv package)",
            venv.display()
        ),
    )?;
    run(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--no-input",
                "-r",
            ])
            .arg(&requirements_path),
        &format!(
            "install the official SDKs with pip from {} (pip needs PyPI, or a mirror set in \
             PIP_INDEX_URL)",
            requirements_path.display()
        ),
    )?;
    // Written last: an interrupted install leaves no stamp and is redone next time.
    fs::write(&stamp, &requirements)
        .map_err(|error| format!("cannot write {}: {error}", stamp.display()))?;
    Ok(python)
}

/// Runs `scripts/sdk-agreement/<script>` with the environment's interpreter, `stdin` as its
/// input, and returns what it printed.
///
/// # Errors
///
/// As [`python`], or the script's exit status and its error output.
pub fn run_script(target_tmpdir: &Path, script: &str, stdin: &[u8]) -> Result<Vec<u8>, String> {
    let python = python(target_tmpdir)?;
    let path = scripts_dir().join(script);
    let mut child = Command::new(&python)
        .arg(&path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| {
            format!(
                "cannot run {} {}: {error}",
                python.display(),
                path.display()
            )
        })?;
    if let Some(mut input) = child.stdin.take() {
        input
            .write_all(stdin)
            .map_err(|error| format!("cannot write to {script}: {error}"))?;
    }
    let output = child
        .wait_with_output()
        .map_err(|error| format!("{script} did not finish: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "{script} failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim_end()
        ));
    }
    Ok(output.stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_interpreter_is_a_clear_error() {
        let dir = std::env::temp_dir().join(format!("immperm-python-sdk-{}", std::process::id()));
        let error = python_from(&dir, "/nonexistent/python3").unwrap_err();
        assert!(
            error.starts_with("cannot run `/nonexistent/python3`")
                && error.contains("install it, or set PYTHON to an interpreter"),
            "{error}"
        );
        // Nothing half-made is left to be taken for a finished environment.
        assert!(!dir.join("python-sdk").join("requirements.stamp").exists());
        fs::remove_dir_all(&dir).unwrap();
    }
}
