immperm::policies_for_tests!();

use immperm::requires_imm;

// Every independent error of every attribute is reported in one compile.
#[requires_imm(
    op = "video/info",
    async,
    saveas,
    notify = "-jobs",
    bucket = "B",
    colour
)]
#[requires_imm(op = "vidoe/snapshots")]
#[requires_imm(op = "doc/convert")]
fn everything() {}

fn main() {
    everything();
}
