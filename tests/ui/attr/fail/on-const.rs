immperm::policies_for_tests!();

use immperm::requires_imm;

#[requires_imm(op = "video/info")]
const PROBE: &str = "video/info";

fn main() {
    let _ = PROBE;
}
