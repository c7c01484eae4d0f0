// `video/snapshots` only runs through `x-oss-async-process`.
use immperm_build::{Requirement, mode, op};

fn main() {
    let _ = immperm_build::requirement::of::<op::VideoSnapshots, mode::Sync>();
}
