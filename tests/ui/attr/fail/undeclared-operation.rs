immperm::policies_for_tests!();

use immperm::{Has, mode, op, requires_imm};

fn convert(_: &impl Has<op::VideoConvert, mode::Async>) {}

// The capability holds only what is declared.
#[requires_imm(op = "video/snapshots", async)]
fn thumbnails() {
    convert(&IMM);
}

fn main() {
    thumbnails();
}
