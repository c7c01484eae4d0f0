// `video/info` declared (it only runs synchronously), built as `x-oss-async-process`.
immperm::policies_for_tests!();

use immperm::requires_imm;
use immperm::sdk::{BuildError, ProcessRequest, Endpoint, Object, Process, params};

#[requires_imm(op = "video/info")]
fn probe(endpoint: &Endpoint) -> Result<ProcessRequest, BuildError> {
    Process::new(Object::new("media", "in/a.mov")?, params::VideoInfo).build_async(endpoint, &IMM)
}

fn main() {}
