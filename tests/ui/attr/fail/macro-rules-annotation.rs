// The table is what the build script's scan finds in this file: only `probe_video`, written
// literally. `probe_audio`, whose name a `macro_rules!` makes, is invisible to the scan and
// does not compile, rather than being left out of the policy.
immperm::__policies_seen! {
    probe_video(op = "video/info");
}

use immperm::requires_imm;

// Seen by the scan: compiles.
#[requires_imm(op = "video/info")]
fn probe_video() {}

macro_rules! probe {
    ($name:ident) => {
        #[requires_imm(op = "audio/info")]
        fn $name() {}
    };
}

probe!(probe_audio);

fn main() {
    probe_video();
    probe_audio();
}
