// `video/info` only runs through `x-oss-process`.
use immperm::{Requirement, mode, op};

fn main() {
    let _ = Requirement::of::<op::VideoInfo, mode::Async>();
}
