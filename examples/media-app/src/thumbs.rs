//! Thumbnails of uploaded videos.

use immperm::requires_imm;
use immperm::sdk::{BuildError, Endpoint, Object, Process, ProcessRequest, Topic, params};

/// The request for five thumbnails of `video`, two seconds apart, saved under `thumbs/` of
/// the output bucket and announced on the `media-jobs` topic.
#[requires_imm(
    op = "video/snapshots",
    async,
    saveas = "media-out/thumbs/",
    notify = "media-jobs"
)]
pub(crate) fn make_thumbnails(
    endpoint: &Endpoint,
    video: &str,
) -> Result<ProcessRequest, BuildError> {
    let stem = video.rsplit_once('.').map_or(video, |(stem, _)| stem);
    Process::new(
        Object::new("media-in", video)?,
        params::VideoSnapshots::new()
            .start_ms(1_000)
            .count(5)
            .interval_ms(2_000)
            .format(params::ImageFormat::Jpg),
    )
    .save_as(Object::new(
        "media-out",
        format!("thumbs/{stem}-{{index}}.jpg"),
    )?)
    .notify(Topic::new("media-jobs")?)
    .build_async(endpoint, &IMM)
}
