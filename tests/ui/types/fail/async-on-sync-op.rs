// `video/info` only runs through `x-oss-process`.
use immperm_build::{mode, op, requirement};

fn main() {
    let _ = requirement::of::<op::VideoInfo, mode::Async>();
}
