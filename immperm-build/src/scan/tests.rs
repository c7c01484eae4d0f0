//! The scan on small fixture crates written to a temporary directory.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;

/// A crate written to a fresh temporary directory, removed on drop.
struct Fixture {
    dir: PathBuf,
}

impl Fixture {
    fn new(files: &[(&str, &str)]) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "immperm-scan-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let fixture = Self { dir };
        for (path, text) in files {
            fixture.write(path, text);
        }
        fixture
    }

    fn write(&self, path: &str, text: impl AsRef<[u8]>) {
        let path = self.dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn options(&self) -> ScanOptions {
        ScanOptions::new(&self.dir)
    }

    fn scan(&self) -> Scan {
        scan_crate(&self.options()).unwrap_or_else(|e| panic!("{e}"))
    }

    fn error(&self) -> String {
        scan_crate(&self.options()).unwrap_err().to_string()
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `file:line module::function op mode` per annotation.
fn listing(found: &[Found]) -> Vec<String> {
    found
        .iter()
        .map(|f| {
            let p = &f.provenance;
            format!(
                "{}:{} {}::{} {} {}",
                p.file,
                p.line,
                p.module_path,
                p.function,
                f.operation,
                f.mode.as_str()
            )
        })
        .collect()
}

fn paths(scan: &Scan, base: &Path) -> Vec<String> {
    scan.files_read
        .iter()
        .map(|p| display_path(p, base))
        .collect()
}

/// Files parsed, token-scanned, only read and taken from the cache.
fn stats(parsed: usize, token_scanned: usize, read: usize, cached: usize) -> ScanStats {
    ScanStats {
        parsed,
        token_scanned,
        read,
        cached,
    }
}

#[test]
fn nested_modules_methods_and_mod_rs_are_walked() {
    let fixture = Fixture::new(&[
        ("src/lib.rs", "pub mod media;\nmod probe;\n"),
        (
            "src/media/mod.rs",
            "pub mod thumbs;\nmod inline {\n    mod deep;\n}\n",
        ),
        (
            "src/media/thumbs.rs",
            r#"use immperm::requires_imm;

pub struct Thumbs<T>(T);

impl<T: Clone> Thumbs<T> {
    #[requires_imm(op = "video/snapshots", async, saveas = "media-out/thumbs/", notify = "jobs")]
    pub async fn make(&self) {
        #[immperm::requires_imm(op = "video/info")]
        fn nested() {}
    }
}

pub trait Probe {
    #[requires_imm(op = "image/faces")]
    fn faces(&self) {}
    #[requires_imm(op = "image/labels")]
    fn labels(&self);
}
"#,
        ),
        (
            "src/media/inline/deep.rs",
            "#[requires_imm(op = \"doc/preview\")]\nfn preview() {}\n",
        ),
        ("src/probe.rs", "mod sub;\n"),
        (
            "src/probe/sub.rs",
            "// requires_imm is mentioned, but nothing is annotated\nuse immperm::requires_imm;\n",
        ),
        (
            "src/unused.rs",
            "#[requires_imm(op = \"video/info\")] fn never() {}\n",
        ),
    ]);
    let scan = fixture.scan();
    assert_eq!(
        listing(&scan.found),
        [
            "src/media/inline/deep.rs:1 crate::media::inline::deep::preview doc/preview sync",
            "src/media/thumbs.rs:6 crate::media::thumbs::Thumbs::make video/snapshots async",
            "src/media/thumbs.rs:8 crate::media::thumbs::nested video/info sync",
            "src/media/thumbs.rs:14 crate::media::thumbs::Probe::faces image/faces sync",
        ]
    );
    let make = &scan.found[1];
    assert_eq!(
        make.saveas,
        Some(Saveas::Target("media-out/thumbs/".to_owned()))
    );
    assert_eq!(make.notify.as_deref(), Some("jobs"));
    assert_eq!(make.provenance.column, 5);
    assert_eq!(
        paths(&scan, &fixture.dir),
        [
            "src/lib.rs",
            "src/media/inline/deep.rs",
            "src/media/mod.rs",
            "src/media/thumbs.rs",
            "src/probe.rs",
            "src/probe/sub.rs",
        ]
    );
    assert_eq!(scan.stats, stats(2, 3, 1, 0));
    assert!(scan.excluded.is_empty() && scan.unresolved.is_empty());
}

#[test]
fn path_attributes_follow_the_compilers_rules() {
    let fixture = Fixture::new(&[
        (
            "src/main.rs",
            r#"#[path = "elsewhere/renamed.rs"]
mod a;
mod b;
#[path = "dir"]
mod inline {
    mod c;
}
"#,
        ),
        // A `#[path]` file owns its directory: `mod d;` is its sibling.
        ("src/elsewhere/renamed.rs", "mod d;\n"),
        (
            "src/elsewhere/d.rs",
            "#[requires_imm(op = \"video/info\")] fn d() {}\n",
        ),
        // In a non-mod.rs file, `#[path]` is relative to the file's directory, and inline
        // modules nest under the file's name.
        (
            "src/b.rs",
            "#[path = \"other.rs\"]\nmod e;\nmod inner {\n    #[path = \"f.rs\"]\n    mod f;\n}\n",
        ),
        (
            "src/other.rs",
            "#[requires_imm(op = \"video/info\")] fn e() {}\n",
        ),
        (
            "src/b/inner/f.rs",
            "#[requires_imm(op = \"video/info\")] fn f() {}\n",
        ),
        (
            "src/dir/c.rs",
            "#[requires_imm(op = \"video/info\")] fn c() {}\n",
        ),
    ]);
    let scan = fixture.scan();
    assert_eq!(
        listing(&scan.found),
        [
            "src/b/inner/f.rs:1 crate::b::inner::f::f video/info sync",
            "src/dir/c.rs:1 crate::inline::c::c video/info sync",
            "src/elsewhere/d.rs:1 crate::a::d::d video/info sync",
            "src/other.rs:1 crate::b::e::e video/info sync",
        ]
    );
}

#[test]
fn cfg_on_modules_items_and_cfg_attr_is_evaluated() {
    let fixture = Fixture::new(&[
        (
            "src/lib.rs",
            r#"#[cfg(feature = "video")]
mod video;
#[cfg(windows)]
mod windows_only;
#[cfg(test)]
mod tests;
mod gated;
mod missing_but_off {
    #[cfg(any())]
    mod not_there;
}
"#,
        ),
        (
            "src/video.rs",
            "#[requires_imm(op = \"video/info\")] fn info() {}\n",
        ),
        (
            "src/windows_only.rs",
            "#[requires_imm(op = \"image/faces\")] fn faces() {}\n",
        ),
        (
            "src/tests.rs",
            "#[requires_imm(op = \"image/faces\")] fn in_tests() {}\n",
        ),
        (
            "src/gated.rs",
            r#"#[cfg(unix)]
#[requires_imm(op = "doc/preview")]
fn unix_only() {}

#[cfg(not(unix))]
impl Service {
    #[requires_imm(op = "doc/preview")]
    fn elsewhere(&self) {}
}

#[cfg_attr(feature = "video", requires_imm(op = "video/snapshots", async))]
#[cfg_attr(not(feature = "video"), immperm::requires_imm(op = "image/faces"))]
fn either() {}

#[cfg(target_os = "linux")]
mod linux {
    #![cfg(target_env = "gnu")]
    #[requires_imm(op = "video/info")]
    fn glibc() {}
}
"#,
        ),
    ]);
    let cfg = CfgSet::from_vars([
        ("CARGO_FEATURE_VIDEO", "1"),
        ("CARGO_CFG_UNIX", ""),
        ("CARGO_CFG_TARGET_OS", "linux"),
        ("CARGO_CFG_TARGET_ENV", "musl"),
    ]);
    let scan = scan_crate(&fixture.options().cfg(cfg)).unwrap();
    assert_eq!(
        listing(&scan.found),
        [
            "src/gated.rs:2 crate::gated::unix_only doc/preview sync",
            "src/gated.rs:11 crate::gated::either video/snapshots async",
            "src/video.rs:1 crate::video::info video/info sync",
        ]
    );
    assert_eq!(
        listing(&scan.excluded),
        [
            "src/gated.rs:7 crate::gated::Service::elsewhere doc/preview sync",
            "src/gated.rs:12 crate::gated::either image/faces sync",
            "src/gated.rs:18 crate::gated::linux::glibc video/info sync",
            "src/tests.rs:1 crate::tests::in_tests image/faces sync",
            "src/windows_only.rs:1 crate::windows_only::faces image/faces sync",
        ]
    );
    assert_eq!(scan.found[0].cfg.as_deref(), Some("unix"));
    assert_eq!(
        scan.excluded[2].cfg.as_deref(),
        Some(r#"all(target_os = "linux", target_env = "gnu")"#)
    );
    assert_eq!(
        scan.excluded[1].cfg.as_deref(),
        Some(r#"not(feature = "video")"#)
    );

    // Without the feature and on another system, the other branch is taken.
    let scan = scan_crate(&fixture.options().cfg(CfgSet::new().with_name("windows"))).unwrap();
    assert_eq!(
        listing(&scan.found),
        [
            "src/gated.rs:7 crate::gated::Service::elsewhere doc/preview sync",
            "src/gated.rs:12 crate::gated::either image/faces sync",
            "src/windows_only.rs:1 crate::windows_only::faces image/faces sync",
        ]
    );
}

#[test]
fn cfg_attr_can_gate_modules_and_paths() {
    let fixture = Fixture::new(&[
        (
            "src/lib.rs",
            "#[cfg_attr(unix, path = \"unix_impl.rs\")]\nmod platform;\n#[cfg_attr(feature = \"x\", cfg(windows))]\nmod only_windows_with_x;\n",
        ),
        (
            "src/unix_impl.rs",
            "#[requires_imm(op = \"video/info\")] fn unix() {}\n",
        ),
        (
            "src/platform.rs",
            "#[requires_imm(op = \"image/faces\")] fn other() {}\n",
        ),
        (
            "src/only_windows_with_x.rs",
            "#[requires_imm(op = \"doc/preview\")] fn x() {}\n",
        ),
    ]);
    let unix = CfgSet::new().with_name("unix").with_feature("x");
    let scan = scan_crate(&fixture.options().cfg(unix)).unwrap();
    assert_eq!(
        listing(&scan.found),
        ["src/unix_impl.rs:1 crate::platform::unix video/info sync"]
    );
    assert_eq!(
        listing(&scan.excluded),
        ["src/only_windows_with_x.rs:1 crate::only_windows_with_x::x doc/preview sync"]
    );
    let scan = fixture.scan();
    assert_eq!(
        listing(&scan.found),
        [
            "src/only_windows_with_x.rs:1 crate::only_windows_with_x::x doc/preview sync",
            "src/platform.rs:1 crate::platform::other image/faces sync",
        ]
    );
}

#[test]
fn a_file_that_mentions_the_attribute_must_parse() {
    let fixture = Fixture::new(&[
        ("src/lib.rs", "mod broken;\n"),
        (
            "src/broken.rs",
            "#[requires_imm(op = \"video/info\")]\nfn f() {\n    let x = ;\n}\n",
        ),
    ]);
    let message = fixture.error();
    assert!(
        message.starts_with("src/broken.rs:3:13: cannot parse this file: "),
        "{message}"
    );
    // Under a false cfg the file is not compiled, so it need not parse.
    fixture.write("src/lib.rs", "#[cfg(windows)]\nmod broken;\n");
    let scan = fixture.scan();
    assert!(scan.found.is_empty() && scan.excluded.is_empty());
}

#[test]
fn a_module_file_that_does_not_lex_is_an_error_with_its_location() {
    let fixture = Fixture::new(&[("src/lib.rs", "mod a;\nfn f() {\n")]);
    let message = fixture.error();
    assert!(message.starts_with("src/lib.rs:"), "{message}");
    assert!(message.contains("cannot parse this file"), "{message}");
}

#[test]
fn missing_and_ambiguous_module_files_are_errors_at_the_declaration() {
    let fixture = Fixture::new(&[("src/lib.rs", "\n    pub mod absent;\n")]);
    assert_eq!(
        fixture.error(),
        "src/lib.rs:2:9: file not found for module `absent`: `src/absent.rs` or `src/absent/mod.rs`"
    );
    fixture.write("src/absent.rs", "");
    fixture.write("src/absent/mod.rs", "");
    assert_eq!(
        fixture.error(),
        "src/lib.rs:2:9: module `absent` is both `src/absent.rs` and `src/absent/mod.rs`; delete one of them"
    );
    // Either file alone is the module.
    std::fs::remove_file(fixture.dir.join("src/absent.rs")).unwrap();
    assert_eq!(fixture.scan().files_read.len(), 2);
    fixture.write("src/absent.rs", "");
    std::fs::remove_file(fixture.dir.join("src/absent/mod.rs")).unwrap();
    assert_eq!(fixture.scan().files_read.len(), 2);
    // A directory `absent/` without `mod.rs`, and no `absent.rs`.
    std::fs::remove_file(fixture.dir.join("src/absent.rs")).unwrap();
    fixture.write("src/absent/other.rs", "");
    assert_eq!(
        fixture.error(),
        "src/lib.rs:2:9: file not found for module `absent`: `src/absent.rs` or `src/absent/mod.rs`"
    );
    // Under a false cfg, the missing file is not an error and not among the files read.
    fixture.write("src/lib.rs", "\n    #[cfg(windows)]\n    pub mod absent;\n");
    assert_eq!(fixture.scan().files_read.len(), 1);
    let empty = Fixture::new(&[("Cargo.toml", "")]);
    assert!(empty.error().starts_with("no crate root in "));
}

#[test]
fn a_module_file_that_is_not_utf8_is_an_error_where_it_stops_being_text() {
    let fixture = Fixture::new(&[("src/lib.rs", "mod a;\n")]);
    // Only read: the compiler rejects it, so the scan need not.
    fixture.write("src/a.rs", b"// caf\xe9\nfn f() {}\n");
    assert!(fixture.scan().found.is_empty());
    // Tokenized: reported with its position.
    fixture.write("src/lib.rs", b"mod a;\n// \xff\n");
    assert_eq!(
        fixture.error(),
        "src/lib.rs:2:4: cannot parse this file: the file is not UTF-8"
    );
    fixture.write(
        "src/lib.rs",
        b"mod a;\n#[requires_imm(op = \"video/info\")] fn f() { \"\xff\"; }\n",
    );
    assert_eq!(
        fixture.error(),
        "src/lib.rs:2:46: cannot parse this file: the file is not UTF-8"
    );
}

#[test]
fn an_excluded_module_without_a_file_is_neither_an_error_nor_a_file_read() {
    // A missing file among the files read would make cargo rerun the build script on every
    // build (`rerun-if-changed` of a path that does not exist).
    let fixture = Fixture::new(&[
        (
            "src/lib.rs",
            "#[cfg(windows)]\nmod absent;\n#[cfg(windows)]\nmod gone;\nmod here;\n",
        ),
        ("src/gone/other.rs", ""),
        ("src/here.rs", ""),
    ]);
    let scan = fixture.scan();
    assert_eq!(paths(&scan, &fixture.dir), ["src/here.rs", "src/lib.rs"]);
}

#[test]
fn circular_path_modules_are_refused() {
    let fixture = Fixture::new(&[("src/lib.rs", "#[path = \"lib.rs\"]\nmod again;\n")]);
    assert_eq!(
        fixture.error(),
        "src/lib.rs: circular modules: `crate::again` includes a file that includes it"
    );
}

#[test]
fn unreadable_arguments_are_left_to_the_compile_time_check() {
    let fixture = Fixture::new(&[(
        "src/lib.rs",
        "const OP: &str = \"video/info\";\n#[requires_imm(op = OP)]\nfn f() {}\n#[requires_imm(op = \"video/info\", colour)]\nfn g() {}\n#[requires_imm(op = \"video/info\")]\nfn h() {}\n",
    )]);
    let scan = fixture.scan();
    let unresolved: Vec<String> = scan
        .unresolved
        .iter()
        .map(|u| format!("{}: {}", u.provenance, u.reason))
        .collect();
    assert_eq!(
        unresolved,
        [
            "src/lib.rs:2:1 `crate::f`: the operation `OP` is not a string literal",
            "src/lib.rs:4:1 `crate::g`: unknown key `colour`",
        ]
    );
    assert_eq!(
        listing(&scan.found),
        ["src/lib.rs:6 crate::h video/info sync"]
    );
}

#[test]
fn found_annotations_become_requirements_with_located_errors() {
    let fixture = Fixture::new(&[(
        "src/lib.rs",
        r#"#[requires_imm(op = "video/snapshots", async, saveas = "media-out/thumbs/", notify = "jobs", bucket = "media-in", batch)]
fn thumbs() {}
#[requires_imm(op = "doc/convert", async, saveas)]
fn convert() {}
#[requires_imm(op = "video/snapshot", async)]
fn typo() {}
#[requires_imm(op = "video/info", saveas = "Bad_Bucket/x")]
fn bad_bucket() {}
"#,
    )]);
    let scan = fixture.scan();
    let thumbs = scan.found[0].requirement().unwrap();
    assert_eq!(thumbs.operation().name, "video/snapshots");
    assert_eq!(thumbs.mode(), Mode::Async);
    assert_eq!(thumbs.source_bucket(), Some("media-in"));
    assert_eq!(thumbs.notify_topic(), Some("jobs"));
    assert_eq!(
        thumbs
            .save_target()
            .map(|t| (t.bucket().map(str::to_owned), t.prefix().to_owned())),
        Some((Some("media-out".to_owned()), "thumbs/".to_owned()))
    );
    assert!(thumbs.runners().batch && !thumbs.runners().trigger);
    let convert = scan.found[1].requirement().unwrap();
    assert_eq!(convert.save_target(), Some(SaveTarget::source_bucket()));
    let typo = scan.found[2].requirement().unwrap_err().to_string();
    assert!(
        typo.starts_with("src/lib.rs:5:1: unknown IMM operation `video/snapshot`; did you mean `video/snapshots`?"),
        "{typo}"
    );
    assert!(typo.ends_with("(in `typo`)"), "{typo}");
    let bad = scan.found[3].requirement().unwrap_err().to_string();
    assert!(
        bad.starts_with("src/lib.rs:7:1: bucket name `Bad_Bucket`"),
        "{bad}"
    );
}

#[test]
fn the_cache_rereads_only_changed_files() {
    let fixture = Fixture::new(&[
        ("src/lib.rs", "mod a;\nmod b;\nmod c;\n"),
        (
            "src/a.rs",
            "#[requires_imm(op = \"video/info\")] fn a() {}\n",
        ),
        (
            "src/b.rs",
            "#[requires_imm(op = \"image/faces\")] fn b() {}\n",
        ),
        ("src/c.rs", "fn c() {}\n"),
    ]);
    let cache = fixture.dir.join("out");
    let options = fixture.options().cache_dir(&cache);
    let first = scan_crate(&options).unwrap();
    assert_eq!(first.stats, stats(2, 1, 1, 0));
    let second = scan_crate(&options).unwrap();
    assert_eq!(second.stats.cached, 4);
    assert_eq!(
        second.stats.parsed + second.stats.token_scanned + second.stats.read,
        0
    );
    assert_eq!(second.found, first.found);
    assert_eq!(second.files_read, first.files_read);

    // An edit changes the length (and usually the time): only that file is read again.
    fixture.write(
        "src/b.rs",
        "\n#[requires_imm(op = \"doc/preview\")] fn b() {}\n",
    );
    let third = scan_crate(&options).unwrap();
    assert_eq!(third.stats, stats(1, 0, 0, 3));
    assert_eq!(
        listing(&third.found),
        [
            "src/a.rs:1 crate::a::a video/info sync",
            "src/b.rs:2 crate::b::b doc/preview sync",
        ]
    );

    // Cached summaries are evaluated against the current cfg, not the one they were made with.
    fixture.write("src/lib.rs", "mod a;\n#[cfg(unix)]\nmod b;\nmod c;\n");
    let fourth = scan_crate(&options).unwrap();
    assert_eq!(fourth.stats.cached, 3);
    assert_eq!(
        listing(&fourth.excluded),
        ["src/b.rs:2 crate::b::b doc/preview sync"]
    );
    let unix = scan_crate(&options.clone().cfg(CfgSet::new().with_name("unix"))).unwrap();
    assert_eq!(unix.stats.cached, 4);
    assert_eq!(unix.found.len(), 2);

    // A file that was only read, and gains an annotation, is parsed.
    fixture.write(
        "src/c.rs",
        "#[requires_imm(op = \"video/info\")] fn c() {}\n",
    );
    let fifth = scan_crate(&options).unwrap();
    assert_eq!(fifth.stats, stats(1, 0, 0, 3));
    assert_eq!(
        listing(&fifth.found),
        [
            "src/a.rs:1 crate::a::a video/info sync",
            "src/c.rs:1 crate::c::c video/info sync",
        ]
    );

    // A corrupt cache is ignored.
    let file = cache.join("immperm-scan-cache.tsv");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace('\t', " ")).unwrap();
    assert_eq!(scan_crate(&options).unwrap().stats.cached, 0);
}

#[test]
fn results_do_not_depend_on_the_number_of_threads() {
    let mut files = vec![("src/lib.rs".to_owned(), String::new())];
    let mut root = String::new();
    for m in 0..12 {
        let _ = writeln!(root, "mod m{m};");
        let mut text = String::new();
        for s in 0..3 {
            let _ = writeln!(text, "mod s{s};");
            files.push((
                format!("src/m{m}/s{s}.rs"),
                format!("#[requires_imm(op = \"video/info\")]\nfn f{m}_{s}() {{}}\n"),
            ));
        }
        files.push((format!("src/m{m}.rs"), text));
    }
    files[0].1 = root;
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let fixture = Fixture::new(&refs);
    let one = scan_crate(&fixture.options().threads(1)).unwrap();
    let two = scan_crate(&fixture.options().threads(2)).unwrap();
    let three = scan_crate(&fixture.options().threads(3)).unwrap();
    assert_eq!(one.found.len(), 36);
    assert_eq!(one.files_read.len(), 49);
    assert_eq!(one, two);
    assert_eq!(one, three);
}

#[test]
fn many_leaves_of_one_scope_keep_their_module_paths_cfgs_and_errors() {
    // Forty leaves in the crate root and eight in an inline module: several batches,
    // most only read, some parsed, one declaring a module through `#[path]`.
    let mut files = Vec::new();
    let mut root = String::from("#![cfg(unix)]\n");
    for n in 0..40 {
        match n % 10 {
            3 => {
                let _ = writeln!(root, "#[cfg(windows)]\nmod l{n};");
            }
            _ => {
                let _ = writeln!(root, "mod l{n};");
            }
        }
        let text = match n % 10 {
            3 | 7 => format!("#[requires_imm(op = \"video/info\")]\nfn f{n}() {{}}\n"),
            9 => format!("#[path = \"extra{n}.rs\"]\nmod extra;\n"),
            _ => format!("pub fn plain{n}() {{}}\n#[derive(Debug)]\nstruct S;\n"),
        };
        files.push((format!("src/l{n}.rs"), text));
        if n % 10 == 9 {
            files.push((
                format!("src/extra{n}.rs"),
                "#[requires_imm(op = \"doc/preview\")]\nfn g() {}\n".to_owned(),
            ));
        }
    }
    root.push_str("mod inner {\n");
    for n in 0..8 {
        let _ = writeln!(root, "    mod i{n};");
        let text = if n == 5 {
            "#[requires_imm(op = \"video/snapshots\", async)]\nfn h() {}\n".to_owned()
        } else {
            String::new()
        };
        files.push((format!("src/inner/i{n}.rs"), text));
    }
    root.push_str("}\n");
    files.push(("src/lib.rs".to_owned(), root.clone()));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let fixture = Fixture::new(&refs);
    let cfg = CfgSet::new().with_name("unix");
    for threads in [1, 2, 3] {
        let scan = scan_crate(&fixture.options().cfg(cfg.clone()).threads(threads)).unwrap();
        assert_eq!(
            listing(&scan.found),
            [
                "src/extra19.rs:1 crate::l19::extra::g doc/preview sync",
                "src/extra29.rs:1 crate::l29::extra::g doc/preview sync",
                "src/extra39.rs:1 crate::l39::extra::g doc/preview sync",
                "src/extra9.rs:1 crate::l9::extra::g doc/preview sync",
                "src/inner/i5.rs:1 crate::inner::i5::h video/snapshots async",
                "src/l17.rs:1 crate::l17::f17 video/info sync",
                "src/l27.rs:1 crate::l27::f27 video/info sync",
                "src/l37.rs:1 crate::l37::f37 video/info sync",
                "src/l7.rs:1 crate::l7::f7 video/info sync",
            ],
            "{threads} threads"
        );
        // The leaves under `cfg(windows)` are excluded, with the file's inner cfg too.
        assert_eq!(
            scan.excluded
                .iter()
                .map(|f| (f.provenance.module_path.as_str(), f.cfg.as_deref()))
                .collect::<Vec<_>>(),
            [
                ("crate::l13", Some("all(unix, windows)")),
                ("crate::l23", Some("all(unix, windows)")),
                ("crate::l3", Some("all(unix, windows)")),
                ("crate::l33", Some("all(unix, windows)")),
            ]
        );
        // 1 root, 40 + 8 leaves, 4 `#[path]` files. Parsed: the 8 annotated leaves (those
        // under a false cfg too), the 4 `#[path]` files and `i5`; token-scanned: the root and
        // the 4 leaves with `#[path]`; the rest only read.
        assert_eq!(scan.files_read.len(), 53);
        assert_eq!(
            (scan.stats.parsed, scan.stats.token_scanned, scan.stats.read),
            (13, 5, 35)
        );
    }
    // A missing leaf is an error at its declaration, unless its cfg is false.
    std::fs::remove_file(fixture.dir.join("src/l13.rs")).unwrap();
    assert_eq!(
        scan_crate(&fixture.options().cfg(cfg.clone()))
            .unwrap()
            .files_read
            .len(),
        52
    );
    std::fs::remove_file(fixture.dir.join("src/l12.rs")).unwrap();
    assert_eq!(
        scan_crate(&fixture.options().cfg(cfg))
            .unwrap_err()
            .to_string(),
        "src/lib.rs:15:1: file not found for module `l12`: `src/l12.rs` or `src/l12/mod.rs`"
    );
}

#[test]
fn leaf_files_declare_modules_through_path_attributes() {
    let fixture = Fixture::new(&[
        ("src/lib.rs", "mod leaf;\n"),
        ("src/leaf.rs", "#[path = \"elsewhere.rs\"]\nmod other;\n"),
        (
            "src/elsewhere.rs",
            "#[requires_imm(op = \"video/info\")] fn f() {}\n",
        ),
    ]);
    assert_eq!(
        listing(&fixture.scan().found),
        ["src/elsewhere.rs:1 crate::leaf::other::f video/info sync"]
    );
}

#[test]
fn a_new_module_directory_is_seen_by_a_cached_run() {
    let fixture = Fixture::new(&[
        ("src/lib.rs", "mod a;\n"),
        // Without `src/a/`, this declaration cannot be compiled; the scan skips it.
        ("src/a.rs", "mod b;\n"),
    ]);
    let options = fixture.options().cache_dir(fixture.dir.join("out"));
    assert!(scan_crate(&options).unwrap().found.is_empty());
    fixture.write(
        "src/a/b.rs",
        "#[requires_imm(op = \"video/info\")] fn f() {}\n",
    );
    let scan = scan_crate(&options).unwrap();
    assert_eq!(
        listing(&scan.found),
        ["src/a/b.rs:1 crate::a::b::f video/info sync"]
    );
}
