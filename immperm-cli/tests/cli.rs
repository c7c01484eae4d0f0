//! The `immperm` binary, run on the fixture crates in `tests/fixtures`: output, exit status
//! and error messages of every command.
#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers: a failure is a test failure"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use hcl::eval::{Context, Evaluate as _};
use immperm_build::Analysis;
use immperm_build::analysis::{Options, TargetCfg};
use immperm_build::catalog;
use immperm_build::project::{Features, Request};
use immperm_build::scan::CfgSet;
use serde_json::Value;

/// What a run printed and how it exited.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// The fixtures in `tests/fixtures`, as packages cargo can answer for: copied once per test
/// run into a temporary directory, their `immperm` dependency pointed at this workspace's
/// (they are never built), with this workspace's `Cargo.lock`, so that `cargo metadata`
/// resolves nothing anew and nothing is written into the sources.
fn fixtures() -> PathBuf {
    static PREPARED: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PREPARED
        .get_or_init(|| {
            let dir =
                std::env::temp_dir().join(format!("immperm-cli-fixtures-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
            for entry in std::fs::read_dir(&source).unwrap() {
                let name = entry.unwrap().file_name();
                prepare(&source.join(&name), &dir.join(&name));
            }
            dir
        })
        .clone()
}

/// Copies fixture `from` to `to` as a package cargo can answer for.
fn prepare(from: &Path, to: &Path) {
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
    copy(from, to);
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let immperm = workspace.join("immperm").canonicalize().unwrap();
    let manifest = to.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let text = text.replace(
        "immperm = \"0.1\"",
        &format!("immperm = {{ path = {:?} }}", immperm.display().to_string()),
    );
    std::fs::write(&manifest, text).unwrap();
    std::fs::copy(workspace.join("Cargo.lock"), to.join("Cargo.lock")).unwrap();
}

/// Runs `program` with `args` in `dir`.
fn run_program(program: &str, dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap();
    let run = Run {
        code: output.status.code().unwrap(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    };
    assert!(!run.stderr.contains("panicked"), "{run:?}");
    run
}

/// Runs `immperm` in `dir`.
fn immperm_in(dir: &Path, args: &[&str]) -> Run {
    run_program(env!("CARGO_BIN_EXE_immperm"), dir, args)
}

/// Runs `immperm` in the fixtures directory.
fn immperm(args: &[&str]) -> Run {
    immperm_in(&fixtures(), args)
}

/// A copy of fixture `name` in a temporary directory, for commands that write.
fn copy_of(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    prepare(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
        &dir.path().join(name),
    );
    dir
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from:?} not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// The library's analysis of a fixture with its default features, to compare the command's
/// output to.
fn analysis(dir: &Path) -> Analysis {
    Analysis::load(&Options {
        request: Request {
            cargo: std::env::var_os("CARGO").map_or_else(|| "cargo".into(), PathBuf::from),
            manifest_path: dir.join("Cargo.toml"),
            features: Features::default(),
            platform: None,
            offline: true,
            cache_dir: None,
        },
        cfg: TargetCfg::Given(CfgSet::new()),
    })
    .unwrap()
}

fn document(analysis: &Analysis, file: &str) -> String {
    analysis
        .documents()
        .into_iter()
        .find(|(name, _)| *name == file)
        .map(|(_, content)| content)
        .unwrap()
}

/// The line `+ imm:DetectMediaMeta ...` expects the annotation at this line of `src/probe.rs`.
const PROBE: &str = "
/// The duration and streams of an uploaded video.
#[immperm::requires_imm(op = \"video/info\")]
pub fn probe_video(key: &str) -> String {
    format!(\"{key}?x-oss-process=video/info\")
}
";

// ---------------------------------------------------------------------------------------
// Usage

#[test]
fn help_lists_the_commands_and_exits_zero() {
    let run = immperm(&["--help"]);
    assert_eq!(run.code, 0, "{run:?}");
    for command in ["policy", "explain", "lock", "check", "catalog"] {
        assert!(
            run.stdout.contains(&format!("\n  {command} ")),
            "{}",
            run.stdout
        );
    }
    assert!(
        run.stdout.contains("Usage: immperm <COMMAND>"),
        "{}",
        run.stdout
    );
    let check = immperm(&["check", "--help"]);
    assert_eq!(check.code, 0);
    let words = check
        .stdout
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        words
            .contains("An `Allow` under a `Condition` is not a proven allow: it counts as missing"),
        "{words}"
    );
    let policy = immperm(&["policy", "--help"]);
    for value in [
        "caller",
        "service-role",
        "trust",
        "batch-trigger",
        "json",
        "terraform",
        "aliyun-cli",
    ] {
        assert!(
            policy.stdout.contains(&format!("- {value}:")),
            "{value}: {}",
            policy.stdout
        );
    }
}

#[test]
fn usage_errors_exit_two() {
    let run = immperm(&["frobnicate"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unrecognized subcommand 'frobnicate'"),
        "{run:?}"
    );
    let run = immperm(&["policy", "media-service", "--format", "yaml"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("invalid value 'yaml' for '--format <FORMAT>'"),
        "{run:?}"
    );
    let run = immperm(&["check", "media-service"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--policy <FILE>..."), "{run:?}");
    assert_eq!(immperm(&[]).code, 2);
}

#[test]
fn cargo_runs_the_same_command_as_a_subcommand() {
    let program = env!("CARGO_BIN_EXE_cargo-immperm");
    let run = run_program(
        program,
        &fixtures(),
        &["immperm", "policy", "media-service"],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, immperm(&["policy", "media-service"]).stdout);
    let help = run_program(program, &fixtures(), &["immperm", "--help"]);
    assert!(
        help.stdout.contains("Usage: cargo immperm <COMMAND>"),
        "{}",
        help.stdout
    );
}

#[test]
fn cargo_finds_the_subcommand_on_the_path() {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_cargo-immperm"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let path =
        std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(&path))).unwrap();
    // An empty cargo home: no other installed `cargo-immperm` comes first.
    let home = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO"))
        .args(["immperm", "policy", "media-service"])
        .current_dir(fixtures())
        .env("PATH", path)
        .env("CARGO_HOME", home.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        immperm(&["policy", "media-service"]).stdout
    );
}

// ---------------------------------------------------------------------------------------
// policy

#[test]
fn policy_prints_the_caller_policy_of_the_default_features() {
    let run = immperm(&["policy", "media-service"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stderr, "");
    let expected = analysis(&fixtures().join("media-service"));
    assert_eq!(run.stdout, document(&expected, "caller.json"));
    // The preview (default feature) is in, the transcoder (feature `gpu`) is not.
    assert!(run.stdout.contains("imm:GenerateWebofficeToken"));
    assert!(run.stdout.contains("\"acs:oss:*:*:archive/*\""));
    assert!(!run.stdout.contains("media-out/hevc/"));
    // Byte-identical from run to run.
    assert_eq!(immperm(&["policy", "media-service"]).stdout, run.stdout);
}

#[test]
fn features_select_what_the_cfg_compiles() {
    let gpu = immperm(&["policy", "media-service", "--features", "gpu"]);
    assert_eq!(gpu.code, 0, "{gpu:?}");
    assert!(
        gpu.stdout.contains("\"acs:oss:*:*:media-out/hevc/*\""),
        "{}",
        gpu.stdout
    );
    let bare = immperm(&["policy", "media-service", "--no-default-features"]);
    assert_eq!(bare.code, 0, "{bare:?}");
    assert!(!bare.stdout.contains("imm:GenerateWebofficeToken"));
    assert!(!bare.stdout.contains("archive"));
    let all = immperm(&["policy", "media-service", "--all-features"]);
    assert!(all.stdout.contains("hevc") && all.stdout.contains("archive"));
    let unknown = immperm(&["policy", "media-service", "-F", "gpus"]);
    assert_eq!(unknown.code, 2);
    assert_eq!(
        unknown.stderr,
        "error: cargo cannot answer for `media-service/Cargo.toml`: the package 'media-service' does not contain this feature: gpus; help: there is a similarly named feature: gpu\n"
    );
}

#[test]
fn the_target_selects_what_the_cfg_compiles() {
    let host = immperm(&["policy", "media-service"]);
    assert_eq!(
        host.stdout.contains("imm:DetectImageCropping"),
        cfg!(windows)
    );
    let windows = immperm(&[
        "policy",
        "media-service",
        "--target",
        "x86_64-pc-windows-msvc",
    ]);
    assert_eq!(windows.code, 0, "{windows:?}");
    assert!(
        windows.stdout.contains("imm:DetectImageCropping"),
        "{}",
        windows.stdout
    );
    let linux = immperm(&[
        "policy",
        "media-service",
        "--target",
        "x86_64-unknown-linux-gnu",
    ]);
    assert!(
        !linux.stdout.contains("imm:DetectImageCropping"),
        "{}",
        linux.stdout
    );
    let unknown = immperm(&["policy", "media-service", "--target", "nope-nope"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown
            .stderr
            .starts_with("error: `rustc --print cfg --target nope-nope` failed: "),
        "{}",
        unknown.stderr
    );
}

#[test]
fn documents_that_do_not_apply_are_errors_saying_why() {
    let run = immperm(&["policy", "media-service", "--document", "service-role"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.starts_with("error: no `service-role` document: `AliyunIMMDefaultRole` is IMM's default service role: its system policy `AliyunIMMRolePolicy` already grants what IMM needs"),
        "{}",
        run.stderr
    );
    let trust = immperm(&[
        "policy",
        "media-service",
        "--document",
        "trust",
        "--format",
        "terraform",
    ]);
    assert_eq!(trust.code, 2);
    assert!(
        trust.stderr.starts_with("error: no `trust` document"),
        "{}",
        trust.stderr
    );
    let batch = immperm(&["policy", "media-service", "--document", "batch-trigger"]);
    assert_eq!(batch.code, 2);
    assert!(
        batch
            .stderr
            .contains("no `#[requires_imm]` says `batch` or `trigger`"),
        "{}",
        batch.stderr
    );
}

#[test]
fn custom_roles_have_every_document() {
    let expected = analysis(&fixtures().join("custom-roles"));
    for (document_name, file) in [
        ("caller", "caller.json"),
        ("service-role", "service-role.json"),
        ("trust", "service-role-trust.json"),
        ("batch-trigger", "batch-trigger-role.json"),
    ] {
        let run = immperm(&["policy", "custom-roles", "--document", document_name]);
        assert_eq!(run.code, 0, "{run:?}");
        assert_eq!(run.stdout, document(&expected, file), "{document_name}");
    }
    let trust = immperm(&["policy", "custom-roles", "--document", "trust"]).stdout;
    assert!(
        trust.contains("\"Service\": \"imm.aliyuncs.com\""),
        "{trust}"
    );
}

#[test]
fn out_writes_every_applicable_document() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("policies");
    let run = immperm(&["policy", "custom-roles", "--out", out.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{run:?}");
    let expected = analysis(&fixtures().join("custom-roles"));
    let mut written: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(
        written,
        [
            "batch-trigger-role.json",
            "caller.json",
            "service-role-trust.json",
            "service-role.json"
        ]
    );
    for (name, content) in expected.documents() {
        assert_eq!(
            std::fs::read_to_string(out.join(name)).unwrap(),
            content,
            "{name}"
        );
        assert!(
            run.stdout
                .contains(&format!("wrote {}", out.join(name).display()))
        );
    }
    // With the default service role, only the caller's document applies.
    let default = dir.path().join("default");
    let run = immperm(&[
        "policy",
        "media-service",
        "--out",
        default.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(std::fs::read_dir(&default).unwrap().count(), 1);
    assert!(default.join("caller.json").is_file());
    // `--out` writes every document: it does not combine with `--document`.
    let both = immperm(&[
        "policy",
        "media-service",
        "--out",
        "x",
        "--document",
        "caller",
    ]);
    assert_eq!(both.code, 2, "{both:?}");
}

/// One Terraform resource: its attributes, literal values decoded (templates evaluated),
/// references kept as written.
type Resources = BTreeMap<(String, String), BTreeMap<String, String>>;

fn terraform(text: &str) -> Resources {
    let body = hcl::parse(text).unwrap();
    let mut resources = Resources::new();
    for block in body.blocks() {
        let labels: Vec<&str> = block.labels().iter().map(hcl::BlockLabel::as_str).collect();
        let (kind, name) = match (block.identifier(), &labels[..]) {
            ("resource", [kind, name]) => (*kind, *name),
            // The `terraform` block and the variables, under their own keys.
            ("terraform", []) => ("terraform", ""),
            ("variable", [name]) => ("variable", *name),
            other => panic!("{other:?}"),
        };
        let mut attributes = BTreeMap::new();
        for attribute in block.body().attributes() {
            // Literals are decoded (templates evaluated); references and conditionals are kept
            // as written.
            let value = match attribute.expr().evaluate(&Context::new()) {
                Ok(hcl::Value::String(s)) => s,
                _ => attribute.expr().to_string(),
            };
            attributes.insert(attribute.key().to_owned(), value);
        }
        assert!(
            resources
                .insert((kind.to_owned(), name.to_owned()), attributes)
                .is_none()
        );
    }
    resources
}

fn resource<'a>(resources: &'a Resources, kind: &str, name: &str) -> &'a BTreeMap<String, String> {
    resources
        .get(&(kind.to_owned(), name.to_owned()))
        .unwrap_or_else(|| panic!("no {kind}.{name} in {resources:?}"))
}

#[test]
fn terraform_policies_decode_to_the_json_documents() {
    let run = immperm(&["policy", "media-service", "--format", "terraform"]);
    assert_eq!(run.code, 0, "{run:?}");
    let resources = terraform(&run.stdout);
    let caller = resource(&resources, "alicloud_ram_policy", "caller");
    let json = immperm(&["policy", "media-service"]).stdout;
    assert_eq!(caller["policy_document"], json);
    assert_eq!(caller["policy_name"], "media-service-imm-caller");
    assert!(caller["description"].contains("media-service"));
    let names: Vec<&String> = caller.keys().collect();
    assert_eq!(names, ["description", "policy_document", "policy_name"]);
}

#[test]
fn terraform_creates_custom_roles_with_trust_policy_and_attachment() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let run = immperm(&[
        "policy",
        "custom-roles",
        "--format",
        "terraform",
        "--out",
        out,
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let text = std::fs::read_to_string(dir.path().join("immperm.tf")).unwrap();
    let resources = terraform(&text);
    let expected = analysis(&fixtures().join("custom-roles"));
    let role = resource(&resources, "alicloud_ram_role", "service_role");
    assert_eq!(role["role_name"], "ArchiveImmRole");
    assert_eq!(
        role["assume_role_policy_document"],
        document(&expected, "service-role-trust.json")
    );
    let policy = resource(&resources, "alicloud_ram_policy", "service_role");
    assert_eq!(policy["policy_name"], "archive-indexer-imm-service-role");
    assert_eq!(
        policy["policy_document"],
        document(&expected, "service-role.json")
    );
    let attachment = resource(
        &resources,
        "alicloud_ram_role_policy_attachment",
        "service_role",
    );
    assert_eq!(attachment["policy_type"], "Custom");
    assert_eq!(
        attachment["policy_name"],
        "alicloud_ram_policy.service_role.policy_name"
    );
    assert_eq!(
        attachment["role_name"],
        "alicloud_ram_role.service_role.role_name"
    );
    let batch = resource(&resources, "alicloud_ram_policy", "batch_trigger_role");
    assert_eq!(
        batch["policy_document"],
        document(&expected, "batch-trigger-role.json")
    );
    let batch_role = resource(&resources, "alicloud_ram_role", "batch_trigger_role");
    assert_eq!(batch_role["role_name"], "ArchiveBatchRole");
    assert_eq!(
        resource(&resources, "alicloud_ram_policy", "caller")["policy_document"],
        document(&expected, "caller.json")
    );
    let caller_role = resource(&resources, "alicloud_ram_role_policy_attachment", "caller");
    assert_eq!(caller_role["role_name"], "var.ram_role");
    // The caller's two attachments, the terraform block and the two variables.
    assert_eq!(resources.len(), 7 + 2 + 3, "{:?}", resources.keys());
}

#[test]
fn terraform_requires_the_provider_and_attaches_the_caller_to_a_user_or_a_role() {
    let run = immperm(&["policy", "media-service", "--format", "terraform"]);
    assert_eq!(run.code, 0, "{run:?}");
    let resources = terraform(&run.stdout);
    let keys: Vec<String> = resources
        .keys()
        .map(|(kind, name)| format!("{kind}.{name}"))
        .collect();
    assert_eq!(
        keys,
        [
            "alicloud_ram_policy.caller",
            "alicloud_ram_role_policy_attachment.caller",
            "alicloud_ram_user_policy_attachment.caller",
            "terraform.",
            "variable.ram_role",
            "variable.ram_user",
        ]
    );
    let body = hcl::parse(&run.stdout).unwrap();
    let terraform_block = body
        .blocks()
        .find(|b| b.identifier() == "terraform")
        .unwrap();
    let providers = terraform_block
        .body()
        .blocks()
        .find(|b| b.identifier() == "required_providers")
        .unwrap();
    let alicloud = providers
        .body()
        .attributes()
        .find(|a| a.key() == "alicloud")
        .unwrap();
    let hcl::Value::Object(alicloud) = alicloud.expr().evaluate(&Context::new()).unwrap() else {
        panic!("alicloud = {{ ... }}")
    };
    assert_eq!(alicloud["source"], hcl::Value::from("aliyun/alicloud"));
    assert_eq!(alicloud["version"], hcl::Value::from(">= 1.252.0"));
    for (kind, variable, argument) in [
        ("user", "ram_user", "user_name"),
        ("role", "ram_role", "role_name"),
    ] {
        let attachment = resource(
            &resources,
            &format!("alicloud_ram_{kind}_policy_attachment"),
            "caller",
        );
        assert_eq!(
            attachment["count"],
            format!("var.{variable} == null ? 0 : 1")
        );
        assert_eq!(attachment[argument], format!("var.{variable}"));
        assert_eq!(
            attachment["policy_name"],
            "alicloud_ram_policy.caller.policy_name"
        );
        assert_eq!(
            resource(&resources, "variable", variable)["default"],
            "null"
        );
    }
    // Exactly one of them, or `terraform plan` stops with the message.
    assert!(
        run.stdout
            .contains("condition     = (var.ram_user == null) != (var.ram_role == null)")
    );
}

#[test]
fn template_sequences_and_quotes_survive_terraform_and_the_shell() {
    let dir = copy_of("media-service");
    let crate_dir = dir.path().join("media-service");
    edit(
        &crate_dir.join("src/thumbs.rs"),
        "saveas = \"media-out/thumbs/\"",
        "saveas = \"media-out/${tenant}/%{if x}it's/\"",
    );
    let json = immperm_in(dir.path(), &["policy", "media-service"]);
    assert_eq!(json.code, 0, "{json:?}");
    assert!(
        json.stdout
            .contains("acs:oss:*:*:media-out/${tenant}/%{if x}it's/*")
    );
    let tf = immperm_in(
        dir.path(),
        &["policy", "media-service", "--format", "terraform"],
    );
    assert!(tf.stdout.contains("$${tenant}/%%{if x}"), "{}", tf.stdout);
    let resources = terraform(&tf.stdout);
    assert_eq!(
        resource(&resources, "alicloud_ram_policy", "caller")["policy_document"],
        json.stdout
    );
    let sh = immperm_in(
        dir.path(),
        &["policy", "media-service", "--format", "aliyun-cli"],
    );
    let create = commands(&sh.stdout)
        .into_iter()
        .find(|words| words[0] == "policy")
        .unwrap();
    let document: Value = serde_json::from_str(&create[2]).unwrap();
    assert_eq!(
        document,
        serde_json::from_str::<Value>(&json.stdout).unwrap()
    );
}

/// The script's calls of its `policy`, `role` and `attach` functions, split as the shell
/// splits them.
fn commands(script: &str) -> Vec<Vec<String>> {
    script
        .lines()
        .map(str::trim_start)
        .filter(|line| {
            ["policy ", "role ", "attach "]
                .iter()
                .any(|f| line.starts_with(f))
        })
        .map(|line| shlex::split(line).unwrap())
        .collect()
}

#[test]
fn aliyun_cli_commands_are_quoted_for_the_shell() {
    let run = immperm(&["policy", "media-service", "--format", "aliyun-cli"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.starts_with("#!/bin/sh\n"));
    assert!(run.stdout.contains("\nset -eu\n"));
    let commands = commands(&run.stdout);
    assert_eq!(commands.len(), 3, "{commands:?}");
    let create = &commands[0];
    assert_eq!(create[..2], ["policy", "media-service-imm-caller"]);
    let json = immperm(&["policy", "media-service"]).stdout;
    let document: Value = serde_json::from_str(&create[2]).unwrap();
    assert_eq!(document, serde_json::from_str::<Value>(&json).unwrap());
    assert!(!create[2].contains('\n'), "compact JSON");
    assert!(create[3].contains("media-service"));
    assert_eq!(
        commands[1..],
        [
            ["attach", "media-service-imm-caller", "user", "$RAM_USER"],
            ["attach", "media-service-imm-caller", "role", "$RAM_ROLE"]
        ]
    );
    assert!(
        run.stdout.contains("user \"$RAM_USER\"\n"),
        "expanded by the shell"
    );
}

#[test]
fn aliyun_cli_creates_custom_roles() {
    let run = immperm(&[
        "policy",
        "custom-roles",
        "--format",
        "aliyun-cli",
        "--document",
        "service-role",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let expected = analysis(&fixtures().join("custom-roles"));
    let commands = commands(&run.stdout);
    let verbs: Vec<&str> = commands.iter().map(|c| c[0].as_str()).collect();
    assert_eq!(verbs, ["role", "policy", "attach"]);
    assert_eq!(commands[0][1], "ArchiveImmRole");
    let trust: Value = serde_json::from_str(&commands[0][2]).unwrap();
    assert_eq!(
        trust,
        serde_json::from_str::<Value>(&document(&expected, "service-role-trust.json")).unwrap()
    );
    assert_eq!(
        commands[2],
        [
            "attach",
            "archive-indexer-imm-service-role",
            "role",
            "ArchiveImmRole"
        ]
    );
    assert!(!run.stdout.contains("RAM_USER"), "no user to attach to");
}

/// A stand-in for the aliyun CLI: it logs each `aliyun ram ...` call and keeps RAM's state
/// in files, failing as the CLI does (`ErrorCode: <code>` on stderr, status 1) for a policy
/// or role that does not exist and an attachment that does.
const FAKE_ALIYUN: &str = r#"#!/bin/sh
state="$FAKE_RAM"
shift
printf '%s\n' "$*" >> "$state/log"
action=$1
shift
name=
while [ $# -gt 0 ]; do
  case $1 in
    --PolicyName|--RoleName) name="$name.$2" ;;
    --UserName) name="$name.user-$2" ;;
  esac
  shift
done
case $action in
  GetPolicy) [ -e "$state/policy$name" ] || { echo "ErrorCode: EntityNotExist.Policy" >&2; exit 1; } ;;
  GetRole) [ -e "$state/role$name" ] || { echo "ErrorCode: EntityNotExist.Role" >&2; exit 1; } ;;
  CreatePolicy) touch "$state/policy$name" ;;
  CreateRole) touch "$state/role$name" ;;
  AttachPolicyToUser|AttachPolicyToRole)
    [ -e "$state/attached$name" ] && { echo "ErrorCode: EntityAlreadyExists.User.Policy" >&2; exit 1; }
    touch "$state/attached$name" ;;
esac
echo '{"RequestId": "R"}'
"#;

/// Writes the executable `aliyun` stand-in `text` into `bin`.
fn fake_aliyun(bin: &Path, text: &str) {
    std::fs::create_dir_all(bin).unwrap();
    let aliyun = bin.join("aliyun");
    std::fs::write(&aliyun, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&aliyun, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn aliyun_cli_scripts_can_be_run_again() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    fake_aliyun(&bin, FAKE_ALIYUN);
    let out = dir.path().join("out");
    let run = immperm(&[
        "policy",
        "custom-roles",
        "--format",
        "aliyun-cli",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let script = |vars: &[(&str, &str)]| {
        let mut command = Command::new("sh");
        command
            .arg(out.join("immperm.sh"))
            .env("PATH", &path)
            .env("FAKE_RAM", dir.path())
            .env_remove("RAM_USER")
            .env_remove("RAM_ROLE");
        for (name, value) in vars {
            command.env(name, value);
        }
        command.output().unwrap()
    };
    let log = || {
        let text = std::fs::read_to_string(dir.path().join("log")).unwrap_or_default();
        std::fs::remove_file(dir.path().join("log")).ok();
        text.lines()
            .map(|line| line.split(' ').next().unwrap_or_default().to_owned())
            .collect::<Vec<_>>()
    };

    let neither = script(&[]);
    assert_eq!(neither.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&neither.stderr)
            .contains("set RAM_USER to the RAM user that runs the code, or RAM_ROLE"),
        "{neither:?}"
    );
    assert!(log().is_empty(), "nothing is called without the principal");
    let both = script(&[("RAM_USER", "media-app"), ("RAM_ROLE", "runner")]);
    assert_eq!(both.status.code(), Some(2));

    // The caller's policy, then each custom role and its policy.
    let each = |policy: &'static str, role: &'static str| {
        let mut calls = vec!["GetPolicy", policy, "AttachPolicyToUser"];
        for _ in 0..2 {
            calls.extend(["GetRole", role, "GetPolicy", policy, "AttachPolicyToRole"]);
        }
        calls
    };
    let first = script(&[("RAM_USER", "media-app")]);
    assert!(first.status.success(), "{first:?}");
    assert_eq!(log(), each("CreatePolicy", "CreateRole"));
    // Again: versions instead of failing, updates the roles' trust, keeps the attachments.
    let second = script(&[("RAM_USER", "media-app")]);
    assert!(second.status.success(), "{second:?}");
    assert_eq!(log(), each("CreatePolicyVersion", "UpdateRole"));
    let text = std::fs::read_to_string(out.join("immperm.sh")).unwrap();
    assert!(text.contains(
        "--SetAsDefault true \\\n      --RotateStrategy DeleteOldestNonDefaultVersionWhenLimitExceeded"
    ));
    // Another error than the expected one stops the script with the CLI's message.
    fake_aliyun(
        &bin,
        "#!/bin/sh\necho 'ErrorCode: NoPermission' >&2\nexit 1\n",
    );
    let denied = script(&[("RAM_ROLE", "runner")]);
    assert_eq!(denied.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&denied.stderr).contains("ErrorCode: NoPermission"));
}

// ---------------------------------------------------------------------------------------
// explain

#[test]
fn explain_lists_every_grant_with_the_functions_behind_it() {
    let run = immperm(&["explain", "media-service"]);
    assert_eq!(run.code, 0, "{run:?}");
    let text = &run.stdout;
    assert!(text.starts_with(
        "media-service: 3 annotations in the build, 2 excluded by `#[cfg]` (features: default, preview; catalog "
    ), "{text}");
    for expected in [
        "\ncaller (the RAM user or role that runs the code)\n  imm:CreateMediaConvertTask  on  *\n    src/thumbs.rs:7 make_thumbnails  video/snapshots (async)\n",
        "\n  oss:GetObject  on  acs:oss:*:*:archive/*\n    src/docs/preview.rs:11 Preview::url  doc/preview (sync)\n",
        "\n  ram:PassRole  on  acs:ram:*:1234567890123456:role/aliyunimmdefaultrole\n    src/docs/mod.rs:10 to_pdf  doc/convert (async)\n    src/docs/preview.rs:11 Preview::url  doc/preview (sync)\n    src/thumbs.rs:7 make_thumbnails  video/snapshots (async)\n",
        "\nservice-role `AliyunIMMDefaultRole` (IMM's service role)\n  note: ",
        "\n  mns:PublishMessage  on  acs:mns:cn-hangzhou:1234567890123456:/topics/jobs/messages\n    src/thumbs.rs:7 make_thumbnails  video/snapshots (async)\n",
        "\nexcluded by `#[cfg]` (in no policy of this build)\n  src/thumbs.rs:14 desktop_crop  image/cropping (sync)  cfg: windows\n  src/transcode.rs:6 to_hevc  video/convert (async)  cfg: feature = \"gpu\"\n",
        "\n  `imm:CreateMediaConvertTask` (needed for `video/snapshots`) also allows `video/convert`, ",
        "\n  `imm:GenerateWebofficeToken` (needed for `doc/preview`) also allows `doc/edit`\n",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    assert!(
        !text.contains("\nwarnings\n"),
        "every function has a bucket"
    );
    // With the feature, the transcoder is in and nothing is excluded.
    let gpu = immperm(&["explain", "media-service", "-F", "gpu"]).stdout;
    assert!(
        gpu.contains("    src/transcode.rs:6 to_hevc  video/convert (async)\n"),
        "{gpu}"
    );
    assert!(
        !gpu.contains("to_hevc  video/convert (async)  cfg"),
        "{gpu}"
    );
}

#[test]
fn explain_json_is_a_stable_structure() {
    let run = immperm(&["explain", "media-service", "--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        immperm(&["explain", "media-service", "--format", "json"]).stdout,
        run.stdout
    );
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "annotations",
            "catalog",
            "collateral",
            "excluded",
            "features",
            "not_deployed",
            "package",
            "principals",
            "unresolved",
            "warnings"
        ]
    );
    assert_eq!(json["package"], "media-service");
    assert_eq!(json["catalog"], catalog::CATALOG_VERSION);
    assert_eq!(json["annotations"].as_array().unwrap().len(), 3);
    let caller = &json["principals"][0];
    assert_eq!(caller["principal"], "caller");
    let pass_role = caller["grants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["action"] == "ram:PassRole")
        .unwrap();
    let functions: Vec<&str> = pass_role["needed_by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["function"].as_str().unwrap())
        .collect();
    assert_eq!(functions, ["to_pdf", "Preview::url", "make_thumbnails"]);
    let site = &pass_role["needed_by"][2];
    assert_eq!(site["file"], "src/thumbs.rs");
    assert_eq!(site["line"], 7);
    assert_eq!(site["operation"], "video/snapshots");
    assert_eq!(site["mode"], "async");
    assert_eq!(site["notify"], "jobs");
    assert_eq!(json["principals"][1]["role"], "AliyunIMMDefaultRole");
    assert!(
        json["principals"][1]["note"]
            .as_str()
            .unwrap()
            .contains("AliyunIMMRolePolicy")
    );
    assert_eq!(json["excluded"][1]["cfg"], "feature = \"gpu\"");
    assert_eq!(json["excluded"][1]["function"], "to_hevc");
    assert_eq!(
        json["collateral"][0]["action"],
        "imm:CreateMediaConvertTask"
    );
    assert_eq!(json["collateral"][0]["needed_for"][0], "video/snapshots");
}

#[test]
fn explain_warns_about_functions_without_a_bucket_and_lists_unresolved_annotations() {
    let dir = copy_of("media-service");
    let crate_dir = dir.path().join("media-service");
    edit(
        &crate_dir.join("Cargo.toml"),
        "buckets = [\"media-in\"]\n",
        "",
    );
    std::fs::write(
        crate_dir.join("src/probe.rs"),
        "const OP: &str = \"video/info\";\n\n#[immperm::requires_imm(op = OP)]\npub fn probe_video() {}\n",
    )
    .unwrap();
    let run = immperm_in(dir.path(), &["explain", "media-service"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("\nwarnings\n  src/docs/mod.rs:10 to_pdf: no `bucket =` and no `buckets` under `[package.metadata.immperm]`: its OSS actions are granted on every bucket (`acs:oss:*:*:*`)\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("\n  src/thumbs.rs:7 make_thumbnails: no `bucket =`")
    );
    assert!(
        !run.stdout
            .contains("\n  src/docs/preview.rs:11 Preview::url: no `bucket =`"),
        "it names `archive`"
    );
    assert!(
        run.stdout.contains("\nunresolved (in no policy; the crate does not compile with them)\n  src/probe.rs:3 probe_video: "),
        "{}",
        run.stdout
    );
    // `policy` refuses: the crate does not compile with the rejected annotation, and a policy
    // without it would be smaller than the code.
    let policy = immperm_in(dir.path(), &["policy", "media-service"]);
    assert_eq!(policy.code, 2, "{policy:?}");
    assert!(
        policy
            .stderr
            .starts_with("error: media-service/src/probe.rs:3:1: `op` must be a string literal"),
        "{}",
        policy.stderr
    );
    // Without it, `policy` prints the policy and the cautions on stderr.
    std::fs::write(crate_dir.join("src/probe.rs"), "").unwrap();
    let policy = immperm_in(dir.path(), &["policy", "media-service"]);
    assert_eq!(policy.code, 0, "{policy:?}");
    assert!(
        policy.stdout.contains("\"acs:oss:*:*:*\""),
        "{}",
        policy.stdout
    );
    let warnings: Vec<&str> = policy.stderr.lines().collect();
    assert_eq!(warnings.len(), 2, "{}", policy.stderr);
    assert!(
        warnings[0].starts_with("warning: media-service/src/docs/mod.rs:10 to_pdf: no `bucket =`"),
        "{}",
        policy.stderr
    );
    assert!(
        warnings[1]
            .starts_with("warning: media-service/src/thumbs.rs:7 make_thumbnails: no `bucket =`"),
        "{}",
        policy.stderr
    );
}

// ---------------------------------------------------------------------------------------
// lock

#[test]
fn lock_writes_then_checks_and_reports_a_new_annotation() {
    let dir = copy_of("media-service");
    let run = immperm_in(dir.path(), &["lock", "media-service"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "+ immperm.lock (missing)\n+ policy/caller.json (missing)\nwrote media-service/immperm.lock\nwrote media-service/policy/caller.json\n"
    );
    let crate_dir = dir.path().join("media-service");
    let lock = std::fs::read_to_string(crate_dir.join("immperm.lock")).unwrap();
    assert!(lock.contains("location = \"src/thumbs.rs:7\""), "{lock}");
    let up_to_date = "media-service/immperm.lock and media-service/policy/ are up to date\n";
    assert_eq!(
        immperm_in(dir.path(), &["lock", "media-service"]).stdout,
        up_to_date
    );
    let check = immperm_in(dir.path(), &["lock", "media-service", "--check"]);
    assert_eq!((check.code, check.stdout.as_str()), (0, up_to_date));

    let probe = crate_dir.join("src/probe.rs");
    let mut source = std::fs::read_to_string(&probe).unwrap();
    source.push_str(PROBE);
    std::fs::write(&probe, source).unwrap();
    let stale = immperm_in(dir.path(), &["lock", "media-service", "--check"]);
    assert_eq!(stale.code, 1, "{stale:?}");
    assert_eq!(
        stale.stdout,
        "+ imm:DetectMediaMeta  (caller)  media_service::probe::probe_video  on *\n\
         + declaration  media_service::probe::probe_video (op = \"video/info\")\n\
         ~ policy/caller.json differs\n"
    );
    assert_eq!(
        stale.stderr,
        "error: media-service/immperm.lock or media-service/policy/ is stale: run `immperm lock media-service` and commit the result\n"
    );
    assert_eq!(
        std::fs::read_to_string(crate_dir.join("immperm.lock")).unwrap(),
        lock,
        "--check writes nothing"
    );

    // Run from the crate directory, paths are the crate's own.
    let update = immperm_in(&crate_dir, &["lock"]);
    assert_eq!(update.code, 0, "{update:?}");
    assert!(
        update.stdout.starts_with(
            "+ imm:DetectMediaMeta  (caller)  media_service::probe::probe_video  on *"
        )
    );
    assert!(
        update
            .stdout
            .ends_with("wrote immperm.lock\nwrote policy/caller.json\n"),
        "{}",
        update.stdout
    );
    let check = immperm_in(&crate_dir, &["lock", "--check"]);
    assert_eq!(
        (check.code, check.stdout.as_str()),
        (0, "immperm.lock and policy/ are up to date\n")
    );
}

#[test]
fn an_unreadable_lock_file_fails_the_check_and_is_replaced_by_lock() {
    let dir = copy_of("media-service");
    let crate_dir = dir.path().join("media-service");
    std::fs::write(
        crate_dir.join("immperm.lock"),
        "catalog = \"x\"\nsurprise = 1\n",
    )
    .unwrap();
    let check = immperm_in(dir.path(), &["lock", "media-service", "--check"]);
    assert_eq!(check.code, 2, "{check:?}");
    assert!(
        check
            .stderr
            .starts_with("error: media-service/immperm.lock:2:1: not a valid lock file"),
        "{}",
        check.stderr
    );
    let lock = immperm_in(dir.path(), &["lock", "media-service"]);
    assert_eq!(lock.code, 0, "{lock:?}");
    assert!(
        lock.stderr.starts_with(
            "warning: replacing media-service/immperm.lock:2:1: not a valid lock file"
        ),
        "{}",
        lock.stderr
    );
    assert_eq!(
        immperm_in(dir.path(), &["lock", "media-service", "--check"]).code,
        0
    );
}

// ---------------------------------------------------------------------------------------
// check

/// A copy of the fixture with its generated caller policy at `deployed/caller.json`.
fn deployed_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = copy_of("media-service");
    let out = dir.path().join("deployed");
    let run = immperm_in(
        dir.path(),
        &["policy", "media-service", "--out", out.to_str().unwrap()],
    );
    assert_eq!(run.code, 0, "{run:?}");
    (dir, out.join("caller.json"))
}

#[test]
fn check_passes_on_the_generated_policy() {
    let (dir, _) = deployed_copy();
    let run = immperm_in(
        dir.path(),
        &["check", "media-service", "--policy", "deployed/caller.json"],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "ok: `deployed/caller.json` allows every permission the caller needs (11 grants)\n"
    );
    let strict = immperm_in(
        dir.path(),
        &[
            "check",
            "media-service",
            "--policy",
            "deployed/caller.json",
            "--strict",
        ],
    );
    assert_eq!(strict.code, 0, "{strict:?}");
    assert!(strict.stdout.contains("collateral: `imm:GenerateWebofficeToken` (needed for `doc/preview`) also allows `doc/edit`\n"));
}

#[test]
fn check_names_the_functions_behind_a_missing_grant() {
    let (dir, caller) = deployed_copy();
    let mut document: Value =
        serde_json::from_str(&std::fs::read_to_string(&caller).unwrap()).unwrap();
    let statements = document["Statement"].as_array_mut().unwrap();
    statements.retain(|s| s["Action"] != "ram:PassRole");
    std::fs::write(&caller, serde_json::to_string_pretty(&document).unwrap()).unwrap();
    let run = immperm_in(
        dir.path(),
        &["check", "media-service", "--policy", "deployed/caller.json"],
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stdout,
        "`ram:PassRole` on `acs:ram:*:1234567890123456:role/aliyunimmdefaultrole` is not granted: needed by \
         src/docs/mod.rs:10 `to_pdf` (doc/convert, async); src/docs/preview.rs:11 `Preview::url` (doc/preview, sync); \
         src/thumbs.rs:7 `make_thumbnails` (video/snapshots, async)\n\
         failed: 1 of 11 grants missing for the caller in `deployed/caller.json`\n"
    );
    let json = immperm_in(
        dir.path(),
        &[
            "check",
            "media-service",
            "--policy",
            "deployed/caller.json",
            "--format",
            "json",
        ],
    );
    assert_eq!(json.code, 1);
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(report["passed"], false);
    assert_eq!(report["needs"], 11);
    assert_eq!(report["missing"][0]["action"], "ram:PassRole");
    assert_eq!(report["missing"][0]["decision"], "not-granted");
    assert_eq!(
        report["missing"][0]["needed_by"][2]["function"],
        "make_thumbnails"
    );
}

#[test]
fn conditional_allows_count_as_missing() {
    let (dir, caller) = deployed_copy();
    let mut document: Value =
        serde_json::from_str(&std::fs::read_to_string(&caller).unwrap()).unwrap();
    for statement in document["Statement"].as_array_mut().unwrap() {
        if statement["Action"] == "ram:PassRole" {
            statement["Condition"] =
                serde_json::json!({"StringEquals": {"acs:Service": "imm.aliyuncs.com"}});
        }
    }
    // As `aliyun ram GetPolicyVersion` prints it: the document as a JSON string.
    let wrapped = serde_json::json!({
        "RequestId": "0A5C1F2E",
        "PolicyVersion": {"VersionId": "v2", "IsDefaultVersion": true, "PolicyDocument": document.to_string()}
    });
    std::fs::write(&caller, serde_json::to_string_pretty(&wrapped).unwrap()).unwrap();
    let run = immperm_in(
        dir.path(),
        &["check", "media-service", "--policy", "deployed/caller.json"],
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout.starts_with(
            "`ram:PassRole` on `acs:ram:*:1234567890123456:role/aliyunimmdefaultrole` is granted only if `StringEquals acs:Service imm.aliyuncs.com`"
        ),
        "{}",
        run.stdout
    );
    let json = immperm_in(
        dir.path(),
        &[
            "check",
            "media-service",
            "--policy",
            "deployed/caller.json",
            "--format",
            "json",
        ],
    );
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(report["missing"][0]["decision"], "granted-if");
}

#[test]
fn strict_fails_on_over_grants() {
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full-access.json");
    std::fs::write(
        &full,
        r#"{"Version": "1", "Statement": [
  {"Effect": "Allow", "Action": "oss:*", "Resource": "*"},
  {"Effect": "Allow", "Action": ["imm:*", "ram:PassRole"], "Resource": "*"}
]}"#,
    )
    .unwrap();
    let policy = full.to_str().unwrap();
    let lenient = immperm(&["check", "media-service", "--policy", policy]);
    assert_eq!(lenient.code, 0, "{lenient:?}");
    let strict = immperm(&["check", "media-service", "--policy", policy, "--strict"]);
    assert_eq!(strict.code, 1, "{strict:?}");
    let over: Vec<&str> = strict
        .stdout
        .lines()
        .filter(|l| l.starts_with("over-grant: "))
        .collect();
    assert!(
        over.iter()
            .any(|l| l.contains("Statement[0]: `oss:*` allows ")),
        "{over:?}"
    );
    assert!(
        over.iter().any(|l| l.contains(
            "Statement[1]: `ram:PassRole` on every role without an `acs:Service` condition"
        )),
        "{over:?}"
    );
    assert!(
        over.iter().any(|l| l.contains(
            "`oss:PutObject` is granted on `*`; the code needs only `acs:oss:*:*:media-out/docs/*`"
        )),
        "{over:?}"
    );
    assert!(
        strict
            .stdout
            .lines()
            .last()
            .unwrap()
            .starts_with("failed: "),
        "{}",
        strict.stdout
    );
    assert!(strict.stdout.contains(" over-grants for the caller in "));
    let json = immperm(&[
        "check",
        "media-service",
        "--policy",
        policy,
        "--strict",
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    assert!(
        report["over_grants"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["kind"] == "pass-role-anywhere")
    );
    assert!(!report["collateral"].as_array().unwrap().is_empty());
}

#[test]
fn check_of_another_principal() {
    let dir = tempfile::tempdir().unwrap();
    let role = dir.path().join("role.json");
    let expected = analysis(&fixtures().join("custom-roles"));
    std::fs::write(&role, document(&expected, "service-role.json")).unwrap();
    let role = role.to_str().unwrap();
    let run = immperm(&[
        "check",
        "custom-roles",
        "--policy",
        role,
        "--principal",
        "service-role",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("every permission the service-role needs (3 grants)"),
        "{}",
        run.stdout
    );
    let caller = immperm(&["check", "custom-roles", "--policy", role]);
    assert_eq!(caller.code, 1, "the caller needs more: {caller:?}");
}

#[test]
fn malformed_policy_files_are_located() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\n  \"Version\": \"1\",\n  \"Statement\": [\n").unwrap();
    let invalid = dir.path().join("invalid.json");
    std::fs::write(
        &invalid,
        "{\n  \"Version\": \"1\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Action\": 7, \"Resource\": \"*\"}\n  ]\n}\n",
    )
    .unwrap();
    for (file, expected) in [
        (&broken, "broken.json:4:0: malformed JSON"),
        (&invalid, "invalid.json:4:"),
    ] {
        let run = immperm(&["check", "media-service", "--policy", file.to_str().unwrap()]);
        assert_eq!(run.code, 2, "{run:?}");
        assert_eq!(run.stdout, "");
        assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
        assert!(run.stderr.contains(expected), "{expected}: {}", run.stderr);
    }
    let run = immperm(&[
        "check",
        "media-service",
        "--policy",
        invalid.to_str().unwrap(),
    ]);
    assert!(
        run.stderr.contains("Statement[0].Action"),
        "the JSON path: {}",
        run.stderr
    );
    let missing = immperm(&["check", "media-service", "--policy", "no-such-policy.json"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing
            .stderr
            .starts_with("error: no-such-policy.json: cannot read the policy file: "),
        "{}",
        missing.stderr
    );
}

// ---------------------------------------------------------------------------------------
// catalog

#[test]
fn catalog_lists_operations_with_evidence_and_what_they_unlock() {
    let run = immperm(&["catalog"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.starts_with(&format!(
        "immperm catalog {}: {} IMM operations invoked through OSS\n",
        catalog::CATALOG_VERSION,
        catalog::OPERATIONS.len()
    )));
    assert!(run.stdout.contains(
        "\nvideo/snapshots\n  modes:    async (documented)\n  saveas:   required    notify: yes\n  action:   imm:CreateMediaConvertTask  on the project (documented)\n  evidence: permissions-page\n"
    ), "{}", run.stdout);
    assert!(run.stdout.contains("  unlocks:  video/convert, video/animation, video/sprite, video/concat, audio/convert, audio/concat\n"));
    assert!(
        run.stdout
            .contains("\nOSS-native (no IMM permission)\n  video/snapshot: ")
    );

    let json = immperm(&["catalog", "--format", "json"]);
    assert_eq!(json.code, 0);
    let catalog_json: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(catalog_json["version"], catalog::CATALOG_VERSION);
    let operations = catalog_json["operations"].as_array().unwrap();
    assert_eq!(operations.len(), catalog::OPERATIONS.len());
    let preview = operations
        .iter()
        .find(|op| op["name"] == "doc/preview")
        .unwrap();
    assert_eq!(preview["actions"][0]["name"], "imm:GenerateWebofficeToken");
    assert_eq!(preview["actions"][0]["resource"], "any");
    assert_eq!(preview["also_unlocks"], serde_json::json!(["doc/edit"]));
    assert_eq!(preview["marker"], "DocPreview");
    assert!(preview["source"].as_str().is_some_and(|s| !s.is_empty()));
}

// ---------------------------------------------------------------------------------------
// Errors in the crate

#[test]
fn a_missing_or_wrong_directory_is_a_usage_error() {
    let run = immperm(&["policy", "no-such-crate"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: `no-such-crate` does not exist; name a package directory (the one with `Cargo.toml`)\n"
    );
    let file = immperm(&["explain", "media-service/Cargo.toml"]);
    assert_eq!(file.code, 2);
    assert!(
        file.stderr
            .contains("`media-service/Cargo.toml` is not a directory"),
        "{}",
        file.stderr
    );
    let no_manifest = immperm(&["lock", "media-service/src", "--check"]);
    assert_eq!(no_manifest.code, 2);
    assert!(
        no_manifest.stderr.starts_with(
            "error: `media-service/src` has no `Cargo.toml`; name a package directory"
        ),
        "{}",
        no_manifest.stderr
    );
}

#[test]
fn configuration_errors_name_the_manifest_line_and_key() {
    let dir = copy_of("media-service");
    let manifest = dir.path().join("media-service/Cargo.toml");
    edit(
        &manifest,
        "region = \"cn-hangzhou\"",
        "regoin = \"cn-hangzhou\"",
    );
    for command in ["policy", "explain", "lock"] {
        let run = immperm_in(dir.path(), &[command, "media-service"]);
        assert_eq!(run.code, 2, "{run:?}");
        assert_eq!(run.stdout, "");
        assert_eq!(
            run.stderr,
            "error: media-service/Cargo.toml:19: `package.metadata.immperm.regoin`: unknown key `regoin`; did you mean `region`?\n"
        );
    }
    edit(&manifest, "regoin = \"cn-hangzhou\"", "region = [");
    let run = immperm_in(dir.path(), &["policy", "media-service"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.starts_with("error: media-service/Cargo.toml:2"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("invalid TOML"), "{}", run.stderr);
}

#[test]
fn source_errors_name_the_file_line_and_column() {
    let dir = copy_of("media-service");
    let thumbs = dir.path().join("media-service/src/thumbs.rs");
    edit(
        &thumbs,
        "op = \"video/snapshots\"",
        "op = \"video/snapshot\"",
    );
    let run = immperm_in(dir.path(), &["policy", "media-service"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .starts_with("error: media-service/src/thumbs.rs:7:1: "),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("`video/snapshot`"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("(in `media_service::thumbs::make_thumbnails`)"),
        "{}",
        run.stderr
    );

    edit(
        &thumbs,
        "pub fn make_thumbnails(key: &str) -> String {",
        "pub fn make_thumbnails(key: &str) -> String {{",
    );
    let run = immperm_in(dir.path(), &["explain", "media-service"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .starts_with("error: media-service/src/thumbs.rs:"),
        "{}",
        run.stderr
    );
    let location: Vec<&str> = run.stderr["error: ".len()..].split(':').take(3).collect();
    assert_eq!(location[0], "media-service/src/thumbs.rs");
    assert_eq!(
        location[1], "8",
        "the line of the extra brace: {}",
        run.stderr
    );
    assert!(location[2].parse::<usize>().is_ok(), "{}", run.stderr);
}

#[test]
fn a_crate_without_annotations_has_no_policy() {
    let dir = copy_of("media-service");
    let crate_dir = dir.path().join("media-service");
    std::fs::write(
        crate_dir.join("src/lib.rs"),
        "//! Nothing to process.\n\n#[cfg(feature = \"gpu\")]\npub mod transcode;\n",
    )
    .unwrap();
    let run = immperm_in(dir.path(), &["policy", "media-service"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(
        run.stderr,
        "error: `media-service` declares no IMM operation: no `#[requires_imm]` is compiled, so there is nothing to grant; 1 annotation is under a false `#[cfg]` (enable features with `--features`, see `immperm explain`)\n"
    );
    let explain = immperm_in(dir.path(), &["explain", "media-service"]);
    assert_eq!(explain.code, 0, "{explain:?}");
    assert!(
        explain
            .stdout
            .contains("no permission is needed: no `#[requires_imm]` is compiled")
    );
    let check = immperm_in(&crate_dir, &["check", "--policy", "Cargo.toml"]);
    assert_eq!(check.code, 2, "Cargo.toml is no policy: {check:?}");
}

// ---------------------------------------------------------------------------------------
// Workspaces

/// A virtual workspace: `api` and `worker` binaries, both using the library `kit` through
/// `workspace = true`, and `docs`, a package without immperm.
fn virtual_workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let immperm = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../immperm")
        .canonicalize()
        .unwrap();
    let write = |path: &str, text: &str| {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "Cargo.toml",
        &format!(
            "[workspace]\nresolver = \"3\"\nmembers = [\"api\", \"worker\", \"kit\", \"docs\"]\n\n\
             [workspace.dependencies]\nimmperm = {{ path = {:?} }}\nkit = {{ path = \"kit\" }}\n",
            immperm.display().to_string()
        ),
    );
    let package = |name: &str, dependencies: &str| {
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
             [package.metadata.immperm]\nbuckets = [\"{name}-media\"]\n\n[dependencies]\n{dependencies}"
        )
    };
    write(
        "kit/Cargo.toml",
        &package("kit", "immperm = { workspace = true }\n"),
    );
    write(
        "kit/src/lib.rs",
        "#[immperm::requires_imm(op = \"image/faces\")]\npub fn faces() {}\n",
    );
    for (name, op) in [("api", "video/info"), ("worker", "doc/preview")] {
        write(
            &format!("{name}/Cargo.toml"),
            &package(
                name,
                "immperm = { workspace = true }\nkit = { workspace = true }\n",
            ),
        );
        write(
            &format!("{name}/src/main.rs"),
            &format!(
                "#[immperm::requires_imm(op = \"{op}\")]\nfn run() {{}}\nfn main() {{ run(); kit::faces(); }}\n"
            ),
        );
    }
    write(
        "docs/Cargo.toml",
        "[package]\nname = \"docs\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
    );
    write("docs/src/lib.rs", "");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock"),
        root.join("Cargo.lock"),
    )
    .unwrap();
    dir
}

#[test]
fn a_virtual_workspace_needs_a_package_and_lists_the_binaries() {
    let dir = virtual_workspace();
    let run = immperm_in(dir.path(), &["policy"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("is a virtual workspace: pick the binary package whose policy you want with `-p`: `api`, `worker`"),
        "{}",
        run.stderr
    );
    // `-p` picks a member; `--manifest-path` names the workspace from elsewhere.
    let manifest = dir.path().join("Cargo.toml");
    let manifest = manifest.to_str().unwrap();
    for args in [
        vec!["policy", "-p", "api"],
        vec!["policy", "--manifest-path", manifest, "-p", "api"],
    ] {
        let policy = immperm_in(
            if args.len() == 3 {
                dir.path()
            } else {
                Path::new("/")
            },
            &args,
        );
        assert_eq!(policy.code, 0, "{args:?}: {policy:?}");
        // The binary's own annotation and the library's, each on its package's buckets.
        assert!(
            policy.stdout.contains("imm:DetectMediaMeta"),
            "{}",
            policy.stdout
        );
        assert!(
            policy.stdout.contains("imm:DetectImageFaces"),
            "{}",
            policy.stdout
        );
        assert!(
            !policy.stdout.contains("imm:GenerateWebofficeToken"),
            "{}",
            policy.stdout
        );
        assert!(
            policy.stdout.contains("acs:oss:*:*:kit-media/*"),
            "{}",
            policy.stdout
        );
        assert!(
            policy.stdout.contains("acs:oss:*:*:api-media/*"),
            "{}",
            policy.stdout
        );
    }
    let unknown = immperm_in(dir.path(), &["policy", "-p", "nope"]);
    assert_eq!(unknown.code, 2, "{unknown:?}");
    assert!(unknown.stderr.contains("nope"), "{}", unknown.stderr);
}

#[test]
fn lock_for_the_workspace_writes_each_package_that_uses_immperm() {
    let dir = virtual_workspace();
    let run = immperm_in(dir.path(), &["lock", "--workspace"]);
    assert_eq!(run.code, 0, "{run:?}");
    for package in ["api", "kit", "worker"] {
        let lock = std::fs::read_to_string(dir.path().join(package).join("immperm.lock"))
            .unwrap_or_else(|e| panic!("{package}: {e}"));
        assert!(
            lock.contains("function = \"kit::faces\""),
            "{package}: {lock}"
        );
    }
    assert!(!dir.path().join("docs/immperm.lock").exists());
    let check = immperm_in(dir.path(), &["lock", "--workspace", "--check"]);
    assert_eq!(check.code, 0, "{check:?}");
    // One package's new annotation fails the workspace's check, naming the package.
    let main = dir.path().join("worker/src/main.rs");
    let text = std::fs::read_to_string(&main).unwrap();
    std::fs::write(
        &main,
        format!(
            "{text}#[immperm::requires_imm(op = \"video/snapshots\", async)]\npub fn more() {{}}\n"
        ),
    )
    .unwrap();
    let stale = immperm_in(dir.path(), &["lock", "--workspace", "--check"]);
    assert_eq!(stale.code, 1, "{stale:?}");
    assert!(
        stale.stderr.contains(
            "error: worker/immperm.lock or worker/policy/ is stale: run `immperm lock -p worker`"
        ),
        "{}",
        stale.stderr
    );
    assert!(
        !stale.stderr.contains("api/immperm.lock"),
        "{}",
        stale.stderr
    );
}
