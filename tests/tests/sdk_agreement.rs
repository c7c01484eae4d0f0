//! Agreement with Alibaba Cloud's own client: the official Python SDK (`alibabacloud-oss-v2`,
//! pinned in `scripts/sdk-agreement/requirements.txt`) sends the same operations through a
//! recording proxy on 127.0.0.1, and every request `immperm::sdk` builds must match what it
//! sent: method, URL (host, path, query), body and `Content-MD5`. The canned responses are read
//! by both, and must read the same; a request signed with reqsign must carry the signature the
//! official signer computes. Signatures and dates of the recorded requests are not compared.
//!
//! The Python environment is made on first use (`immperm_tests::python_sdk`); the test fails,
//! never skips, when it cannot be.
#![expect(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test: a failed step is a failed test"
)]

immperm::policies_for_tests!();

use std::path::Path;

use immperm::requires_imm;
use immperm::sdk::ProcessRequest;
use immperm::sdk::http::Response;
use immperm::sdk::{
    AsyncTask, BuildError, Endpoint, Object, OssError, Process, ResponseError, SavedObject, Topic,
    params,
};
use serde_json::{Value, json};

const REGION: &str = "cn-hangzhou";

fn endpoint() -> Endpoint {
    // Plain HTTP so that the URL matches what the proxy records byte for byte.
    Endpoint::region(REGION).unwrap().insecure_http()
}

#[requires_imm(op = "video/info")]
fn info(endpoint: &Endpoint, key: &str) -> Result<ProcessRequest, BuildError> {
    Process::new(Object::new("media", key)?, params::VideoInfo).build_sync(endpoint, &IMM)
}

#[requires_imm(op = "doc/preview")]
fn preview(key: &str) -> Result<ProcessRequest, BuildError> {
    Process::new(
        Object::new("docs", key)?,
        params::DocPreview::new().print(false).export(true),
    )
    .build_sync(&endpoint(), &IMM)
}

#[requires_imm(op = "image/faces")]
fn faces(key: &str) -> Result<ProcessRequest, BuildError> {
    Process::new(Object::new("photos", key)?, params::ImageFaces).build_sync(&endpoint(), &IMM)
}

#[requires_imm(op = "doc/snapshot", saveas = "docs/thumbs/")]
fn first_page(key: &str) -> Result<ProcessRequest, BuildError> {
    Process::new(
        Object::new("docs", key)?,
        params::Raw::<immperm::op::DocSnapshot>::new().param("page", "1"),
    )
    .save_as(Object::new("docs", "thumbs/report.jpg")?)
    .build_sync(&endpoint(), &IMM)
}

#[requires_imm(
    op = "video/snapshots",
    async,
    saveas = "media/thumbs/",
    notify = "media-jobs"
)]
fn thumbnails(endpoint: &Endpoint, key: &str) -> Result<ProcessRequest, BuildError> {
    Process::new(
        Object::new("media", key)?,
        params::VideoSnapshots::new()
            .start_ms(1000)
            .format(params::ImageFormat::Jpg)
            .count(5)
            .interval_ms(2000)
            .size(320, 180)
            .scale(params::ScaleType::Fit),
    )
    .save_as(Object::new("media", "thumbs/猫/{index}")?)
    .notify(Topic::new("media-jobs")?)
    .build_async(endpoint, &IMM)
}

#[requires_imm(
    op = "video/convert",
    async,
    bucket = "media",
    saveas = "media-out/",
    notify = "media-jobs"
)]
fn transcode(key: &str) -> Result<ProcessRequest, BuildError> {
    Process::new(
        Object::new("media", key)?,
        params::VideoConvert::new()
            .container(params::Container::Mp4)
            .codec(params::VideoCodec::H264)
            .fps(30.0)
            .resolution(1280, 720),
    )
    // `>>>?` is `Pj4+Pw==` in standard Base64: the key checks the URL-safe alphabet.
    .save_as(Object::new("media-out", ">>>?/{barename}.{autoext}")?)
    .notify(Topic::new("media-jobs")?)
    .build_async(&endpoint(), &IMM)
}

#[requires_imm(
    op = "doc/convert",
    async,
    saveas = "test-bucket/doc_images/",
    notify = "test-topic"
)]
fn doc_images(key: &str) -> Result<ProcessRequest, BuildError> {
    Process::new(
        Object::new("test-bucket", key)?,
        params::DocConvert::to(params::DocTarget::Png).source("docx"),
    )
    .save_as(Object::new("test-bucket", "doc_images/{index}.png")?)
    .notify(Topic::new("test-topic")?)
    .build_async(&endpoint(), &IMM)
}

const ASYNC_OK: &str = r#"{"EventId":"181-1kZUlN60OH4fWOcOjZEnGnG","RequestId":"1D99637F-F59E-5B41-9200-C4892F52C5CE","TaskId":"MediaConvert-58a8f19f-697f-4f23-9e6d-5a4b2a2d0b1e"}"#;
const SAVED_OK: &str =
    r#"{"bucket":"docs","fileSize":20731,"object":"thumbs/report.jpg","status":"OK"}"#;
const DENIED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Error>
  <Code>AccessDenied</Code>
  <Message>You have no right to access this object because of bucket acl.</Message>
  <RequestId>65E6A8F4B4B1A63236D0A1B2</RequestId>
  <HostId>media.oss-cn-hangzhou.aliyuncs.com</HostId>
  <EC>0003-00000201</EC>
  <RecommendDoc>https://api.aliyun.com/troubleshoot?q=0003-00000201</RecommendDoc>
  <AccessDeniedDetail>
    <AuthAction>oss:PostProcessTask</AuthAction>
    <AuthPrincipalType>SubUser</AuthPrincipalType>
    <PolicyType>AccountLevelIdentityBasedPolicy</PolicyType>
    <NoPermissionType>ImplicitDeny</NoPermissionType>
  </AccessDeniedDetail>
</Error>"#;

/// One operation: immperm's request, and the same inputs for the official SDK.
struct Case {
    name: &'static str,
    request: ProcessRequest,
    /// What the official SDK is asked to send; the processing string is composed from these.
    inputs: Value,
    status: u16,
    content_type: &'static str,
    body: &'static str,
}

fn cases() -> Vec<Case> {
    let json_ok = |name, request, inputs| Case {
        name,
        request,
        inputs,
        status: 200,
        content_type: "application/json",
        body: r#"{"format":{"duration":"12.5"},"streams":[]}"#,
    };
    vec![
        json_ok(
            "video-info",
            info(&endpoint(), "videos/cat 1.mp4").unwrap(),
            json!({"kind": "get", "bucket": "media", "key": "videos/cat 1.mp4", "op": "video/info", "params": []}),
        ),
        json_ok(
            "doc-preview",
            preview("Q3 report (final)+v2.docx").unwrap(),
            json!({"kind": "get", "bucket": "docs", "key": "Q3 report (final)+v2.docx", "op": "doc/preview",
                   "params": [["print", "0"], ["export", "1"]]}),
        ),
        json_ok(
            "image-faces",
            faces("team/2024 offsite.jpg").unwrap(),
            json!({"kind": "get", "bucket": "photos", "key": "team/2024 offsite.jpg", "op": "image/faces", "params": []}),
        ),
        Case {
            name: "doc-snapshot-saveas",
            request: first_page("reports/q3.docx").unwrap(),
            inputs: json!({"kind": "process", "bucket": "docs", "key": "reports/q3.docx", "op": "doc/snapshot",
                           "params": [["page", "1"]], "save_as": {"bucket": "docs", "key": "thumbs/report.jpg"}}),
            status: 200,
            content_type: "application/json",
            body: SAVED_OK,
        },
        Case {
            name: "video-snapshots-saveas-notify",
            request: thumbnails(&endpoint(), "videos/猫 1.mp4").unwrap(),
            inputs: json!({"kind": "async", "bucket": "media", "key": "videos/猫 1.mp4", "op": "video/snapshots",
                           "params": [["ss", "1000"], ["f", "jpg"], ["num", "5"], ["inter", "2000"], ["w", "320"], ["h", "180"], ["scaletype", "fit"]],
                           "save_as": {"bucket": "media", "key": "thumbs/猫/{index}"}, "notify": "media-jobs"}),
            status: 200,
            content_type: "application/json",
            body: ASYNC_OK,
        },
        Case {
            name: "video-convert-other-bucket",
            request: transcode("in/clip.mov").unwrap(),
            inputs: json!({"kind": "async", "bucket": "media", "key": "in/clip.mov", "op": "video/convert",
                           "params": [["f", "mp4"], ["vcodec", "h264"], ["fps", "30"], ["s", "1280x720"]],
                           "save_as": {"bucket": "media-out", "key": ">>>?/{barename}.{autoext}"}, "notify": "media-jobs"}),
            status: 200,
            content_type: "application/json",
            body: ASYNC_OK,
        },
        Case {
            name: "doc-convert-documented-example",
            request: doc_images("docs/handbook.docx").unwrap(),
            inputs: json!({"kind": "async", "bucket": "test-bucket", "key": "docs/handbook.docx", "op": "doc/convert",
                           "params": [["target", "png"], ["source", "docx"]],
                           "save_as": {"bucket": "test-bucket", "key": "doc_images/{index}.png"}, "notify": "test-topic"}),
            status: 200,
            content_type: "application/json",
            body: ASYNC_OK,
        },
        Case {
            name: "access-denied",
            request: transcode("in/secret.mov").unwrap(),
            inputs: json!({"kind": "async", "bucket": "media", "key": "in/secret.mov", "op": "video/convert",
                           "params": [["f", "mp4"], ["vcodec", "h264"], ["fps", "30"], ["s", "1280x720"]],
                           "save_as": {"bucket": "media-out", "key": ">>>?/{barename}.{autoext}"}, "notify": "media-jobs"}),
            status: 403,
            content_type: "application/xml",
            body: DENIED,
        },
    ]
}

/// Runs the official SDK on `cases` and returns its records.
fn record(cases: &Value) -> Value {
    let output = immperm_tests::python_sdk::run_script(
        Path::new(env!("CARGO_TARGET_TMPDIR")),
        "record.py",
        cases.to_string().as_bytes(),
    )
    .unwrap_or_else(|reason| panic!("the official OSS SDK could not be run: {reason}"));
    serde_json::from_slice(&output).unwrap()
}

fn response(case: &Case) -> Response<Vec<u8>> {
    let mut response = Response::new(case.body.as_bytes().to_vec());
    *response.status_mut() = case.status.try_into().unwrap();
    response
}

/// What immperm reads from the canned response, in the shape the harness reports.
fn outcome(case: &Case) -> Value {
    let response = response(case);
    let kind = case.inputs["kind"].as_str().unwrap();
    let read = match kind {
        "get" => Ok(json!({"body": case.body})),
        "process" => SavedObject::from_response(&response).map(|saved| {
            json!({"bucket": saved.bucket, "file_size": saved.file_size, "key": saved.object, "status": saved.status})
        }),
        _ => AsyncTask::from_response(&response).map(|task| {
            json!({"event_id": task.event_id, "task_id": task.task_id, "request_id": task.request_id})
        }),
    };
    match read {
        Ok(value) => value,
        Err(ResponseError::Oss(error)) => json!({"error": {
            "status": error.status, "code": error.code(), "message": error.message(),
            "request_id": error.request_id(), "ec": error.ec(),
        }}),
        Err(other) => panic!("`{}`: {other}", case.name),
    }
}

fn header(request: &ProcessRequest, name: &str) -> Value {
    request
        .headers()
        .get(name)
        .map_or(Value::Null, |value| json!(value.to_str().unwrap()))
}

#[test]
fn requests_match_the_official_python_sdk() {
    let cases = cases();
    let inputs: Vec<Value> = cases
        .iter()
        .map(|case| {
            let mut input = case.inputs.clone();
            input["name"] = json!(case.name);
            input["region"] = json!(REGION);
            input["response"] = json!({"status": case.status, "content_type": case.content_type, "body": case.body});
            input
        })
        .collect();
    let recorded = record(&Value::Array(inputs));
    assert_eq!(recorded["sdk_version"], "1.4.1");
    let records = recorded["records"].as_array().unwrap();
    assert_eq!(records.len(), cases.len(), "one record per case");
    for (case, record) in cases.iter().zip(records) {
        let sent = &record["request"];
        let name = case.name;
        assert_eq!(record["name"], name);
        assert_eq!(
            sent["method"],
            case.request.method().as_str(),
            "`{name}`: method"
        );
        assert_eq!(sent["url"], case.request.uri().to_string(), "`{name}`: URL");
        assert_eq!(
            sent["body"],
            std::str::from_utf8(case.request.body()).unwrap(),
            "`{name}`: body"
        );
        for header_name in ["content-md5", "content-type"] {
            let official = sent["headers"]
                .get(header_name)
                .cloned()
                .unwrap_or(Value::Null);
            assert_eq!(
                official,
                header(&case.request, header_name),
                "`{name}`: `{header_name}`"
            );
        }
        assert_eq!(
            record["outcome"],
            outcome(case),
            "`{name}`: reading the response"
        );
    }

    // Alibaba Cloud's own example (OSS "message notification"), byte for byte.
    let documented = cases
        .iter()
        .find(|c| c.name == "doc-convert-documented-example")
        .unwrap();
    assert_eq!(
        std::str::from_utf8(documented.request.body()).unwrap(),
        "x-oss-async-process=doc/convert,target_png,source_docx|sys/saveas,b_dGVzdC1idWNrZXQ,\
         o_ZG9jX2ltYWdlcy97aW5kZXh9LnBuZw/notify,topic_dGVzdC10b3BpYw"
    );
    // The denial says which permission was missing.
    let denied = cases.iter().find(|c| c.name == "access-denied").unwrap();
    let error = OssError::from_response(&response(denied)).unwrap();
    assert_eq!(error.missing_action(), Some("oss:PostProcessTask"));
    println!(
        "{} requests agree with alibabacloud-oss-v2 {}",
        cases.len(),
        recorded["sdk_version"]
    );
}

#[test]
fn reqsign_signature_matches_the_official_signer() {
    use immperm::sdk::sign::{OssSigner, StaticCredentialProvider};
    let (id, secret) = ("LTAI5tAgreementTest", "agreement-test-secret");
    let signer = OssSigner::new(StaticCredentialProvider::new(id, secret));
    let https = Endpoint::region(REGION).unwrap();
    let requests = [
        thumbnails(&https, "videos/猫 1.mp4").unwrap(),
        info(&https, "a b+c.mp4").unwrap(),
    ];
    let mut cases = Vec::new();
    let mut signed_requests = Vec::new();
    for (index, request) in requests.into_iter().enumerate() {
        let request = block_on(signer.sign(request)).unwrap();
        let headers: serde_json::Map<String, Value> = request
            .headers()
            .iter()
            .filter(|(name, _)| *name != "authorization")
            .map(|(name, value)| (name.as_str().to_owned(), json!(value.to_str().unwrap())))
            .collect();
        let target = request.extensions().get::<immperm::sdk::Target>().unwrap();
        cases.push(json!({
            "kind": "sign", "name": format!("signed-{index}"), "method": request.method().as_str(),
            "url": request.uri().to_string(), "headers": headers, "region": REGION,
            "bucket": target.source.bucket(), "key": target.source.key(),
            "access_key_id": id, "access_key_secret": secret,
        }));
        signed_requests.push(request);
    }
    let recorded = record(&Value::Array(cases));
    let records = recorded["records"].as_array().unwrap();
    assert_eq!(records.len(), signed_requests.len());
    for (request, record) in signed_requests.iter().zip(records) {
        let ours = request.headers()["authorization"].to_str().unwrap();
        let official = record["authorization"].as_str().unwrap();
        assert_eq!(
            authorization_fields(ours),
            authorization_fields(official),
            "`{}`: reqsign and the official V4 signer disagree:\n{ours}\n{official}",
            record["name"]
        );
        assert!(authorization_fields(ours).contains_key("Signature"));
    }
}

/// `OSS4-HMAC-SHA256 Credential=…,AdditionalHeaders=…,Signature=…` as fields; the official
/// SDK writes an empty `AdditionalHeaders=` and spaces after commas, reqsign omits both.
fn authorization_fields(header: &str) -> std::collections::BTreeMap<&str, &str> {
    let (scheme, fields) = header.split_once(' ').unwrap();
    assert_eq!(scheme, "OSS4-HMAC-SHA256");
    fields
        .split(',')
        .map(|field| field.trim().split_once('=').unwrap())
        .filter(|(name, value)| !(*name == "AdditionalHeaders" && value.is_empty()))
        .collect()
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
        std::thread::yield_now();
    }
}
