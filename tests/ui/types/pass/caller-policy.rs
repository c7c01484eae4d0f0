// The caller policy of compile-time checked requirements, through the builder and the
// generator.
use immperm_build::generate::{self, CallerPolicy};
use immperm_build::{SaveTarget, Scope, mode, op, requirement};

fn main() {
    let scope = Scope {
        buckets: vec!["media".to_owned()],
        ..Scope::default()
    };
    let snapshots = requirement::of::<op::VideoSnapshots, mode::Async>()
        .saveas(SaveTarget::parse("media/thumbs/").unwrap())
        .unwrap();
    let info = requirement::of::<op::VideoInfo, mode::Sync>();
    let compress = requirement::of::<op::PointcloudCompress, mode::Sync>();
    let policy: CallerPolicy = CallerPolicy::builder()
        .require(snapshots.clone())
        .requirements([info.clone(), compress.clone()])
        .pass_role(&scope)
        .build()
        .unwrap();
    let json = policy.to_json_pretty();
    assert!(json.contains("\"ram:PassRole\""));
    assert!(json.contains("\"oss:PostProcessTask\""));
    let policies = generate::generate(&[info, snapshots, compress], &scope).unwrap();
    assert_eq!(policies.caller(), &policy);
    let _document: &immperm_ram::policy::PolicyDocument = policy.document();
}
