//! The evaluator and the deployed-policy check, against Alibaba Cloud's own example policies
//! and against the generator (which must prove itself under the evaluator).
#![expect(
    clippy::unwrap_used,
    reason = "fixtures and scratch files; a failure is a test failure"
)]

use std::collections::BTreeSet;

use immperm_build::audit::{self, DeployedPolicy, OverGrant};
use immperm_build::catalog::{self, Mode};
use immperm_build::generate::{self, Principal};
use immperm_build::{Requirement, Runners, SaveTarget, Scope};
use immperm_ram::eval::Evaluator;
use proptest::prelude::*;

fn fixture(name: &str) -> DeployedPolicy {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    DeployedPolicy::parse(name, &text).unwrap()
}

fn requirement(name: &str, mode: Mode, bucket: &str) -> Requirement {
    Requirement::new(name, mode)
        .unwrap()
        .bucket(bucket)
        .unwrap()
}

fn missing_actions(requirements: &[Requirement], deployed: &[DeployedPolicy]) -> BTreeSet<String> {
    let needs = generate::needs(requirements, &Scope::default());
    let report = audit::audit(needs.of(Principal::Caller), requirements, deployed, false);
    report
        .missing
        .iter()
        .map(|gap| format!("{} {}", gap.need.action, gap.need.resource))
        .collect()
}

/// Every operation in every mode it runs in, saving where it can, on one bucket.
fn every_use(bucket: &str) -> Vec<Requirement> {
    let mut all = Vec::new();
    for op in catalog::OPERATIONS {
        for mode in [Mode::Sync, Mode::Async] {
            if let Ok(req) = Requirement::new(op.name, mode) {
                let req = req.bucket(bucket).unwrap();
                all.push(req.clone());
                if let Ok(saving) = req.saveas(SaveTarget::source_bucket()) {
                    all.push(saving);
                }
            }
        }
    }
    all
}

#[test]
fn the_full_access_example_allows_everything_any_operation_needs() {
    let deployed = [fixture("permissions-page-full-access.json")];
    assert!(missing_actions(&every_use("media"), &deployed).is_empty());
}

#[test]
fn the_document_example_allows_conversion_and_snapshots_on_its_buckets_only() {
    let deployed = [fixture("permissions-page-documents.json")];
    for bucket in ["bucketname1", "bucketname2"] {
        let allowed = [
            requirement("doc/convert", Mode::Async, bucket),
            requirement("doc/snapshot", Mode::Sync, bucket)
                .saveas(SaveTarget::source_bucket())
                .unwrap(),
        ];
        assert!(missing_actions(&allowed, &deployed).is_empty(), "{bucket}");
        // The page's example still grants the retired `imm:GetWebofficeURL`: preview and
        // edit, which need `imm:GenerateWebofficeToken` today, would be denied that action
        // and nothing else.
        for op in ["doc/preview", "doc/edit"] {
            assert_eq!(
                missing_actions(&[requirement(op, Mode::Sync, bucket)], &deployed),
                BTreeSet::from(["imm:GenerateWebofficeToken *".to_owned()]),
                "{op}"
            );
        }
    }
    assert_eq!(
        missing_actions(
            &[requirement("video/convert", Mode::Async, "bucketname1")],
            &deployed
        ),
        BTreeSet::from(["imm:CreateMediaConvertTask *".to_owned()])
    );
    let outside = missing_actions(
        &[requirement("doc/convert", Mode::Async, "bucketname3")],
        &deployed,
    );
    assert_eq!(
        outside,
        BTreeSet::from([
            "oss:GetObject acs:oss:*:*:bucketname3/*".to_owned(),
            "oss:PostProcessTask acs:oss:*:*:bucketname3/*".to_owned(),
            "oss:ProcessImm acs:oss:*:*:bucketname3/*".to_owned(),
            "oss:PutObject acs:oss:*:*:bucketname3/*".to_owned(),
        ])
    );
}

#[test]
fn strict_lists_what_the_full_access_example_grants_for_nothing() {
    let deployed = [fixture("permissions-page-full-access.json")];
    let requirements = [requirement("video/info", Mode::Sync, "media")];
    let needs = generate::needs(&requirements, &Scope::default());
    let report = audit::audit(needs.of(Principal::Caller), &requirements, &deployed, true);
    assert!(report.missing.is_empty());
    let patterns: BTreeSet<&str> = report
        .over_grants
        .iter()
        .filter_map(|o| match o {
            OverGrant::UnneededActions {
                pattern, actions, ..
            } => {
                assert!(!actions.is_empty());
                Some(pattern.as_str())
            }
            _ => None,
        })
        .collect();
    assert_eq!(patterns, BTreeSet::from(["imm:*", "oss:*"]));
    let broader = report
        .over_grants
        .iter()
        .filter(|o| matches!(o, OverGrant::BroaderResource { granted, .. } if granted == "*"))
        .count();
    // `oss:GetObject` and `oss:ProcessImm` are needed on `media/*` only.
    assert_eq!(broader, 2, "{:#?}", report.over_grants);
    let lines: Vec<String> = report.over_grants.iter().map(ToString::to_string).collect();
    assert!(
        lines.contains(
            &"permissions-page-full-access.json Statement[0]: `oss:GetObject` is granted on `*`; \
              the code needs only `acs:oss:*:*:media/*`"
                .to_owned()
        ),
        "{lines:#?}"
    );
}

#[test]
fn pass_role_on_every_role_is_an_over_grant_unless_scoped_to_a_service() {
    let open = DeployedPolicy::parse(
        "open.json",
        r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"ram:PassRole","Resource":"*"}]}"#,
    )
    .unwrap();
    let scoped = DeployedPolicy::parse(
        "scoped.json",
        r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"ram:PassRole","Resource":"*",
            "Condition":{"StringEquals":{"acs:Service":"imm.aliyuncs.com"}}}]}"#,
    )
    .unwrap();
    let requirements = [requirement("video/info", Mode::Sync, "media")];
    let needs = generate::needs(&requirements, &Scope::default());
    let open = [open];
    let report = audit::audit(needs.of(Principal::Caller), &requirements, &open, true);
    assert!(
        report
            .over_grants
            .iter()
            .any(|o| matches!(o, OverGrant::PassRoleAnywhere { .. }))
    );
    let scoped = [scoped];
    let report = audit::audit(needs.of(Principal::Caller), &requirements, &scoped, true);
    assert!(
        !report
            .over_grants
            .iter()
            .any(|o| matches!(o, OverGrant::PassRoleAnywhere { .. }))
    );
    // The condition is not known to hold: the grant is conditional, never a plain allow.
    let lines = report.gap_lines(&scoped, &|i| format!("requirement {i}"));
    assert!(
        lines.iter().any(|l| l.starts_with(
            "`ram:PassRole` on `acs:ram:*:*:role/aliyunimmdefaultrole` is granted only if \
             `StringEquals acs:Service imm.aliyuncs.com` (scoped.json Statement[0])"
        )),
        "{lines:#?}"
    );
}

#[test]
fn collateral_names_what_a_shared_action_also_unlocks() {
    let requirements = [requirement("video/snapshots", Mode::Async, "media")];
    let collateral = audit::collateral(&requirements);
    assert_eq!(collateral.len(), 1);
    assert_eq!(
        collateral[0].to_string(),
        "`imm:CreateMediaConvertTask` (needed for `video/snapshots`) also allows `video/convert`, \
         `video/animation`, `video/sprite`, `video/concat`, `audio/convert`, `audio/concat`"
    );
}

#[test]
fn deployed_files_are_read_in_both_shapes_and_errors_are_located() {
    let console = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:GetObject","Resource":"*"}]}"#;
    let cli = serde_json::json!({
        "RequestId": "x",
        "PolicyVersion": {"VersionId": "v3", "IsDefaultVersion": true, "PolicyDocument": console}
    })
    .to_string();
    let a = DeployedPolicy::parse("a.json", console).unwrap();
    let b = DeployedPolicy::parse("b.json", &cli).unwrap();
    assert_eq!(a.document, b.document);

    let bad = "{\n  \"Version\": \"1\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Action\": [], \"Resource\": \"*\"}\n  ]\n}";
    let err = DeployedPolicy::parse("deploy/user.json", bad)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("deploy/user.json:4:35: Statement[0].Action: "),
        "{err}"
    );

    let err = DeployedPolicy::parse("x.json", "{\"Version\": ")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("x.json:1:12: malformed JSON"), "{err}");

    let nested = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let err = DeployedPolicy::parse("deep.json", &nested)
        .unwrap_err()
        .to_string();
    assert!(err.contains("recursion limit exceeded"), "{err}");

    let huge = " ".repeat(audit::MAX_FILE_SIZE + 1);
    let err = DeployedPolicy::parse("huge.json", &huge)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("huge.json: 1048577 bytes is too large"),
        "{err}"
    );
}

/// A random but valid requirement: an operation, a mode it runs in, optional saving to
/// another bucket and prefix, a source bucket, runners.
fn arb_requirement() -> impl Strategy<Value = Requirement> {
    let ops = catalog::OPERATIONS.len();
    (
        0..ops,
        any::<bool>(),
        prop::option::of((0..3usize, "[a-z]{1,6}/")),
        0..3usize,
        any::<bool>(),
    )
        .prop_filter_map("valid use", |(op, asynchronous, saveas, bucket, batch)| {
            let op = catalog::OPERATIONS.get(op)?;
            let mode = if asynchronous {
                Mode::Async
            } else {
                Mode::Sync
            };
            let mut req = Requirement::new(op.name, mode).ok()?;
            req = req.bucket(&format!("bucket-{bucket}")).ok()?;
            if let Some((out, prefix)) = saveas
                && let Ok(target) = SaveTarget::parse(&format!("out-{out}/{prefix}"))
            {
                req = req.clone().saveas(target).unwrap_or(req);
            }
            Some(req.run_by(Runners {
                batch,
                trigger: false,
            }))
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// The generated caller policy allows every need, and nothing of the catalog that no
    /// requirement needs, nor anything outside the requirements' buckets.
    #[test]
    fn generated_policies_allow_exactly_what_is_needed(
        requirements in prop::collection::vec(arb_requirement(), 1..8)
    ) {
        let scope = Scope::default();
        let policies = generate::generate(&requirements, &scope).unwrap();
        let deployed = [DeployedPolicy {
            source: "caller.json".to_owned(),
            document: policies.caller().document().clone(),
        }];
        let needs = generate::needs(&requirements, &scope);
        let report = audit::audit(needs.of(Principal::Caller), &requirements, &deployed, false);
        prop_assert!(report.missing.is_empty(), "{:?}", report.missing);

        let evaluator = Evaluator::new([&deployed[0].document]);
        let needed: BTreeSet<&str> = needs.of(Principal::Caller).map(|n| n.action.as_str()).collect();
        let resources: BTreeSet<&str> = needs.of(Principal::Caller).map(|n| n.resource.as_str()).collect();
        for action in catalog::KNOWN_ACTIONS.iter().filter(|a| !needed.contains(*a)) {
            for resource in &resources {
                prop_assert!(evaluator.decide(action, resource).is_denied(), "{action} on {resource}");
            }
        }
        for action in &needed {
            if action.starts_with("oss:") {
                let elsewhere = "acs:oss:*:*:not-a-bucket-of-theirs/x";
                prop_assert!(evaluator.decide(action, elsewhere).is_denied(), "{action}");
            }
        }
    }
}
