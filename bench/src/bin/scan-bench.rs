//! Times the source scan on a crate made by `gen-corpus`, next to the floor of reading the
//! same files, in one run. Build it without optimisation (the default `dev` profile): build
//! scripts and their dependencies compile at opt-level 0, so that is the speed users get.
//!
//! ```text
//! scan-bench <crate-dir> [--runs N] [--only scan|first|rerun|floor]
//! ```
//!
//! `--only` runs just the cold scan, the first build, a re-run with nothing edited or the
//! floor, `N` times, and prints nothing else: for profilers (`perf record -g scan-bench DIR
//! --runs 200 --only scan`).
//!
//! Prints the median of `N` runs (default 7) of: the cold scan (no cache), the read floor
//! (every file the scan reads, read in turn), a first build (the
//! cold scan with an empty cache directory, which it fills, as a build script's first run
//! does), and a re-run with the cache after editing one file (an annotated one when there
//! are any), whose result must be the cold scan's.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use immperm_build::scan::{self, CfgSet, Scan, ScanOptions, Target, TargetKind};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("scan-bench: {message}");
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
        let mut number = |name: &str| -> Result<usize, String> {
            args.next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("`{name}` takes a number"))
        };
        match arg.as_str() {
            "--runs" => runs = number(&arg)?.max(1),
            "--only" => match args.next().as_deref() {
                Some(part @ ("scan" | "first" | "rerun" | "floor")) => {
                    only = Some(part.to_owned());
                }
                _ => return Err("`--only` takes `scan`, `first`, `rerun` or `floor`".to_owned()),
            },
            flag if flag.starts_with("--") => return Err(format!("unknown option `{flag}`")),
            path => dir = Some(PathBuf::from(path)),
        }
    }
    let dir =
        dir.ok_or("usage: scan-bench <crate-dir> [--runs N] [--only scan|first|rerun|floor]")?;
    Ok(Args { dir, runs, only })
}

fn run() -> Result<(), String> {
    let Args { dir, runs, only } = args()?;
    let cfg = CfgSet::new()
        .with_name("unix")
        .with_name("debug_assertions")
        .with_value("target_os", "linux")
        .with_value("target_family", "unix");
    let options = ScanOptions {
        package_dir: dir.clone(),
        targets: vec![Target {
            name: "corpus".to_owned(),
            kind: TargetKind::Lib,
            root: "src/lib.rs".into(),
        }],
        cfg,
        cache_dir: None,
    };
    let cache_dir = std::env::temp_dir().join(format!("immperm-scan-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&cache_dir);

    let reference = scan::scan(&options).map_err(|e| e.to_string())?;
    if let Some(part) = only {
        return repeat(&part, &options, &reference.files_read, runs);
    }
    let bytes: u64 = reference
        .files_read
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    let attributes = reference.functions.iter().flat_map(|f| &f.attributes);
    let compiled = attributes.clone().filter(|a| a.compiled).count();
    println!(
        "corpus: {} files ({:.1} MB), {} annotations compiled, {} not",
        reference.files_read.len(),
        mb(bytes),
        compiled,
        attributes.count() - compiled,
    );

    let mut cold = Vec::new();
    let mut floor = Vec::new();
    let mut first = Vec::new();
    let (mut cold_cpu, mut floor_cpu) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..runs {
        let before = cpu_time();
        floor.push(time(|| read_all(&reference.files_read)));
        let between = cpu_time();
        cold.push(time(|| scan::scan(&options).map(|_| ())));
        floor_cpu += between.saturating_sub(before);
        cold_cpu += cpu_time().saturating_sub(between);
        // A build script's first run: an empty cache, written at the end.
        let _ = std::fs::remove_dir_all(&cache_dir);
        let first_options = with_cache(&options, &cache_dir);
        first.push(time(|| scan::scan(&first_options).map(|_| ())));
    }
    let _ = std::fs::remove_dir_all(&cache_dir);
    let cold = median(cold)?;
    let first = median(first)?;
    let floor = median(floor)?;
    let per_run = |total: Duration| total / u32::try_from(runs).unwrap_or(u32::MAX);

    // Re-run after editing one file, with the cache: an annotated file when there are
    // any, otherwise the middle one of those read.
    let edited = match reference.functions.get(reference.functions.len() / 2) {
        Some(function) => Some(dir.join(&function.file)),
        None => reference
            .files_read
            .get(reference.files_read.len() / 2)
            .cloned(),
    };
    let rerun = match edited {
        Some(edited) => Some(rerun_after_edit(&options, &cache_dir, &edited, runs)?),
        None => None,
    };
    let _ = std::fs::remove_dir_all(&cache_dir);

    println!("runs: {runs} (medians)");
    println!("load average: {}", load_average());
    println!(
        "cold scan:        {:>8.1} ms wall, {:>8.1} ms CPU",
        ms(cold),
        ms(per_run(cold_cpu))
    );
    println!(
        "read floor:       {:>8.1} ms wall, {:>8.1} ms CPU  (scan/floor: {:.2}x wall, {:.2}x CPU)",
        ms(floor),
        ms(per_run(floor_cpu)),
        ratio(cold, floor),
        ratio(cold_cpu, floor_cpu)
    );
    println!(
        "first build:      {:>8.1} ms wall  (scan/floor: {:.2}x wall; the cold scan writing its cache)",
        ms(first),
        ratio(first, floor)
    );
    if let Some((rerun, rerun_cpu)) = rerun {
        println!(
            "re-run, one edit: {:>8.1} ms wall, {:>8.1} ms CPU",
            ms(rerun),
            ms(rerun_cpu)
        );
    }
    Ok(())
}

/// Runs only the cold scan, the first build, a re-run with nothing edited or the floor,
/// `runs` times: for profilers.
fn repeat(part: &str, options: &ScanOptions, files: &[PathBuf], runs: usize) -> Result<(), String> {
    let cache_dir = std::env::temp_dir().join(format!("immperm-scan-bench-{}", std::process::id()));
    for _ in 0..runs {
        match part {
            "scan" => scan::scan(options).map(drop).map_err(|e| e.to_string())?,
            "first" => {
                let _ = std::fs::remove_dir_all(&cache_dir);
                let first = with_cache(options, &cache_dir);
                scan::scan(&first).map(drop).map_err(|e| e.to_string())?;
            }
            // With the cache of the previous run (the first run fills it): nothing edited.
            "rerun" => scan::scan(&with_cache(options, &cache_dir))
                .map(drop)
                .map_err(|e| e.to_string())?,
            _ => read_all(files).map_err(|e| e.to_string())?,
        }
    }
    let _ = std::fs::remove_dir_all(&cache_dir);
    Ok(())
}

fn with_cache(options: &ScanOptions, cache_dir: &Path) -> ScanOptions {
    ScanOptions {
        cache_dir: Some(cache_dir.to_path_buf()),
        ..options.clone()
    }
}

/// What a scan found, as text: to compare a re-run with the cold scan of the same sources.
fn listing(scan: &Scan) -> Vec<String> {
    let functions = scan.functions.iter().flat_map(|f| {
        f.attributes.iter().map(move |a| {
            format!(
                "{}:{}:{} {}::{} {} {} {:?}",
                f.file, a.line, a.column, f.module_path, f.name, a.args, a.compiled, a.cfg
            )
        })
    });
    let files = scan.files_read.iter().map(|f| f.display().to_string());
    functions.chain(files).collect()
}

/// Scans with the cache, then times re-runs after editing `edited` (one run per edit), each
/// of which must find what a cold scan finds: the median wall time and the mean CPU time.
fn rerun_after_edit(
    options: &ScanOptions,
    cache_dir: &Path,
    edited: &Path,
    runs: usize,
) -> Result<(Duration, Duration), String> {
    let cached = with_cache(options, cache_dir);
    scan::scan(&cached).map_err(|e| e.to_string())?;
    let original = std::fs::read_to_string(edited).map_err(|e| e.to_string())?;
    let mut rerun = Vec::new();
    let mut cpu = Duration::ZERO;
    for index in 0..runs {
        let text = format!("{original}// edit {index}{}\n", " ".repeat(index % 3));
        std::fs::write(edited, text).map_err(|e| e.to_string())?;
        let mut last: Option<Scan> = None;
        let before = cpu_time();
        rerun.push(time(|| {
            last = Some(scan::scan(&cached)?);
            Ok::<(), scan::ScanError>(())
        }));
        cpu += cpu_time().saturating_sub(before);
        let cold = scan::scan(options).map_err(|e| e.to_string())?;
        if last.is_none_or(|last| listing(&last) != listing(&cold)) {
            return Err("the re-run found something else than the cold scan".to_owned());
        }
    }
    std::fs::write(edited, original).map_err(|e| e.to_string())?;
    Ok((
        median(rerun)?,
        cpu / u32::try_from(runs).unwrap_or(u32::MAX),
    ))
}

/// The CPU time (user + system) of this process so far, all threads included, from
/// `/proc/self/stat` (in ticks of 1/100 s, the Linux default); zero elsewhere.
fn cpu_time() -> Duration {
    let ticks = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|stat| {
            // Fields after the command name, which is in parentheses: utime and stime are
            // the 14th and 15th fields of the line.
            let rest = stat.rsplit_once(')')?.1;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let user: u64 = fields.get(11)?.parse().ok()?;
            let system: u64 = fields.get(12)?.parse().ok()?;
            Some(user + system)
        })
        .unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// The 1-minute load average, to judge how much of the machine the run had.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned())
}

fn mb(bytes: u64) -> f64 {
    f64::from(u32::try_from(bytes / 1000).unwrap_or(u32::MAX)) / 1000.0
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(f64::MIN_POSITIVE)
}

fn time<E: ToString>(mut f: impl FnMut() -> Result<(), E>) -> Result<Duration, String> {
    let start = Instant::now();
    f().map_err(|e| e.to_string())?;
    Ok(start.elapsed())
}

fn median(mut times: Vec<Result<Duration, String>>) -> Result<Duration, String> {
    let mut ok = Vec::with_capacity(times.len());
    for time in times.drain(..) {
        ok.push(time?);
    }
    ok.sort();
    ok.get(ok.len() / 2)
        .copied()
        .ok_or_else(|| "no runs".to_owned())
}

/// The floor: read every file.
fn read_all(files: &[PathBuf]) -> std::io::Result<()> {
    files
        .iter()
        .try_for_each(|file| std::fs::read(file).map(drop))
}
