immperm::policies_for_tests!();

use immperm::requires_imm;

fn main() {
    #[requires_imm(op = "video/info")]
    let probe = || 1;
    let _ = probe();
}
