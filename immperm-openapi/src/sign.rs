//! The V3 signature, `ACS3-HMAC-SHA256`, as a pure function.

use std::fmt;

use hmac::{Hmac, KeyInit as _, Mac as _};
use http::header::{AUTHORIZATION, HOST};
use http::{HeaderName, HeaderValue, Request};
use sha2::Sha256;

use crate::canonical::CanonicalRequest;
use crate::credentials::Credentials;
use crate::encode;
use crate::time::{Timestamp, TimestampError};

/// The signature algorithm, first word of the `Authorization` header.
pub const ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// The request time header.
pub const X_ACS_DATE: &str = "x-acs-date";
/// The nonce header.
pub const X_ACS_SIGNATURE_NONCE: &str = "x-acs-signature-nonce";
/// The body hash header.
pub const X_ACS_CONTENT_SHA256: &str = "x-acs-content-sha256";
/// The STS token header.
pub const X_ACS_SECURITY_TOKEN: &str = "x-acs-security-token";
/// The AccessKey ID header the official SDKs add next to an STS token.
pub const X_ACS_ACCESSKEY_ID: &str = "x-acs-accesskey-id";
/// The API name header.
pub const X_ACS_ACTION: &str = "x-acs-action";
/// The API version header.
pub const X_ACS_VERSION: &str = "x-acs-version";

/// A signature nonce: unique per request, so that Alibaba Cloud can refuse a replayed one.
///
/// [`Nonce::random`] makes one from the operating system's random source; [`Nonce::new`]
/// takes a given one (tests, or a caller with its own scheme).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Nonce(String);

/// Why a nonce cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NonceError {
    /// Empty, longer than 128 characters, or with a character other than visible ASCII.
    Invalid(String),
    /// The operating system's random source failed.
    Random(String),
}

impl fmt::Display for NonceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid(nonce) => write!(
                f,
                "`{nonce}` cannot be a signature nonce; use 1 to 128 visible ASCII characters \
                 without spaces, such as 32 hexadecimal digits"
            ),
            Self::Random(reason) => write!(
                f,
                "the operating system's random source failed ({reason}); pass a nonce of your \
                 own with `Nonce::new`"
            ),
        }
    }
}

impl std::error::Error for NonceError {}

impl Nonce {
    /// `nonce` as given.
    ///
    /// # Errors
    ///
    /// [`NonceError::Invalid`] unless it is 1 to 128 visible ASCII characters (no spaces).
    pub fn new(nonce: impl Into<String>) -> Result<Self, NonceError> {
        let nonce = nonce.into();
        if nonce.is_empty() || nonce.len() > 128 || !nonce.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(NonceError::Invalid(nonce));
        }
        Ok(Self(nonce))
    }

    /// 128 random bits in 32 lowercase hexadecimal digits (the shape of the official SDK's
    /// MD5-hex nonces).
    ///
    /// The operating system's random source, rather than time and a counter, because nonces
    /// must not repeat across processes and machines signing with one AccessKey.
    ///
    /// # Errors
    ///
    /// [`NonceError::Random`] when the operating system's random source fails.
    pub fn random() -> Result<Self, NonceError> {
        let mut bytes = [0_u8; 16];
        getrandom::fill(&mut bytes).map_err(|error| NonceError::Random(error.to_string()))?;
        Ok(Self(encode::hex_lower(&bytes)))
    }

    /// The nonce's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Nonce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a request cannot be signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignError {
    /// The request has neither a `host` header nor a host in its URI.
    NoHost,
    /// A header value is not visible ASCII, which the canonical request cannot carry.
    HeaderNotText {
        /// The header.
        name: String,
    },
    /// A header to be signed is absent.
    MissingHeader {
        /// The header.
        name: String,
    },
    /// A credential cannot be sent in a header (it is not visible ASCII).
    Credential {
        /// Which one: `access key id` or `security token`.
        which: &'static str,
    },
    /// The query string does not decode.
    Query(String),
    /// The current time cannot be a request date.
    Time(TimestampError),
    /// No nonce could be made.
    Nonce(NonceError),
}

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoHost => write!(
                f,
                "the request names no host; give it an absolute URI or a `host` header"
            ),
            Self::HeaderNotText { name } => write!(
                f,
                "header `{name}` is not visible ASCII text, so it cannot be signed; \
                 percent-encode its value or leave it out"
            ),
            Self::MissingHeader { name } => {
                write!(
                    f,
                    "header `{name}` is to be signed but the request has none"
                )
            }
            Self::Credential { which } => write!(
                f,
                "the {which} has characters a header cannot carry; check the credentials \
                 (a stray newline or quote when they were copied)"
            ),
            Self::Query(reason) => write!(
                f,
                "the query string cannot be decoded ({reason}); build the request with \
                 `RpcRequest`, which encodes it"
            ),
            Self::Time(error) => error.fmt(f),
            Self::Nonce(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for SignError {}

/// `text` as a header value, if it is visible ASCII without spaces.
fn header_value(text: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(text)
        .ok()
        .filter(|_| text.bytes().all(|b| b.is_ascii_graphic()))
}

fn credential(text: &str, which: &'static str) -> Result<HeaderValue, SignError> {
    header_value(text).ok_or(SignError::Credential { which })
}

/// A value made here (a date, a nonce, a digest), which is always header text.
fn made(text: &str, name: &'static str) -> Result<HeaderValue, SignError> {
    header_value(text).ok_or(SignError::HeaderNotText {
        name: name.to_owned(),
    })
}

fn set(request: &mut Request<impl Sized>, name: &'static str, value: HeaderValue) {
    request
        .headers_mut()
        .insert(HeaderName::from_static(name), value);
}

/// HMAC-SHA256 of `message` under `key`.
pub(crate) fn hmac_sha256(key: &[u8], message: &[u8]) -> Hmac<Sha256> {
    // RFC 2104's key preparation, done here so that the constructor is the infallible one: a
    // key longer than SHA-256's 64-byte block is replaced by its digest, then zero-padded.
    // `new_from_slice` does the same but returns a `Result` that cannot fail.
    let mut block = [0_u8; 64];
    if key.len() > block.len() {
        let digest = <Sha256 as sha2::Digest>::digest(key);
        for (slot, byte) in block.iter_mut().zip(digest.iter()) {
            *slot = *byte;
        }
    } else {
        for (slot, byte) in block.iter_mut().zip(key) {
            *slot = *byte;
        }
    }
    let mut mac = Hmac::<Sha256>::new(&block.into());
    mac.update(message);
    mac
}

impl CanonicalRequest {
    /// The signature of this canonical request under the AccessKey `secret`: HMAC-SHA256 of
    /// [`CanonicalRequest::string_to_sign`], lowercase hex.
    pub fn signature(&self, secret: &str) -> String {
        let mac = hmac_sha256(secret.as_bytes(), self.string_to_sign().as_bytes());
        encode::hex_lower(&mac.finalize().into_bytes())
    }
}

/// Signs `request` with `credentials` at `date` with `nonce`, a pure function of its inputs.
///
/// Sets `x-acs-date`, `x-acs-signature-nonce`, `x-acs-content-sha256` (the body's SHA-256),
/// `host` when the request has none (from its URI), with an STS token `x-acs-security-token`
/// and `x-acs-accesskey-id` (as the official SDKs do), then signs every header the request
/// carries except `authorization` and writes
/// `Authorization: ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=<names>,Signature=<hex>`.
/// The request must already carry `x-acs-action` and `x-acs-version` ([`crate::RpcRequest`]
/// sets them). Headers an HTTP client adds later (`content-length`) are not signed, which the
/// signature allows.
///
/// # Errors
///
/// A [`SignError`] when the request names no host, a header or credential is not ASCII text,
/// or the query string does not decode.
///
/// ```
/// use immperm_openapi::{Credentials, Endpoint, Nonce, RpcRequest, Timestamp, sign};
///
/// let request = RpcRequest::new(Endpoint::ram(), "GetUser", immperm_openapi::RAM_VERSION)
///     .query("UserName", "alice")
///     .build()?;
/// let credentials = Credentials::new("LTAI5tExample", "secret");
/// let date: Timestamp = "2026-12-04T03:04:05Z".parse()?;
/// let signed = sign(request, &credentials, date, &Nonce::new("c0ffee")?)?;
/// let authorization = signed.headers()["authorization"].to_str()?;
/// assert!(authorization.starts_with(
///     "ACS3-HMAC-SHA256 Credential=LTAI5tExample,SignedHeaders=accept;host;user-agent;"
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sign<B: AsRef<[u8]>>(
    mut request: Request<B>,
    credentials: &Credentials,
    date: Timestamp,
    nonce: &Nonce,
) -> Result<Request<B>, SignError> {
    if !request.headers().contains_key(HOST) {
        let host = request.uri().authority().ok_or(SignError::NoHost)?.as_str();
        let host = HeaderValue::from_str(host).map_err(|_| SignError::NoHost)?;
        request.headers_mut().insert(HOST, host);
    }
    request.headers_mut().remove(AUTHORIZATION);
    let date = made(&date.to_string(), X_ACS_DATE)?;
    set(&mut request, X_ACS_DATE, date);
    let nonce = made(nonce.as_str(), X_ACS_SIGNATURE_NONCE)?;
    set(&mut request, X_ACS_SIGNATURE_NONCE, nonce);
    let body_hash = encode::hex_lower(&<Sha256 as sha2::Digest>::digest(request.body().as_ref()));
    let body_hash = made(&body_hash, X_ACS_CONTENT_SHA256)?;
    set(&mut request, X_ACS_CONTENT_SHA256, body_hash);
    let id = credential(credentials.access_key_id(), "access key id")?;
    if let Some(token) = credentials.security_token() {
        let token = credential(token, "security token")?;
        set(&mut request, X_ACS_ACCESSKEY_ID, id);
        set(&mut request, X_ACS_SECURITY_TOKEN, token);
    } else {
        request.headers_mut().remove(X_ACS_ACCESSKEY_ID);
        request.headers_mut().remove(X_ACS_SECURITY_TOKEN);
    }

    let canonical = CanonicalRequest::for_signing(&request)?;
    let authorization = format!(
        "{ALGORITHM} Credential={},SignedHeaders={},Signature={}",
        credentials.access_key_id(),
        canonical.signed_headers(),
        canonical.signature(credentials.access_key_secret())
    );
    // The ID was checked above; the other parts are header names and hex digits.
    let authorization =
        HeaderValue::from_str(&authorization).map_err(|_| SignError::Credential {
            which: "access key id",
        })?;
    request.headers_mut().insert(AUTHORIZATION, authorization);
    Ok(request)
}

/// [`sign`] at the system clock's current time with a [`Nonce::random`].
///
/// # Errors
///
/// As [`sign`], and [`SignError::Time`] or [`SignError::Nonce`] when the clock or the random
/// source fails.
pub fn sign_now<B: AsRef<[u8]>>(
    request: Request<B>,
    credentials: &Credentials,
) -> Result<Request<B>, SignError> {
    let date = Timestamp::now().map_err(SignError::Time)?;
    let nonce = Nonce::random().map_err(SignError::Nonce)?;
    sign(request, credentials, date, &nonce)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of Alibaba Cloud's "V3 request structure and signature" page (fixed
    /// parameter values: `RunInstances` on ECS), checked at each step it publishes.
    #[test]
    fn the_documented_example() {
        let request = Request::post(
            "https://ecs.cn-shanghai.aliyuncs.com/?ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai",
        )
        .header("host", "ecs.cn-shanghai.aliyuncs.com")
        .header("x-acs-action", "RunInstances")
        .header("x-acs-version", "2014-05-26")
        .body(Vec::new())
        .unwrap();
        let credentials = Credentials::new("YourAccessKeyId", "YourAccessKeySecret");
        let date = "2023-10-26T10:22:32Z".parse().unwrap();
        let nonce = Nonce::new("3156853299f313e23d1673dc12e1703d").unwrap();
        let signed = sign(request, &credentials, date, &nonce).unwrap();

        let canonical = CanonicalRequest::for_signing(&signed).unwrap();
        assert_eq!(
            canonical.to_string(),
            "POST\n\
             /\n\
             ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai\n\
             host:ecs.cn-shanghai.aliyuncs.com\n\
             x-acs-action:RunInstances\n\
             x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\
             x-acs-date:2023-10-26T10:22:32Z\n\
             x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\n\
             x-acs-version:2014-05-26\n\
             \n\
             host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            canonical.string_to_sign(),
            "ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
        );
        assert_eq!(
            signed.headers()["authorization"],
            "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,\
             SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;\
             x-acs-signature-nonce;x-acs-version,\
             Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
        );
    }

    #[test]
    fn an_sts_token_is_sent_and_signed() {
        let request = Request::post("https://ram.aliyuncs.com/")
            .body(Vec::new())
            .unwrap();
        let credentials = Credentials::new("STS.id", "s").with_security_token("tok");
        let date = Timestamp::from_unix_seconds(0).unwrap();
        let signed = sign(request, &credentials, date, &Nonce::new("n").unwrap()).unwrap();
        assert_eq!(signed.headers()["x-acs-security-token"], "tok");
        assert_eq!(signed.headers()["x-acs-accesskey-id"], "STS.id");
        assert_eq!(signed.headers()["host"], "ram.aliyuncs.com");
        let authorization = signed.headers()["authorization"].to_str().unwrap();
        assert!(
            authorization.contains(
                "SignedHeaders=host;x-acs-accesskey-id;x-acs-content-sha256;x-acs-date;\
                 x-acs-security-token;x-acs-signature-nonce,"
            ),
            "{authorization}"
        );

        // Signed again without a token, the token headers go.
        let resigned = sign(
            signed,
            &Credentials::new("id", "s"),
            date,
            &Nonce::new("m").unwrap(),
        )
        .unwrap();
        assert!(!resigned.headers().contains_key("x-acs-security-token"));
        assert!(!resigned.headers().contains_key("x-acs-accesskey-id"));
    }

    #[test]
    fn unusable_inputs_are_refused() {
        let request = || Request::post("/").body(Vec::new()).unwrap();
        let date = Timestamp::from_unix_seconds(0).unwrap();
        let nonce = Nonce::new("n").unwrap();
        assert_eq!(
            sign(request(), &Credentials::new("id", "s"), date, &nonce).unwrap_err(),
            SignError::NoHost
        );
        let with_host = || Request::post("https://h/").body(Vec::new()).unwrap();
        assert_eq!(
            sign(with_host(), &Credentials::new("id\n", "s"), date, &nonce).unwrap_err(),
            SignError::Credential {
                which: "access key id"
            }
        );
        assert!(Nonce::new("").is_err());
        assert!(Nonce::new("a b").is_err());
        assert!(Nonce::new("x".repeat(129)).is_err());
    }

    #[test]
    fn hmac_keys_of_every_length() {
        for length in [0, 1, 32, 63, 64, 65, 200] {
            let key = vec![0x5a_u8; length];
            let ours = hmac_sha256(&key, b"message").finalize().into_bytes();
            let mut reference = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(&key).unwrap();
            reference.update(b"message");
            assert_eq!(
                ours,
                reference.finalize().into_bytes(),
                "key of {length} bytes"
            );
        }
    }

    #[test]
    fn random_nonces_differ() {
        let a = Nonce::random().unwrap();
        let b = Nonce::random().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 32);
    }
}
