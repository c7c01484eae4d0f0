//! Reading a video's metadata before processing it.

use immperm::requires_imm;
use immperm::sdk::{BuildError, Endpoint, Object, Process, ProcessRequest, params};

/// The request for `video`'s duration, streams and format (`video/info`, synchronous).
#[requires_imm(op = "video/info")]
pub(crate) fn probe_video(endpoint: &Endpoint, video: &str) -> Result<ProcessRequest, BuildError> {
    Process::new(Object::new("media-in", video)?, params::VideoInfo).build_sync(endpoint, &IMM)
}
