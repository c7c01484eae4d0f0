// `include_policies!()` in a package without a build script: one error, saying what to add.
immperm::include_policies!();

use immperm::requires_imm;

#[requires_imm(op = "video/info")]
fn probe_video() {}

#[requires_imm(op = "audio/info")]
fn probe_audio() {}

fn main() {
    probe_video();
    probe_audio();
}
