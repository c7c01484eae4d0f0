immperm::policies_for_tests!();

use immperm::{Has, mode, op, requires_imm};

fn snapshots(_: &impl Has<op::VideoSnapshots, mode::Async>) -> u8 {
    1
}

// After its error, the function is still emitted with a capability its body can use: the
// unknown operation is the only error, not `IMM` nor the calls to `thumbnails`.
#[requires_imm(op = "video/snapshot", async)]
fn thumbnails() -> u8 {
    snapshots(&IMM)
}

fn main() {
    let _: u8 = thumbnails();
}
