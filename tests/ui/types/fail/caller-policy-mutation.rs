// A generated caller policy cannot be changed: its document is read-only.
use immperm_build::generate::CallerPolicy;
use immperm_build::{Scope, mode, op, requirement};

fn main() {
    let scope = Scope::default();
    let mut policy = CallerPolicy::builder()
        .require(requirement::of::<op::VideoInfo, mode::Sync>())
        .pass_role(&scope)
        .build()
        .unwrap();
    policy.document = policy.document().clone();
}
