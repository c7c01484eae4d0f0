//! `immperm deploy` and `immperm check --live` end to end: the real binary, a scratch copy of
//! the bundled example `examples/media-app`, and the RAM test server of `immperm-tests` on
//! 127.0.0.1 (every request's signature verified, RAM's semantics and errors).
#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failure is a test failure"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use immperm_ram::eval::Evaluator;
use immperm_ram::policy::PolicyDocument;
use immperm_tests::ram_server::{ACCESS_KEY_ID, ACCESS_KEY_SECRET, RamServer, Recorded, Who};

/// What a run printed and how it exited.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A copy of `examples/media-app` that builds on its own: its path dependencies point back
/// into the workspace, and it is a workspace of its own.
struct Scratch {
    _dir: tempfile::TempDir,
    root: PathBuf,
    app: PathBuf,
}

fn scratch() -> Scratch {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let app = root.join("media-app");
    let source = workspace().join("examples/media-app");
    for sub in ["", "src", "policy"] {
        std::fs::create_dir_all(app.join(sub)).unwrap();
        for entry in std::fs::read_dir(source.join(sub)).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_file() {
                std::fs::copy(entry.path(), app.join(sub).join(entry.file_name())).unwrap();
            }
        }
    }
    let examples = workspace().join("examples");
    let manifest = std::fs::read_to_string(app.join("Cargo.toml"))
        .unwrap()
        .replace("\"../../", &format!("\"{}/", workspace().display()))
        .replace(
            "\"../media-kit\"",
            &format!("\"{}/media-kit\"", examples.display()),
        )
        .replace("[lints]\nworkspace = true\n", "[workspace]\n");
    assert!(manifest.contains("[workspace]"), "{manifest}");
    std::fs::write(app.join("Cargo.toml"), manifest).unwrap();
    // The workspace's lock file: cargo resolves nothing anew.
    std::fs::copy(workspace().join("Cargo.lock"), app.join("Cargo.lock")).unwrap();
    Scratch {
        _dir: dir,
        root,
        app,
    }
}

/// Runs `immperm` in the scratch root against `server`, with its AccessKey in the
/// environment and no aliyun CLI configuration.
fn immperm(scratch: &Scratch, server: &RamServer, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_immperm"))
        .args(args)
        .args(["--ram-endpoint", &server.url()])
        .current_dir(&scratch.root)
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", ACCESS_KEY_ID)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", ACCESS_KEY_SECRET)
        .env("HOME", &scratch.root)
        .env_remove("ALIBABA_CLOUD_SECURITY_TOKEN")
        .env_remove("ALIBABA_CLOUD_PROFILE")
        .env_remove("IMMPERM_RAM_ENDPOINT")
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap();
    let run = Run {
        code: output.status.code().unwrap(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    };
    assert!(!run.stderr.contains("panicked"), "{run:?}");
    assert!(
        !run.stdout.contains(ACCESS_KEY_SECRET) && !run.stderr.contains(ACCESS_KEY_SECRET),
        "the secret is never printed"
    );
    run
}

fn deploy(scratch: &Scratch, server: &RamServer, extra: &[&str]) -> Run {
    let mut args = vec!["deploy", "media-app", "--user", "media-app"];
    args.extend_from_slice(extra);
    immperm(scratch, server, &args)
}

fn writes(calls: &[Recorded]) -> Vec<String> {
    calls
        .iter()
        .filter(|c| c.is_write())
        .map(|c| c.action.clone())
        .collect()
}

/// The committed document `file` of the example, as RAM reads it.
fn example_document(file: &str) -> PolicyDocument {
    let path = workspace().join("examples/media-app/policy").join(file);
    PolicyDocument::from_json(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn ram_document(text: &str) -> PolicyDocument {
    PolicyDocument::from_json(text).unwrap()
}

/// An annotation that needs a new action: `imm:DetectImageFaces`.
const FACES: &str = "
/// The faces in a photo.
#[requires_imm(op = \"image/faces\")]
pub(crate) fn find_faces() {}
";

fn add_annotation(scratch: &Scratch) {
    let probe = scratch.app.join("src/probe.rs");
    let mut text = std::fs::read_to_string(&probe).unwrap();
    text.push_str(FACES);
    std::fs::write(probe, text).unwrap();
}

#[test]
fn deploy_creates_everything_then_a_second_run_changes_nothing() {
    let scratch = scratch();
    let server = RamServer::start().unwrap();
    server.add_user("media-app");

    let first = deploy(&scratch, &server, &[]);
    assert_eq!(first.code, 0, "{first:?}");
    for line in [
        "  + create role `MediaAppImmRole`\n",
        "  + create policy `media-app-imm-caller`\n",
        "  + create policy `media-app-imm-service-role`\n",
        "  + attach policy `media-app-imm-caller` to user `media-app`\n",
        "  + attach policy `media-app-imm-service-role` to role `MediaAppImmRole`\n",
        "      + {\n      +   \"Version\": \"1\",\n",
        "      +       \"Action\": \"ram:PassRole\",\n",
        "5 changes, 0 unchanged\n",
        "applied: create policy `media-app-imm-caller`\n",
        "deployed: 5 changes applied\n",
    ] {
        assert!(first.stdout.contains(line), "{line:?} in\n{}", first.stdout);
    }
    assert!(
        first
            .stdout
            .starts_with("plan for `media-app` in RAM (http://127.0.0.1:"),
        "{}",
        first.stdout
    );
    assert!(
        first
            .stdout
            .contains("with credentials from the environment (ALIBABA_CLOUD_ACCESS_KEY_ID)):\n")
    );
    assert_eq!(
        writes(&server.take_calls()),
        [
            "CreateRole",
            "CreatePolicy",
            "CreatePolicy",
            "AttachPolicyToUser",
            "AttachPolicyToRole"
        ]
    );
    assert_eq!(
        server.attachments(),
        [
            "Custom:media-app-imm-caller -> user:media-app",
            "Custom:media-app-imm-service-role -> role:MediaAppImmRole",
        ]
    );
    // What RAM holds is the committed documents (RAM stores them in its own format).
    let caller = server.document("media-app-imm-caller").unwrap();
    assert!(!caller.contains('\n'), "reformatted by RAM: {caller}");
    assert_eq!(ram_document(&caller), example_document("caller.json"));
    assert_eq!(
        ram_document(&server.document("media-app-imm-service-role").unwrap()),
        example_document("service-role.json")
    );
    assert_eq!(
        ram_document(&server.trust("MediaAppImmRole").unwrap()),
        example_document("service-role-trust.json")
    );

    let second = deploy(&scratch, &server, &[]);
    assert_eq!(second.code, 0, "{second:?}");
    assert!(
        second.stdout.contains(
            "  = role `MediaAppImmRole` has its trust policy\n  = policy `media-app-imm-caller` \
             v1 is up to date\n"
        ),
        "{}",
        second.stdout
    );
    assert!(
        second
            .stdout
            .ends_with("0 changes, 5 unchanged\nup to date: RAM holds everything the code needs (5 unchanged)\n"),
        "{}",
        second.stdout
    );
    assert_eq!(
        writes(&server.take_calls()),
        Vec::<String>::new(),
        "no write calls"
    );
    let check = deploy(&scratch, &server, &["--check"]);
    assert_eq!(check.code, 0, "{check:?}");
}

#[test]
fn a_code_change_versions_the_policy() {
    let scratch = scratch();
    let server = RamServer::start().unwrap();
    server.add_user("media-app");
    assert_eq!(deploy(&scratch, &server, &[]).code, 0);
    server.take_calls();

    add_annotation(&scratch);
    let dry = deploy(&scratch, &server, &["--dry-run"]);
    assert_eq!(dry.code, 0, "{dry:?}");
    assert!(
        dry.stdout.contains(concat!(
            "  ~ new default version of policy `media-app-imm-caller` (replacing v1)\n",
            "                \"imm:CreateMediaConvertTask\",\n",
            "                \"imm:CreateOfficeConversionTask\",\n",
            "      +         \"imm:DetectImageFaces\",\n",
            "                \"imm:DetectMediaMeta\"\n",
            "              ],\n",
            "  = role `MediaAppImmRole` has its trust policy\n",
        )),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout
            .ends_with("1 change, 4 unchanged\n1 change to make; nothing applied (--dry-run)\n"),
        "{}",
        dry.stdout
    );
    assert_eq!(writes(&server.take_calls()), Vec::<String>::new());
    assert_eq!(deploy(&scratch, &server, &["--check"]).code, 1);

    let applied = deploy(&scratch, &server, &[]);
    assert_eq!(applied.code, 0, "{applied:?}");
    assert_eq!(writes(&server.take_calls()), ["CreatePolicyVersion"]);
    assert_eq!(
        server.versions("media-app-imm-caller"),
        [("v1".to_owned(), false), ("v2".to_owned(), true)]
    );
    assert!(
        server
            .document("media-app-imm-caller")
            .unwrap()
            .contains("imm:DetectImageFaces")
    );
    assert_eq!(deploy(&scratch, &server, &["--check"]).code, 0);
}

#[test]
fn at_rams_limit_of_five_versions_the_oldest_non_default_one_is_deleted() {
    let scratch = scratch();
    let server = RamServer::start().unwrap();
    server.add_user("media-app");
    let old = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "oss:GetObject", "Resource": "*"}]}"#;
    server.add_policy("media-app-imm-caller", old);
    server.add_policy_version("media-app-imm-caller", old, false);
    server.add_policy_version("media-app-imm-caller", old, true);
    server.add_policy_version("media-app-imm-caller", old, false);
    server.add_policy_version("media-app-imm-caller", old, false);

    let run = deploy(&scratch, &server, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains(
            "  ~ new default version of policy `media-app-imm-caller` (replacing v3), deleting v1 \
             first: the oldest non-default of RAM's 5 versions\n"
        ),
        "{}",
        run.stdout
    );
    let calls = server.take_calls();
    let versioning: Vec<&str> = calls
        .iter()
        .filter(|c| c.params.get("PolicyName").map(String::as_str) == Some("media-app-imm-caller"))
        .filter(|c| c.is_write())
        .map(|c| c.action.as_str())
        .collect();
    assert_eq!(
        versioning,
        [
            "DeletePolicyVersion",
            "CreatePolicyVersion",
            "AttachPolicyToUser"
        ]
    );
    assert_eq!(
        server.versions("media-app-imm-caller"),
        [
            ("v2".to_owned(), false),
            ("v3".to_owned(), false),
            ("v4".to_owned(), false),
            ("v5".to_owned(), false),
            ("v6".to_owned(), true),
        ]
    );
}

#[test]
fn a_role_with_another_trust_policy_is_updated() {
    let scratch = scratch();
    let server = RamServer::start().unwrap();
    server.add_user("media-app");
    server.add_role(
        "MediaAppImmRole",
        r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "ecs.aliyuncs.com"}}]}"#,
    );
    let run = deploy(&scratch, &server, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains(concat!(
            "  ~ update the trust policy of role `MediaAppImmRole`\n",
            "              \"Action\": \"sts:AssumeRole\",\n",
            "              \"Principal\": {\n",
            "      -         \"Service\": \"ecs.aliyuncs.com\"\n",
            "      +         \"Service\": \"imm.aliyuncs.com\"\n",
        )),
        "{}",
        run.stdout
    );
    let writes = writes(&server.take_calls());
    assert_eq!(writes[0], "UpdateRole");
    assert!(!writes.contains(&"CreateRole".to_owned()));
    assert_eq!(
        ram_document(&server.trust("MediaAppImmRole").unwrap()),
        example_document("service-role-trust.json")
    );
}

#[test]
fn the_batch_trigger_role_and_its_policy_are_deployed_too() {
    let server = RamServer::start().unwrap();
    server.add_user("archiver");
    let scratch = scratch();
    // The fixture as a package cargo can answer for: its `immperm` is this workspace's.
    let fixture = scratch.root.join("custom-roles");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/custom-roles");
    std::fs::create_dir_all(fixture.join("src")).unwrap();
    std::fs::copy(source.join("src/lib.rs"), fixture.join("src/lib.rs")).unwrap();
    let manifest = std::fs::read_to_string(source.join("Cargo.toml"))
        .unwrap()
        .replace(
            "immperm = \"0.1\"",
            &format!(
                "immperm = {{ path = \"{}/immperm\" }}",
                workspace().display()
            ),
        );
    std::fs::write(fixture.join("Cargo.toml"), manifest).unwrap();
    std::fs::copy(workspace().join("Cargo.lock"), fixture.join("Cargo.lock")).unwrap();
    let fixture = fixture.to_str().unwrap();
    let plan = || {
        let args = ["deploy", fixture, "--role", "archiver-runner", "--dry-run"];
        immperm(&scratch, &server, &args)
    };
    let run = plan();
    // The caller's role must exist: nothing is planned without it.
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .starts_with("error: RAM role `archiver-runner` does not exist"),
        "{}",
        run.stderr
    );
    server.add_role("archiver-runner", r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": "acs:ram::1234567890123456:root"}}]}"#);
    let run = plan();
    assert_eq!(run.code, 0, "{run:?}");
    let changes: Vec<&str> = run
        .stdout
        .lines()
        .filter(|line| line.starts_with("  + ") || line.starts_with("  ~ "))
        .collect();
    assert_eq!(
        changes,
        [
            "  + create role `ArchiveImmRole`",
            "  + create role `ArchiveBatchRole`",
            "  + create policy `archive-indexer-imm-caller`",
            "  + create policy `archive-indexer-imm-service-role`",
            "  + create policy `archive-indexer-imm-batch-trigger-role`",
            "  + attach policy `archive-indexer-imm-caller` to role `archiver-runner`",
            "  + attach policy `archive-indexer-imm-service-role` to role `ArchiveImmRole`",
            "  + attach policy `archive-indexer-imm-batch-trigger-role` to role `ArchiveBatchRole`",
        ]
    );
}

#[test]
fn a_missing_user_is_an_error_that_says_how_to_fix_it() {
    let scratch = scratch();
    let server = RamServer::start().unwrap();
    let run = immperm(
        &scratch,
        &server,
        &["deploy", "media-app", "--user", "media-ap"],
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.starts_with(
            "error: RAM user `media-ap` does not exist (RAM answered `EntityNotExist.User` to \
             ListPoliciesForUser for user `media-ap`, request id "
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "check the name (`aliyun ram ListUsers` lists the account's users) or create the user \
             (`aliyun ram CreateUser --UserName media-ap`)\n"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(writes(&server.take_calls()), Vec::<String>::new());
    let live = immperm(
        &scratch,
        &server,
        &["check", "media-app", "--live", "--role", "MediaAppRunner"],
    );
    assert_eq!(live.code, 2, "{live:?}");
    assert!(
        live.stderr
            .starts_with("error: RAM role `MediaAppRunner` does not exist")
    );
}

#[test]
fn a_throttled_call_is_retried_and_succeeds() {
    let scratch = scratch();
    let server = RamServer::start().unwrap();
    server.add_user("media-app");
    server.throttle("GetPolicy", 1);
    let run = deploy(&scratch, &server, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr.contains(
            "note: GetPolicy `Custom:media-app-imm-caller`: RAM answered `Throttling.User`; \
             retrying in 500 ms (attempt 2 of 5)\n"
        ),
        "{}",
        run.stderr
    );
    let throttled: Vec<Option<String>> = server
        .take_calls()
        .into_iter()
        .filter(|c| c.action == "GetPolicy")
        .map(|c| c.code)
        .collect();
    // Retried: this time RAM answers that the policy does not exist yet, so it is created.
    assert_eq!(
        throttled[..2],
        [
            Some("Throttling.User".to_owned()),
            Some("EntityNotExist.Policy".to_owned())
        ]
    );
    assert_eq!(
        server.attachments()[0],
        "Custom:media-app-imm-caller -> user:media-app"
    );
}

#[test]
fn a_denied_call_names_the_action_and_resource() {
    let scratch = scratch();
    let server = RamServer::start().unwrap();
    server.add_user("media-app");
    server.restrict_to(ram_document(
        r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["ram:Get*", "ram:List*"], "Resource": "*"}]}"#,
    ));
    let run = deploy(&scratch, &server, &[]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.starts_with(
            "error: these credentials may not call `ram:CreateRole` on \
             `acs:ram:*:1234567890123456:role/MediaAppImmRole` (RAM answered `NoPermission` to \
             CreateRole for role `MediaAppImmRole`, request id "
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("`immperm deploy --print-own-policy`"));
    // The plan was printed before the failure.
    assert!(
        run.stdout.contains("5 changes, 0 unchanged\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn check_live_passes_after_deploy_and_finds_a_gap_through_a_group() {
    let scratch = scratch();
    let server = RamServer::start().unwrap();
    server.add_user("media-app");
    assert_eq!(deploy(&scratch, &server, &[]).code, 0);
    server.take_calls();
    let check = ["check", "media-app", "--live", "--user", "media-app"];

    let ok = immperm(&scratch, &server, &check);
    assert_eq!(ok.code, 0, "{ok:?}");
    assert_eq!(
        ok.stdout,
        "ok: `Custom:media-app-imm-caller v1 (attached to user media-app)` allows every \
         permission the caller needs (12 grants)\n"
    );
    assert!(
        ok.stderr
            .contains("note: 1 policy apply to user `media-app` (http://127.0.0.1:"),
        "{}",
        ok.stderr
    );

    server.add_group("media-ops", &["media-app"]);
    server.add_policy(
        "media-ops-guard",
        r#"{"Version": "1", "Statement": [{"Effect": "Deny", "Action": "oss:PostProcessTask", "Resource": "*"}]}"#,
    );
    server.attach("Custom", "media-ops-guard", Who::Group("media-ops".into()));
    let gap = immperm(&scratch, &server, &check);
    assert_eq!(gap.code, 1, "{gap:?}");
    assert!(
        gap.stdout.starts_with(
            "`oss:PostProcessTask` on `acs:oss:*:*:media-in/*` is denied by \
             Custom:media-ops-guard v1 (attached to group media-ops) Statement[0]: needed by \
             src/documents.rs:7 `convert_to_pages` (doc/convert, async); src/thumbs.rs:8 \
             `make_thumbnails` (video/snapshots, async)\n"
        ),
        "{}",
        gap.stdout
    );
    assert!(
        gap.stdout.ends_with(
            "failed: 1 of 12 grants missing for the caller in `Custom:media-app-imm-caller v1 \
             (attached to user media-app)`, `Custom:media-ops-guard v1 (attached to group \
             media-ops)`\n"
        ),
        "{}",
        gap.stdout
    );
    let json = immperm(
        &scratch,
        &server,
        &[&check[..], &["--format", "json"]].concat(),
    );
    assert_eq!(json.code, 1);
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        report["policies"][1],
        "Custom:media-ops-guard v1 (attached to group media-ops)"
    );
    assert_eq!(report["missing"][0]["decision"], "denied");

    // The service role's policies are read with `--role`.
    let role = immperm(
        &scratch,
        &server,
        &[
            "check",
            "media-app",
            "--live",
            "--role",
            "MediaAppImmRole",
            "--principal",
            "service-role",
        ],
    );
    assert_eq!(role.code, 0, "{role:?}");
    assert!(
        role.stdout.starts_with(
            "ok: `Custom:media-app-imm-service-role v1 (attached to role MediaAppImmRole)`"
        ),
        "{}",
        role.stdout
    );
    assert!(
        server.take_calls().iter().all(|c| !c.is_write()),
        "check only reads"
    );
}

#[test]
fn check_live_reads_system_policies_and_their_conditions() {
    let scratch = scratch();
    let server = RamServer::start().unwrap();
    server.add_user("media-app");
    server.add_group("media-ops", &["media-app"]);
    for system in ["AliyunOSSFullAccess", "AliyunIMMFullAccess"] {
        server.attach("System", system, Who::Group("media-ops".into()));
    }
    let check = ["check", "media-app", "--live", "--user", "media-app"];
    let run = immperm(&scratch, &server, &check);
    // `AliyunIMMFullAccess` allows `ram:PassRole` only for `acs:Service` `imm.aliyuncs.com`:
    // without the request's context that is no proven allow, and the check says so.
    assert_eq!(run.code, 1, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(
        lines[0].starts_with(
            "`ram:PassRole` on `acs:ram:*:1234567890123456:role/mediaappimmrole` is granted only \
             if `StringEquals acs:Service imm.aliyuncs.com` (System:AliyunIMMFullAccess v3 \
             (attached to group media-ops) Statement[3]): needed by "
        ),
        "{}",
        lines[0]
    );

    server.add_policy(
        "media-app-pass-role",
        r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ram:PassRole", "Resource": "acs:ram:*:1234567890123456:role/mediaappimmrole"}]}"#,
    );
    server.attach(
        "Custom",
        "media-app-pass-role",
        Who::User("media-app".into()),
    );
    let run = immperm(&scratch, &server, &check);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "ok: `Custom:media-app-pass-role v1 (attached to user media-app)`, \
         `System:AliyunIMMFullAccess v3 (attached to group media-ops)`, \
         `System:AliyunOSSFullAccess v1 (attached to group media-ops)` allow every permission \
         the caller needs (12 grants)\n"
    );
    // `--strict` sees what the system policies grant beyond the code's needs.
    let strict = immperm(&scratch, &server, &[&check[..], &["--strict"]].concat());
    assert_eq!(strict.code, 1);
    assert!(
        strict.stdout.contains(
            "over-grant: System:AliyunOSSFullAccess v1 (attached to group media-ops) \
             Statement[0]: `oss:*` allows "
        ),
        "{}",
        strict.stdout
    );
}

#[test]
fn the_own_policy_allows_every_call_deploy_and_check_live_make() {
    let scratch = scratch();
    let server = RamServer::start().unwrap();
    server.add_user("media-app");
    server.add_group("media-ops", &["media-app"]);
    server.attach(
        "System",
        "AliyunOSSReadOnlyAccess",
        Who::Group("media-ops".into()),
    );

    let printed = immperm(
        &scratch,
        &server,
        &[
            "deploy",
            "media-app",
            "--print-own-policy",
            "--user",
            "media-app",
        ],
    );
    assert_eq!(printed.code, 0, "{printed:?}");
    let own = ram_document(&printed.stdout);
    for scoped in [
        "\"Action\": \"ram:AttachPolicyToUser\",\n      \"Resource\": [\n        \
         \"acs:ram:*:1234567890123456:policy/media-app-imm-caller\",\n        \
         \"acs:ram:*:1234567890123456:user/media-app\"\n      ]",
        "\"acs:ram:*:1234567890123456:role/MediaAppImmRole\"",
        "\"acs:ram:*:system:policy/*\"",
    ] {
        assert!(
            printed.stdout.contains(scoped),
            "{scoped} in\n{}",
            printed.stdout
        );
    }
    // The server refuses whatever the printed policy does not allow.
    server.restrict_to(own.clone());
    assert_eq!(deploy(&scratch, &server, &[]).code, 0);
    add_annotation(&scratch);
    let old = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "oss:GetObject", "Resource": "*"}]}"#;
    for _ in 0..4 {
        server.add_policy_version("media-app-imm-caller", old, false);
    }
    assert_eq!(deploy(&scratch, &server, &[]).code, 0);
    for check in [
        &["check", "media-app", "--live", "--user", "media-app"][..],
        &[
            "check",
            "media-app",
            "--live",
            "--role",
            "MediaAppImmRole",
            "--principal",
            "service-role",
        ],
    ] {
        let run = immperm(&scratch, &server, check);
        assert!(run.code == 0 || run.code == 1, "{run:?}");
    }

    let calls = server.take_calls();
    let evaluator = Evaluator::new([&own]);
    let mut actions = std::collections::BTreeSet::new();
    for call in &calls {
        assert_ne!(call.code.as_deref(), Some("NoPermission"), "{call:?}");
        for resource in &call.resources {
            assert!(
                evaluator.decide(&call.permission(), resource).is_allowed(),
                "{} on {resource} is not in\n{}",
                call.permission(),
                printed.stdout
            );
        }
        actions.insert(call.action.as_str());
    }
    assert_eq!(
        actions.into_iter().collect::<Vec<_>>(),
        [
            "AttachPolicyToRole",
            "AttachPolicyToUser",
            "CreatePolicy",
            "CreatePolicyVersion",
            "CreateRole",
            "DeletePolicyVersion",
            "GetPolicy",
            "GetPolicyVersion",
            "GetRole",
            "ListGroupsForUser",
            "ListPoliciesForGroup",
            "ListPoliciesForRole",
            "ListPoliciesForUser",
            "ListPolicyVersions",
        ]
    );
}

#[test]
fn configured_policy_names_are_used() {
    let scratch = scratch();
    let manifest = scratch.app.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap().replace(
        "policy-dir = \"policy\"\n",
        "policy-dir = \"policy\"\npolicy-names = { caller = \"media-caller\" }\n",
    );
    std::fs::write(&manifest, text).unwrap();
    let server = RamServer::start().unwrap();
    server.add_user("media-app");
    let run = deploy(&scratch, &server, &["--dry-run"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("  + create policy `media-caller`\n"));
    assert!(
        run.stdout
            .contains("  + attach policy `media-caller` to user `media-app`\n")
    );
    assert!(
        run.stdout
            .contains("  + create policy `media-app-imm-service-role`\n")
    );
}

#[test]
fn usage_errors_exit_two() {
    let scratch = scratch();
    let server = RamServer::start().unwrap();
    for (args, message) in [
        (
            &["check", "media-app", "--live"][..],
            "--user <NAME>|--role <NAME>",
        ),
        (
            &[
                "check",
                "media-app",
                "--live",
                "--user",
                "u",
                "--policy",
                "x.json",
            ],
            "cannot be used with",
        ),
        (&["check", "media-app", "--user", "u"], "--live"),
        (
            &["deploy", "media-app"],
            "`deploy` needs the principal that runs the code",
        ),
        (
            &["deploy", "media-app", "--user", "u", "--role", "r"],
            "cannot be used with",
        ),
    ] {
        let run = immperm(&scratch, &server, args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stderr.contains(message), "{args:?}: {}", run.stderr);
    }
    let output = Command::new(env!("CARGO_BIN_EXE_immperm"))
        .args([
            "deploy",
            "media-app",
            "--user",
            "u",
            "--ram-endpoint",
            "http://ram.example.com",
        ])
        .current_dir(&scratch.root)
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", ACCESS_KEY_ID)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", ACCESS_KEY_SECRET)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with(
            "error: `--ram-endpoint`: `http://ram.example.com` would send signed requests"
        ),
        "{stderr}"
    );
}
