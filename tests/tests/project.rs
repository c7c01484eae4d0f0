//! The policy covers every request the code can make, in the shapes services are laid out:
//! scratch workspaces built with the real cargo, as users build them, and the policy the
//! build exports (`target/immperm/<package>/`) read back.
//!
//! Shapes: a workspace dependency (`workspace = true`), a renamed dependency, features
//! implied by defaults and forwarded by the application, a second binary, `src/bin/*/main.rs`
//! and `[[bin]] path`, two binaries with the same annotation on the same line, test helpers
//! and examples (compiled, in no policy), a build with `--all-features` (the sources stay
//! byte-identical), the committed lock (stale warnings, `IMMPERM_CHECK=1`), a crate root
//! without `include_policies!()`, and the run-time check of buckets, save targets and topics.
#![expect(clippy::panic, reason = "a test: a failed step is a failed test")]

use immperm_tests::scratch::{BUILD_RS, Scratch, immperm_dependency, manifest};

const INCLUDE: &str = "immperm::include_policies!();\n";

fn caller(scratch: &Scratch, package: &str) -> String {
    scratch
        .exported(package, "caller.json")
        .unwrap_or_else(|| panic!("{package} exported no caller.json"))
}

/// A library package `name` with these sources; `extra` goes into its manifest.
fn library(scratch: &Scratch, dir: &str, name: &str, extra: &str, lib: &str) {
    scratch
        .file(
            &format!("{dir}/Cargo.toml"),
            &manifest(
                name,
                &format!("{extra}\n[dependencies]\n{}", immperm_dependency(&["sdk"])),
            ),
        )
        .file(&format!("{dir}/build.rs"), BUILD_RS)
        .file(&format!("{dir}/src/lib.rs"), &format!("{INCLUDE}{lib}"));
}

#[test]
fn a_workspace_dependency_is_in_the_binarys_policy() {
    let s = Scratch::new("ws-dependency");
    s.file(
        "Cargo.toml",
        "[workspace]\nresolver = \"3\"\nmembers = [\"app\", \"kit\"]\n\n[workspace.dependencies]\nwskit = { path = \"kit\" }\n",
    );
    library(
        &s,
        "kit",
        "wskit",
        "[package.metadata.immperm]\nbuckets = [\"kit-media\"]\n",
        "#[immperm::requires_imm(op = \"image/faces\")]\npub fn faces() {}\n",
    );
    s.file(
        "app/Cargo.toml",
        &manifest(
            "wsapp",
            &format!(
                "[package.metadata.immperm]\nbuckets = [\"app-media\"]\n\n[dependencies]\n{}\nwskit = {{ workspace = true }}\n",
                immperm_dependency(&["sdk"])
            ),
        ),
    )
    .file("app/build.rs", BUILD_RS)
    .file(
        "app/src/main.rs",
        &format!("{INCLUDE}#[immperm::requires_imm(op = \"video/info\")]\nfn probe() {{}}\nfn main() {{ probe(); wskit::faces(); }}\n"),
    );
    s.cargo_ok(&["build", "-p", "wsapp"]);
    let policy = caller(&s, "wsapp");
    assert!(policy.contains("imm:DetectImageFaces"), "{policy}");
    assert!(policy.contains("imm:DetectMediaMeta"), "{policy}");
    // The dependency's annotation reads from the dependency's own buckets.
    assert!(policy.contains("acs:oss:*:*:kit-media/*"), "{policy}");
    assert!(policy.contains("acs:oss:*:*:app-media/*"), "{policy}");
    let lock = s.exported("wsapp", "immperm.lock").unwrap();
    assert!(lock.contains("function = \"wskit::faces\""), "{lock}");
    assert!(lock.contains("package = \"wskit\""), "{lock}");
}

#[test]
fn a_renamed_dependency_is_in_the_binarys_policy() {
    let s = Scratch::new("renamed");
    s.file(
        "Cargo.toml",
        "[workspace]\nresolver = \"3\"\nmembers = [\"app\", \"kit\"]\n",
    );
    library(
        &s,
        "kit",
        "renamedkit",
        "",
        "#[immperm::requires_imm(op = \"doc/preview\", bucket = \"docs-in\")]\npub fn preview() {}\n",
    );
    s.file(
        "app/Cargo.toml",
        &manifest(
            "renamedapp",
            &format!(
                "[dependencies]\n{}\nmedia = {{ package = \"renamedkit\", path = \"../kit\" }}\n",
                immperm_dependency(&["sdk"])
            ),
        ),
    )
    .file("app/build.rs", BUILD_RS)
    .file(
        "app/src/main.rs",
        &format!("{INCLUDE}fn main() {{ media::preview(); }}\n"),
    );
    s.cargo_ok(&["build", "-p", "renamedapp"]);
    let policy = caller(&s, "renamedapp");
    assert!(policy.contains("imm:GenerateWebofficeToken"), "{policy}");
    assert!(policy.contains("acs:oss:*:*:docs-in/*"), "{policy}");
}

#[test]
fn features_are_resolved_as_cargo_resolves_them() {
    let s = Scratch::new("features");
    s.file(
        "Cargo.toml",
        "[workspace]\nresolver = \"3\"\nmembers = [\"app\", \"kit\"]\n",
    );
    library(
        &s,
        "kit",
        "featkit",
        "[package.metadata.immperm]\nbuckets = [\"kit-media\"]\n\n[features]\ndefault = [\"video\"]\nvideo = [\"thumbs\"]\nthumbs = []\nextra = []\n",
        "#[cfg(feature = \"thumbs\")]\n#[immperm::requires_imm(op = \"video/snapshots\", async)]\npub fn thumbnails() {}\n\n\
         #[cfg(feature = \"extra\")]\n#[immperm::requires_imm(op = \"image/cropping\")]\npub fn crop() {}\n",
    );
    s.file(
        "app/Cargo.toml",
        &manifest(
            "featapp",
            &format!(
                "[features]\nextra = [\"featkit/extra\"]\n\n[dependencies]\n{}\nfeatkit = {{ path = \"../kit\" }}\n",
                immperm_dependency(&["sdk"])
            ),
        ),
    )
    .file("app/build.rs", BUILD_RS)
    .file("app/src/main.rs", &format!("{INCLUDE}fn main() {{}}\n"));
    // Implied: `default` enables `video`, which enables `thumbs`.
    s.cargo_ok(&["build", "-p", "featapp"]);
    let policy = caller(&s, "featapp");
    assert!(policy.contains("imm:CreateMediaConvertTask"), "{policy}");
    assert!(!policy.contains("imm:DetectImageCropping"), "{policy}");
    // Forwarded: the application's `extra` enables the library's.
    s.cargo_ok(&["build", "-p", "featapp", "--features", "extra"]);
    let policy = caller(&s, "featapp");
    assert!(policy.contains("imm:DetectImageCropping"), "{policy}");
    let lock = s.exported("featapp", "immperm.lock").unwrap();
    assert!(lock.contains("features = [\"extra\"]"), "{lock}");
}

#[test]
fn every_binary_is_in_the_policy() {
    let s = Scratch::new("binaries");
    s.file(
        "Cargo.toml",
        &format!(
            "{}\n[[bin]]\nname = \"tool\"\npath = \"tools/tool.rs\"\n\n[workspace]\n",
            manifest(
                "binsapp",
                &format!(
                    "[package.metadata.immperm]\nbuckets = [\"media\"]\n\n[dependencies]\n{}",
                    immperm_dependency(&["sdk"])
                )
            )
        ),
    )
    .file("build.rs", BUILD_RS)
    .file(
        "src/main.rs",
        &format!("{INCLUDE}#[immperm::requires_imm(op = \"video/info\")]\nfn probe() {{}}\nfn main() {{ probe(); }}\n"),
    )
    .file(
        "src/bin/faces.rs",
        &format!("{INCLUDE}#[immperm::requires_imm(op = \"image/faces\")]\nfn faces() {{}}\nfn main() {{ faces(); }}\n"),
    )
    .file(
        "src/bin/cars/main.rs",
        &format!("{INCLUDE}mod detect;\nfn main() {{ detect::cars(); }}\n"),
    )
    .file(
        "src/bin/cars/detect.rs",
        "#[immperm::requires_imm(op = \"image/cars\")]\npub fn cars() {}\n",
    )
    .file(
        "tools/tool.rs",
        &format!("{INCLUDE}#[immperm::requires_imm(op = \"image/labels\")]\nfn labels() {{}}\nfn main() {{ labels(); }}\n"),
    );
    s.cargo_ok(&["build"]);
    let policy = caller(&s, "binsapp");
    for action in [
        "imm:DetectMediaMeta",
        "imm:DetectImageFaces",
        "imm:DetectImageCars",
        "imm:DetectImageLabels",
    ] {
        assert!(policy.contains(action), "{action}: {policy}");
    }
}

#[test]
fn two_binaries_with_one_annotation_on_one_line_keep_both_buckets() {
    let s = Scratch::new("same-line");
    let bin = |bucket: &str| {
        format!(
            "{INCLUDE}#[immperm::requires_imm(op = \"video/info\", bucket = \"{bucket}\")]\nfn probe() {{}}\nfn main() {{ probe(); }}\n"
        )
    };
    s.file(
        "Cargo.toml",
        &format!(
            "{}\n[workspace]\n",
            manifest(
                "samelineapp",
                &format!("[dependencies]\n{}", immperm_dependency(&["sdk"]))
            )
        ),
    )
    .file("build.rs", BUILD_RS)
    .file("src/bin/one/main.rs", &bin("media-one"))
    .file("src/bin/two/main.rs", &bin("media-archive"));
    s.cargo_ok(&["build"]);
    let policy = caller(&s, "samelineapp");
    assert!(policy.contains("acs:oss:*:*:media-one/*"), "{policy}");
    assert!(policy.contains("acs:oss:*:*:media-archive/*"), "{policy}");
}

#[test]
fn test_helpers_and_examples_compile_and_stay_out_of_the_policy() {
    let s = Scratch::new("test-code");
    s.file(
        "Cargo.toml",
        &format!(
            "{}\n[workspace]\n",
            manifest(
                "testcodeapp",
                &format!(
                    "[package.metadata.immperm]\nbuckets = [\"media\"]\n\n[dependencies]\n{}",
                    immperm_dependency(&["sdk"])
                )
            )
        ),
    )
    .file("build.rs", BUILD_RS)
    .file(
        "src/lib.rs",
        &format!(
            "{INCLUDE}#[immperm::requires_imm(op = \"video/info\")]\npub fn probe() {{}}\n\n\
             #[cfg(test)]\nmod tests {{\n    #[immperm::requires_imm(op = \"image/faces\")]\n    fn helper() {{}}\n\n    #[test]\n    fn uses_the_helper() {{ helper(); }}\n}}\n"
        ),
    )
    .file(
        "examples/demo.rs",
        &format!("{INCLUDE}#[immperm::requires_imm(op = \"image/cars\")]\nfn demo() {{}}\nfn main() {{ demo(); testcodeapp::probe(); }}\n"),
    )
    .file(
        "tests/it.rs",
        &format!("{INCLUDE}#[immperm::requires_imm(op = \"image/labels\")]\nfn fixture() {{}}\n#[test]\nfn it() {{ fixture(); }}\n"),
    );
    s.cargo_ok(&["test", "--no-run", "--all-targets"]);
    s.cargo_ok(&["build", "--examples"]);
    let policy = caller(&s, "testcodeapp");
    assert!(policy.contains("imm:DetectMediaMeta"), "{policy}");
    for test_only in [
        "imm:DetectImageFaces",
        "imm:DetectImageCars",
        "imm:DetectImageLabels",
    ] {
        assert!(!policy.contains(test_only), "{test_only}: {policy}");
    }
}

#[test]
fn a_build_with_every_feature_leaves_the_sources_as_they_were() {
    let s = Scratch::new("all-features");
    s.file(
        "Cargo.toml",
        &format!(
            "{}\n[features]\nextra = []\n\n[workspace]\n",
            manifest(
                "allfeaturesapp",
                &format!(
                    "[package.metadata.immperm]\nbuckets = [\"media\"]\n\n[dependencies]\n{}",
                    immperm_dependency(&["sdk"])
                )
            )
        ),
    )
    .file("build.rs", BUILD_RS)
    .file(
        "src/lib.rs",
        &format!(
            "{INCLUDE}#[immperm::requires_imm(op = \"video/info\")]\npub fn probe() {{}}\n\
             #[cfg(feature = \"extra\")]\n#[immperm::requires_imm(op = \"image/faces\")]\npub fn faces() {{}}\n"
        ),
    );
    let before = s.sources();
    s.cargo_ok(&["check", "--all-features"]);
    assert_eq!(s.sources(), before, "a build wrote into the package");
    let policy = caller(&s, "allfeaturesapp");
    assert!(policy.contains("imm:DetectImageFaces"), "{policy}");
}

#[test]
fn a_stale_committed_lock_is_a_warning_and_with_immperm_check_an_error() {
    let s = Scratch::new("stale-lock");
    s.file(
        "Cargo.toml",
        &format!(
            "{}\n[workspace]\n",
            manifest(
                "staleapp",
                &format!(
                    "[package.metadata.immperm]\nbuckets = [\"media\"]\n\n[dependencies]\n{}",
                    immperm_dependency(&["sdk"])
                )
            )
        ),
    )
    .file("build.rs", BUILD_RS)
    .file(
        "src/lib.rs",
        &format!("{INCLUDE}#[immperm::requires_imm(op = \"video/info\")]\npub fn probe() {{}}\n"),
    );
    // No committed lock yet: the build says how to make one.
    let stderr = s.cargo_ok(&["check"]);
    assert!(stderr.contains("cargo immperm lock"), "{stderr}");
    // What `immperm lock` writes is what the build exports.
    std::fs::write(
        s.path("immperm.lock"),
        s.exported("staleapp", "immperm.lock").unwrap(),
    )
    .unwrap();
    std::fs::create_dir_all(s.path("policy")).unwrap();
    std::fs::write(s.path("policy/caller.json"), caller(&s, "staleapp")).unwrap();
    let stderr = s.cargo_ok(&["check"]);
    assert!(!stderr.contains("are stale"), "{stderr}");
    // A comment line above the annotation moves it: no permission changes.
    let lib = std::fs::read_to_string(s.path("src/lib.rs")).unwrap();
    s.file(
        "src/lib.rs",
        &lib.replace(INCLUDE, &format!("{INCLUDE}// moved\n")),
    );
    let output = s.cargo_in(".", &["check"], &[("IMMPERM_CHECK", "1")]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // A new permission: stale.
    s.file(
        "src/lib.rs",
        &format!("{lib}#[immperm::requires_imm(op = \"image/faces\")]\npub fn faces() {{}}\n"),
    );
    let stderr = s.cargo_ok(&["check"]);
    assert!(stderr.contains("are stale"), "{stderr}");
    assert!(stderr.contains("imm:DetectImageFaces"), "{stderr}");
    let output = s.cargo_in(".", &["check"], &[("IMMPERM_CHECK", "1")]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("+ imm:DetectImageFaces"), "{stderr}");
    // Deleting the committed policy makes the build run again and say so.
    s.file("src/lib.rs", &lib);
    s.cargo_ok(&["check"]);
    std::fs::remove_file(s.path("policy/caller.json")).unwrap();
    let stderr = s.cargo_ok(&["check"]);
    assert!(stderr.contains("policy/caller.json (missing)"), "{stderr}");
}

#[test]
fn a_crate_root_without_the_table_is_one_error_naming_the_fix() {
    let s = Scratch::new("no-include");
    s.file(
        "Cargo.toml",
        &format!(
            "{}\n[workspace]\n",
            manifest(
                "noincludeapp",
                &format!("[dependencies]\n{}", immperm_dependency(&["sdk"]))
            )
        ),
    )
    .file("build.rs", BUILD_RS)
    .file(
        "src/main.rs",
        "#[immperm::requires_imm(op = \"video/info\")]\nfn a() {}\n\
         #[immperm::requires_imm(op = \"audio/info\")]\nfn b() {}\n\
         #[immperm::requires_imm(op = \"image/faces\")]\nfn c() {}\nfn main() { a(); b(); c(); }\n",
    );
    let output = s.cargo(&["check"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.matches("error:").count(),
        2,
        "one error and cargo's summary:\n{stderr}"
    );
    assert!(
        stderr.contains("the crate root `src/main.rs` does not include the build script's table: add `immperm::include_policies!();` at its top level"),
        "{stderr}"
    );
}

#[test]
fn requests_outside_the_declaration_are_refused_when_built() {
    let s = Scratch::new("run-time-check");
    s.file(
        "Cargo.toml",
        &format!(
            "{}\n[workspace]\n",
            manifest(
                "runtimecheckapp",
                &format!(
                    "[package.metadata.immperm]\nbuckets = [\"media-in\"]\n\n[dependencies]\n{}",
                    immperm_dependency(&["sdk"])
                )
            )
        ),
    )
    .file("build.rs", BUILD_RS)
    .file(
        "src/main.rs",
        &format!(
            "{INCLUDE}use immperm::requires_imm;\n\
             use immperm::sdk::{{Endpoint, Object, Process, Topic, params}};\n\n\
             #[requires_imm(op = \"image/faces\", bucket = \"photos\")]\n\
             fn faces(bucket: &str) -> Result<(), immperm::sdk::BuildError> {{\n\
                 let endpoint = Endpoint::region(\"cn-hangzhou\")?;\n\
                 Process::new(Object::new(bucket, \"a.jpg\")?, params::ImageFaces).build_sync(&endpoint, &IMM).map(|_| ())\n\
             }}\n\n\
             #[requires_imm(op = \"video/snapshots\", async, saveas = \"media-out/thumbs/\", notify = \"jobs\")]\n\
             fn thumbs(save: &str, topic: &str) -> Result<(), immperm::sdk::BuildError> {{\n\
                 let endpoint = Endpoint::region(\"cn-hangzhou\")?;\n\
                 Process::new(Object::new(\"media-in\", \"v.mp4\")?, params::VideoSnapshots::new())\n\
                     .save_as(Object::new(\"media-out\", save)?)\n\
                     .notify(Topic::new(topic)?)\n\
                     .build_async(&endpoint, &IMM).map(|_| ())\n\
             }}\n\n\
             fn main() {{\n\
                 println!(\"photos: {{:?}}\", faces(\"photos\").err());\n\
                 println!(\"photoz: {{:?}}\", faces(\"photoz\").err().map(|e| e.to_string()));\n\
                 println!(\"inside: {{:?}}\", thumbs(\"thumbs/a\", \"jobs\").err());\n\
                 println!(\"prefix: {{:?}}\", thumbs(\"other/a\", \"jobs\").err().map(|e| e.to_string()));\n\
                 println!(\"topic: {{:?}}\", thumbs(\"thumbs/a\", \"other\").err().map(|e| e.to_string()));\n\
             }}\n"
        ),
    );
    let output = s.cargo(&["run", "--quiet"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "photos: None");
    assert!(
        lines[1].contains(
            "it reads from bucket `photoz`, but the declaration reads from bucket `photos`"
        ),
        "{stdout}"
    );
    assert_eq!(lines[2], "inside: None");
    assert!(
        lines[3].contains(
            "it saves to `media-out/other/a`, but the declaration saves under `media-out/thumbs/`"
        ),
        "{stdout}"
    );
    assert!(
        lines[4].contains("it notifies SMQ topic `other`, but the declaration names `jobs`"),
        "{stdout}"
    );
}
