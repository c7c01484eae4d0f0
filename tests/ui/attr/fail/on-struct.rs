immperm::policies_for_tests!();

use immperm::requires_imm;

#[requires_imm(op = "video/info")]
struct Probe;

fn main() {
    let _ = Probe;
}
