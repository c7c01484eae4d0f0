//! The build-time export on the bundled example workspace (`examples/media-app`, which
//! depends on the library `examples/media-kit` by path): the binary's policy covers the
//! library's annotations, the committed lock file is current, and it goes stale when code
//! declares something new.
#![expect(
    clippy::unwrap_used,
    reason = "fixtures and scratch files; a failure is a test failure"
)]

use std::path::{Path, PathBuf};

use immperm_build::scan::CfgSet;
use immperm_build::{Analysis, AnalysisOptions, BuildError};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

fn analyze(dir: &Path) -> Result<Analysis, BuildError> {
    Analysis::load(&AnalysisOptions {
        manifest_dir: dir.to_path_buf(),
        cfg: CfgSet::new(),
        cache_dir: None,
    })
}

/// Asserts that the committed artifacts of the crate in `dir` are what its code needs.
fn assert_current(dir: &Path) {
    let stale = analyze(dir).unwrap().stale().unwrap();
    assert!(stale.is_empty(), "{stale:#?}");
}

/// Copies a directory tree (files only).
fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Appends `code` after a blank line; returns the line `code` starts on.
fn append(file: &Path, code: &str) -> usize {
    let mut source = std::fs::read_to_string(file).unwrap();
    source.push('\n');
    let line = source.lines().count() + 1;
    source.push_str(code);
    std::fs::write(file, source).unwrap();
    line
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("immperm-build-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A scratch copy of the example workspace (`media-app` and the `media-kit` it depends on).
fn scratch_examples(name: &str) -> PathBuf {
    let root = scratch(name);
    for example in ["media-app", "media-kit"] {
        copy(&examples().join(example), &root.join(example));
    }
    root
}

/// A scratch crate `name` with this `Cargo.toml` and `src/lib.rs`.
fn scratch_crate(name: &str, manifest: &str, lib: &str) -> PathBuf {
    let root = scratch(name);
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(root.join("Cargo.toml"), manifest).unwrap();
    std::fs::write(root.join("src/lib.rs"), lib).unwrap();
    root
}

#[test]
fn the_binary_policy_covers_the_workspace_library() {
    let analysis = analyze(&examples().join("media-app")).unwrap();
    let functions: Vec<String> = analysis
        .found
        .iter()
        .map(|f| {
            format!(
                "{} {}::{}",
                f.provenance.file, f.provenance.module_path, f.provenance.function
            )
        })
        .collect();
    assert_eq!(
        functions,
        [
            "src/documents.rs crate::documents::convert_to_pages",
            "src/probe.rs crate::probe::probe_video",
            "src/thumbs.rs crate::thumbs::make_thumbnails",
            "../media-kit/src/lib.rs media_kit::preview",
        ]
    );
    assert_eq!(analysis.own().len(), 3);
    let caller = analysis
        .documents()
        .into_iter()
        .find(|(name, _)| *name == "caller.json")
        .unwrap()
        .1;
    assert!(caller.contains("imm:GenerateWebofficeToken"), "{caller}");
    assert!(caller.contains("acs:oss:*:*:media-docs/*"), "{caller}");
}

#[test]
fn the_committed_example_is_current_and_goes_stale_with_a_new_annotation() {
    for example in ["media-app", "media-kit"] {
        let stale = analyze(&examples().join(example)).unwrap().stale().unwrap();
        assert!(stale.is_empty(), "{example}: {stale:#?}");
    }

    let root = scratch_examples("stale");
    let probe = root.join("media-app/src/probe.rs");
    let line = append(
        &probe,
        "#[requires_imm(op = \"audio/info\")]\npub(crate) fn probe_audio() {}\n",
    );
    let analysis = analyze(&root.join("media-app")).unwrap();
    let stale = analysis.stale().unwrap();
    assert!(
        stale.contains(&format!(
            "+ requirement  src/probe.rs:{line} probe_audio  audio/info (sync)"
        )),
        "{stale:#?}"
    );
    // `imm:DetectMediaMeta` was already granted for `video/info` on the same bucket: the
    // new annotation is only a new reason, so the diff shows the requirement and the
    // policies do not change.
    assert_eq!(stale.len(), 1, "{stale:#?}");

    // Writing brings everything up to date.
    let written = analysis.write().unwrap();
    assert!(!written.is_empty());
    assert_current(&root.join("media-app"));
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_new_permission_shows_with_the_function_that_needs_it() {
    let root = scratch_examples("grant");
    let probe = root.join("media-app/src/probe.rs");
    let line = append(
        &probe,
        "#[requires_imm(op = \"image/faces\")]\npub(crate) fn faces() {}\n",
    );
    let stale = analyze(&root.join("media-app")).unwrap().stale().unwrap();
    assert!(
        stale.contains(
            &format!("+ imm:DetectImageFaces  (caller)  src/probe.rs:{line} faces  image/faces (sync)  on acs:imm:cn-hangzhou:1234567890123456:project/media")
        ),
        "{stale:#?}"
    );
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn deny_wildcards_names_the_functions_without_a_bucket() {
    let root = scratch_crate(
        "wildcards",
        "[package]\nname = \"open\"\nversion = \"0.1.0\"\n\n[package.metadata.immperm]\ndeny-wildcards = true\n",
        "#[immperm::requires_imm(op = \"video/info\")]\npub fn probe() {}\n",
    );
    let err = analyze(&root).unwrap_err().to_string();
    assert!(err.contains("src/lib.rs:1 probe"), "{err}");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn annotations_that_break_the_rules_are_left_to_the_attribute_with_their_location() {
    // The attribute reports them at compile time; the export lists them, in no policy.
    let root = scratch_crate(
        "rules",
        "[package]\nname = \"bad\"\nversion = \"0.1.0\"\n",
        "#[immperm::requires_imm(op = \"video/snapshot\")]\npub fn a() {}\n\n#[immperm::requires_imm(op = \"video/info\", async)]\npub fn b() {}\n\n#[immperm::requires_imm(op = \"video/info\")]\npub fn c() {}\n",
    );
    let analysis = analyze(&root).unwrap();
    let unresolved: Vec<String> = analysis
        .unresolved
        .iter()
        .map(|u| format!("{}: {}", u.provenance, u.reason))
        .collect();
    assert_eq!(unresolved.len(), 2, "{unresolved:#?}");
    assert!(
        unresolved[0]
            .starts_with("src/lib.rs:1:1 `crate::a`: unknown IMM operation `video/snapshot`"),
        "{unresolved:#?}"
    );
    assert!(
        unresolved[1]
            .starts_with("src/lib.rs:4:1 `crate::b`: `video/info` only runs synchronously"),
        "{unresolved:#?}"
    );
    assert_eq!(analysis.requirements.len(), 1);
    assert_eq!(analysis.found[0].provenance.function, "c");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn deployed_policies_in_the_configuration_are_checked() {
    let root = scratch_crate(
        "deployed",
        "[package]\nname = \"svc\"\nversion = \"0.1.0\"\n\n[package.metadata.immperm]\n\
         buckets = [\"media\"]\ndeployed = [\"deploy/ram-user.json\"]\n",
        "mod thumbs;\n",
    );
    std::fs::create_dir_all(root.join("deploy")).unwrap();
    std::fs::write(
        root.join("src/thumbs.rs"),
        "#[immperm::requires_imm(op = \"video/snapshots\", async)]\npub fn make_thumbnails() {}\n",
    )
    .unwrap();
    // Everything but `oss:PostProcessTask`.
    std::fs::write(
        root.join("deploy/ram-user.json"),
        r#"{"Version": "1", "Statement": [
            {"Effect": "Allow", "Action": ["oss:GetObject", "oss:ProcessImm", "oss:PutObject"], "Resource": "acs:oss:*:*:media/*"},
            {"Effect": "Allow", "Action": "imm:CreateMediaConvertTask", "Resource": "*"},
            {"Effect": "Allow", "Action": "ram:PassRole", "Resource": "acs:ram:*:*:role/aliyunimmdefaultrole"}]}"#,
    )
    .unwrap();
    let lines = analyze(&root).unwrap().check_deployed().unwrap();
    assert_eq!(
        lines,
        [
            "`oss:PostProcessTask` on `acs:oss:*:*:media/*` is not granted: needed by \
          src/thumbs.rs:1 `make_thumbnails` (video/snapshots, async)"
        ]
    );

    std::fs::write(root.join("deploy/ram-user.json"), "{\"Version\": \"2\"}").unwrap();
    let err = analyze(&root)
        .unwrap()
        .check_deployed()
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("deploy/ram-user.json:1:13: Version: "),
        "{err}"
    );
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn documents_no_longer_needed_are_stale_and_removed() {
    let root = scratch_examples("removed");
    // Back to IMM's default service role: no custom role policy, no trust policy.
    let manifest = root.join("media-app/Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace("service-role = \"MediaAppImmRole\"\n", ""),
    )
    .unwrap();
    let analysis = analyze(&root.join("media-app")).unwrap();
    let stale = analysis.stale().unwrap();
    for line in [
        "- policy/service-role.json (no longer needed)",
        "- policy/service-role-trust.json (no longer needed)",
        "~ policy/caller.json differs",
    ] {
        assert!(stale.contains(&line.to_owned()), "{line}: {stale:#?}");
    }
    analysis.write().unwrap();
    assert!(!root.join("media-app/policy/service-role.json").exists());
    assert!(
        !root
            .join("media-app/policy/service-role-trust.json")
            .exists()
    );
    assert_current(&root.join("media-app"));
    std::fs::remove_dir_all(&root).unwrap();
}
