// Passing something that is not a declared capability.
immperm::policies_for_tests!();

use immperm::sdk::{BuildError, ProcessRequest, Endpoint, Object, Process, params};

fn transcode(endpoint: &Endpoint) -> Result<ProcessRequest, BuildError> {
    Process::new(Object::new("media", "in/a.mov")?, params::VideoConvert::new())
        .save_as(Object::new("media", "out/a.mp4")?)
        .build_async(endpoint, &())
}

fn main() {}
