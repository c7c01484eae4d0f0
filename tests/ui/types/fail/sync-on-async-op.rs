// `video/snapshots` only runs through `x-oss-async-process`.
use immperm_build::{mode, op, requirement};

fn main() {
    let _ = requirement::of::<op::VideoSnapshots, mode::Sync>();
}
