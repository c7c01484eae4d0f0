// `video/snapshots` declared asynchronous, built as `x-oss-process`.
immperm::policies_for_tests!();

use immperm::requires_imm;
use immperm::sdk::{BuildError, ProcessRequest, Endpoint, Object, Process, params};

#[requires_imm(op = "video/snapshots", async, saveas = "media/thumbs/")]
fn thumbnails(endpoint: &Endpoint) -> Result<ProcessRequest, BuildError> {
    Process::new(Object::new("media", "in/a.mov")?, params::VideoSnapshots::new())
        .save_as(Object::new("media", "thumbs/a")?)
        .build_sync(endpoint, &IMM)
}

fn main() {}
