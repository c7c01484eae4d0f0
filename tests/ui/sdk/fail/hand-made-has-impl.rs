// A capability written by hand, without `#[requires_imm]`: `Has` is sealed, so no request can
// be built that no declaration covers.
immperm::policies_for_tests!();

use immperm::sdk::{BuildError, Endpoint, Object, Process, ProcessRequest, params};
use immperm::{mode, op};

struct Forged;
impl immperm::Has<op::ImageFaces, mode::Sync> for Forged {}

fn faces(endpoint: &Endpoint) -> Result<ProcessRequest, BuildError> {
    Process::new(Object::new("photos", "a.jpg")?, params::ImageFaces).build_sync(endpoint, &Forged)
}

fn main() {}
