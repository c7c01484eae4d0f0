immperm::policies_for_tests!();

use immperm::requires_imm;

#[requires_imm(op = "doc/snapshot", sveas = "media-out/pages/")]
fn pages() {}

fn main() {
    pages();
}
