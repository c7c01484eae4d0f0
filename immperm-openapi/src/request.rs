//! RPC-style OpenAPI requests (RAM `2015-05-01`, IMM `2020-09-30`).

use std::collections::BTreeMap;
use std::fmt;

use http::uri::{Authority, Scheme};
use http::{HeaderName, HeaderValue, Method, Request};
use serde_json::Value;

use crate::encode;
use crate::sign::{X_ACS_ACTION, X_ACS_VERSION};

/// RAM's API version.
pub const RAM_VERSION: &str = "2015-05-01";
/// IMM's API version.
pub const IMM_VERSION: &str = "2020-09-30";

/// The `user-agent` sent unless a request sets its own.
pub const USER_AGENT: &str = concat!("immperm-openapi/", env!("CARGO_PKG_VERSION"));

/// Where an API is served: scheme and host (with a port when not the default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    scheme: Scheme,
    authority: Authority,
}

/// Why a host cannot be an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointError {
    /// Not a host with an optional port (`ram.aliyuncs.com`, `127.0.0.1:8080`).
    Host(String),
    /// Not a region ID (`cn-hangzhou`).
    Region(String),
}

impl fmt::Display for EndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Host(host) => write!(
                f,
                "`{host}` is not an endpoint host; give a host name with an optional port, such \
                 as `imm.cn-hangzhou.aliyuncs.com` or `127.0.0.1:8080`, without a scheme or path"
            ),
            Self::Region(region) => write!(
                f,
                "`{region}` is not a region ID; use lowercase letters, digits and hyphens, such \
                 as `cn-hangzhou`"
            ),
        }
    }
}

impl std::error::Error for EndpointError {}

impl Endpoint {
    fn new(scheme: Scheme, host: &str) -> Result<Self, EndpointError> {
        let authority: Authority = host
            .parse()
            .map_err(|_| EndpointError::Host(host.to_owned()))?;
        // An authority may carry user information (`user@host`), which an endpoint must not.
        if host.is_empty() || host.contains('@') {
            return Err(EndpointError::Host(host.to_owned()));
        }
        Ok(Self { scheme, authority })
    }

    /// `https://host`.
    ///
    /// # Errors
    ///
    /// [`EndpointError::Host`] unless `host` is a host name or address with an optional port.
    pub fn https(host: &str) -> Result<Self, EndpointError> {
        Self::new(Scheme::HTTPS, host)
    }

    /// `http://host`, for loopback test servers and private endpoints without TLS. Never send
    /// credentials to a remote host over plain HTTP: the STS token travels in clear.
    ///
    /// # Errors
    ///
    /// As [`Endpoint::https`].
    pub fn http(host: &str) -> Result<Self, EndpointError> {
        Self::new(Scheme::HTTP, host)
    }

    /// RAM's endpoint, `https://ram.aliyuncs.com` (the same in every region).
    pub fn ram() -> Self {
        Self {
            scheme: Scheme::HTTPS,
            authority: Authority::from_static("ram.aliyuncs.com"),
        }
    }

    /// IMM's public endpoint in `region`, `https://imm.<region>.aliyuncs.com`, as the official
    /// SDK derives it (its one exception, `cn-beijing-gov-1`, included).
    ///
    /// # Errors
    ///
    /// [`EndpointError::Region`] unless `region` is lowercase letters, digits and hyphens.
    pub fn imm(region: &str) -> Result<Self, EndpointError> {
        let valid = !region.is_empty()
            && region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid {
            return Err(EndpointError::Region(region.to_owned()));
        }
        let host = if region == "cn-beijing-gov-1" {
            "imm-vpc.cn-beijing-gov-1.aliyuncs.com".to_owned()
        } else {
            format!("imm.{region}.aliyuncs.com")
        };
        Self::https(&host)
    }

    /// The host, with its port when it has one: the `host` header's value.
    pub fn host(&self) -> &str {
        self.authority.as_str()
    }

    /// `https` or `http`.
    pub fn scheme(&self) -> &str {
        self.scheme.as_str()
    }
}

/// Why a request could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildError {
    /// A header name or value (the action, the version, or one given to
    /// [`RpcRequest::header`]) cannot be sent.
    Header {
        /// The header.
        name: String,
    },
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Header { name } => write!(
                f,
                "header `{name}` cannot be sent: its name must be a token and its value visible \
                 ASCII; check the action, version or header given"
            ),
        }
    }
}

impl std::error::Error for BuildError {}

/// An RPC-style OpenAPI call: endpoint, action, version and parameters, built into an
/// [`http::Request`] for [`crate::sign`].
///
/// Each parameter goes where the API's metadata puts it, which the official SDKs' generated
/// code follows call by call: RAM's calls and IMM's `Get*`/`List*` calls send every parameter
/// in the query ([`RpcRequest::query`]); IMM's `CreateBatch`, `UpdateBatch`, `*Trigger` and
/// the other changing calls send them in a form body ([`RpcRequest::form`]). Object and array
/// parameters (IMM's `Actions`, `Input`, `Notification`, `Tags`; RAM's `Tag`) are sent as one
/// JSON text ([`RpcRequest::query_json`], [`RpcRequest::form_json`]), as the SDKs' `json`
/// style does. Parameters are sorted by name in the query and in the body.
///
/// ```
/// use immperm_openapi::{Endpoint, IMM_VERSION, RpcRequest};
/// use serde_json::json;
///
/// let request = RpcRequest::new(Endpoint::imm("cn-hangzhou")?, "CreateBatch", IMM_VERSION)
///     .form("ProjectName", "media")
///     .form_json("Input", &json!({"OSS": {"Bucket": "media-in", "Prefix": "videos/"}}))
///     .build()?;
/// assert_eq!(request.uri(), "https://imm.cn-hangzhou.aliyuncs.com/");
/// assert_eq!(
///     request.body(),
///     b"Input=%7B%22OSS%22%3A%7B%22Bucket%22%3A%22media-in%22%2C%22Prefix%22%3A%22videos%2F%22%7D%7D&ProjectName=media"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcRequest {
    endpoint: Endpoint,
    action: String,
    version: String,
    method: Method,
    query: BTreeMap<String, String>,
    form: Option<BTreeMap<String, String>>,
    headers: Vec<(String, String)>,
}

impl RpcRequest {
    /// A `POST` of `action` of API `version` ([`RAM_VERSION`], [`IMM_VERSION`]) to `endpoint`.
    pub fn new(endpoint: Endpoint, action: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            endpoint,
            action: action.into(),
            version: version.into(),
            method: Method::POST,
            query: BTreeMap::new(),
            form: None,
            headers: Vec::new(),
        }
    }

    /// Another method than `POST` (every RAM and IMM call the SDKs make is a `POST`).
    #[must_use]
    pub fn method(mut self, method: Method) -> Self {
        self.method = method;
        self
    }

    /// A parameter in the query string; a second one of the same name replaces the first.
    #[must_use]
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.insert(name.into(), value.into());
        self
    }

    /// An object or array parameter in the query string, as compact JSON.
    #[must_use]
    pub fn query_json(self, name: impl Into<String>, value: &Value) -> Self {
        self.query(name, json(value))
    }

    /// A parameter in the form body (`application/x-www-form-urlencoded`).
    #[must_use]
    pub fn form(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.form
            .get_or_insert_with(BTreeMap::new)
            .insert(name.into(), value.into());
        self
    }

    /// An object or array parameter in the form body, as compact JSON.
    #[must_use]
    pub fn form_json(self, name: impl Into<String>, value: &Value) -> Self {
        self.form(name, json(value))
    }

    /// An extra header (signed with the others); replaces a header of the same name,
    /// `user-agent` ([`USER_AGENT`] by default) included.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into().to_ascii_lowercase();
        self.headers.retain(|(existing, _)| *existing != name);
        self.headers.push((name, value.into()));
        self
    }

    /// The action.
    pub fn action(&self) -> &str {
        &self.action
    }

    /// The HTTP request, unsigned: `<scheme>://<host>/?<query>`, the headers `host`,
    /// `x-acs-action`, `x-acs-version`, `accept: application/json`, `user-agent`, with a form
    /// body `content-type: application/x-www-form-urlencoded`, then the extra headers. Query
    /// and body are form-encoded (`+` for a space), sorted by name.
    ///
    /// # Errors
    ///
    /// [`BuildError::Header`] when the action, the version or an extra header cannot be sent.
    pub fn build(&self) -> Result<Request<Vec<u8>>, BuildError> {
        let mut uri = format!("{}://{}/", self.endpoint.scheme(), self.endpoint.host());
        if !self.query.is_empty() {
            uri.push('?');
            uri.push_str(&encode::form_pairs(
                self.query.iter().map(|(n, v)| (n.as_str(), v.as_str())),
            ));
        }
        let body = self.form.as_ref().map_or_else(Vec::new, |form| {
            encode::form_pairs(form.iter().map(|(n, v)| (n.as_str(), v.as_str()))).into_bytes()
        });

        let mut headers: Vec<(&str, &str)> = vec![
            ("host", self.endpoint.host()),
            (X_ACS_ACTION, &self.action),
            (X_ACS_VERSION, &self.version),
            ("accept", "application/json"),
            ("user-agent", USER_AGENT),
        ];
        if self.form.is_some() {
            headers.push(("content-type", "application/x-www-form-urlencoded"));
        }
        for (name, value) in &self.headers {
            headers.retain(|(existing, _)| existing != name);
            headers.push((name, value));
        }

        let mut request = Request::new(body);
        *request.method_mut() = self.method.clone();
        // Every piece is encoded or checked above, so this parses; a failure says which part.
        *request.uri_mut() = uri.parse().map_err(|_| BuildError::Header {
            name: "host".to_owned(),
        })?;
        for (name, value) in headers {
            let header = || BuildError::Header {
                name: name.to_owned(),
            };
            let name = HeaderName::try_from(name).map_err(|_| header())?;
            let value = HeaderValue::from_str(value).map_err(|_| header())?;
            request.headers_mut().insert(name, value);
        }
        Ok(request)
    }
}

/// Compact JSON with object keys sorted, as the official Python SDK writes a `json`-style
/// parameter (`json.dumps(…, separators=(",", ":"), ensure_ascii=False)` of models whose
/// fields are in name order). Sorting here keeps the text the same whatever order the
/// `serde_json` map keeps.
fn json(value: &Value) -> String {
    let mut out = String::new();
    write_json(value, &mut out);
    out
}

fn write_json(value: &Value, out: &mut String) {
    match value {
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by_key(|(key, _)| *key);
            out.push('{');
            for (index, (key, item)) in entries.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_json(item, out);
            }
            out.push('}');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn endpoints() {
        assert_eq!(Endpoint::ram().host(), "ram.aliyuncs.com");
        assert_eq!(
            Endpoint::imm("cn-hangzhou").unwrap().host(),
            "imm.cn-hangzhou.aliyuncs.com"
        );
        assert_eq!(
            Endpoint::imm("cn-beijing-gov-1").unwrap().host(),
            "imm-vpc.cn-beijing-gov-1.aliyuncs.com"
        );
        let local = Endpoint::http("127.0.0.1:8080").unwrap();
        assert_eq!((local.scheme(), local.host()), ("http", "127.0.0.1:8080"));
        for bad in ["", "https://ram.aliyuncs.com", "a/b", "user@host", "a b"] {
            assert_eq!(
                Endpoint::https(bad),
                Err(EndpointError::Host(bad.into())),
                "{bad}"
            );
        }
        assert!(Endpoint::imm("CN hangzhou").is_err());
        assert!(
            EndpointError::Host("a/b".into())
                .to_string()
                .contains("without a scheme or path")
        );
    }

    #[test]
    fn a_query_call() {
        let request = RpcRequest::new(Endpoint::ram(), "GetPolicy", RAM_VERSION)
            .query("PolicyType", "Custom")
            .query("PolicyName", "a b*~")
            .build()
            .unwrap();
        assert_eq!(request.method(), Method::POST);
        assert_eq!(
            request.uri(),
            "https://ram.aliyuncs.com/?PolicyName=a+b%2A~&PolicyType=Custom"
        );
        assert!(request.body().is_empty());
        let headers: Vec<_> = request
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str(), v.to_str().unwrap()))
            .collect();
        assert_eq!(
            headers,
            [
                ("host", "ram.aliyuncs.com"),
                ("x-acs-action", "GetPolicy"),
                ("x-acs-version", "2015-05-01"),
                ("accept", "application/json"),
                ("user-agent", USER_AGENT),
            ]
        );
    }

    #[test]
    fn a_form_call_with_json() {
        let request = RpcRequest::new(
            Endpoint::imm("cn-shanghai").unwrap(),
            "UpdateTrigger",
            IMM_VERSION,
        )
        .form("ProjectName", "p")
        .form("Id", "trigger-1")
        .form_json("Tags", &json!({"b": "2", "a": "猫 \"x\""}))
        .header("User-Agent", "custom/1")
        .build()
        .unwrap();
        assert_eq!(request.uri(), "https://imm.cn-shanghai.aliyuncs.com/");
        assert_eq!(
            std::str::from_utf8(request.body()).unwrap(),
            "Id=trigger-1&ProjectName=p&Tags=%7B%22a%22%3A%22%E7%8C%AB+%5C%22x%5C%22%22%2C%22b%22%3A%222%22%7D"
        );
        assert_eq!(
            request.headers()["content-type"],
            "application/x-www-form-urlencoded"
        );
        assert_eq!(request.headers()["user-agent"], "custom/1");
        assert_eq!(request.headers().get_all("user-agent").iter().count(), 1);
    }

    #[test]
    fn json_is_compact_and_sorted() {
        let value = json!([{"Z": 1, "A": [true, null, 1.5, "\u{1}\n/"]}, "x"]);
        assert_eq!(
            json(&value),
            r#"[{"A":[true,null,1.5,"\u0001\n/"],"Z":1},"x"]"#
        );
    }

    #[test]
    fn unsendable_headers_are_refused() {
        let build = |action: &str| RpcRequest::new(Endpoint::ram(), action, RAM_VERSION).build();
        assert_eq!(
            build("Get\nUser").unwrap_err(),
            BuildError::Header {
                name: "x-acs-action".into()
            }
        );
        let bad_name = RpcRequest::new(Endpoint::ram(), "GetUser", RAM_VERSION)
            .header("bad name", "x")
            .build();
        assert!(matches!(bad_name, Err(BuildError::Header { .. })));
    }
}
