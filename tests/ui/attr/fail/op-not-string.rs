immperm::policies_for_tests!();

use immperm::requires_imm;

const SNAPSHOTS: &str = "video/snapshots";

#[requires_imm(op = SNAPSHOTS, async)]
fn thumbnails() {}

fn main() {
    thumbnails();
    let _ = SNAPSHOTS;
}
