// The requests of a media service, each built where it is declared.
#![deny(warnings)]

immperm::policies_for_tests!();

use immperm::requires_imm;
use immperm::sdk::{BuildError, ProcessRequest, Endpoint, Object, Process, Topic, params};

#[requires_imm(op = "video/snapshots", async, saveas = "media/thumbs/", notify = "media-jobs")]
fn thumbnails(endpoint: &Endpoint, video: &str) -> Result<ProcessRequest, BuildError> {
    Process::new(
        Object::new("media", video)?,
        params::VideoSnapshots::new().start_ms(0).count(3).interval_ms(1_000),
    )
    .save_as(Object::new("media", format!("thumbs/{video}"))?)
    .notify(Topic::new("media-jobs")?)
    .build_async(endpoint, &IMM)
}

#[requires_imm(op = "video/info")]
fn probe(endpoint: &Endpoint, video: &str) -> Result<ProcessRequest, BuildError> {
    Process::new(Object::new("media", video)?, params::VideoInfo).build_sync(endpoint, &IMM)
}

#[requires_imm(op = "doc/preview")]
fn preview(endpoint: &Endpoint, doc: &str) -> Result<ProcessRequest, BuildError> {
    Process::new(Object::new("media", doc)?, params::DocPreview::new().export(false))
        .build_sync(endpoint, &IMM)
}

#[requires_imm(op = "doc/convert", async, saveas = "media/pages/")]
fn pages(endpoint: &Endpoint, doc: &str) -> Result<ProcessRequest, BuildError> {
    Process::new(Object::new("media", doc)?, params::DocConvert::to(params::DocTarget::Png))
        .save_as(Object::new("media", "pages/{index}.png")?)
        .build_async(endpoint, &IMM)
}

// Two declarations on one function: one capability with both.
#[requires_imm(op = "video/info")]
#[requires_imm(op = "video/convert", async, saveas = "media/mp4/")]
fn probe_then_transcode(
    endpoint: &Endpoint,
    video: &str,
) -> Result<[ProcessRequest; 2], BuildError> {
    let probe = Process::new(Object::new("media", video)?, params::VideoInfo)
        .build_sync(endpoint, &IMM)?;
    let transcode = Process::new(
        Object::new("media", video)?,
        params::VideoConvert::new().container(params::Container::Mp4),
    )
    .save_as(Object::new("media", "mp4/{barename}.mp4")?)
    .build_async(endpoint, &IMM)?;
    Ok([probe, transcode])
}

fn main() {
    let endpoint = Endpoint::region("cn-hangzhou").unwrap();
    assert_eq!(thumbnails(&endpoint, "a.mp4").unwrap().method(), "POST");
    assert_eq!(probe(&endpoint, "a.mp4").unwrap().method(), "GET");
    assert_eq!(preview(&endpoint, "a.docx").unwrap().method(), "GET");
    assert_eq!(pages(&endpoint, "a.docx").unwrap().method(), "POST");
    assert_eq!(probe_then_transcode(&endpoint, "a.mov").unwrap().len(), 2);
}
