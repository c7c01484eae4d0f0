//! `#[requires_imm]`: what it accepts (`ui/attr/pass`) and the errors it gives
//! (`ui/attr/fail`, one behaviour per case).

immperm::policies_for_tests!();

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("ui/attr/pass/*.rs");
    cases.compile_fail("ui/attr/fail/*.rs");
}

/// The pass case covering every kind of function is also compiled here, so that
/// `cargo clippy --all-targets` lints the expansion under its `#![deny(clippy::pedantic)]`
/// (trybuild runs rustc only).
#[path = "../ui/attr/pass/every-kind.rs"]
mod every_kind;

#[test]
fn every_kind_runs() {
    every_kind::main();
}

/// `cargo doc` shows the section the attribute appends, from the build script's table: a
/// crate using the attribute and the export is documented and its HTML read back. The
/// section names the crate's own buckets, project and service role.
#[test]
fn the_doc_section_shows_in_cargo_doc() {
    use std::fs;
    use std::path::Path;
    use std::process::Command;

    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    // The test runs from `<target>/<profile>/deps/`.
    let exe = std::env::current_exe().unwrap();
    let target = exe.ancestors().nth(3).unwrap();
    let work = target.join("tests").join("attr-doc");
    let src = work.join("src");
    fs::create_dir_all(&src).unwrap();
    let path = |krate: &str| {
        root.join(krate)
            .canonicalize()
            .unwrap()
            .display()
            .to_string()
    };
    fs::write(
        work.join("Cargo.toml"),
        format!(
            "[package]\nname = \"attr-doc\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [package.metadata.immperm]\nbuckets = [\"media-in\"]\naccount = \"1234567890123456\"\n\
             region = \"cn-hangzhou\"\nproject = \"media\"\nservice-role = \"MediaRole\"\n\n\
             [dependencies]\nimmperm = {{ path = {:?} }}\n\n\
             [build-dependencies]\nimmperm-build = {{ path = {:?} }}\n\n[workspace]\n",
            path("immperm"),
            path("immperm-build"),
        ),
    )
    .unwrap();
    // The workspace's lock file, so that nothing is resolved anew.
    fs::copy(root.join("Cargo.lock"), work.join("Cargo.lock")).unwrap();
    fs::write(
        work.join("build.rs"),
        "fn main() {\n    if let Err(e) = immperm_build::export() {\n        eprintln!(\"{e}\");\n        std::process::exit(1);\n    }\n}\n",
    )
    .unwrap();
    fs::write(
        src.join("lib.rs"),
        "//! Documented with the attribute.\n\
         immperm::include_policies!();\n\
         use immperm::requires_imm;\n\n\
         /// Captures frames of a video.\n\
         ///\n\
         /// Frames are JPEG.\n\
         #[requires_imm(op = \"video/snapshots\", async, notify = \"jobs\")]\n\
         pub fn thumbnails() {}\n",
    )
    .unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["doc", "--offline", "--quiet", "--no-deps"])
        .current_dir(&work)
        .env("CARGO_TARGET_DIR", work.join("target"))
        .env_remove("RUSTFLAGS")
        .env_remove("IMMPERM_CHECK")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "cargo doc failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let html = fs::read_to_string(work.join("target/doc/attr_doc/fn.thumbnails.html")).unwrap();
    let user_docs = html.find("Frames are JPEG.").unwrap();
    let section = html.find("<h2 id=\"imm-permissions\">").unwrap();
    assert!(
        user_docs < section,
        "the section follows the function's own docs"
    );
    for expected in [
        "<code>video/snapshots</code> asynchronously (<code>x-oss-async-process</code>), saving into the source bucket",
        "<li><code>oss:GetObject</code>, <code>oss:PostProcessTask</code>, <code>oss:ProcessImm</code>, <code>oss:PutObject</code> on <code>acs:oss:*:*:media-in/*</code></li>",
        "<li><code>imm:CreateMediaConvertTask</code> on <code>acs:imm:cn-hangzhou:1234567890123456:project/media</code></li>",
        "<li><code>ram:PassRole</code> on <code>acs:ram:*:1234567890123456:role/mediarole</code></li>",
        "The IMM service role <code>MediaRole</code> needs:",
        "<li><code>mns:PublishMessage</code> on <code>acs:mns:cn-hangzhou:1234567890123456:/topics/jobs/messages</code></li>",
    ] {
        assert!(html.contains(expected), "missing {expected:?}");
    }
}
