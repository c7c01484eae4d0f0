//! The analysis on the bundled example workspace (`examples/media-app`, which depends on the
//! library `examples/media-kit` by path) and on scratch packages: the binary's policy covers
//! the library's annotations, the committed lock is current, and it goes stale when code
//! declares something new, never when code only moves.
#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "fixtures and scratch files; a failure is a test failure"
)]

use std::path::{Path, PathBuf};

use immperm_build::analysis::{Analysis, AnalysisError, Options, Placement, TargetCfg};
use immperm_build::project::{Features, Request};
use immperm_build::scan::CfgSet;
use immperm_build::{Committed, lock};
use immperm_tests::python_sdk::workspace_root;
use immperm_tests::scratch::{BUILD_RS, Scratch, immperm_dependency, manifest};

fn examples() -> PathBuf {
    workspace_root().join("examples")
}

fn analyze(manifest_dir: &Path) -> Result<Analysis, AnalysisError> {
    Analysis::load(&Options {
        request: Request {
            cargo: std::env::var_os("CARGO").map_or_else(|| "cargo".into(), PathBuf::from),
            manifest_path: manifest_dir.join("Cargo.toml"),
            features: Features::default(),
            platform: None,
            offline: true,
            cache_dir: None,
        },
        cfg: TargetCfg::Given(CfgSet::new()),
    })
}

/// A scratch copy of the example workspace (`media-app` and the `media-kit` it depends on),
/// as a workspace of its own.
fn scratch_examples(name: &str) -> Scratch {
    let scratch = Scratch::new(name);
    scratch.file(
        "Cargo.toml",
        "[workspace]\nresolver = \"3\"\nmembers = [\"media-app\", \"media-kit\"]\n",
    );
    for example in ["media-app", "media-kit"] {
        copy(&examples().join(example), &scratch.path(example));
        let manifest = scratch.path(&format!("{example}/Cargo.toml"));
        let text = std::fs::read_to_string(&manifest).unwrap();
        let immperm = workspace_root().display().to_string();
        let text = text
            .replace("path = \"../../", &format!("path = \"{immperm}/"))
            .replace("[lints]\nworkspace = true\n", "");
        std::fs::write(&manifest, text).unwrap();
    }
    scratch
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

/// Appends `code` after a blank line.
fn append(file: &Path, code: &str) {
    let mut source = std::fs::read_to_string(file).unwrap();
    source.push('\n');
    source.push_str(code);
    std::fs::write(file, source).unwrap();
}

fn stale_lines(analysis: &Analysis) -> Vec<String> {
    match analysis.committed(lock::HOST) {
        Committed::Stale(lines) => lines,
        other => panic!("expected stale files, found {other:?}"),
    }
}

#[test]
fn the_binary_policy_covers_the_workspace_library() {
    let analysis = analyze(&examples().join("media-app")).unwrap();
    let functions: Vec<String> = analysis
        .deployed
        .iter()
        .map(|a| format!("{} {}", a.shown, a.function))
        .collect();
    assert_eq!(
        functions,
        [
            "src/documents.rs media_app::documents::convert_to_pages",
            "src/probe.rs media_app::probe::probe_video",
            "src/thumbs.rs media_app::thumbs::make_thumbnails",
            "../media-kit/src/lib.rs media_kit::preview",
        ]
    );
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
fn the_committed_examples_are_current() {
    for example in ["media-app", "media-kit"] {
        let analysis = analyze(&examples().join(example)).unwrap();
        assert_eq!(
            analysis.committed(lock::HOST),
            Committed::Current,
            "{example}: run `immperm lock examples/{example}`"
        );
    }
}

#[test]
fn a_new_annotation_is_stale_and_moving_code_is_not() {
    let scratch = scratch_examples("build-stale");
    let app = scratch.path("media-app");
    let probe = app.join("src/probe.rs");
    // A comment line above every annotation: nothing to lock.
    let source = std::fs::read_to_string(&probe).unwrap();
    std::fs::write(&probe, format!("// A comment.\n{source}")).unwrap();
    assert_eq!(
        analyze(&app).unwrap().committed(lock::HOST),
        Committed::Current
    );
    append(
        &probe,
        "#[requires_imm(op = \"audio/info\")]\npub(crate) fn probe_audio() {}\n",
    );
    let analysis = analyze(&app).unwrap();
    let stale = stale_lines(&analysis);
    // `imm:DetectMediaMeta` was already granted for `video/info` on the same bucket: the
    // new annotation is a new reason for grants that do not change, so only the declaration
    // shows.
    assert_eq!(
        stale,
        ["+ declaration  media_app::probe::probe_audio (op = \"audio/info\")"],
        "{stale:#?}"
    );
    // Writing brings everything up to date.
    let written = analysis.write_committed(lock::HOST).unwrap();
    assert!(!written.is_empty());
    assert_eq!(
        analyze(&app).unwrap().committed(lock::HOST),
        Committed::Current
    );
}

#[test]
fn a_new_permission_shows_with_the_function_that_needs_it() {
    let scratch = scratch_examples("build-grant");
    let app = scratch.path("media-app");
    append(
        &app.join("src/probe.rs"),
        "#[requires_imm(op = \"image/faces\")]\npub(crate) fn faces() {}\n",
    );
    let stale = stale_lines(&analyze(&app).unwrap());
    assert!(
        stale.contains(&"+ imm:DetectImageFaces  (caller)  media_app::probe::faces  on acs:imm:cn-hangzhou:1234567890123456:project/media".to_owned()),
        "{stale:#?}"
    );
}

#[test]
fn documents_no_longer_needed_are_stale_and_removed() {
    let scratch = scratch_examples("build-removed");
    let app = scratch.path("media-app");
    // Back to IMM's default service role: no custom role policy, no trust policy.
    let manifest = app.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace("service-role = \"MediaAppImmRole\"\n", ""),
    )
    .unwrap();
    let analysis = analyze(&app).unwrap();
    let stale = stale_lines(&analysis);
    for line in [
        "- policy/service-role.json (no longer needed)",
        "- policy/service-role-trust.json (no longer needed)",
        "~ policy/caller.json differs",
    ] {
        assert!(stale.contains(&line.to_owned()), "{line}: {stale:#?}");
    }
    analysis.write_committed(lock::HOST).unwrap();
    assert!(!app.join("policy/service-role.json").exists());
    assert!(!app.join("policy/service-role-trust.json").exists());
    assert_eq!(
        analyze(&app).unwrap().committed(lock::HOST),
        Committed::Current
    );
}

/// A scratch package with this configuration (extra manifest keys) and `src/lib.rs`.
fn scratch_package(name: &str, metadata: &str, lib: &str) -> Scratch {
    let scratch = Scratch::new(name);
    scratch
        .file(
            "Cargo.toml",
            &format!(
                "{}\n[workspace]\n",
                manifest(
                    name,
                    &format!(
                        "[package.metadata.immperm]\n{metadata}\n\n[dependencies]\n{}",
                        immperm_dependency(&[])
                    )
                )
            ),
        )
        .file("build.rs", BUILD_RS)
        .file("src/lib.rs", lib);
    scratch
}

#[test]
fn deny_wildcards_names_the_functions_without_a_bucket() {
    let scratch = scratch_package(
        "wildcards",
        "deny-wildcards = true",
        "#[immperm::requires_imm(op = \"video/info\")]\npub fn probe() {}\n",
    );
    let err = analyze(scratch.root()).unwrap_err().to_string();
    assert!(err.contains("src/lib.rs:1 probe"), "{err}");
}

#[test]
fn annotations_the_attribute_rejects_are_left_to_it() {
    let scratch = scratch_package(
        "rejected",
        "",
        "#[immperm::requires_imm(op = \"video/snapshot\")]\npub fn a() {}\n\n\
         #[immperm::requires_imm(op = \"video/info\", async)]\npub fn b() {}\n\n\
         #[immperm::requires_imm(op = \"image/faces\")]\npub fn c() {}\n",
    );
    let analysis = analyze(scratch.root()).unwrap();
    let rejected: Vec<String> = analysis
        .unresolved
        .iter()
        .map(|u| format!("{}:{} {}", u.shown, u.line, u.reason))
        .collect();
    assert_eq!(rejected.len(), 2, "{rejected:#?}");
    assert!(
        rejected[0].starts_with("src/lib.rs:1 unknown IMM operation `video/snapshot`"),
        "{rejected:#?}"
    );
    assert!(
        rejected[1].starts_with("src/lib.rs:4 `video/info` only runs synchronously"),
        "{rejected:#?}"
    );
    // The valid one is in the policy.
    assert_eq!(analysis.deployed.len(), 1);
    assert_eq!(analysis.deployed[0].placement, Placement::Deployed);
}

#[test]
fn deployed_policies_in_the_configuration_are_checked() {
    let scratch = scratch_package(
        "deployedsvc",
        "buckets = [\"media\"]\ndeployed = [\"deploy/ram-user.json\"]",
        "mod thumbs;\n",
    );
    scratch.file(
        "src/thumbs.rs",
        "#[immperm::requires_imm(op = \"video/snapshots\", async)]\npub fn make_thumbnails() {}\n",
    );
    // Everything but `oss:PostProcessTask`.
    scratch.file(
        "deploy/ram-user.json",
        r#"{"Version": "1", "Statement": [
            {"Effect": "Allow", "Action": ["oss:GetObject", "oss:ProcessImm", "oss:PutObject"], "Resource": "acs:oss:*:*:media/*"},
            {"Effect": "Allow", "Action": "imm:CreateMediaConvertTask", "Resource": "*"},
            {"Effect": "Allow", "Action": "ram:PassRole", "Resource": "acs:ram:*:*:role/aliyunimmdefaultrole"}]}"#,
    );
    let lines = analyze(scratch.root()).unwrap().check_deployed().unwrap();
    assert_eq!(
        lines,
        [
            "`oss:PostProcessTask` on `acs:oss:*:*:media/*` is not granted: needed by \
          src/thumbs.rs:1 `make_thumbnails` (video/snapshots, async)"
        ]
    );
    scratch.file("deploy/ram-user.json", "{\"Version\": \"2\"}");
    let err = analyze(scratch.root())
        .unwrap()
        .check_deployed()
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("deploy/ram-user.json:1:13: Version: "),
        "{err}"
    );
}
