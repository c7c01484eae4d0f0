//! Requests that invoke IMM through OSS, buildable only where they are declared.
//!
//! The builders are sans-IO: they produce a [`ProcessRequest`] for the OSS endpoint and parse
//! the response bodies; sending (any HTTP client) stays outside. Building a request takes the
//! capability that `#[requires_imm]` injects into the declaring function as `IMM`: a request
//! for an operation the function did not declare, or in a mode it did not declare, does not
//! compile, and one that reads from a bucket, saves to a target or notifies a topic the
//! declarations do not name is a [`BuildError`] naming the declaration. The policy derived
//! from the declarations therefore covers every request the code can build.
//!
//! A built request cannot change: the built-in signer (feature `sign`,
//! `sign::OssSigner::sign`, or `presign` for a URL) turns it into the `http::Request` to
//! send. [`ProcessRequest::into_unsigned_http`] hands it out unsigned for a signer of your
//! own, and leaves the proof: what is done with it afterwards is unchecked.
//!
//! | call | request |
//! |---|---|
//! | [`Process::build_sync`] without `save_as` | `GET /<key>?x-oss-process=<op>,<params>` |
//! | [`Process::build_sync`] with `save_as` | `POST /<key>?x-oss-process=`, body `x-oss-process=<op>,<params>\|sys/saveas,o_<key>,b_<bucket>` |
//! | [`Process::build_async`] | `POST /<key>?x-oss-async-process=`, body `x-oss-async-process=<op>,<params>\|sys/saveas,b_<bucket>,o_<key>/notify,topic_<topic>` |
//!
//! Bucket, key and topic inside the body are URL-safe Base64 without padding; `POST` bodies
//! carry `Content-MD5`, as Alibaba Cloud's own SDKs send them (checked against the official
//! Python SDK by the project's agreement test).
//!
//! # From annotation to request
//!
//! ```
//! # immperm::policies_for_tests!(); // in a crate: `immperm::include_policies!();`
//! use immperm::requires_imm;
//! use immperm::sdk::http::Method;
//! use immperm::sdk::{BuildError, Endpoint, Object, Process, ProcessRequest, Topic, params};
//!
//! /// Five thumbnails of `video`, saved under `thumbs/`, announced on `media-jobs`.
//! #[requires_imm(op = "video/snapshots", async, saveas = "media/thumbs/", notify = "media-jobs")]
//! fn thumbnails(endpoint: &Endpoint, video: &str) -> Result<ProcessRequest, BuildError> {
//!     let stem = video.rsplit_once('.').map_or(video, |(stem, _)| stem);
//!     Process::new(
//!         Object::new("media", video)?,
//!         params::VideoSnapshots::new()
//!             .start_ms(1_000)
//!             .count(5)
//!             .interval_ms(2_000)
//!             .format(params::ImageFormat::Jpg),
//!     )
//!     .save_as(Object::new("media", format!("thumbs/{stem}"))?)
//!     .notify(Topic::new("media-jobs")?)
//!     .build_async(endpoint, &IMM) // `IMM`: the capability the attribute declared
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let request = thumbnails(&Endpoint::region("cn-hangzhou")?, "videos/cat.mp4")?;
//! assert_eq!(request.method(), Method::POST);
//! assert_eq!(
//!     request.uri().to_string(),
//!     "https://media.oss-cn-hangzhou.aliyuncs.com/videos/cat.mp4?x-oss-async-process="
//! );
//! assert_eq!(
//!     std::str::from_utf8(request.body())?,
//!     "x-oss-async-process=video/snapshots,ss_1000,f_jpg,num_5,inter_2000\
//!      |sys/saveas,b_bWVkaWE,o_dGh1bWJzL3ZpZGVvcy9jYXQ/notify,topic_bWVkaWEtam9icw"
//! );
//! # Ok(())
//! # }
//! ```
//!
//! Then sign it with the `sign` feature (`sign::OssSigner`: reqsign's Aliyun OSS signer,
//! signature V4; its module shows a whole function from annotation to signed request, and
//! `presign` gives the URL a browser opens for `doc/preview`); send it with any HTTP client (the workspace's
//! `examples/sdk-send` uses ureq), and read the answer with [`AsyncTask::from_response`],
//! [`SavedObject::from_response`] or [`media_info`]. An [`OssError`] names the permission RAM
//! found missing ([`OssError::missing_action`]).

mod endpoint;
pub mod params;
mod request;
mod response;
#[cfg(feature = "sign")]
pub mod sign;

pub use endpoint::{Endpoint, Object, Target, Topic};
/// The `http` crate the requests are made of.
pub use http;
pub use params::Params;
pub use request::{BuildError, Process, ProcessRequest};
pub use response::{
    AccessDeniedDetail, AsyncTask, OssError, ResponseError, SavedObject, media_info,
};
