immperm::policies_for_tests!();

use immperm::requires_imm;

#[requires_imm(op = "video/snapshots", async, saveas = "media-out//thumbs/")]
fn thumbnails() {}

fn main() {
    thumbnails();
}
