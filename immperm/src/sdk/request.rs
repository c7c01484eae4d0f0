//! The request builder.

use std::fmt::{self, Write as _};
use std::marker::PhantomData;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use md5::{Digest as _, Md5};

use crate::capability::{self, Declared};
use crate::catalog::{self, Mode, SaveAs};
use crate::op::Operation;

use super::endpoint::{Endpoint, Object, Target, Topic};
use super::params::{Params, check_raw};

/// Why a request could not be built: every problem found, each a lowercase sentence naming the
/// offending input in backticks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildError {
    problems: Vec<String>,
}

impl BuildError {
    pub(crate) fn one(problem: impl Into<String>) -> Self {
        Self {
            problems: vec![problem.into()],
        }
    }

    pub(crate) fn many(problems: Vec<String>) -> Self {
        Self { problems }
    }

    /// The problems, in the order they were found.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.problems.join("; "))
    }
}

impl std::error::Error for BuildError {}

/// A request that invokes operation `O` on an object; see the [module docs](super).
///
/// `build_sync`/`build_async` exist for each operation (generated from the catalog) and take
/// the capability of a function that declared the operation in that mode.
#[derive(Clone, Debug)]
#[must_use = "a request is only built by `build_sync` or `build_async`"]
pub struct Process<O> {
    source: Object,
    segments: Vec<String>,
    problems: Vec<String>,
    save_as: Option<Object>,
    notify: Option<Topic>,
    op: PhantomData<O>,
}

impl<O: Operation> Process<O> {
    /// Invokes the operation of `params` on `source`.
    pub fn new<P: Params<Op = O>>(source: Object, params: P) -> Self {
        let (mut segments, mut problems) = (Vec::new(), Vec::new());
        params.encode(&mut segments, &mut problems);
        Self {
            source,
            segments,
            problems,
            save_as: None,
            notify: None,
            op: PhantomData,
        }
    }

    /// Adds an untyped `<name>_<value>` parameter after the typed ones.
    pub fn param(mut self, name: &str, value: &str) -> Self {
        match check_raw(O::ENTRY.name, name, value) {
            Ok(segment) => self.segments.push(segment),
            Err(problem) => self.problems.push(problem),
        }
        self
    }

    /// Saves the result to `target` with `sys/saveas` (its key may use OSS variables such as
    /// `{index}` or `{autoext}`). Required for asynchronous operations that produce a file;
    /// turns a synchronous request into a `POST`.
    pub fn save_as(mut self, target: Object) -> Self {
        self.save_as = Some(target);
        self
    }

    /// Announces completion to an SMQ topic (asynchronous requests only).
    pub fn notify(mut self, topic: Topic) -> Self {
        self.notify = Some(topic);
        self
    }

    /// The processing string: `<op>,<params>` followed by `|sys/saveas,…` and `/notify,…`.
    fn process(&self, mode: Mode) -> String {
        let mut process = String::from(O::ENTRY.name);
        for segment in &self.segments {
            process.push(',');
            process.push_str(segment);
        }
        if let Some(target) = &self.save_as {
            let bucket = URL_SAFE_NO_PAD.encode(target.bucket());
            let key = URL_SAFE_NO_PAD.encode(target.key());
            // The order of the official samples: `o_` first for `x-oss-process`, `b_` first
            // for `x-oss-async-process`; OSS reads the options by name.
            let _ = match mode {
                Mode::Sync => write!(process, "|sys/saveas,o_{key},b_{bucket}"),
                Mode::Async => write!(process, "|sys/saveas,b_{bucket},o_{key}"),
            };
        }
        if let Some(topic) = &self.notify {
            let topic = URL_SAFE_NO_PAD.encode(topic.name());
            let separator = if self.save_as.is_some() { "/" } else { "|sys/" };
            let _ = write!(process, "{separator}notify,topic_{topic}");
        }
        process
    }

    /// Every rule of the catalog and of the processing grammar the request breaks.
    fn check(&self, mode: Mode) -> Vec<String> {
        let entry = O::ENTRY;
        let mut problems = self.problems.clone();
        problems.extend(
            catalog::check(entry, mode, self.save_as.is_some(), self.notify.is_some())
                .into_iter()
                .map(|violation| violation.message(entry)),
        );
        if mode == Mode::Async {
            match entry.saveas {
                SaveAs::Required | SaveAs::Optional if self.save_as.is_none() => {
                    problems.push(format!(
                        "`{}` (async) saves its result; say where with `save_as`",
                        entry.name
                    ));
                }
                SaveAs::None if self.notify.is_none() => problems.push(format!(
                    "`{}` (async) delivers its result in a notice; name the topic with `notify`",
                    entry.name
                )),
                _ => {}
            }
        }
        problems
    }

    /// Builds the request in `mode` after checking it against the catalog's rules and
    /// against what the function's declarations of the operation allow (`declared`, with the
    /// crate's `buckets` for declarations without `bucket = "..."`). The per-operation
    /// `build_sync`/`build_async` call this with their capability's data.
    pub(crate) fn build(
        self,
        endpoint: &Endpoint,
        mode: Mode,
        declared: &[Declared],
        buckets: &[&'static str],
    ) -> Result<ProcessRequest, BuildError> {
        let problems = self.check(mode);
        if !problems.is_empty() {
            return Err(BuildError::many(problems));
        }
        // A request the catalog allows must also be one the function declared.
        let save = self
            .save_as
            .as_ref()
            .map(|target| (target.bucket(), target.key()));
        let topic = self.notify.as_ref().map(Topic::name);
        capability::check(declared, buckets, self.source.bucket(), save, topic)
            .map_err(BuildError::many)?;
        let parameter = mode.parameter();
        let process = self.process(mode);
        let base = format!(
            "{}://{}.{}/{}",
            endpoint.scheme(),
            self.source.bucket(),
            endpoint.host_name(),
            encode_path(self.source.key())
        );
        let target = Target {
            source: self.source,
            region: endpoint.region_id().map(str::to_owned),
            operation: O::ENTRY,
            mode,
        };
        let builder = http::Request::builder().extension(target.clone());
        let request = if mode == Mode::Sync && self.save_as.is_none() {
            builder
                .method(http::Method::GET)
                .uri(format!("{base}?{parameter}={}", encode_query(&process)))
                .body(Vec::new())
        } else {
            let body = format!("{parameter}={process}").into_bytes();
            let md5 = STANDARD.encode(Md5::digest(&body));
            builder
                .method(http::Method::POST)
                .uri(format!("{base}?{parameter}="))
                .header("Content-MD5", md5)
                .body(body)
        };
        let request = request
            .map_err(|error| BuildError::one(format!("the request is not valid HTTP: {error}")))?;
        Ok(ProcessRequest { request, target })
    }
}

/// A built request, as the proof made it: read it, sign it with the built-in signer
/// (feature `sign`: `OssSigner::sign`/`presign`), which turns it into an `http::Request`,
/// or leave the proof explicitly with [`into_unsigned_http`](Self::into_unsigned_http). Its
/// method, URI and body cannot change in between.
#[derive(Debug)]
#[must_use = "a request is sent only once it is signed"]
pub struct ProcessRequest {
    request: http::Request<Vec<u8>>,
    target: Target,
}

impl ProcessRequest {
    /// `GET` or `POST`.
    pub fn method(&self) -> &http::Method {
        self.request.method()
    }

    /// The URL: the object and the processing parameter.
    pub fn uri(&self) -> &http::Uri {
        self.request.uri()
    }

    /// The headers (`Content-MD5` on a `POST`).
    pub fn headers(&self) -> &http::HeaderMap {
        self.request.headers()
    }

    /// The body: the processing string of a `POST`, empty for a `GET`.
    pub fn body(&self) -> &[u8] {
        self.request.body()
    }

    /// What the request is about: the source object, the region, the operation and mode.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The unsigned request, for a signer of your own. This leaves the proof: nothing checks
    /// what is done with the request afterwards, so a change to its URI or body may make a
    /// request the policy does not cover. The built-in signer (feature `sign`) needs none.
    pub fn into_unsigned_http(self) -> http::Request<Vec<u8>> {
        self.request
    }

    /// The request, for the built-in signer.
    #[cfg(feature = "sign")]
    pub(crate) fn http(&self) -> &http::Request<Vec<u8>> {
        &self.request
    }
}

/// Percent-encodes an object key for the path: every byte except the RFC 3986 unreserved
/// characters and `/` (what the official SDKs send).
fn encode_path(key: &str) -> String {
    encode(key, |b| b == b'/')
}

/// Percent-encodes a query value: every byte except the RFC 3986 unreserved characters.
fn encode_query(value: &str) -> String {
    encode(value, |_| false)
}

fn encode(text: &str, also_keep: impl Fn(u8) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric()
            || matches!(byte, b'-' | b'.' | b'_' | b'~')
            || also_keep(byte)
        {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op;
    use crate::sdk::params;

    use crate::capability::testing::{capability, declared};

    capability!(Declared {
        VideoSnapshots Async => [declared(None, true, None)],
        VideoInfo Sync => [declared(None, false, None)],
        DocSnapshot Sync => [declared(None, true, None)],
        ImageFaces Sync => [declared(None, false, None)],
        PointcloudCompress Async => [declared(None, true, None)],
        ImageDeblindWatermark Async => [declared(None, false, Some("marks"))],
    });
    const IMM: Declared = Declared;

    fn endpoint() -> Endpoint {
        Endpoint::region("cn-hangzhou").unwrap()
    }

    #[test]
    fn sync_get_encodes_key_and_process() {
        let request = Process::new(
            Object::new("media", "a dir/ü+1.mp4").unwrap(),
            params::VideoInfo,
        )
        .build_sync(&endpoint(), &IMM)
        .unwrap();
        assert_eq!(request.method(), http::Method::GET);
        assert_eq!(
            request.uri().to_string(),
            "https://media.oss-cn-hangzhou.aliyuncs.com/a%20dir/%C3%BC%2B1.mp4?x-oss-process=video%2Finfo"
        );
        assert!(request.body().is_empty());
        assert!(request.headers().get("Content-MD5").is_none());
        let target = request.target();
        assert_eq!(target.region.as_deref(), Some("cn-hangzhou"));
        assert_eq!(target.operation.name, "video/info");
    }

    #[test]
    fn sync_saveas_posts_with_md5() {
        let request = Process::new(
            Object::new("docs", "in/report.docx").unwrap(),
            params::Raw::<op::DocSnapshot>::new().param("page", "1"),
        )
        .save_as(Object::new("docs", "thumbs/report.jpg").unwrap())
        .build_sync(&endpoint(), &IMM)
        .unwrap();
        assert_eq!(request.method(), http::Method::POST);
        assert_eq!(request.uri().query(), Some("x-oss-process="));
        assert_eq!(
            std::str::from_utf8(request.body()).unwrap(),
            "x-oss-process=doc/snapshot,page_1|sys/saveas,o_dGh1bWJzL3JlcG9ydC5qcGc,b_ZG9jcw"
        );
        let md5 = request.headers().get("Content-MD5").unwrap();
        assert_eq!(md5, &STANDARD.encode(Md5::digest(request.body())));
    }

    #[test]
    fn base64_is_url_safe_without_padding() {
        // `>>>?` is `Pj4+Pw==` in standard Base64.
        let request = Process::new(
            Object::new("media", "v.mp4").unwrap(),
            params::VideoSnapshots::new(),
        )
        .save_as(Object::new("media", ">>>?").unwrap())
        .build_async(&endpoint(), &IMM)
        .unwrap();
        let body = String::from_utf8(request.body().to_vec()).unwrap();
        assert!(body.ends_with("|sys/saveas,b_bWVkaWE,o_Pj4-Pw"), "{body}");
    }

    #[test]
    fn rules_of_the_catalog_are_enforced_at_build() {
        let error = Process::new(
            Object::new("media", "v.mp4").unwrap(),
            params::VideoSnapshots::new().count(0),
        )
        .build_async(&endpoint(), &IMM)
        .unwrap_err();
        assert_eq!(
            error.problems(),
            [
                "`video/snapshots` parameter `num` is 0; it must be at least 1",
                "`video/snapshots` (async) saves its result; say where with `save_as`",
            ]
        );
        let error = Process::new(Object::new("media", "f.jpg").unwrap(), params::ImageFaces)
            .save_as(Object::new("media", "x.json").unwrap())
            .notify(Topic::new("jobs").unwrap())
            .build_sync(&endpoint(), &IMM)
            .unwrap_err();
        assert_eq!(error.problems().len(), 2, "{error}");
        assert!(
            error
                .to_string()
                .contains("`image/faces` produces nothing to save"),
            "{error}"
        );
        assert!(
            error
                .to_string()
                .contains("`notify` only applies to `x-oss-async-process`"),
            "{error}"
        );
    }

    #[test]
    fn notify_without_saveas_uses_sys_notify() {
        let request = Process::new(
            Object::new("media", "marked.png").unwrap(),
            params::Raw::<op::ImageDeblindWatermark>::new().param("t", "text"),
        )
        .notify(Topic::new("marks").unwrap())
        .build_async(&endpoint(), &IMM)
        .unwrap();
        assert_eq!(
            std::str::from_utf8(request.body()).unwrap(),
            "x-oss-async-process=image/deblindwatermark,t_text|sys/notify,topic_bWFya3M"
        );
        let error = Process::new(
            Object::new("media", "marked.png").unwrap(),
            params::Raw::<op::ImageDeblindWatermark>::new(),
        )
        .build_async(&endpoint(), &IMM)
        .unwrap_err();
        assert!(
            error.to_string().contains("name the topic with `notify`"),
            "{error}"
        );
    }

    #[test]
    fn both_mode_operation_needs_the_mode_it_uses() {
        let request = Process::new(
            Object::new("scans", "cloud.ply").unwrap(),
            params::Raw::<op::PointcloudCompress>::new(),
        )
        .save_as(Object::new("scans", "cloud.ply.zip").unwrap())
        .build_async(&endpoint(), &IMM)
        .unwrap();
        assert_eq!(request.uri().query(), Some("x-oss-async-process="));
    }

    #[test]
    fn capability_costs_nothing() {
        assert_eq!(std::mem::size_of::<Declared>(), 0);
        assert_eq!(std::mem::size_of_val(&IMM), 0);
    }
}
