// `video/convert` built from a function that declared only `video/snapshots`.
immperm::policies_for_tests!();

use immperm::requires_imm;
use immperm::sdk::{BuildError, ProcessRequest, Endpoint, Object, Process, params};

#[requires_imm(op = "video/snapshots", async, saveas = "media/thumbs/")]
fn thumbnails(endpoint: &Endpoint) -> Result<ProcessRequest, BuildError> {
    Process::new(Object::new("media", "in/a.mov")?, params::VideoConvert::new())
        .save_as(Object::new("media", "thumbs/a.mp4")?)
        .build_async(endpoint, &IMM)
}

fn main() {}
