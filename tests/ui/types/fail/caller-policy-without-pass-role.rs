// A caller policy cannot be built before `ram:PassRole` is granted.
use immperm_build::generate::CallerPolicy;
use immperm_build::{mode, op, requirement};

fn main() {
    let _ = CallerPolicy::builder()
        .require(requirement::of::<op::VideoSnapshots, mode::Async>())
        .build();
}
