//! The generator against Alibaba Cloud's own examples (golden), against the catalog's rules
//! written out by hand (exhaustive), and for determinism.
#![expect(
    clippy::unwrap_used,
    reason = "fixtures built from literals; a failure is a test failure"
)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use immperm_build::catalog::{self, Mode};
use immperm_build::generate::{self, Policies, ServiceRolePolicy};
use immperm_build::{Requirement, Runners, SaveTarget, Scope};
use immperm_ram::policy::{PolicyDocument, Values};

/// (action, resource) pairs.
type Grants = BTreeSet<(String, String)>;

/// Every (action, resource) pair a document grants.
fn grants(document: &PolicyDocument) -> Grants {
    let mut pairs = BTreeSet::new();
    for statement in document.statements() {
        for action in statement.action.values().iter() {
            for resource in statement.resource.iter().flat_map(Values::iter) {
                pairs.insert((action.to_owned(), resource.to_owned()));
            }
        }
    }
    pairs
}

/// Every statement as (resources, actions), order-free.
fn shape(document: &PolicyDocument) -> BTreeSet<(Vec<String>, Vec<String>)> {
    document
        .statements()
        .iter()
        .map(|s| {
            let resources = s.resource.iter().flat_map(Values::iter).map(str::to_owned);
            let actions = s.action.values().iter().map(str::to_owned);
            (resources.collect(), actions.collect())
        })
        .collect()
}

fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("IMMPERM_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == actual,
        "{name} differs from the golden file; review the change and re-bless with \
         `IMMPERM_BLESS=1 cargo test -p immperm --test generate`\n--- golden\n{expected}\n--- actual\n{actual}"
    );
}

/// The permissions page's second example ("document processing operations on two specific
/// buckets"), verbatim.
const PAGE_DOCUMENT_EXAMPLE: &str = r#"{
"Statement": [
{
"Effect": "Allow",
"Action": [
"oss:GetObject",
"oss:PutObject",
"oss:PostProcessTask",
"oss:ProcessImm"
],
"Resource": [
"acs:oss:*:*:bucketname1/*",
"acs:oss:*:*:bucketname2/*"
]
},
{
"Action": [
"imm:CreateOfficeConversionTask",
"imm:GetWebofficeURL"
],
"Resource": "*",
"Effect": "Allow"
},
{
"Effect": "Allow",
"Action": "ram:PassRole",
"Resource": "acs:ram:*:*:role/aliyunimmdefaultrole"
}
],
"Version": "1"
}"#;

/// The permissions page's third example (the batch/trigger role), verbatim.
const PAGE_BATCH_TRIGGER_EXAMPLE: &str = r#"{
"Statement": [
{
"Action": [
"oss:Get*",
"oss:List*",
"oss:Process*",
"oss:PostProcess*",
"oss:Put*",
"oss:PutBucketInventory",
"oss:GetBucketInventory",
"oss:ListBucketInventory",
"oss:DeleteBucketInventory",
"oss:PutBucketNotification",
"oss:DeleteBucketNotification",
"oss:StartEventRecord",
"oss:StopEventRecord",
"oss:GetEventRecordStatus"
],
"Resource": "*",
"Effect": "Allow"
}
],
"Version": "1"
}"#;

/// The page's document example, as requirements: `doc/convert` is asynchronous and saves
/// (into the source bucket), which is what brings `oss:PostProcessTask` and `oss:PutObject`;
/// the other three are synchronous reads. The page names no project, so IMM actions are on `*`.
fn document_requirements() -> (Vec<Requirement>, Scope) {
    let requirements = vec![
        Requirement::new("doc/convert", Mode::Async).unwrap(),
        Requirement::new("doc/edit", Mode::Sync).unwrap(),
        Requirement::new("doc/preview", Mode::Sync).unwrap(),
        Requirement::new("doc/snapshot", Mode::Sync).unwrap(),
    ];
    let scope = Scope {
        buckets: vec!["bucketname1".into(), "bucketname2".into()],
        ..Scope::default()
    };
    (requirements, scope)
}

#[test]
fn golden_permissions_page_document_example() {
    let (requirements, scope) = document_requirements();
    let policies = generate::generate(&requirements, &scope).unwrap();
    assert!(policies.warnings().is_empty());
    assert!(matches!(
        policies.service_role(),
        ServiceRolePolicy::Default { .. }
    ));
    let generated = policies.caller().document();
    golden(
        "permissions-page-documents.json",
        &generated.to_json_pretty(),
    );

    // The page shows `imm:GetWebofficeURL`, an action of IMM's retired 2017-09-06 API ("no
    // longer maintained"). `doc/edit` and `doc/preview` now call `GenerateWebofficeToken`, and
    // the page's own operation table says so: the example is stale, and immperm never emits
    // the legacy action. That substitution is the only difference.
    let page = PolicyDocument::from_json(PAGE_DOCUMENT_EXAMPLE).unwrap();
    let only_in_page: Vec<_> = grants(&page)
        .difference(&grants(generated))
        .cloned()
        .collect();
    let only_generated: Vec<_> = grants(generated)
        .difference(&grants(&page))
        .cloned()
        .collect();
    assert_eq!(
        only_in_page,
        [("imm:GetWebofficeURL".to_owned(), "*".to_owned())]
    );
    assert_eq!(
        only_generated,
        [("imm:GenerateWebofficeToken".to_owned(), "*".to_owned())]
    );
    assert_eq!(
        catalog::legacy_replacement("imm:GetWebofficeURL"),
        Some("imm:GenerateWebofficeToken")
    );
    // With the stale action replaced, the page's statements are exactly the generated ones.
    let updated =
        PAGE_DOCUMENT_EXAMPLE.replace("imm:GetWebofficeURL", "imm:GenerateWebofficeToken");
    let updated = PolicyDocument::from_json(&updated).unwrap();
    assert_eq!(shape(&updated), shape(generated));
}

#[test]
fn golden_permissions_page_batch_trigger_example() {
    let (requirements, scope) = document_requirements();
    let requirements: Vec<_> = requirements
        .into_iter()
        .map(|r| {
            r.run_by(Runners {
                batch: true,
                trigger: true,
            })
        })
        .collect();
    let policies = generate::generate(&requirements, &scope).unwrap();
    let generated = policies.batch_trigger_role().unwrap();
    golden(
        "permissions-page-batch-trigger.json",
        &generated.to_json_pretty(),
    );
    let page = PolicyDocument::from_json(PAGE_BATCH_TRIGGER_EXAMPLE).unwrap();
    assert_eq!(&page, generated);
}

/// One catalog operation, with the facts the generator must follow written out by hand from
/// the permissions page and the fact sheet (not read from the catalog).
struct Expected {
    name: &'static str,
    action: &'static str,
    sync: bool,
    async_: bool,
    /// `sys/saveas` can be asked for.
    saveas: bool,
}

const fn row(name: &'static str, action: &'static str, modes: &str, saveas: bool) -> Expected {
    let (sync, async_) = match modes.as_bytes() {
        b"S" => (true, false),
        b"A" => (false, true),
        _ => (true, true),
    };
    Expected {
        name,
        action,
        sync,
        async_,
        saveas,
    }
}

const TABLE: &[Expected] = &[
    row("image/cropping", "imm:DetectImageCropping", "S", false),
    row("image/faces", "imm:DetectImageFaces", "S", false),
    row("image/bodies", "imm:DetectImageBodies", "S", false),
    row("image/cars", "imm:DetectImageCars", "S", false),
    row("image/codes", "imm:DetectImageCodes", "S", false),
    row("image/labels", "imm:DetectImageLabels", "S", false),
    row("image/score", "imm:DetectImageScore", "S", false),
    row(
        "image/blindwatermark",
        "imm:EncodeBlindWatermark",
        "S",
        true,
    ),
    row(
        "image/deblindwatermark",
        "imm:CreateDecodeBlindWatermarkTask",
        "A",
        false,
    ),
    row("video/convert", "imm:CreateMediaConvertTask", "A", true),
    row("video/animation", "imm:CreateMediaConvertTask", "A", true),
    row("video/sprite", "imm:CreateMediaConvertTask", "A", true),
    row("video/snapshots", "imm:CreateMediaConvertTask", "A", true),
    row("video/concat", "imm:CreateMediaConvertTask", "A", true),
    row("video/info", "imm:DetectMediaMeta", "S", false),
    row("audio/convert", "imm:CreateMediaConvertTask", "A", true),
    row("audio/concat", "imm:CreateMediaConvertTask", "A", true),
    row("audio/info", "imm:DetectMediaMeta", "S", false),
    row("doc/convert", "imm:CreateOfficeConversionTask", "A", true),
    row("doc/edit", "imm:GenerateWebofficeToken", "S", false),
    row("doc/preview", "imm:GenerateWebofficeToken", "S", false),
    row("doc/snapshot", "imm:CreateOfficeConversionTask", "S", true),
    row(
        "pointcloud/compress",
        "imm:CreateCompressPointCloudTask",
        "SA",
        true,
    ),
    row("hls/m3u8", "imm:GenerateVideoPlaylist", "S", true),
    row("hls/ts", "imm:LiveTranscoding", "S", false),
];

/// The caller and service-role grants of one use, by the rules of the permissions page:
/// `oss:GetObject` and `oss:ProcessImm` on the source; `oss:PostProcessTask` for a `POST`
/// (asynchronous, or synchronous that saves); `oss:PutObject` where the result is saved
/// (asynchronous operations that produce a file always save, by default into the source
/// bucket); the IMM action on the project (`WebOffice` tokens on `*`); `ram:PassRole`.
fn expected_grants(row: &Expected, mode: Mode, saveas: bool, scope: &Scope) -> (Grants, Grants) {
    let source = "acs:oss:*:*:media-in/*".to_owned();
    let asynchronous = mode == Mode::Async;
    let writes = saveas || (asynchronous && row.saveas);
    let target = if saveas {
        "acs:oss:*:*:media-out/results/*".to_owned()
    } else {
        source.clone()
    };
    let mut caller = BTreeSet::new();
    let mut role = BTreeSet::new();
    let grant = |set: &mut BTreeSet<_>, action: &str, resource: &str| {
        set.insert((action.to_owned(), resource.to_owned()));
    };
    grant(&mut caller, "oss:GetObject", &source);
    grant(&mut caller, "oss:ProcessImm", &source);
    grant(&mut role, "oss:GetObject", &source);
    if asynchronous || saveas {
        grant(&mut caller, "oss:PostProcessTask", &source);
    }
    if writes {
        grant(&mut caller, "oss:PutObject", &target);
        grant(&mut role, "oss:PutObject", &target);
    }
    let imm = match &scope.project {
        Some(project) if row.action != "imm:GenerateWebofficeToken" => {
            format!(
                "acs:imm:{}:{}:project/{project}",
                scope.region, scope.account
            )
        }
        _ => "*".to_owned(),
    };
    grant(&mut caller, row.action, &imm);
    let pass_role = format!(
        "acs:ram:*:{}:role/{}",
        scope.account,
        scope.service_role.to_lowercase()
    );
    grant(&mut caller, "ram:PassRole", &pass_role);
    (caller, role)
}

fn assert_no_wildcard_action(policies: &Policies, what: &str) {
    let mut documents = vec![policies.caller().document()];
    if let ServiceRolePolicy::Custom { policy, trust, .. } = policies.service_role() {
        documents.push(policy);
        documents.push(trust);
    }
    for document in documents {
        for statement in document.statements() {
            for action in statement.action.values().iter() {
                assert!(!action.contains(['*', '?']), "{what}: wildcard `{action}`");
            }
        }
    }
}

#[test]
fn exhaustive_every_operation_mode_and_saveas() {
    let names: BTreeSet<_> = TABLE.iter().map(|row| row.name).collect();
    let catalog_names: BTreeSet<_> = catalog::OPERATIONS.iter().map(|op| op.name).collect();
    assert_eq!(names, catalog_names, "the table covers the catalog exactly");

    let scopes = [
        Scope {
            buckets: vec!["media-in".into()],
            ..Scope::default()
        },
        Scope {
            account: "1234567890123456".into(),
            region: "cn-shanghai".into(),
            project: Some("media".into()),
            service_role: "ImmWorker".into(),
            buckets: vec!["media-in".into()],
            ..Scope::default()
        },
    ];
    let mut combinations = 0;
    for row in TABLE {
        for (mode, supported) in [(Mode::Sync, row.sync), (Mode::Async, row.async_)] {
            let Ok(base) = Requirement::new(row.name, mode) else {
                assert!(!supported, "{} {mode:?} is supported", row.name);
                continue;
            };
            assert!(supported, "{} {mode:?} is not supported", row.name);
            for saveas in [false, true] {
                let requirement = if saveas {
                    let target = SaveTarget::parse("media-out/results/").unwrap();
                    let Ok(requirement) = base.clone().saveas(target) else {
                        assert!(!row.saveas, "{} refuses saveas", row.name);
                        continue;
                    };
                    requirement
                } else {
                    base.clone()
                };
                assert!(!saveas || row.saveas, "{} accepts saveas", row.name);
                for scope in &scopes {
                    let what = format!("{} {mode:?} saveas={saveas} {:?}", row.name, scope.project);
                    let policies =
                        generate::generate(std::slice::from_ref(&requirement), scope).unwrap();
                    let (caller, role) = expected_grants(row, mode, saveas, scope);
                    assert_eq!(grants(policies.caller().document()), caller, "{what}");
                    if let ServiceRolePolicy::Custom { policy, .. } = policies.service_role() {
                        assert_eq!(grants(policy), role, "{what}");
                    }
                    let built = generate::CallerPolicy::builder()
                        .require(requirement.clone())
                        .pass_role(scope)
                        .build()
                        .unwrap();
                    assert_eq!(&built, policies.caller(), "{what}");
                    assert!(
                        caller.iter().any(|(action, _)| action == "ram:PassRole"),
                        "{what}"
                    );
                    assert_no_wildcard_action(&policies, &what);
                    combinations += 1;
                }
            }
        }
    }
    // 25 operations: 13 in one mode without saveas, 11 in one mode with saveas off and on,
    // pointcloud/compress in two modes with saveas off and on; times two scopes.
    assert_eq!(combinations, (13 + 11 * 2 + 2 * 2) * 2);
}

fn many_requirements() -> Vec<Requirement> {
    vec![
        Requirement::new("video/info", Mode::Sync).unwrap(),
        Requirement::new("video/snapshots", Mode::Async)
            .unwrap()
            .saveas(SaveTarget::parse("media-out/thumbs/").unwrap())
            .unwrap()
            .notify("jobs")
            .unwrap(),
        Requirement::new("doc/preview", Mode::Sync)
            .unwrap()
            .bucket("docs")
            .unwrap(),
        Requirement::new("doc/convert", Mode::Async)
            .unwrap()
            .bucket("docs")
            .unwrap()
            .run_by(Runners {
                batch: true,
                trigger: false,
            }),
        Requirement::new("pointcloud/compress", Mode::Sync).unwrap(),
        Requirement::new("pointcloud/compress", Mode::Async)
            .unwrap()
            .notify("clouds")
            .unwrap(),
        Requirement::new("hls/m3u8", Mode::Sync)
            .unwrap()
            .saveas(SaveTarget::parse("media-out").unwrap())
            .unwrap(),
        Requirement::new("video/info", Mode::Sync).unwrap(),
    ]
}

#[test]
fn shuffled_requirements_give_byte_identical_documents() {
    let scope = Scope {
        account: "1234567890123456".into(),
        region: "cn-beijing".into(),
        project: Some("media".into()),
        service_role: "ImmWorker".into(),
        buckets: vec!["media-in".into(), "media-archive".into()],
        ..Scope::default()
    };
    let requirements = many_requirements();
    let reference = generate::generate(&requirements, &scope).unwrap().files();
    assert_eq!(reference.len(), 4);
    golden(
        "shuffled-caller.json",
        &reference.first().map(|(_, json)| json.clone()).unwrap(),
    );
    let mut orders: Vec<Vec<Requirement>> = Vec::new();
    let mut reversed = requirements.clone();
    reversed.reverse();
    orders.push(reversed);
    for k in 1..requirements.len() {
        let mut rotated = requirements.clone();
        rotated.rotate_left(k);
        orders.push(rotated);
    }
    // A fixed pseudo-random permutation (a linear congruential sequence), so failures
    // reproduce.
    let mut shuffled = requirements.clone();
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    for i in (1..shuffled.len()).rev() {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        let j = usize::try_from(state >> 33).unwrap() % (i + 1);
        shuffled.swap(i, j);
    }
    orders.push(shuffled);
    let mut scope_shuffled = scope.clone();
    scope_shuffled.buckets.reverse();
    for order in &orders {
        for scope in [&scope, &scope_shuffled] {
            let files = generate::generate(order, scope).unwrap().files();
            assert_eq!(files, reference);
        }
    }
}

#[test]
fn every_operation_at_once_fits_the_size_limit() {
    let scope = Scope {
        account: "1234567890123456".into(),
        region: "cn-hangzhou".into(),
        project: Some("media-processing".into()),
        service_role: "MediaProcessingRole".into(),
        buckets: vec!["media-in".into()],
        ..Scope::default()
    };
    let mut requirements = Vec::new();
    for op in catalog::OPERATIONS {
        for mode in [Mode::Sync, Mode::Async] {
            if let Ok(requirement) = Requirement::new(op.name, mode) {
                let requirement = requirement
                    .clone()
                    .saveas(SaveTarget::parse("media-out/results/").unwrap())
                    .unwrap_or(requirement);
                requirements.push(requirement.run_by(Runners {
                    batch: true,
                    trigger: true,
                }));
            }
        }
    }
    let policies = generate::generate(&requirements, &scope).unwrap();
    for (file, json) in policies.files() {
        let size = PolicyDocument::from_json(&json).unwrap().size();
        println!("{file}: {size} characters");
        assert!(
            size < immperm_ram::policy::DEFAULT_SIZE_LIMIT / 2,
            "{file}: {size}"
        );
    }
}
