// A crate that uses the attribute without the build-script export (no `build.rs` calling
// `immperm_build::export()`, no `immperm::include_policies!()`) has no policy to check
// against, and does not compile.
use immperm::requires_imm;

#[requires_imm(op = "video/info")]
fn probe_video() {}

fn main() {
    probe_video();
}
