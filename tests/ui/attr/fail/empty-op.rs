immperm::policies_for_tests!();

use immperm::requires_imm;

#[requires_imm(op = "")]
fn nothing() {}

fn main() {
    nothing();
}
