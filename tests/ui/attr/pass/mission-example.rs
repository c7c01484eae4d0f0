//! The mission's example: `async` on `video/snapshots` implies saving into the source bucket.
#![deny(warnings)]

immperm::policies_for_tests!();

use immperm::{Has, mode, op, requires_imm};

fn snapshots(_: &impl Has<op::VideoSnapshots, mode::Async>) {}

#[requires_imm(op = "video/snapshots", async)]
fn thumbnails() {
    snapshots(&IMM);
}

fn main() {
    thumbnails();
}
