// Passing something that is not a declared capability.
immperm::policies_for_tests!();

use immperm::sdk::http::Request;
use immperm::sdk::{BuildError, Endpoint, Object, Process, params};

fn transcode(endpoint: &Endpoint) -> Result<Request<Vec<u8>>, BuildError> {
    Process::new(Object::new("media", "in/a.mov")?, params::VideoConvert::new())
        .save_as(Object::new("media", "out/a.mp4")?)
        .build_async(endpoint, &())
}

fn main() {}
