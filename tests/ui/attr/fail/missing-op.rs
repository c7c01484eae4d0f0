immperm::policies_for_tests!();

use immperm::requires_imm;

#[requires_imm(async, saveas)]
fn thumbnails() {}

fn main() {
    thumbnails();
}
