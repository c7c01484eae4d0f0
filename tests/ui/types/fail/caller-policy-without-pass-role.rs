// A caller policy cannot be built before `ram:PassRole` is granted.
use immperm_build::generate::CallerPolicy;
use immperm_build::{Requirement, mode, op};

fn main() {
    let _ = CallerPolicy::builder()
        .require(immperm_build::requirement::of::<op::VideoSnapshots, mode::Async>())
        .build();
}
