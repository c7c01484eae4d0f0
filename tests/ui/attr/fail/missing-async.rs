immperm::policies_for_tests!();

use immperm::requires_imm;

#[requires_imm(op = "video/convert", saveas = "media-out/mp4/")]
fn transcode() {}

fn main() {
    transcode();
}
