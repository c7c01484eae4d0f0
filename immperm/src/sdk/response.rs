//! Reading the responses: the asynchronous task, the saved object, the media information, and
//! the OSS error with its `AccessDeniedDetail`.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use quick_xml::events::Event;
use serde::{Deserialize, Serialize};

/// Why a response could not be read as a result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResponseError {
    /// OSS answered with an error.
    Oss(Box<OssError>),
    /// The body is not what the operation returns.
    Malformed {
        /// The HTTP status.
        status: u16,
        /// What is wrong, lowercase.
        message: String,
    },
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Oss(error) => error.fmt(f),
            Self::Malformed { status, message } => {
                write!(f, "unexpected response (HTTP {status}): {message}")
            }
        }
    }
}

impl std::error::Error for ResponseError {}

/// Reads a successful JSON body, or the OSS error.
fn read_json<T: serde::de::DeserializeOwned, B: AsRef<[u8]>>(
    response: &http::Response<B>,
) -> Result<T, ResponseError> {
    let status = response.status();
    if !status.is_success() {
        return Err(ResponseError::Oss(Box::new(OssError::from_response(
            response,
        )?)));
    }
    serde_json::from_slice(response.body().as_ref()).map_err(|error| ResponseError::Malformed {
        status: status.as_u16(),
        message: format!("the body is not the expected JSON: {error}"),
    })
}

/// The answer to an `x-oss-async-process` request: the IMM task that will do the work.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsyncTask {
    /// The event id, also carried by the completion notice.
    pub event_id: String,
    /// The id of the processing request.
    pub request_id: String,
    /// The IMM task id; its prefix names the task type (`MediaConvert-…`, `OfficeConversion-…`).
    pub task_id: String,
}

impl AsyncTask {
    /// Reads the response to an asynchronous request.
    ///
    /// # Errors
    /// [`ResponseError::Oss`] for an OSS error, [`ResponseError::Malformed`] for another body.
    pub fn from_response<B: AsRef<[u8]>>(
        response: &http::Response<B>,
    ) -> Result<Self, ResponseError> {
        read_json(response)
    }
}

/// The answer to a synchronous request that saved its result with `sys/saveas`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedObject {
    /// The bucket the result was saved to.
    pub bucket: String,
    /// The size of the saved object, in bytes.
    pub file_size: u64,
    /// The key of the saved object.
    pub object: String,
    /// `OK` on success.
    pub status: String,
}

impl SavedObject {
    /// Reads the response to a synchronous request with `save_as`.
    ///
    /// # Errors
    /// [`ResponseError::Oss`] for an OSS error, [`ResponseError::Malformed`] for another body.
    pub fn from_response<B: AsRef<[u8]>>(
        response: &http::Response<B>,
    ) -> Result<Self, ResponseError> {
        read_json(response)
    }
}

/// Reads the JSON of `video/info` or `audio/info` (streams, format, duration…), kept as JSON:
/// its fields depend on the media.
///
/// # Errors
/// [`ResponseError::Oss`] for an OSS error, [`ResponseError::Malformed`] when the body is not
/// a JSON object.
pub fn media_info<B: AsRef<[u8]>>(
    response: &http::Response<B>,
) -> Result<serde_json::Value, ResponseError> {
    let value: serde_json::Value = read_json(response)?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(ResponseError::Malformed {
            status: response.status().as_u16(),
            message: "the media information is not a JSON object".to_owned(),
        })
    }
}

/// Why RAM denied a request, as OSS reports it in `AccessDeniedDetail`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccessDeniedDetail {
    /// Every field, by element name (`AuthAction`, `PolicyType`, `NoPermissionType`, …).
    pub fields: BTreeMap<String, String>,
}

impl AccessDeniedDetail {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    /// The action that was missing, e.g. `oss:PostProcessTask`.
    pub fn auth_action(&self) -> Option<&str> {
        self.field("AuthAction")
    }

    /// `ImplicitDeny` (nothing allows it) or `ExplicitDeny` (a `Deny` statement matched).
    pub fn no_permission_type(&self) -> Option<&str> {
        self.field("NoPermissionType")
    }

    /// The kind of policy that decided, e.g. `AccountLevelIdentityBasedPolicy`.
    pub fn policy_type(&self) -> Option<&str> {
        self.field("PolicyType")
    }

    /// The kind of caller, e.g. `SubUser` or `AssumedRoleUser`.
    pub fn auth_principal_type(&self) -> Option<&str> {
        self.field("AuthPrincipalType")
    }

    /// The diagnostic that `ram:DecodeDiagnosticMessage` turns into the matched policies.
    pub fn encoded_diagnostic_message(&self) -> Option<&str> {
        self.field("EncodedDiagnosticMessage")
    }
}

/// An error answered by OSS (the XML `<Error>` body, or the `x-oss-err` header when the body
/// is empty).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OssError {
    /// The HTTP status.
    pub status: u16,
    /// Every top-level field other than `AccessDeniedDetail`, by element name (`Code`,
    /// `Message`, `RequestId`, `HostId`, `EC`, `RecommendDoc`, …).
    pub fields: BTreeMap<String, String>,
    /// Why RAM denied the request, when it did.
    pub access_denied: Option<AccessDeniedDetail>,
}

impl OssError {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    /// The error code, e.g. `AccessDenied`.
    pub fn code(&self) -> Option<&str> {
        self.field("Code")
    }

    /// The message.
    pub fn message(&self) -> Option<&str> {
        self.field("Message")
    }

    /// The request id, for Alibaba Cloud support.
    pub fn request_id(&self) -> Option<&str> {
        self.field("RequestId")
    }

    /// The detailed error code, e.g. `0003-00000201`.
    pub fn ec(&self) -> Option<&str> {
        self.field("EC")
    }

    /// The action whose absence caused the denial, e.g. `oss:PostProcessTask`.
    pub fn missing_action(&self) -> Option<&str> {
        self.access_denied
            .as_ref()
            .and_then(AccessDeniedDetail::auth_action)
    }

    /// Reads an error response: the XML body, or the Base64 XML of the `x-oss-err` header when
    /// the body is empty (as for `HEAD`).
    ///
    /// # Errors
    /// [`ResponseError::Malformed`] when neither holds an OSS error.
    pub fn from_response<B: AsRef<[u8]>>(
        response: &http::Response<B>,
    ) -> Result<Self, ResponseError> {
        let status = response.status().as_u16();
        let body = response.body().as_ref();
        let from_header;
        let xml =
            if body.is_empty() {
                let header = response.headers().get("x-oss-err").ok_or_else(|| {
                    ResponseError::Malformed {
                        status,
                        message: "the error response has neither a body nor an `x-oss-err` header"
                            .to_owned(),
                    }
                })?;
                from_header = STANDARD.decode(header.as_bytes()).map_err(|error| {
                    ResponseError::Malformed {
                        status,
                        message: format!("the `x-oss-err` header is not Base64: {error}"),
                    }
                })?;
                from_header.as_slice()
            } else {
                body
            };
        let mut error =
            Self::parse(xml).map_err(|message| ResponseError::Malformed { status, message })?;
        error.status = status;
        Ok(error)
    }

    /// Parses an OSS `<Error>` document.
    ///
    /// # Errors
    /// A lowercase message when the text is not an XML `<Error>` document.
    pub fn parse(xml: &[u8]) -> Result<Self, String> {
        let text = std::str::from_utf8(xml)
            .map_err(|error| format!("the error body is not UTF-8: {error}"))?;
        let mut reader = quick_xml::Reader::from_str(text);
        let mut path: Vec<String> = Vec::new();
        let mut error = Self::default();
        let mut text_buffer = String::new();
        let mut saw_root = false;
        loop {
            let event = reader.read_event().map_err(|e| {
                format!(
                    "the error body is not XML: {e} at byte {}",
                    reader.error_position()
                )
            })?;
            match event {
                Event::Start(start) => {
                    let name = start.local_name().as_ref().to_owned();
                    if path.is_empty() {
                        if name != "Error" {
                            return Err(format!(
                                "the error body's root element is `{name}`, not `Error`"
                            ));
                        }
                        saw_root = true;
                    }
                    if path.len() == 1 && name == "AccessDeniedDetail" {
                        error
                            .access_denied
                            .get_or_insert_with(AccessDeniedDetail::default);
                    }
                    path.push(name);
                    text_buffer.clear();
                }
                Event::Empty(_)
                | Event::Comment(_)
                | Event::Decl(_)
                | Event::PI(_)
                | Event::DocType(_) => {}
                Event::Text(content) => text_buffer.push_str(&content.xml10_content()),
                Event::CData(content) => text_buffer.push_str(&content.xml10_content()),
                Event::GeneralRef(reference) => {
                    let resolved = reference.resolve_char_ref().map_err(|e| {
                        format!("the error body has a bad character reference: {e}")
                    })?;
                    if let Some(c) = resolved {
                        text_buffer.push(c);
                    } else {
                        let name = reference.xml10_content();
                        let entity = quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| {
                                format!("the error body uses the unknown entity `&{name};`")
                            })?;
                        text_buffer.push_str(entity);
                    }
                }
                Event::End(_) => {
                    let name = path.pop().unwrap_or_default();
                    let value = std::mem::take(&mut text_buffer).trim().to_owned();
                    match path.as_slice() {
                        [root] if root == "Error" && name != "AccessDeniedDetail" => {
                            error.fields.insert(name, value);
                        }
                        [root, detail] if root == "Error" && detail == "AccessDeniedDetail" => {
                            if let Some(access_denied) = &mut error.access_denied {
                                access_denied.fields.insert(name, value);
                            }
                        }
                        _ => {}
                    }
                }
                Event::Eof => break,
            }
        }
        if !saw_root {
            return Err("the error body has no `Error` element".to_owned());
        }
        Ok(error)
    }
}

impl fmt::Display for OssError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "OSS answered HTTP {} `{}`",
            self.status,
            self.code().unwrap_or("(no code)")
        )?;
        if let Some(message) = self.message() {
            write!(f, ": {message}")?;
        }
        if let Some(detail) = &self.access_denied
            && let Some(action) = detail.auth_action()
        {
            write!(f, "; missing permission `{action}`")?;
            match detail.no_permission_type() {
                Some("ExplicitDeny") => write!(f, " (denied explicitly by a `Deny` statement")?,
                _ => write!(f, " (no policy allows it")?,
            }
            if let Some(policy) = detail.policy_type() {
                write!(f, ", {policy}")?;
            }
            f.write_str(")")?;
        }
        if let Some(ec) = self.ec() {
            write!(f, " [EC {ec}]")?;
        }
        if let Some(id) = self.request_id() {
            write!(f, " [request {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for OssError {}

#[cfg(test)]
mod tests {
    use super::*;

    const DENIED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Error>
  <Code>AccessDenied</Code>
  <Message>You have no right to access this object because of bucket acl &amp; policy.</Message>
  <RequestId>6571B1B5B0A4E3363822F6C1</RequestId>
  <HostId>media.oss-cn-hangzhou.aliyuncs.com</HostId>
  <EC>0003-00000201</EC>
  <RecommendDoc>https://api.aliyun.com/troubleshoot?q=0003-00000201</RecommendDoc>
  <AccessDeniedDetail>
    <AuthAction>oss:PostProcessTask</AuthAction>
    <AuthPrincipalType>SubUser</AuthPrincipalType>
    <PolicyType>AccountLevelIdentityBasedPolicy</PolicyType>
    <NoPermissionType>ImplicitDeny</NoPermissionType>
    <EncodedDiagnosticMessage><![CDATA[AQEAAAAA]]></EncodedDiagnosticMessage>
  </AccessDeniedDetail>
</Error>"#;

    fn response(status: u16, body: &str) -> http::Response<Vec<u8>> {
        let mut response = http::Response::new(body.as_bytes().to_vec());
        *response.status_mut() = http::StatusCode::from_u16(status).unwrap();
        response
    }

    #[test]
    fn access_denied_names_the_missing_permission() {
        let error = match AsyncTask::from_response(&response(403, DENIED)) {
            Err(ResponseError::Oss(error)) => error,
            other => panic!("{other:?}"),
        };
        assert_eq!(error.code(), Some("AccessDenied"));
        assert_eq!(error.missing_action(), Some("oss:PostProcessTask"));
        assert_eq!(
            error
                .access_denied
                .as_ref()
                .unwrap()
                .encoded_diagnostic_message(),
            Some("AQEAAAAA")
        );
        assert_eq!(
            error.to_string(),
            "OSS answered HTTP 403 `AccessDenied`: You have no right to access this object because of bucket acl & policy.; \
             missing permission `oss:PostProcessTask` (no policy allows it, AccountLevelIdentityBasedPolicy) \
             [EC 0003-00000201] [request 6571B1B5B0A4E3363822F6C1]"
        );
    }

    #[test]
    fn empty_body_reads_the_header() {
        let mut response = response(403, "");
        let header = STANDARD.encode(DENIED);
        response
            .headers_mut()
            .insert("x-oss-err", header.parse().unwrap());
        let error = OssError::from_response(&response).unwrap();
        assert_eq!(error.ec(), Some("0003-00000201"));
        let bare = self::response(404, "");
        assert!(matches!(
            OssError::from_response(&bare),
            Err(ResponseError::Malformed { status: 404, .. })
        ));
    }

    #[test]
    fn bodies_that_are_not_errors_are_rejected() {
        assert!(OssError::parse(b"<Other/>").is_err());
        assert!(OssError::parse(b"not xml <").is_err());
        assert!(
            OssError::parse(b"")
                .unwrap_err()
                .contains("no `Error` element")
        );
    }

    #[test]
    fn successful_bodies_parse() {
        let task = AsyncTask::from_response(&response(
            200,
            r#"{"EventId":"181-1kZUlN60OH4fWOcOjZEnGnG","RequestId":"1D99637F-F59E-5B41-9200-C4892F52C5CE","TaskId":"MediaConvert-8f9b3b3c"}"#,
        ))
        .unwrap();
        assert_eq!(task.task_id, "MediaConvert-8f9b3b3c");
        let saved = SavedObject::from_response(&response(
            200,
            r#"{"bucket":"docs","fileSize":2131,"object":"thumbs/report.jpg","status":"OK"}"#,
        ))
        .unwrap();
        assert_eq!(saved.file_size, 2131);
        let info = media_info(&response(
            200,
            r#"{"format":{"duration":"12.5"},"streams":[]}"#,
        ))
        .unwrap();
        assert_eq!(info["format"]["duration"], "12.5");
        assert!(matches!(
            media_info(&response(200, "[1]")),
            Err(ResponseError::Malformed { status: 200, .. })
        ));
        assert!(matches!(
            AsyncTask::from_response(&response(200, "{}")),
            Err(ResponseError::Malformed { .. })
        ));
    }
}
