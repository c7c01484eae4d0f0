use super::*;
use crate::requirement::{Runners, SaveTarget};
use crate::{mode, op};

fn flat(document: &PolicyDocument) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for statement in document.statements() {
        for action in statement.action.values().iter() {
            for resource in statement.resource.iter().flat_map(Values::iter) {
                pairs.push((action.to_owned(), resource.to_owned()));
            }
        }
    }
    pairs.sort();
    pairs
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut pairs: Vec<_> = expected
        .iter()
        .map(|(a, r)| ((*a).to_owned(), (*r).to_owned()))
        .collect();
    pairs.sort();
    pairs
}

fn scoped() -> Scope {
    Scope {
        account: "1234567890123456".into(),
        region: "cn-hangzhou".into(),
        project: Some("media-project".into()),
        service_role: "MediaImmRole".into(),
        buckets: vec!["media-in".into()],
        ..Scope::default()
    }
}

#[test]
fn needs_trace_every_grant_to_its_requirements() {
    let requirements = [
        crate::requirement::of::<op::VideoInfo, mode::Sync>(),
        crate::requirement::of::<op::VideoSnapshots, mode::Async>()
            .saveas(SaveTarget::parse("media-out/thumbs/").unwrap())
            .unwrap()
            .notify("jobs")
            .unwrap(),
    ];
    let needs = needs(&requirements, &scoped());
    assert!(needs.warnings.is_empty());
    let rows: Vec<_> = needs
        .needs
        .iter()
        .map(|n| {
            format!(
                "{} {} {} {:?}",
                n.principal, n.action, n.resource, n.because
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            "caller imm:CreateMediaConvertTask acs:imm:cn-hangzhou:1234567890123456:project/media-project [1]",
            "caller imm:DetectMediaMeta acs:imm:cn-hangzhou:1234567890123456:project/media-project [0]",
            "caller oss:GetObject acs:oss:*:*:media-in/* [0, 1]",
            "caller oss:PostProcessTask acs:oss:*:*:media-in/* [1]",
            "caller oss:ProcessImm acs:oss:*:*:media-in/* [0, 1]",
            "caller oss:PutObject acs:oss:*:*:media-out/thumbs/* [1]",
            "caller ram:PassRole acs:ram:*:1234567890123456:role/mediaimmrole [0, 1]",
            "service-role mns:PublishMessage acs:mns:cn-hangzhou:1234567890123456:/topics/jobs/messages [1]",
            "service-role oss:GetObject acs:oss:*:*:media-in/* [0, 1]",
            "service-role oss:PutObject acs:oss:*:*:media-out/thumbs/* [1]",
        ]
    );
}

#[test]
fn custom_service_role_gets_a_policy_and_a_trust_policy() {
    let requirements = [crate::requirement::of::<op::VideoSnapshots, mode::Async>()
        .saveas(SaveTarget::parse("media-out/thumbs/").unwrap())
        .unwrap()
        .notify("jobs")
        .unwrap()];
    let policies = generate(&requirements, &scoped()).unwrap();
    let ServiceRolePolicy::Custom {
        role,
        policy,
        trust,
    } = policies.service_role()
    else {
        panic!("custom role expected");
    };
    assert_eq!(role, "MediaImmRole");
    assert_eq!(
        policy.to_json_pretty(),
        r#"{
  "Version": "1",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "mns:PublishMessage",
      "Resource": "acs:mns:cn-hangzhou:1234567890123456:/topics/jobs/messages"
    },
    {
      "Effect": "Allow",
      "Action": "oss:GetObject",
      "Resource": "acs:oss:*:*:media-in/*"
    },
    {
      "Effect": "Allow",
      "Action": "oss:PutObject",
      "Resource": "acs:oss:*:*:media-out/thumbs/*"
    }
  ]
}
"#
    );
    assert_eq!(
        trust.to_json_compact(),
        r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"imm.aliyuncs.com"}}]}"#
    );
    assert!(
        trust
            .check_kind(immperm_ram::policy::PolicyKind::Trust)
            .is_ok()
    );
    let names: Vec<_> = policies.files().into_iter().map(|(name, _)| name).collect();
    assert_eq!(
        names,
        [CALLER_FILE, SERVICE_ROLE_FILE, SERVICE_ROLE_TRUST_FILE]
    );
    for (_, json) in policies.files() {
        assert!(PolicyDocument::from_json(&json).is_ok());
    }
}

#[test]
fn the_default_service_role_needs_no_document() {
    let requirements = [crate::requirement::of::<op::VideoInfo, mode::Sync>()];
    let scope = Scope {
        service_role: "aliyunimmdefaultrole".into(),
        ..Scope::default()
    };
    let policies = generate(&requirements, &scope).unwrap();
    let ServiceRolePolicy::Default { note, .. } = policies.service_role() else {
        panic!("default role expected");
    };
    assert_eq!(
        note,
        "`aliyunimmdefaultrole` is IMM's default service role: its system policy `AliyunIMMRolePolicy` \
         already grants what IMM needs, so there is no service-role policy to attach"
    );
    assert_eq!(
        flat(policies.caller().document()),
        pairs(&[
            ("imm:DetectMediaMeta", "*"),
            ("oss:GetObject", "acs:oss:*:*:*"),
            ("oss:ProcessImm", "acs:oss:*:*:*"),
            ("ram:PassRole", "acs:ram:*:*:role/aliyunimmdefaultrole"),
        ])
    );
}

#[test]
fn batch_and_trigger_use_adds_the_fourth_grant() {
    let requirements = [
        crate::requirement::of::<op::DocConvert, mode::Async>()
            .bucket("docs")
            .unwrap()
            .run_by(Runners {
                batch: true,
                trigger: false,
            }),
        crate::requirement::of::<op::VideoConvert, mode::Async>()
            .bucket("docs")
            .unwrap()
            .run_by(Runners {
                batch: false,
                trigger: true,
            }),
    ];
    let scope = Scope {
        project: Some("p1".into()),
        ..Scope::default()
    };
    let policies = generate(&requirements, &scope).unwrap();
    let caller = flat(policies.caller().document());
    for expected in [
        ("imm:CreateBatch", "acs:imm:*:*:project/p1/batch/*"),
        ("imm:CreateTrigger", "acs:imm:*:*:project/p1/trigger/*"),
        ("ram:PassRole", "acs:ram:*:*:role/aliyunimmbatchtriggerrole"),
        ("ram:PassRole", "acs:ram:*:*:role/aliyunimmdefaultrole"),
    ] {
        let expected = (expected.0.to_owned(), expected.1.to_owned());
        assert!(caller.contains(&expected), "{expected:?}");
    }
    let batch = policies.batch_trigger_role().unwrap();
    let actions: Vec<_> = batch.statements()[0].action.values().iter().collect();
    let mut reference = catalog::BATCH_TRIGGER_ROLE_ACTIONS.to_vec();
    reference.sort_unstable();
    assert_eq!(actions, reference);
    assert_eq!(batch.statements().len(), 1);
    assert_eq!(
        batch.statements()[0].resource.as_ref().map(Values::len),
        Some(1)
    );
    let names: Vec<_> = policies.files().into_iter().map(|(name, _)| name).collect();
    assert_eq!(names, [CALLER_FILE, BATCH_TRIGGER_ROLE_FILE]);

    let without_project = generate(&requirements, &Scope::default()).unwrap();
    let caller = flat(without_project.caller().document());
    assert!(caller.contains(&("imm:CreateBatch".to_owned(), "*".to_owned())));
}

#[test]
fn requirements_without_a_bucket_are_warned_about() {
    let requirements = [
        crate::requirement::of::<op::VideoInfo, mode::Sync>()
            .bucket("media")
            .unwrap(),
        crate::requirement::of::<op::AudioInfo, mode::Sync>(),
        crate::requirement::of::<op::DocPreview, mode::Sync>(),
    ];
    let policies = generate(&requirements, &Scope::default()).unwrap();
    assert_eq!(
        policies.warnings(),
        [Warning::AnyBucket {
            requirements: vec![1, 2]
        }]
    );
    assert_eq!(
        policies.warnings()[0].to_string(),
        "requirements #1, #2 name no bucket and the scope lists none: OSS actions are granted on \
         every bucket (`acs:oss:*:*:*`); name the bucket or set the scope's buckets"
    );
    let one = generate(&requirements[1..2], &Scope::default()).unwrap();
    assert!(
        one.warnings()[0]
            .to_string()
            .starts_with("requirement #0 names no bucket")
    );
}

#[test]
fn save_targets_without_a_bucket_write_to_the_source_buckets() {
    let requirements = [crate::requirement::of::<op::DocSnapshot, mode::Sync>()
        .saveas(SaveTarget::source_bucket())
        .unwrap()];
    let scope = Scope {
        buckets: vec!["b-one".into(), "b-two".into()],
        ..Scope::default()
    };
    let caller = generate(&requirements, &scope).unwrap();
    assert_eq!(
        caller.caller().to_json_pretty(),
        r#"{
  "Version": "1",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "imm:CreateOfficeConversionTask",
      "Resource": "*"
    },
    {
      "Effect": "Allow",
      "Action": [
        "oss:GetObject",
        "oss:PostProcessTask",
        "oss:ProcessImm",
        "oss:PutObject"
      ],
      "Resource": [
        "acs:oss:*:*:b-one/*",
        "acs:oss:*:*:b-two/*"
      ]
    },
    {
      "Effect": "Allow",
      "Action": "ram:PassRole",
      "Resource": "acs:ram:*:*:role/aliyunimmdefaultrole"
    }
  ]
}
"#
    );
}

#[test]
fn weboffice_tokens_are_granted_on_any_resource_even_with_a_project() {
    let requirements = [crate::requirement::of::<op::DocEdit, mode::Sync>()];
    let caller = generate(&requirements, &scoped()).unwrap();
    let pairs = flat(caller.caller().document());
    assert!(pairs.contains(&("imm:GenerateWebofficeToken".to_owned(), "*".to_owned())));
}

#[test]
fn invalid_inputs_are_rejected_before_generating() {
    assert_eq!(
        generate(&[], &Scope::default()).unwrap_err().to_string(),
        "no requirements: nothing to grant; declare an operation with `#[requires_imm]` or `Requirement::of`"
    );
    let scope = Scope {
        account: "acme".into(),
        region: "CN Hangzhou".into(),
        project: Some("a/b".into()),
        service_role: "my role".into(),
        batch_trigger_role: String::new(),
        buckets: vec!["Media".into()],
    };
    let requirements = [crate::requirement::of::<op::VideoInfo, mode::Sync>()];
    assert_eq!(
        generate(&requirements, &scope).unwrap_err().to_string(),
        "scope account `acme` is not an account id; write the numeric id (`1234567890123456`) or `*`\n\
         scope region `CN Hangzhou` is not a region id; write one like `cn-hangzhou`, or `*`\n\
         scope project `a/b` is not an IMM project name; use 1 to 128 letters, digits, hyphens and underscores\n\
         scope service role `my role` is not a RAM role name; use 1 to 64 letters, digits, periods and hyphens\n\
         scope batch/trigger role `` is not a RAM role name; use 1 to 64 letters, digits, periods and hyphens\n\
         scope buckets: bucket name `Media` contains `M`; OSS bucket names use lowercase letters, digits and hyphens"
    );
}

#[test]
fn documents_over_the_limit_are_an_error() {
    let requirements = [crate::requirement::of::<op::VideoInfo, mode::Sync>()];
    let err = generate_with(
        &requirements,
        &Scope::default(),
        &Options { size_limit: 100 },
    )
    .unwrap_err();
    let GenerateError::TooLarge { file, error } = &err else {
        panic!("{err}");
    };
    assert_eq!(*file, CALLER_FILE);
    let size = generate(&requirements, &Scope::default())
        .unwrap()
        .caller()
        .document()
        .size();
    assert_eq!(error, &PolicyError::TooLarge { size, limit: 100 });
    assert!(err.to_string().starts_with("caller.json: policy is "));
    let built = CallerPolicy::builder()
        .requirements(requirements)
        .size_limit(100)
        .pass_role(&Scope::default())
        .build();
    assert!(matches!(built, Err(GenerateError::TooLarge { .. })));
}

#[test]
fn the_builder_and_the_generator_agree() {
    let requirements = vec![
        crate::requirement::of::<op::PointcloudCompress, mode::Async>(),
        crate::requirement::of::<op::HlsM3u8, mode::Sync>(),
    ];
    let scope = scoped();
    let built = CallerPolicy::builder()
        .requirements(requirements.clone())
        .pass_role(&scope)
        .build()
        .unwrap();
    let generated = generate(&requirements, &scope).unwrap();
    assert_eq!(&built, generated.caller());
    assert_eq!(built.to_string(), built.to_json_pretty());
    assert_eq!(built.as_ref(), &built.clone().into_document());
    let empty = CallerPolicy::builder().pass_role(&scope).build();
    assert_eq!(empty, Err(GenerateError::NoRequirements));
}
