// A caller policy cannot be built before `ram:PassRole` is granted.
use immperm::generate::CallerPolicy;
use immperm::{Requirement, mode, op};

fn main() {
    let _ = CallerPolicy::builder()
        .require(Requirement::of::<op::VideoSnapshots, mode::Async>())
        .build();
}
