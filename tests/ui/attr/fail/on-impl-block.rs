immperm::policies_for_tests!();

use immperm::requires_imm;

struct Library;

#[requires_imm(op = "video/info")]
impl Library {
    fn probe(&self) {}
}

fn main() {
    Library.probe();
}
