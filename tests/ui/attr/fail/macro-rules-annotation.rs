// The table is what the build script's scan finds in this file: only `probe_video`, written
// literally on line 9. `probe_audio`, made by `macro_rules!`, is invisible to the scan and
// does not compile, rather than being left out of the policy.
immperm::__policies_seen![probe_video__video_info__sync__macro_rules_annotation_rs_9];

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
