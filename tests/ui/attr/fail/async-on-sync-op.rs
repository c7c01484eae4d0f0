immperm::policies_for_tests!();

use immperm::requires_imm;

#[requires_imm(op = "video/info", async)]
fn probe() {}

fn main() {
    probe();
}
