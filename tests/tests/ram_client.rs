//! `immperm_ram::api` against the RAM test server (`immperm_tests::ram_server`): RAM's
//! semantics as the client meets them, every request signed and verified.
#![expect(clippy::unwrap_used, reason = "a test: a failed step is a failed test")]

use std::time::Duration;

use immperm_openapi::Credentials;
use immperm_ram::api::deploy::{self, Attachee, Change, Desired, DesiredPolicy, DesiredRole};
use immperm_ram::api::{self, Client, PolicyRef, Principal, Retry, own};
use immperm_ram::eval::Evaluator;
use immperm_ram::policy::PolicyDocument;
use immperm_tests::ram_server::{ACCESS_KEY_ID, ACCESS_KEY_SECRET, ACCOUNT, RamServer, Who};

const TRUST: &str = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "imm.aliyuncs.com"}}]}"#;

fn document(actions: &[&str]) -> PolicyDocument {
    let actions: Vec<String> = actions.iter().map(|a| format!("{a:?}")).collect();
    PolicyDocument::from_json(&format!(
        r#"{{"Version": "1", "Statement": [{{"Effect": "Allow", "Action": [{}], "Resource": "acs:oss:*:*:media-in/*"}}]}}"#,
        actions.join(", ")
    ))
    .unwrap()
}

fn client(server: &RamServer) -> Client {
    Client::new(
        api::endpoint(&server.url()).unwrap(),
        Credentials::new(ACCESS_KEY_ID, ACCESS_KEY_SECRET),
    )
    .account(ACCOUNT)
    .retry(Retry {
        base: Duration::from_millis(10),
        ..Retry::default()
    })
}

fn desired(caller: PolicyDocument) -> Desired {
    Desired {
        roles: vec![DesiredRole {
            name: "MediaAppImmRole".into(),
            description: "IMM service role".into(),
            trust: PolicyDocument::from_json(TRUST).unwrap(),
        }],
        policies: vec![
            DesiredPolicy {
                name: "media-app-imm-caller".into(),
                description: "caller".into(),
                document: caller,
                attach_to: vec![Attachee::User("media-app".into())],
            },
            DesiredPolicy {
                name: "media-app-imm-service-role".into(),
                description: "service role".into(),
                document: document(&["oss:GetObject"]),
                attach_to: vec![Attachee::Role("MediaAppImmRole".into())],
            },
        ],
    }
}

#[test]
fn deploy_creates_then_changes_nothing_then_versions() {
    let server = RamServer::start().unwrap();
    server.add_user("media-app");
    let client = client(&server);
    let wanted = desired(document(&["oss:GetObject", "oss:ProcessImm"]));

    let plan = deploy::plan(&client, &wanted).unwrap();
    let changes: Vec<String> = plan.changes.iter().map(ToString::to_string).collect();
    assert_eq!(
        changes,
        [
            "create role `MediaAppImmRole`",
            "create policy `media-app-imm-caller`",
            "create policy `media-app-imm-service-role`",
            "attach policy `media-app-imm-caller` to user `media-app`",
            "attach policy `media-app-imm-service-role` to role `MediaAppImmRole`",
        ]
    );
    assert!(
        server.take_calls().iter().all(|c| !c.is_write()),
        "planning only reads"
    );
    deploy::apply(&client, &plan, |_| {}).unwrap();
    assert_eq!(
        server.attachments(),
        [
            "Custom:media-app-imm-caller -> user:media-app",
            "Custom:media-app-imm-service-role -> role:MediaAppImmRole",
        ]
    );
    // RAM reformats what it stores; the comparison is semantic, so nothing differs.
    assert!(
        !server
            .document("media-app-imm-caller")
            .unwrap()
            .contains('\n')
    );
    server.take_calls();
    let again = deploy::plan(&client, &wanted).unwrap();
    assert!(again.is_empty(), "{:?}", again.changes);
    assert_eq!(again.unchanged.len(), 5);
    assert!(server.take_calls().iter().all(|c| !c.is_write()));

    let edited = desired(document(&[
        "oss:GetObject",
        "oss:ProcessImm",
        "oss:PutObject",
    ]));
    let plan = deploy::plan(&client, &edited).unwrap();
    assert_eq!(plan.changes.len(), 1);
    let Change::NewVersion {
        current, delete, ..
    } = &plan.changes[0]
    else {
        panic!("{:?}", plan.changes)
    };
    assert_eq!((current.id.as_str(), delete), ("v1", &None));
    deploy::apply(&client, &plan, |_| {}).unwrap();
    assert_eq!(
        server.versions("media-app-imm-caller"),
        [("v1".to_owned(), false), ("v2".to_owned(), true)]
    );
}

#[test]
fn at_five_versions_the_oldest_non_default_one_goes_first() {
    let server = RamServer::start().unwrap();
    server.add_user("media-app");
    server.add_role("MediaAppImmRole", TRUST);
    let old = document(&["oss:GetObject"]);
    server.add_policy("media-app-imm-caller", &old.to_json_pretty());
    // v2 is the default; v1, v3, v4, v5 are not.
    server.add_policy_version("media-app-imm-caller", &old.to_json_pretty(), true);
    for _ in 0..3 {
        server.add_policy_version("media-app-imm-caller", &old.to_json_pretty(), false);
    }
    let client = client(&server);
    let new = document(&["oss:GetObject", "oss:ProcessImm"]);

    // Without deleting first, RAM refuses, and the message says why.
    let refused = client
        .create_policy_version("media-app-imm-caller", &new.to_json_pretty(), true)
        .unwrap_err();
    assert_eq!(refused.code(), Some("LimitExceeded.Policy.Version"));
    assert!(refused.to_string().contains("RAM's maximum of 5 versions"));

    let plan = deploy::plan(&client, &desired(new)).unwrap();
    let version = plan
        .changes
        .iter()
        .find(|c| matches!(c, Change::NewVersion { .. }))
        .unwrap();
    assert_eq!(
        version.to_string(),
        "new default version of policy `media-app-imm-caller` (replacing v2), deleting v1 first: \
         the oldest non-default of RAM's 5 versions"
    );
    deploy::apply(&client, &plan, |_| {}).unwrap();
    let versions: Vec<(String, bool)> = server.versions("media-app-imm-caller");
    assert_eq!(
        versions,
        [
            ("v2".to_owned(), false),
            ("v3".to_owned(), false),
            ("v4".to_owned(), false),
            ("v5".to_owned(), false),
            ("v6".to_owned(), true)
        ]
    );
}

#[test]
fn errors_name_the_missing_principal_or_the_denied_call() {
    let server = RamServer::start().unwrap();
    let client = client(&server);
    let error = deploy::plan(&client, &desired(document(&["oss:GetObject"]))).unwrap_err();
    assert!(
        error.to_string().starts_with(
            "RAM user `media-app` does not exist (RAM answered `EntityNotExist.User` to \
             ListPoliciesForUser for user `media-app`, request id "
        ),
        "{error}"
    );

    server.add_user("media-app");
    server.add_policy("taken", &document(&["oss:GetObject"]).to_json_pretty());
    let exists = client.create_policy("taken", "{}", "").unwrap_err();
    assert_eq!(exists.code(), Some("EntityAlreadyExists.Policy"));

    // The caller may read but not create policies.
    server.restrict_to(
        PolicyDocument::from_json(
            r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["ram:Get*", "ram:List*"], "Resource": "*"}]}"#,
        )
        .unwrap(),
    );
    let denied = client
        .create_policy("media-app-imm-caller", "{}", "")
        .unwrap_err();
    assert!(
        denied.to_string().starts_with(
            "these credentials may not call `ram:CreatePolicy` on \
             `acs:ram:*:1234567890123456:policy/media-app-imm-caller` (RAM answered \
             `NoPermission`"
        ),
        "{denied}"
    );

    let wrong = Client::new(
        api::endpoint(&server.url()).unwrap(),
        Credentials::new(ACCESS_KEY_ID, "another-secret"),
    );
    let error = wrong
        .list_policies(&Principal::User("media-app".into()))
        .unwrap_err();
    assert_eq!(error.code(), Some("SignatureDoesNotMatch"));
}

#[test]
fn a_throttled_call_is_retried() {
    let server = RamServer::start().unwrap();
    server.add_user("media-app");
    server.add_group("media-ops", &["media-app"]);
    server.attach(
        "System",
        "AliyunOSSFullAccess",
        Who::Group("media-ops".into()),
    );
    server.throttle("ListPoliciesForGroup", 1);
    let found = api::attached(&client(&server), &Principal::User("media-app".into())).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].to_string(),
        "System:AliyunOSSFullAccess v1 (attached to group media-ops)"
    );
    let codes: Vec<(String, Option<String>)> = server
        .take_calls()
        .into_iter()
        .map(|c| (c.action, c.code))
        .collect();
    assert_eq!(
        codes,
        [
            ("ListPoliciesForUser".to_owned(), None),
            ("ListGroupsForUser".to_owned(), None),
            (
                "ListPoliciesForGroup".to_owned(),
                Some("Throttling.User".to_owned())
            ),
            ("ListPoliciesForGroup".to_owned(), None),
            ("GetPolicyVersion".to_owned(), None),
        ]
    );
}

#[test]
fn the_own_policy_allows_every_call_deploy_and_the_live_check_make() {
    let server = RamServer::start().unwrap();
    server.add_user("media-app");
    server.add_group("media-ops", &["media-app"]);
    server.attach(
        "System",
        "AliyunIMMFullAccess",
        Who::Group("media-ops".into()),
    );
    let wanted = desired(document(&["oss:GetObject"]));
    let own = own::policy(&wanted, ACCOUNT).unwrap();
    server.restrict_to(own.clone());
    let client = client(&server);
    let plan = deploy::plan(&client, &wanted).unwrap();
    deploy::apply(&client, &plan, |_| {}).unwrap();
    // A version, with RAM at its limit, so that every kind of call is made.
    for _ in 0..4 {
        server.add_policy_version(
            "media-app-imm-caller",
            &document(&["oss:GetObject"]).to_json_pretty(),
            false,
        );
    }
    let changed = desired(document(&["oss:GetObject", "oss:PutObject"]));
    deploy::apply(&client, &deploy::plan(&client, &changed).unwrap(), |_| {}).unwrap();
    for principal in [
        Principal::User("media-app".into()),
        Principal::Role("MediaAppImmRole".into()),
    ] {
        api::attached(&client, &principal).unwrap();
    }
    let calls = server.take_calls();
    let evaluator = Evaluator::new([&own]);
    for call in &calls {
        // Reading what does not exist yet is how deploy finds out; nothing is refused.
        assert!(
            call.code.is_none()
                || call
                    .code
                    .as_ref()
                    .is_some_and(|c| c.starts_with("EntityNotExist.")),
            "{call:?}"
        );
        for resource in &call.resources {
            assert!(
                evaluator.decide(&call.permission(), resource).is_allowed(),
                "{} on {resource}",
                call.permission()
            );
        }
    }
    let mut actions: Vec<&str> = calls.iter().map(|c| c.action.as_str()).collect();
    actions.sort_unstable();
    actions.dedup();
    assert_eq!(
        actions,
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
    // Outside what it manages, the policy allows no write.
    let policy = PolicyRef::custom("someone-elses");
    assert!(
        !evaluator
            .decide("ram:CreatePolicyVersion", &policy.arn(ACCOUNT))
            .is_allowed()
    );
}
