immperm::policies_for_tests!();

use immperm::requires_imm;

#[requires_imm(op = "video/snapshots", async, notify = "jobs.done")]
fn thumbnails() {}

fn main() {
    thumbnails();
}
