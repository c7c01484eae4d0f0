// `video/snapshots` only runs through `x-oss-async-process`.
use immperm::{Requirement, mode, op};

fn main() {
    let _ = Requirement::of::<op::VideoSnapshots, mode::Sync>();
}
