immperm::policies_for_tests!();

use immperm::requires_imm;

#[requires_imm(op = "video/info")]
#[requires_imm = "video/snapshots"]
fn probe() {}

fn main() {
    probe();
}
