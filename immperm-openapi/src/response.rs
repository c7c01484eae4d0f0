//! Reading OpenAPI responses: JSON bodies, and Alibaba Cloud's error bodies as [`ApiError`].

use std::fmt;
use std::time::Duration;

use http::Response;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The header in which Alibaba Cloud says how long to wait before retrying, in milliseconds.
pub const X_ACS_RETRY_AFTER: &str = "x-acs-retry-after";

/// An error Alibaba Cloud answered: an HTTP status from 400 to 599 with a body like
/// `{"RequestId": …, "HostId": …, "Code": …, "Message": …, "Recommend": …}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// `Code`, such as `EntityNotExist.User` or `Throttling.User` (empty when absent).
    pub code: String,
    /// `Message` (empty when absent).
    pub message: String,
    /// `RequestId`, to quote to Alibaba Cloud support.
    pub request_id: Option<String>,
    /// `HostId`, the endpoint that answered.
    pub host_id: Option<String>,
    /// `Recommend`, a troubleshooting link.
    pub recommend: Option<String>,
    /// `AccessDeniedDetail`, RAM's account of a denial (`AuthAction`, `PolicyType`,
    /// `NoPermissionType`, …), as sent.
    pub access_denied_detail: Option<Value>,
    /// [`X_ACS_RETRY_AFTER`], when positive.
    pub retry_after: Option<Duration>,
}

impl ApiError {
    /// Whether the call was throttled, so that waiting and retrying it is the fix: the
    /// response says how long to wait ([`X_ACS_RETRY_AFTER`], the one rule the official SDK
    /// applies), the status is 429, or the code is `Throttling` or `Throttling.*`
    /// (`Throttling.User`, `Throttling.Api`).
    pub fn is_throttling(&self) -> bool {
        self.retry_after.is_some()
            || self.status == 429
            || self.code == "Throttling"
            || self.code.starts_with("Throttling.")
    }

    /// Whether retrying the same request later may succeed: throttling, or a server-side
    /// failure (500, 502, 503, 504, or the codes `ServiceUnavailable` and `InternalError`).
    /// Other errors repeat until the request changes.
    pub fn is_retryable(&self) -> bool {
        self.is_throttling()
            || matches!(self.status, 500 | 502 | 503 | 504)
            || matches!(self.code.as_str(), "ServiceUnavailable" | "InternalError")
    }

    /// The RAM action a denial names (`AccessDeniedDetail.AuthAction`), if it names one.
    pub fn denied_action(&self) -> Option<&str> {
        self.access_denied_detail
            .as_ref()?
            .get("AuthAction")?
            .as_str()
    }

    /// Reads the error a response carries: `None` for a status outside 400-599 or a body that
    /// is not a JSON object.
    pub fn from_response<B: AsRef<[u8]>>(response: &Response<B>) -> Option<Self> {
        let status = response.status().as_u16();
        if !(400..600).contains(&status) {
            return None;
        }
        let body: Value = serde_json::from_slice(response.body().as_ref()).ok()?;
        let body = body.as_object()?;
        // The official SDK accepts both spellings of each field.
        let field = |upper: &str, lower: &str| {
            body.get(upper)
                .or_else(|| body.get(lower))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let retry_after = response
            .headers()
            .get(X_ACS_RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok())
            .filter(|ms| *ms > 0)
            .map(Duration::from_millis);
        Some(Self {
            status,
            code: field("Code", "code").unwrap_or_default(),
            message: field("Message", "message").unwrap_or_default(),
            request_id: field("RequestId", "requestId"),
            host_id: field("HostId", "hostId"),
            recommend: field("Recommend", "recommend"),
            access_denied_detail: body
                .get("AccessDeniedDetail")
                .or_else(|| body.get("accessDeniedDetail"))
                .filter(|detail| !detail.is_null())
                .cloned(),
            retry_after,
        })
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = if self.code.is_empty() {
            "(no code)"
        } else {
            &self.code
        };
        write!(f, "Alibaba Cloud answered HTTP {} `{code}`", self.status)?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        if self.is_throttling() {
            match self.retry_after {
                Some(wait) => write!(f, "; throttled: retry after {} ms", wait.as_millis())?,
                None => write!(f, "; throttled: retry after a pause")?,
            }
        } else if self.is_retryable() {
            write!(f, "; a server-side failure: retry later")?;
        } else if let Some(action) = self.denied_action() {
            write!(f, "; the caller needs `{action}`")?;
        }
        if let Some(link) = &self.recommend {
            write!(f, "; see {link}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// Why a response could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum ResponseError {
    /// Alibaba Cloud answered an error.
    Api(Box<ApiError>),
    /// The body is not JSON (a proxy's page, an XML error from another service).
    NotJson {
        /// The HTTP status.
        status: u16,
        /// The start of the body, for the message.
        excerpt: String,
    },
    /// The JSON does not have the shape asked for.
    Shape {
        /// The HTTP status.
        status: u16,
        /// What `serde_json` said.
        reason: String,
    },
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Api(error) => error.fmt(f),
            Self::NotJson { status, excerpt } => write!(
                f,
                "the response (HTTP {status}) is not JSON: `{excerpt}`; check that the endpoint \
                 is an Alibaba Cloud OpenAPI endpoint and no proxy answered instead"
            ),
            Self::Shape { status, reason } => write!(
                f,
                "the response (HTTP {status}) is not the JSON expected: {reason}; the API \
                 version sent may not be the one this code reads"
            ),
        }
    }
}

impl std::error::Error for ResponseError {}

impl From<ApiError> for ResponseError {
    fn from(error: ApiError) -> Self {
        Self::Api(Box::new(error))
    }
}

fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut excerpt: String = text.chars().take(200).collect();
    if text.chars().nth(200).is_some() {
        excerpt.push('…');
    }
    excerpt
}

/// The JSON body of a response, or the [`ApiError`] it carries (status 400-599), as the
/// official SDK reads them.
///
/// # Errors
///
/// [`ResponseError::Api`] for an error answer; [`ResponseError::NotJson`] for a body that is
/// not JSON.
pub fn read_json<B: AsRef<[u8]>>(response: &Response<B>) -> Result<Value, ResponseError> {
    if let Some(error) = ApiError::from_response(response) {
        return Err(ResponseError::Api(Box::new(error)));
    }
    let body = response.body().as_ref();
    serde_json::from_slice(body).map_err(|_| ResponseError::NotJson {
        status: response.status().as_u16(),
        excerpt: excerpt(body),
    })
}

/// The JSON body of a response as a `T` (field names as the API writes them: use
/// `#[serde(rename_all = "PascalCase")]`), or the [`ApiError`] it carries.
///
/// # Errors
///
/// As [`read_json`], and [`ResponseError::Shape`] when the JSON is not a `T`.
///
/// ```
/// use immperm_openapi::read;
///
/// #[derive(serde::Deserialize)]
/// #[serde(rename_all = "PascalCase")]
/// struct CreatedBatch {
///     id: String,
///     request_id: String,
/// }
///
/// let response = http::Response::new(br#"{"Id":"batch-1","RequestId":"R1"}"#.to_vec());
/// let batch: CreatedBatch = read(&response)?;
/// assert_eq!((batch.id.as_str(), batch.request_id.as_str()), ("batch-1", "R1"));
/// # Ok::<(), immperm_openapi::ResponseError>(())
/// ```
pub fn read<T: DeserializeOwned, B: AsRef<[u8]>>(
    response: &Response<B>,
) -> Result<T, ResponseError> {
    let value = read_json(response)?;
    serde_json::from_value(value).map_err(|error| ResponseError::Shape {
        status: response.status().as_u16(),
        reason: error.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, body: &str) -> Response<Vec<u8>> {
        let mut response = Response::new(body.as_bytes().to_vec());
        *response.status_mut() = status.try_into().unwrap();
        response
    }

    const NOT_FOUND: &str = r#"{"RequestId":"6F3B1E2D-0C6E-5B1D-9A2C-3A5C8E0F1B2D","HostId":"ram.aliyuncs.com","Code":"EntityNotExist.User","Message":"The user does not exist.","Recommend":"https://api.aliyun.com/troubleshoot?q=EntityNotExist.User&product=Ram"}"#;

    #[test]
    fn error_bodies() {
        let error = ApiError::from_response(&response(404, NOT_FOUND)).unwrap();
        assert_eq!(error.code, "EntityNotExist.User");
        assert_eq!(error.message, "The user does not exist.");
        assert_eq!(
            error.request_id.as_deref(),
            Some("6F3B1E2D-0C6E-5B1D-9A2C-3A5C8E0F1B2D")
        );
        assert_eq!(error.host_id.as_deref(), Some("ram.aliyuncs.com"));
        assert!(!error.is_retryable());
        assert_eq!(
            error.to_string(),
            "Alibaba Cloud answered HTTP 404 `EntityNotExist.User`: The user does not exist. \
             (request id 6F3B1E2D-0C6E-5B1D-9A2C-3A5C8E0F1B2D); see \
             https://api.aliyun.com/troubleshoot?q=EntityNotExist.User&product=Ram"
        );
        assert_eq!(
            read_json(&response(404, NOT_FOUND)),
            Err(ResponseError::Api(Box::new(error)))
        );
    }

    #[test]
    fn throttling_is_recognised() {
        for (status, code) in [
            (400, "Throttling.User"),
            (400, "Throttling.Api"),
            (503, "Throttling"),
            (429, "Busy"),
        ] {
            let body = format!(r#"{{"Code":"{code}","Message":"slow down","RequestId":"R"}}"#);
            let error = ApiError::from_response(&response(status, &body)).unwrap();
            assert!(
                error.is_throttling() && error.is_retryable(),
                "{status} {code}"
            );
        }
        let mut waited = response(400, r#"{"Code":"Flow.Limit"}"#);
        waited
            .headers_mut()
            .insert(X_ACS_RETRY_AFTER, http::HeaderValue::from_static("1500"));
        let error = ApiError::from_response(&waited).unwrap();
        assert_eq!(error.retry_after, Some(Duration::from_millis(1500)));
        assert!(error.is_throttling());
        assert!(error.to_string().contains("retry after 1500 ms"));

        let unavailable =
            ApiError::from_response(&response(503, r#"{"Code":"ServiceUnavailable"}"#)).unwrap();
        assert!(!unavailable.is_throttling() && unavailable.is_retryable());
        let forbidden =
            ApiError::from_response(&response(403, r#"{"Code":"Forbidden.RAM"}"#)).unwrap();
        assert!(!forbidden.is_retryable());
    }

    #[test]
    fn denials_name_the_action() {
        let body = r#"{"Code":"NoPermission","Message":"You are not authorized","RequestId":"R",
            "AccessDeniedDetail":{"AuthAction":"ram:GetPolicy","NoPermissionType":"ImplicitDeny"}}"#;
        let error = ApiError::from_response(&response(403, body)).unwrap();
        assert_eq!(error.denied_action(), Some("ram:GetPolicy"));
        assert!(
            error
                .to_string()
                .contains("the caller needs `ram:GetPolicy`")
        );
    }

    #[derive(Debug, serde::Deserialize)]
    struct Wanted {
        #[serde(rename = "Id")]
        _id: String,
    }

    #[test]
    fn bodies_that_are_not_errors() {
        assert_eq!(
            read_json(&response(
                200,
                r#"{"RequestId":"R","User":{"UserName":"alice"}}"#
            ))
            .unwrap()["User"]["UserName"],
            "alice"
        );
        assert!(matches!(
            read_json(&response(502, "<html>Bad Gateway</html>")),
            Err(ResponseError::NotJson { status: 502, .. })
        ));
        let lower = ApiError::from_response(&response(
            400,
            r#"{"code":"X","message":"m","requestId":"r"}"#,
        ))
        .unwrap();
        assert_eq!(
            (
                lower.code.as_str(),
                lower.message.as_str(),
                lower.request_id.as_deref()
            ),
            ("X", "m", Some("r"))
        );
        assert!(matches!(
            read::<Wanted, _>(&response(200, r#"{"RequestId":"R"}"#)),
            Err(ResponseError::Shape { status: 200, .. })
        ));
    }
}
