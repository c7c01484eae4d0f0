//! Writes a synthetic crate for the source-scan benchmarks: about 1,000,000 lines in about
//! 2,000 files of realistic Rust (structs, enums, generic impls, traits, nested and
//! `#[cfg]`-gated modules, `#[path]`), with `#[requires_imm]` annotations in a share of the
//! files.
//!
//! ```text
//! gen-corpus <dir> [--annotated-files N] [--per-file M] [--lines L] [--leaves K] [--flat]
//! ```
//!
//! `--leaves K` sets the leaf files per middle module (default 20, so 2,000 leaves): with
//! the same module tree and declaring files, two corpora that differ only in `K` tell what
//! each further leaf costs (`scripts/skipped-cost`).
//!
//! `--flat` puts the leaf files (2,000 by default) directly under `src/`, declared by
//! `lib.rs`, so that a scan of it is almost only the per-file work (a minimal module tree).
//!
//! The defaults make the first benchmark corpus: 1,000 annotations in 5% of the files
//! (`--annotated-files 100 --per-file 10`); the second is `--annotated-files 500 --per-file
//! 20` (10,000 annotations in 25%). `<dir>` is replaced.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Top-level modules and middle modules per top.
const TOPS: usize = 10;
const MIDS: usize = 10;

const OPERATIONS: [&str; 8] = [
    r#"op = "video/snapshots", async, saveas = "media-out/thumbs/", notify = "jobs""#,
    r#"op = "video/info""#,
    r#"op = "image/faces""#,
    r#"op = "doc/convert", async, saveas = "media-out/docs/""#,
    r#"op = "doc/preview""#,
    r#"op = "video/convert", async, bucket = "media-in""#,
    r#"op = "image/labels""#,
    r#"op = "audio/info""#,
];

struct Options {
    dir: PathBuf,
    annotated_files: usize,
    per_file: usize,
    lines: usize,
    /// Leaf files per middle module.
    leaves: usize,
    flat: bool,
}

fn parse_args() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let mut options = Options {
        dir: PathBuf::new(),
        annotated_files: 100,
        per_file: 10,
        lines: 480,
        leaves: 20,
        flat: false,
    };
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<usize, String> {
            args.next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("`{name}` takes a number"))
        };
        match arg.as_str() {
            "--annotated-files" => options.annotated_files = number(&arg)?,
            "--per-file" => options.per_file = number(&arg)?,
            "--lines" => options.lines = number(&arg)?,
            "--leaves" => options.leaves = number(&arg)?,
            "--flat" => options.flat = true,
            flag if flag.starts_with("--") => return Err(format!("unknown option `{flag}`")),
            dir => options.dir = PathBuf::from(dir),
        }
    }
    if options.dir.as_os_str().is_empty() {
        return Err(
            "usage: gen-corpus <dir> [--annotated-files N] [--per-file M] [--lines L] [--leaves K] \
             [--flat]"
                .to_owned(),
        );
    }
    Ok(options)
}

fn main() -> ExitCode {
    match parse_args().and_then(|options| generate(&options).map_err(|e| e.to_string())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("gen-corpus: {message}");
            ExitCode::from(2)
        }
    }
}

/// A small deterministic generator (xorshift), so corpora are identical run to run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        usize::try_from(self.0 % 1_000_003).unwrap_or(0)
    }
}

struct Stats {
    files: usize,
    lines: usize,
    annotations: usize,
    annotated_files: usize,
}

fn write(path: &Path, text: &str, stats: &mut Stats) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    stats.files += 1;
    stats.lines += text.lines().count();
    std::fs::write(path, text)
}

fn generate(options: &Options) -> std::io::Result<()> {
    if options.dir.exists() {
        std::fs::remove_dir_all(&options.dir)?;
    }
    let src = options.dir.join("src");
    let mut stats = Stats {
        files: 0,
        lines: 0,
        annotations: 0,
        annotated_files: 0,
    };
    let total_leaves = TOPS * MIDS * options.leaves;
    let every = total_leaves
        .checked_div(options.annotated_files)
        .unwrap_or(usize::MAX)
        .max(1);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);

    write(
        &options.dir.join("Cargo.toml"),
        "[package]\nname = \"corpus\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[features]\nextra = []\nmetrics = []\n",
        &mut stats,
    )?;
    let mut lib = String::from(
        "//! A synthetic service crate for benchmarks.\n\n#![allow(dead_code)]\n\nuse std::fmt;\n\n",
    );
    if options.flat {
        return generate_flat(options, &src, lib, every, stats, &mut rng);
    }
    for top in 0..TOPS {
        if top == TOPS - 1 {
            // Not compiled in the benchmark's configuration: read, listed as excluded.
            lib.push_str("#[cfg(feature = \"extra\")]\n");
        }
        let _ = writeln!(lib, "pub mod t{top:02};");
    }
    lib.push_str(&filler_types(0, &mut rng));
    write(&src.join("lib.rs"), &lib, &mut stats)?;

    let mut leaf_index = 0;
    for top in 0..TOPS {
        // Half the top modules are `tNN/mod.rs`, half `tNN.rs` next to a `tNN/` directory.
        let top_dir = src.join(format!("t{top:02}"));
        let top_file = if top % 2 == 0 {
            top_dir.join("mod.rs")
        } else {
            src.join(format!("t{top:02}.rs"))
        };
        let mut top_text = format!("//! Area {top}.\n\n");
        for mid in 0..MIDS {
            if mid == 3 {
                top_text.push_str("#[cfg(unix)]\n");
            }
            let _ = writeln!(top_text, "pub mod m{mid:02};");
        }
        top_text.push_str(&filler_types(top + 1, &mut rng));
        write(&top_file, &top_text, &mut stats)?;

        for mid in 0..MIDS {
            let mid_dir = top_dir.join(format!("m{mid:02}"));
            let mid_file = if mid % 2 == 0 {
                mid_dir.join("mod.rs")
            } else {
                top_dir.join(format!("m{mid:02}.rs"))
            };
            let mut mid_text = format!("//! Component {top}.{mid}.\n\nuse std::fmt;\n\n");
            for leaf in 0..options.leaves {
                if leaf == 7 {
                    // `#[path]` relative to this file's directory.
                    let relative = if mid % 2 == 0 {
                        format!("impl_l{leaf:02}.rs")
                    } else {
                        format!("m{mid:02}/impl_l{leaf:02}.rs")
                    };
                    let _ = writeln!(mid_text, "#[path = \"{relative}\"]");
                } else if leaf == 11 {
                    mid_text.push_str("#[cfg(any(unix, windows))]\n");
                }
                let _ = writeln!(mid_text, "pub mod l{leaf:02};");
            }
            mid_text.push_str("\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn builds() {}\n}\n");
            write(&mid_file, &mid_text, &mut stats)?;

            for leaf in 0..options.leaves {
                let name = if leaf == 7 {
                    format!("impl_l{leaf:02}.rs")
                } else {
                    format!("l{leaf:02}.rs")
                };
                let annotations = if leaf_index % every == every / 2
                    && stats.annotated_files < options.annotated_files
                {
                    stats.annotated_files += 1;
                    options.per_file
                } else {
                    0
                };
                stats.annotations += annotations;
                let text = leaf_file(leaf_index, options.lines, annotations, &mut rng);
                write(&mid_dir.join(name), &text, &mut stats)?;
                leaf_index += 1;
            }
        }
    }
    report(options, &stats);
    Ok(())
}

/// The `--flat` layout: every leaf directly under `src/`.
fn generate_flat(
    options: &Options,
    src: &Path,
    mut lib: String,
    every: usize,
    mut stats: Stats,
    rng: &mut Rng,
) -> std::io::Result<()> {
    let leaves = TOPS * MIDS * options.leaves;
    for leaf in 0..leaves {
        let _ = writeln!(lib, "pub mod l{leaf:04};");
    }
    write(&src.join("lib.rs"), &lib, &mut stats)?;
    for leaf in 0..leaves {
        let annotations =
            if leaf % every == every / 2 && stats.annotated_files < options.annotated_files {
                stats.annotated_files += 1;
                options.per_file
            } else {
                0
            };
        stats.annotations += annotations;
        let text = leaf_file(leaf, options.lines, annotations, rng);
        write(&src.join(format!("l{leaf:04}.rs")), &text, &mut stats)?;
    }
    report(options, &stats);
    Ok(())
}

fn report(options: &Options, stats: &Stats) {
    println!(
        "{}: {} files, {} lines, {} annotations in {} files",
        options.dir.display(),
        stats.files,
        stats.lines,
        stats.annotations,
        stats.annotated_files
    );
}

/// A few item definitions, so module files are not only declarations.
fn filler_types(seed: usize, rng: &mut Rng) -> String {
    let n = rng.next() % 5 + 2;
    format!(
        r#"
/// The error of this area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error{seed} {{
    /// Not found.
    NotFound(u64),
    /// Invalid input.
    Invalid {{ field: &'static str, reason: String }},
}}

impl fmt::Display for Error{seed} {{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {{
        match self {{
            Self::NotFound(id) => write!(f, "not found: {{id}}"),
            Self::Invalid {{ field, reason }} => write!(f, "invalid {{field}}: {{reason}}"),
        }}
    }}
}}

pub const LIMIT_{seed}: usize = {n};
"#
    )
}

/// One block of realistic code (about 60 lines), varied by `k`.
fn block(file: usize, k: usize, rng: &mut Rng) -> String {
    let a = rng.next() % 97 + 3;
    let b = rng.next() % 13 + 2;
    format!(
        r#"
/// A record kept by store {k}.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Record{k}<T: Clone> {{
    pub id: u64,
    pub name: String,
    pub payload: Vec<T>,
    pub tags: HashMap<String, String>,
}}

/// Storage of records.
pub trait Store{k} {{
    type Item;
    fn get(&self, id: u64) -> Option<&Self::Item>;
    fn put(&mut self, item: Self::Item) -> Result<(), String>;
    fn len(&self) -> usize {{
        0
    }}
}}

impl<T: Clone + fmt::Debug> Store{k} for Vec<Record{k}<T>> {{
    type Item = Record{k}<T>;

    fn get(&self, id: u64) -> Option<&Self::Item> {{
        self.iter().find(|r| r.id == id)
    }}

    fn put(&mut self, item: Self::Item) -> Result<(), String> {{
        if self.iter().any(|r| r.id == item.id) {{
            return Err(format!("duplicate {{}} in {file}", item.id));
        }}
        self.push(item);
        Ok(())
    }}
}}

pub fn process_{k}<I: IntoIterator<Item = u32>>(items: I) -> u64 {{
    let mut total: u64 = 0;
    for (i, x) in items.into_iter().enumerate() {{
        match x % {b} {{
            0 => total += u64::from(x) * {a},
            1 | 2 => total = total.wrapping_sub(i as u64),
            _ => {{
                let scaled = (0..x).filter(|v| v % 2 == 0).map(u64::from).sum::<u64>();
                total ^= scaled;
            }}
        }}
    }}
    total
}}

#[cfg(feature = "metrics")]
pub fn metrics_{k}(records: &[Record{k}<u8>]) -> HashMap<&str, usize> {{
    let mut counts = HashMap::new();
    for record in records {{
        *counts.entry(record.name.as_str()).or_insert(0) += record.payload.len();
    }}
    counts
}}

mod helpers_{k} {{
    pub(super) fn clamp(value: i64, low: i64, high: i64) -> i64 {{
        value.max(low).min(high)
    }}

    pub mod nested {{
        pub fn describe(level: u8) -> &'static str {{
            if level > {b} {{ "high" }} else {{ "low" }}
        }}
    }}
}}
"#
    )
}

/// An annotated function, as a method or a free function.
fn annotated(file: usize, n: usize) -> String {
    let op = OPERATIONS
        .get(n % OPERATIONS.len())
        .copied()
        .unwrap_or_default();
    if n.is_multiple_of(2) {
        format!(
            r#"
impl MediaService {{
    #[requires_imm({op})]
    pub async fn task_{file}_{n}(&self, key: &str) -> Result<String, String> {{
        let url = format!("{{}}/{{key}}?x-oss-process=op{n}", self.endpoint);
        Ok(url)
    }}
}}
"#
        )
    } else {
        format!(
            r#"
#[immperm::requires_imm({op})]
pub fn call_{file}_{n}(service: &MediaService, key: &str) -> String {{
    format!("{{}}/{{key}}", service.endpoint)
}}
"#
        )
    }
}

fn leaf_file(file: usize, lines: usize, annotations: usize, rng: &mut Rng) -> String {
    let mut text = format!(
        "//! Leaf module {file}.\n\nuse std::collections::HashMap;\nuse std::fmt;\n\n\
         /// Calls IMM through OSS.\npub struct MediaService {{\n    pub endpoint: String,\n}}\n"
    );
    if annotations > 0 {
        text.push_str("\nuse immperm::requires_imm;\n");
    }
    let mut k = 0;
    let mut n = 0;
    while text.lines().count() < lines {
        text.push_str(&block(file, k, rng));
        k += 1;
        // Spread the annotations between the blocks.
        while n < annotations && n * lines < text.lines().count() * annotations {
            text.push_str(&annotated(file, n));
            n += 1;
        }
    }
    while n < annotations {
        text.push_str(&annotated(file, n));
        n += 1;
    }
    text.push_str(
        "\n#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn processes() {\n        assert!(process_0(vec![1, 2, 3]) > 0 || true);\n    }\n}\n",
    );
    text
}
