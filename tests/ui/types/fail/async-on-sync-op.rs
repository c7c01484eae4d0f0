// `video/info` only runs through `x-oss-process`.
use immperm_build::{Requirement, mode, op};

fn main() {
    let _ = Requirement::of::<op::VideoInfo, mode::Async>();
}
