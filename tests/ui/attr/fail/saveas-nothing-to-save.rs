immperm::policies_for_tests!();

use immperm::requires_imm;

#[requires_imm(op = "video/info", saveas = "media-out/info/")]
fn probe() {}

fn main() {
    probe();
}
