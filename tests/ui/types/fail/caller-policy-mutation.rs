// A generated caller policy cannot be changed: its document is read-only.
use immperm_build::generate::CallerPolicy;
use immperm_build::{Requirement, Scope, mode, op};

fn main() {
    let scope = Scope::default();
    let mut policy = CallerPolicy::builder()
        .require(immperm_build::requirement::of::<op::VideoInfo, mode::Sync>())
        .pass_role(&scope)
        .build()
        .unwrap();
    policy.document = policy.document().clone();
}
