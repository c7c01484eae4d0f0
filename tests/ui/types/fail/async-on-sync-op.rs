// `video/info` only runs through `x-oss-process`.
use immperm_build::{Requirement, mode, op};

fn main() {
    let _ = immperm_build::requirement::of::<op::VideoInfo, mode::Async>();
}
