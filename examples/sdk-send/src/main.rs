//! Probes a video with `video/info`, then asks IMM for thumbnails with `video/snapshots`:
//! each request is built by a function that declares it, signed with reqsign's OSS signer and
//! sent with ureq.
//!
//! ```text
//! ALIBABA_CLOUD_ACCESS_KEY_ID=… ALIBABA_CLOUD_ACCESS_KEY_SECRET=… \
//!     cargo run -p immperm-example-sdk-send -- cn-hangzhou videos/cat.mp4
//! ```

immperm::include_policies!();

use std::error::Error;

use immperm::requires_imm;
use immperm::sdk::http::Response;
use immperm::sdk::sign::{OssSigner, StaticCredentialProvider};
use immperm::sdk::{
    AsyncTask, BuildError, Endpoint, Object, Process, ProcessRequest, Topic, media_info, params,
};

/// The bucket the video is in and the thumbnails go to.
const BUCKET: &str = "media";

/// `GET /<video>?x-oss-process=video/info`.
#[requires_imm(op = "video/info")]
fn probe(endpoint: &Endpoint, video: &str) -> Result<ProcessRequest, BuildError> {
    Process::new(Object::new(BUCKET, video)?, params::VideoInfo).build_sync(endpoint, &IMM)
}

/// `POST /<video>?x-oss-async-process`: five frames, two seconds apart, saved under `thumbs/`,
/// announced on the `media-jobs` topic.
#[requires_imm(
    op = "video/snapshots",
    async,
    saveas = "media/thumbs/",
    notify = "media-jobs"
)]
fn thumbnails(endpoint: &Endpoint, video: &str) -> Result<ProcessRequest, BuildError> {
    let stem = video.rsplit_once('.').map_or(video, |(stem, _)| stem);
    Process::new(
        Object::new(BUCKET, video)?,
        params::VideoSnapshots::new()
            .start_ms(1_000)
            .count(5)
            .interval_ms(2_000)
            .format(params::ImageFormat::Jpg),
    )
    .save_as(Object::new(BUCKET, format!("thumbs/{stem}"))?)
    .notify(Topic::new("media-jobs")?)
    .build_async(endpoint, &IMM)
}

/// Signs `request` and sends it; returns the response with its body read.
fn send(
    agent: &ureq::Agent,
    signer: &OssSigner,
    request: ProcessRequest,
) -> Result<Response<Vec<u8>>, Box<dyn Error>> {
    let request = pollster::block_on(signer.sign(request))?;
    let response = agent.run(request)?;
    let (parts, mut body) = response.into_parts();
    Ok(Response::from_parts(parts, body.read_to_vec()?))
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(region), Some(video)) = (args.next(), args.next()) else {
        return Err("usage: sdk-send <region> <video key>".into());
    };
    let variable = |name: &str| {
        std::env::var(name).map_err(|_| format!("set `{name}` to the caller's AccessKey"))
    };
    let mut credentials = StaticCredentialProvider::new(
        &variable("ALIBABA_CLOUD_ACCESS_KEY_ID")?,
        &variable("ALIBABA_CLOUD_ACCESS_KEY_SECRET")?,
    );
    if let Ok(token) = std::env::var("ALIBABA_CLOUD_SECURITY_TOKEN") {
        credentials = credentials.with_security_token(&token);
    }
    let signer = OssSigner::new(credentials);
    let endpoint = Endpoint::region(&region)?;
    // OSS errors are answers to read, not transport failures.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();

    let info = media_info(&send(&agent, &signer, probe(&endpoint, &video)?)?)?;
    let format = info.get("format").unwrap_or(&info);
    println!("{format}");

    let task = AsyncTask::from_response(&send(&agent, &signer, thumbnails(&endpoint, &video)?)?)?;
    println!(
        "thumbnails: IMM task {} (event {})",
        task.task_id, task.event_id
    );
    Ok(())
}
