// Parameters written by hand: `Params` is sealed, so no code puts processing text of its own
// into `x-oss-process`.
use immperm::op;
use immperm::sdk::Params;

struct Anything;

impl Params for Anything {
    type Op = op::ImageFaces;

    fn encode(self, segments: &mut Vec<String>, _: &mut Vec<String>) {
        segments.push("|video/convert,f_mp4".to_owned());
    }
}

fn main() {}
