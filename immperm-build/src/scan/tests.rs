//! The scan on small fixture packages written to a temporary directory.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;

/// A package written to a fresh temporary directory, removed on drop.
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

    fn remove(&self, path: &str) {
        std::fs::remove_file(self.dir.join(path)).unwrap();
    }

    /// The library target `src/lib.rs`, with no cfg and no cache.
    fn options(&self) -> ScanOptions {
        ScanOptions {
            package_dir: self.dir.clone(),
            targets: vec![target("lib", TargetKind::Lib, "src/lib.rs")],
            cfg: CfgSet::new(),
            cache_dir: None,
        }
    }

    fn with_cfg(&self, cfg: CfgSet) -> ScanOptions {
        ScanOptions {
            cfg,
            ..self.options()
        }
    }

    fn cached(&self) -> ScanOptions {
        ScanOptions {
            cache_dir: Some(self.dir.join("target/out")),
            ..self.options()
        }
    }

    fn scan(&self) -> Scan {
        scan(&self.options()).unwrap_or_else(|e| panic!("{e}"))
    }

    fn error(&self) -> String {
        scan(&self.options()).unwrap_err().to_string()
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn target(name: &str, kind: TargetKind, root: &str) -> Target {
    Target {
        name: name.to_owned(),
        kind,
        root: root.into(),
    }
}

/// `file:line module::[Owner::]name args` per compiled attribute, `(tests)` when only the
/// tests compile it, `(off)` when neither does, `(no body)` for declarations.
fn listing(scan: &Scan) -> Vec<String> {
    let mut lines = Vec::new();
    for f in &scan.functions {
        for a in &f.attributes {
            let owner = f
                .owner
                .as_ref()
                .map(|o| format!("{o}::"))
                .unwrap_or_default();
            let mut line = format!(
                "{}:{} {}::{owner}{} {}",
                f.file, a.line, f.module_path, f.name, a.args
            );
            match (a.compiled, a.compiled_in_tests) {
                (true, true) => {}
                (false, true) => line.push_str(" (tests)"),
                (true, false) => line.push_str(" (not in tests)"),
                (false, false) => line.push_str(" (off)"),
            }
            if !f.has_body {
                line.push_str(" (no body)");
            }
            lines.push(line);
        }
    }
    lines
}

fn paths(scan: &Scan, base: &Path) -> Vec<String> {
    scan.files_read
        .iter()
        .map(|p| walk::relative(p, base))
        .collect()
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

impl<T: Clone> Thumbs<T> where T: Send {
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

impl<'a, T> Probe for &'a mut Thumbs<T> {
    #[requires_imm(op = "doc/preview")]
    fn r#type(&self) -> impl Iterator<Item = u8> { std::iter::empty() }
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
        listing(&scan),
        [
            "src/media/inline/deep.rs:1 crate::media::inline::deep::preview op = \"doc/preview\"",
            "src/media/thumbs.rs:6 crate::media::thumbs::Thumbs::make op = \"video/snapshots\" , async , saveas = \"media-out/thumbs/\" , notify = \"jobs\"",
            "src/media/thumbs.rs:8 crate::media::thumbs::nested op = \"video/info\"",
            "src/media/thumbs.rs:14 crate::media::thumbs::Probe::faces op = \"image/faces\"",
            "src/media/thumbs.rs:16 crate::media::thumbs::Probe::labels op = \"image/labels\" (no body)",
            "src/media/thumbs.rs:21 crate::media::thumbs::Thumbs::type op = \"doc/preview\"",
        ]
    );
    let make = &scan.functions[1];
    assert_eq!((make.line, make.column), (6, 5));
    assert_eq!((make.target.as_str(), make.kind), ("lib", TargetKind::Lib));
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
    assert!(scan.files_read.iter().all(|p| p.is_absolute()));
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
#[path = "../../shared/outside.rs"]
mod outside;
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
        (
            "../shared/outside.rs",
            "#[requires_imm(op = \"video/info\")] fn shared() {}\n",
        ),
    ]);
    let package = ScanOptions {
        package_dir: fixture.dir.join("pkg/../pkg"),
        targets: vec![target("app", TargetKind::Bin, "../src/main.rs")],
        ..fixture.options()
    };
    std::fs::create_dir_all(fixture.dir.join("pkg")).unwrap();
    let scan = super::scan(&package).unwrap();
    let files: Vec<(&str, &str)> = scan
        .functions
        .iter()
        .map(|f| (f.file.as_str(), f.module_path.as_str()))
        .collect();
    assert_eq!(
        files,
        [
            ("../../shared/outside.rs", "crate::outside"),
            ("../src/b/inner/f.rs", "crate::b::inner::f"),
            ("../src/dir/c.rs", "crate::inline::c"),
            ("../src/elsewhere/d.rs", "crate::a::d"),
            ("../src/other.rs", "crate::b::e"),
        ]
    );
    assert_eq!(scan.roots[0].file, "../src/main.rs");
}

#[test]
fn cfg_on_modules_items_and_cfg_attr_is_evaluated_without_and_with_test() {
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

#[cfg_attr(test, requires_imm(op = "doc/convert", async))]
#[cfg(not(test))]
fn deployed_only() {}
"#,
        ),
    ]);
    let cfg = CfgSet::from_vars([
        ("CARGO_FEATURE_VIDEO", "1"),
        ("CARGO_CFG_UNIX", ""),
        ("CARGO_CFG_TARGET_OS", "linux"),
        ("CARGO_CFG_TARGET_ENV", "musl"),
    ]);
    let scan = scan(&fixture.with_cfg(cfg)).unwrap();
    assert_eq!(
        listing(&scan),
        [
            "src/gated.rs:2 crate::gated::unix_only op = \"doc/preview\"",
            "src/gated.rs:7 crate::gated::Service::elsewhere op = \"doc/preview\" (off)",
            "src/gated.rs:11 crate::gated::either op = \"video/snapshots\" , async",
            "src/gated.rs:12 crate::gated::either op = \"image/faces\" (off)",
            "src/gated.rs:18 crate::gated::linux::glibc op = \"video/info\" (off)",
            "src/gated.rs:22 crate::gated::deployed_only op = \"doc/convert\" , async (off)",
            "src/tests.rs:1 crate::tests::in_tests op = \"image/faces\" (tests)",
            "src/video.rs:1 crate::video::info op = \"video/info\"",
            "src/windows_only.rs:1 crate::windows_only::faces op = \"image/faces\" (off)",
        ]
    );
    let attribute = |index: usize| &scan.functions[index].attributes[0];
    assert_eq!(attribute(0).cfg.as_deref(), Some("unix"));
    assert_eq!(
        attribute(3).cfg.as_deref(),
        Some(r#"all(target_os = "linux", target_env = "gnu")"#)
    );
    assert_eq!(
        scan.functions[2].attributes[1].cfg.as_deref(),
        Some(r#"not(feature = "video")"#)
    );
    assert_eq!(attribute(4).cfg.as_deref(), Some("all(not(test), test)"));
    assert_eq!(attribute(5).cfg.as_deref(), Some("test"));
    // The other branch without the feature and on another system.
    let windows = super::scan(&fixture.with_cfg(CfgSet::new().with_name("windows"))).unwrap();
    let compiled: Vec<String> = listing(&windows)
        .into_iter()
        .filter(|line| !line.ends_with(')'))
        .collect();
    assert_eq!(
        compiled,
        [
            "src/gated.rs:7 crate::gated::Service::elsewhere op = \"doc/preview\"",
            "src/gated.rs:12 crate::gated::either op = \"image/faces\"",
            "src/windows_only.rs:1 crate::windows_only::faces op = \"image/faces\"",
        ]
    );
}

#[test]
fn cfg_attr_can_gate_modules_and_paths() {
    let fixture = Fixture::new(&[
        (
            "src/lib.rs",
            "#[cfg_attr(unix, path = \"unix_impl.rs\")]\nmod platform;\n#[cfg_attr(feature = \"x\", cfg(windows))]\nmod only_windows_with_x;\n#[cfg_attr(test, path = \"mock.rs\")]\nmod backend;\n",
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
        (
            "src/backend.rs",
            "#[requires_imm(op = \"video/info\")] fn real() {}\n",
        ),
        (
            "src/mock.rs",
            "#[requires_imm(op = \"video/info\")] fn mock() {}\n",
        ),
    ]);
    let unix = CfgSet::new().with_name("unix").with_feature("x");
    let scan = scan(&fixture.with_cfg(unix)).unwrap();
    assert_eq!(
        listing(&scan),
        [
            "src/backend.rs:1 crate::backend::real op = \"video/info\" (not in tests)",
            "src/mock.rs:1 crate::backend::mock op = \"video/info\" (tests)",
            "src/only_windows_with_x.rs:1 crate::only_windows_with_x::x op = \"doc/preview\" (off)",
            "src/unix_impl.rs:1 crate::platform::unix op = \"video/info\"",
        ]
    );
    let listed = listing(&fixture.scan());
    assert!(
        listed
            .contains(&"src/platform.rs:1 crate::platform::other op = \"image/faces\"".to_owned())
    );
    assert!(
        listed.contains(
            &"src/only_windows_with_x.rs:1 crate::only_windows_with_x::x op = \"doc/preview\""
                .to_owned()
        )
    );
    // The tests' file may be missing: the deployed build does not need it.
    fixture.remove("src/mock.rs");
    assert_eq!(fixture.scan().functions.len(), 3);
}

#[test]
fn annotations_in_macro_invocations_are_read_when_they_name_a_function() {
    let fixture = Fixture::new(&[(
        "src/lib.rs",
        r#"make! {
    #[requires_imm(op = "video/info")]
    fn probe() {}
}
wrap!(#[doc = "x"] #[immperm::requires_imm(op = "image/faces")] #[inline] pub async fn faces() {});
list![#[requires_imm(op = "doc/preview")] pub(crate) unsafe extern "C" fn preview() {}];
impl Service {
    delegate! { #[requires_imm(op = "audio/info")] fn audio(&self) {} }
}
fn outer() {
    nested!(inner!(#[requires_imm(op = "video/convert", async)] fn deep() {}));
}
#[cfg(windows)]
gated! { #[requires_imm(op = "image/labels")] fn labels() {} }
other! { #[requires_imm(op = "image/faces")] struct NotAFunction; #[requires_imm(op = "video/info")] name }
macro_rules! defines {
    () => { #[requires_imm(op = "video/info")] fn in_a_definition() {} };
}
"#,
    )]);
    assert_eq!(
        listing(&fixture.scan()),
        [
            "src/lib.rs:2 crate::probe op = \"video/info\"",
            "src/lib.rs:5 crate::faces op = \"image/faces\"",
            "src/lib.rs:6 crate::preview op = \"doc/preview\"",
            "src/lib.rs:8 crate::Service::audio op = \"audio/info\"",
            "src/lib.rs:11 crate::deep op = \"video/convert\" , async",
            "src/lib.rs:14 crate::labels op = \"image/labels\" (off)",
        ]
    );
}

#[test]
fn include_policies_is_found_at_the_top_of_each_root() {
    let fixture = Fixture::new(&[
        (
            "src/lib.rs",
            "//! A library.\nimmperm::include_policies!();\n",
        ),
        (
            "src/main.rs",
            "use immperm::include_policies;\n\ninclude_policies! {}\nfn main() {}\n",
        ),
        (
            "src/bin/tool.rs",
            "mod inner { immperm::include_policies!(); }\nfn main() { include_policies!(); }\n",
        ),
        ("examples/demo.rs", "fn main() {}\n"),
    ]);
    let options = ScanOptions {
        targets: vec![
            target("media", TargetKind::Lib, "src/lib.rs"),
            target("media", TargetKind::Bin, "src/main.rs"),
            target("tool", TargetKind::Bin, "src/bin/tool.rs"),
            target("demo", TargetKind::Example, "examples/demo.rs"),
        ],
        ..fixture.options()
    };
    let roots: Vec<(String, TargetKind, String, bool)> = scan(&options)
        .unwrap()
        .roots
        .into_iter()
        .map(|r| (r.target, r.kind, r.file, r.includes_policies))
        .collect();
    assert_eq!(
        roots,
        [
            (
                "demo".to_owned(),
                TargetKind::Example,
                "examples/demo.rs".to_owned(),
                false
            ),
            (
                "media".to_owned(),
                TargetKind::Lib,
                "src/lib.rs".to_owned(),
                true
            ),
            (
                "media".to_owned(),
                TargetKind::Bin,
                "src/main.rs".to_owned(),
                true
            ),
            (
                "tool".to_owned(),
                TargetKind::Bin,
                "src/bin/tool.rs".to_owned(),
                false
            ),
        ]
    );
}

#[test]
fn a_file_reached_by_two_targets_is_reported_for_each() {
    let fixture = Fixture::new(&[
        ("src/lib.rs", "mod shared;\n"),
        (
            "src/main.rs",
            "#[path = \"shared.rs\"]\nmod common;\nfn main() {}\n",
        ),
        (
            "src/shared.rs",
            "#[requires_imm(op = \"video/info\")]\npub fn probe() {}\n",
        ),
    ]);
    let options = ScanOptions {
        targets: vec![
            target("svc", TargetKind::Bin, "src/main.rs"),
            target("svc", TargetKind::Lib, "src/lib.rs"),
        ],
        ..fixture.cached()
    };
    for _ in 0..2 {
        let scan = scan(&options).unwrap();
        let found: Vec<(TargetKind, &str)> = scan
            .functions
            .iter()
            .map(|f| (f.kind, f.module_path.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (TargetKind::Lib, "crate::shared"),
                (TargetKind::Bin, "crate::common")
            ]
        );
        assert_eq!(
            paths(&scan, &fixture.dir),
            ["src/lib.rs", "src/main.rs", "src/shared.rs"]
        );
    }
}

#[test]
fn arguments_are_the_tokens_the_attribute_receives() {
    let fixture = Fixture::new(&[(
        "src/lib.rs",
        r#"const OP: &str = "video/info";
#[requires_imm(op = OP)]
fn constant() {}
#[requires_imm(
    op = "video/snapshots", // the frames
    async, saveas = r"media-out/thumbs/",
)]
#[requires_imm]
fn several() {}
"#,
    )]);
    let scan = fixture.scan();
    let args: Vec<String> = scan.functions[1]
        .attributes
        .iter()
        .map(|a| a.args.to_string())
        .collect();
    assert_eq!(
        args,
        [
            "op = \"video/snapshots\" , async , saveas = r\"media-out/thumbs/\" ,",
            ""
        ]
    );
    assert_eq!(scan.functions[0].attributes[0].args.to_string(), "op = OP");
    let positions: Vec<(usize, usize)> = scan.functions[1]
        .attributes
        .iter()
        .map(|a| (a.line, a.column))
        .collect();
    assert_eq!(positions, [(4, 1), (8, 1)]);
    // What the engine reads them with: the attribute's own grammar.
    let declaration = |a: &Attribute| {
        immperm_catalog::grammar::parse(a.args.clone(), proc_macro2::Span::call_site(), 0)
            .map(|d| d.canonical())
            .map_err(|errors| errors.len())
    };
    assert_eq!(
        declaration(&scan.functions[1].attributes[0]),
        Ok(r#"op = "video/snapshots", async, saveas = "media-out/thumbs/""#.to_owned())
    );
    assert!(declaration(&scan.functions[0].attributes[0]).is_err());
    assert!(declaration(&scan.functions[1].attributes[1]).is_err());
}

#[test]
fn a_file_that_needs_tokens_must_tokenize() {
    let fixture = Fixture::new(&[
        ("src/lib.rs", "mod broken;\n"),
        (
            "src/broken.rs",
            "#[requires_imm(op = \"video/info\")]\nfn f() {\n    let x = \"open;\n}\n",
        ),
    ]);
    let message = fixture.error();
    assert!(message.starts_with("src/broken.rs:3:13: "), "{message}");
    // Under a false cfg the file is not compiled, so it need not tokenize.
    fixture.write("src/lib.rs", "#[cfg(windows)]\nmod broken;\n");
    let scan = fixture.scan();
    assert!(scan.functions.is_empty());
    assert_eq!(scan.files_read.len(), 2);
}

#[test]
fn a_module_file_that_does_not_tokenize_is_an_error_with_its_location() {
    let fixture = Fixture::new(&[("src/lib.rs", "mod a;\nfn f() {\n")]);
    assert_eq!(
        fixture.error(),
        "src/lib.rs:2:8: cannot tokenize this file (an unclosed delimiter, literal or comment)"
    );
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
    fixture.remove("src/absent.rs");
    assert_eq!(
        paths(&fixture.scan(), &fixture.dir),
        ["src/absent/mod.rs", "src/lib.rs"]
    );
    fixture.write("src/absent.rs", "");
    fixture.remove("src/absent/mod.rs");
    assert_eq!(
        paths(&fixture.scan(), &fixture.dir),
        ["src/absent.rs", "src/lib.rs"]
    );
    // A directory `absent/` without `mod.rs`, and no `absent.rs`.
    fixture.remove("src/absent.rs");
    fixture.write("src/absent/other.rs", "");
    assert_eq!(
        fixture.error(),
        "src/lib.rs:2:9: file not found for module `absent`: `src/absent.rs` or `src/absent/mod.rs`"
    );
    // A `#[path]` that names nothing.
    fixture.write("src/lib.rs", "#[path = \"gone.rs\"]\nmod absent;\n");
    assert_eq!(
        fixture.error(),
        "src/lib.rs:2:1: file not found for module `absent`: `src/gone.rs` (from `#[path]`)"
    );
    // Under a false cfg, the missing file is not an error and not among the files read.
    fixture.write("src/lib.rs", "\n    #[cfg(windows)]\n    pub mod absent;\n");
    assert_eq!(fixture.scan().files_read.len(), 1);
    // Nor is a missing root: the error names it.
    fixture.remove("src/lib.rs");
    assert!(
        fixture
            .error()
            .starts_with("src/lib.rs: cannot read this file: "),
        "{}",
        fixture.error()
    );
}

#[test]
fn a_module_file_that_is_not_utf8_is_an_error_where_it_stops_being_text() {
    let fixture = Fixture::new(&[("src/lib.rs", "mod a;\n")]);
    // Only read: the compiler rejects it, so the scan need not.
    fixture.write("src/a.rs", b"// caf\xe9\nfn f() {}\n");
    assert!(fixture.scan().functions.is_empty());
    // Tokenized: reported with its position.
    fixture.write("src/lib.rs", b"mod a;\n// \xff\n");
    assert_eq!(fixture.error(), "src/lib.rs:2:4: the file is not UTF-8");
    fixture.write(
        "src/lib.rs",
        b"mod a;\n#[requires_imm(op = \"video/info\")] fn f() { \"\xff\"; }\n",
    );
    assert_eq!(fixture.error(), "src/lib.rs:2:46: the file is not UTF-8");
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
        "src/lib.rs:2:1: circular modules: `crate::again` is `lib.rs`, a file that declares it"
    );
    fixture.write(
        "src/lib.rs",
        "#[cfg(any())]\n#[path = \"lib.rs\"]\nmod again;\n",
    );
    assert_eq!(fixture.scan().files_read.len(), 1);
}

#[test]
fn deep_nesting_is_scanned_up_to_the_limit_and_an_error_past_it() {
    // 100 nested inline modules, each with an annotated function.
    let mut text = String::new();
    for level in 0..100 {
        let _ = writeln!(
            text,
            "mod m{level} {{ #[requires_imm(op = \"video/info\")] fn f{level}() {{}}"
        );
    }
    text.push_str(&"}".repeat(100));
    let fixture = Fixture::new(&[("src/lib.rs", &text)]);
    let scan = fixture.scan();
    assert_eq!(scan.functions.len(), 100);
    let deepest = scan
        .functions
        .iter()
        .map(|f| f.module_path.matches("::").count())
        .max();
    assert_eq!(deepest, Some(100));
    // 2,000 nested parentheses in an annotated body (an annotated function at the bottom).
    let body = |depth: usize| {
        format!(
            "#[requires_imm(op = \"video/info\")]\nfn outer() {{\n    let _ = {}{{ #[requires_imm(op = \"image/faces\")] fn inner() {{}} }}{};\n}}\n",
            "(".repeat(depth),
            ")".repeat(depth)
        )
    };
    fixture.write("src/lib.rs", body(2_000));
    let names: Vec<String> = fixture
        .scan()
        .functions
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(names, ["outer", "inner"]);
    // Deeper than the walk reads: an error at the group that goes past it, not a crash.
    fixture.write("src/lib.rs", body(100_000));
    let message = fixture.error();
    assert!(
        message.starts_with(&format!("src/lib.rs:3:{}: ", 13 + items::MAX_DEPTH - 2)),
        "{message}"
    );
    assert!(message.contains("nested more than 4096 deep"), "{message}");
    // A cfg predicate nested too deeply is one too.
    fixture.write(
        "src/lib.rs",
        format!(
            "#[cfg({}unix{})]\nmod m;\n",
            "not(".repeat(1_000),
            ")".repeat(1_000)
        ),
    );
    assert!(
        fixture
            .error()
            .starts_with("src/lib.rs:1:1: a cfg predicate nested more than 32 deep")
    );
}

#[test]
fn the_cache_reuses_unchanged_files_and_rereads_changed_ones() {
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
    let options = fixture.cached();
    let first = listing(&scan(&options).unwrap());
    assert_eq!(listing(&scan(&options).unwrap()), first);
    assert_eq!(first, listing(&fixture.scan()));

    // A file rewritten with the same length and modification time is taken from the cache
    // (which is how the cache shows it is used).
    let rewrite = |path: &str, text: &str| {
        let file = fixture.dir.join(path);
        let modified = std::fs::metadata(&file).unwrap().modified().unwrap();
        fixture.write(path, text);
        let handle = std::fs::File::options().write(true).open(&file).unwrap();
        handle.set_modified(modified).unwrap();
    };
    rewrite(
        "src/b.rs",
        "#[requires_imm(op = \"doc/preview\")] fn b() {}\n",
    );
    assert_eq!(listing(&scan(&options).unwrap()), first);
    // Another length is a change.
    fixture.write(
        "src/b.rs",
        "\n#[requires_imm(op = \"doc/preview\")] fn b() {}\n",
    );
    assert_eq!(
        listing(&scan(&options).unwrap()),
        [
            "src/a.rs:1 crate::a::a op = \"video/info\"",
            "src/b.rs:2 crate::b::b op = \"doc/preview\"",
        ]
    );

    // Cached summaries are evaluated against the current cfg.
    fixture.write("src/lib.rs", "mod a;\n#[cfg(unix)]\nmod b;\nmod c;\n");
    assert_eq!(
        listing(&scan(&options).unwrap())[1],
        "src/b.rs:2 crate::b::b op = \"doc/preview\" (off)"
    );
    let unix = ScanOptions {
        cfg: CfgSet::new().with_name("unix"),
        ..options.clone()
    };
    assert_eq!(
        listing(&scan(&unix).unwrap())[1],
        "src/b.rs:2 crate::b::b op = \"doc/preview\""
    );

    // A file that was only read, and gains an annotation, is read again.
    fixture.write(
        "src/c.rs",
        "#[requires_imm(op = \"video/info\")] fn c() {}\n",
    );
    assert_eq!(listing(&scan(&options).unwrap()).len(), 3);

    // A corrupt or foreign cache is ignored, entirely or where it is corrupt.
    let file = fixture.dir.join("target/out/immperm-scan.cache");
    let text = std::fs::read_to_string(&file).unwrap();
    let cold = listing(&fixture.scan());
    for corrupt in [
        text.replace('\t', " "),
        text.replace("\t+a\t1\t1\t", "\t+a\tx\t1\t"),
        text.replace("\tf\t-\t1\t", "\tf\t9\t1\t"),
        text.replacen("immperm-scan", "other", 1),
        text.get(..text.len() / 2).unwrap().to_owned(),
    ] {
        assert_ne!(corrupt, text);
        std::fs::write(&file, corrupt).unwrap();
        assert_eq!(listing(&scan(&options).unwrap()), cold);
    }
}

#[test]
fn cached_summaries_keep_everything_a_cold_scan_finds() {
    // Every kind of line the cache writes, with text that needs escaping.
    let fixture = Fixture::new(&[
        (
            "src/lib.rs",
            "#![cfg(not(windows))]\nimmperm::include_policies!();\n#[cfg(any(unix, feature = \"tab\\there\"))]\n#[cfg_attr(unix, path = \"p\\\\q.rs\")]\nmod a;\nmod inline {\n    #![cfg(all())]\n    mod b;\n}\n",
        ),
        (
            "src/p\\q.rs",
            "#[cfg(unix)]\nimpl<T> Media for Thumbs<T> {\n    #[cfg_attr(test, requires_imm(op = \"video/info\"))]\n    #[requires_imm(\n\top = \"image/faces\",\n\tbucket = \"a\\\\b\",\n)]\n    fn r#faces() {}\n}\npub trait T { #[requires_imm(op = \"doc/preview\")] fn p(&self); }\n",
        ),
        ("src/a.rs", ""),
        (
            "src/inline/b.rs",
            "#[requires_imm(op = \"audio/info\")] fn b() {}\n",
        ),
    ]);
    let cfg = CfgSet::new().with_name("unix");
    let cold = scan(&fixture.with_cfg(cfg.clone())).unwrap();
    let cached = ScanOptions {
        cfg,
        ..fixture.cached()
    };
    let shown = |scan: &Scan| {
        let mut lines = listing(scan);
        for f in &scan.functions {
            for a in &f.attributes {
                lines.push(format!("{}:{} {:?}", a.line, a.column, a.cfg));
            }
        }
        lines.push(format!("{:?}", scan.roots));
        lines.extend(paths(scan, &fixture.dir));
        lines
    };
    let first = scan(&cached).unwrap();
    let second = scan(&cached).unwrap();
    assert_eq!(shown(&first), shown(&cold));
    assert_eq!(shown(&second), shown(&cold));
    assert_eq!(cold.functions.len(), 3);
    assert!(cold.roots[0].includes_policies);
}

#[test]
fn many_leaves_of_one_scope_keep_their_module_paths_cfgs_and_errors() {
    // Forty leaves in the crate root and eight in an inline module, most only read, some
    // annotated, one declaring a module through `#[path]`.
    let mut files = Vec::new();
    let mut root = String::from("#![cfg(unix)]\n");
    for n in 0..40 {
        if n % 10 == 3 {
            let _ = writeln!(root, "#[cfg(windows)]\nmod l{n};");
        } else {
            let _ = writeln!(root, "mod l{n};");
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
    files.push(("src/lib.rs".to_owned(), root));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let fixture = Fixture::new(&refs);
    let options = fixture.with_cfg(CfgSet::new().with_name("unix"));
    let scan_one = scan(&options).unwrap();
    let compiled: Vec<String> = listing(&scan_one)
        .into_iter()
        .filter(|line| !line.ends_with(')'))
        .collect();
    assert_eq!(
        compiled,
        [
            "src/extra19.rs:1 crate::l19::extra::g op = \"doc/preview\"",
            "src/extra29.rs:1 crate::l29::extra::g op = \"doc/preview\"",
            "src/extra39.rs:1 crate::l39::extra::g op = \"doc/preview\"",
            "src/extra9.rs:1 crate::l9::extra::g op = \"doc/preview\"",
            "src/inner/i5.rs:1 crate::inner::i5::h op = \"video/snapshots\" , async",
            "src/l17.rs:1 crate::l17::f17 op = \"video/info\"",
            "src/l27.rs:1 crate::l27::f27 op = \"video/info\"",
            "src/l37.rs:1 crate::l37::f37 op = \"video/info\"",
            "src/l7.rs:1 crate::l7::f7 op = \"video/info\"",
        ]
    );
    // The leaves under `cfg(windows)` are not compiled, with the file's inner cfg too.
    let off: Vec<(&str, Option<&str>)> = scan_one
        .functions
        .iter()
        .filter(|f| !f.attributes[0].compiled)
        .map(|f| (f.module_path.as_str(), f.attributes[0].cfg.as_deref()))
        .collect();
    assert_eq!(
        off,
        [
            ("crate::l13", Some("all(unix, windows)")),
            ("crate::l23", Some("all(unix, windows)")),
            ("crate::l3", Some("all(unix, windows)")),
            ("crate::l33", Some("all(unix, windows)")),
        ]
    );
    // 1 root, 40 + 8 leaves, 4 `#[path]` files.
    assert_eq!(scan_one.files_read.len(), 53);
    // A missing leaf is an error at its declaration, unless its cfg is false.
    fixture.remove("src/l13.rs");
    assert_eq!(scan(&options).unwrap().files_read.len(), 52);
    fixture.remove("src/l12.rs");
    assert_eq!(
        scan(&options).unwrap_err().to_string(),
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
        listing(&fixture.scan()),
        ["src/elsewhere.rs:1 crate::leaf::other::f op = \"video/info\""]
    );
}

#[test]
fn a_new_module_directory_is_seen_by_a_cached_run() {
    let fixture = Fixture::new(&[
        ("src/lib.rs", "mod a;\n"),
        // Without `src/a/`, this declaration cannot be compiled: the compiler reports it, and
        // the scan does not look for it (a file without a directory of its own is a leaf).
        ("src/a.rs", "mod b;\n"),
    ]);
    let options = fixture.cached();
    assert!(scan(&options).unwrap().functions.is_empty());
    fixture.write(
        "src/a/b.rs",
        "#[requires_imm(op = \"video/info\")] fn f() {}\n",
    );
    assert_eq!(
        listing(&scan(&options).unwrap()),
        ["src/a/b.rs:1 crate::a::b::f op = \"video/info\""]
    );
}

#[test]
fn results_are_the_same_in_any_run() {
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
    let cold = fixture.scan();
    assert_eq!(cold.functions.len(), 36);
    assert_eq!(cold.files_read.len(), 49);
    let cache = fixture.dir.join("target/out/immperm-scan.cache");
    let mut texts = Vec::new();
    for _ in 0..3 {
        let scan = scan(&fixture.cached()).unwrap();
        assert_eq!(listing(&scan), listing(&cold));
        assert_eq!(scan.files_read, cold.files_read);
        texts.push(std::fs::read(&cache).unwrap());
    }
    assert!(texts.windows(2).all(|pair| pair[0] == pair[1]));
}
