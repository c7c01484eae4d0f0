// The build script's scan recognises `requires_imm` and `immperm::requires_imm`; an alias is
// invisible to it, so the table has no entry and the annotation does not compile.
immperm::__policies_seen! {}

use immperm::requires_imm as needs;

#[needs(op = "video/info")]
fn probe_video() {}

fn main() {
    probe_video();
}
