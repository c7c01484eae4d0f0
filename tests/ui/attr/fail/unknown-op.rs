immperm::policies_for_tests!();

use immperm::requires_imm;

#[requires_imm(op = "video/snapshot", async)]
fn thumbnails() {}

fn main() {
    thumbnails();
}
