//! Checking a received request's V3 signature, as Alibaba Cloud does: for test servers.
//!
//! A normal public function rather than a feature: it is small, pure and needs nothing the
//! signer does not, and a loopback server that checks every request with it proves the
//! client signs what it sends.

use std::fmt;

use hmac::Mac as _;
use http::Request;

use crate::canonical::CanonicalRequest;
use crate::sign::{
    self, ALGORITHM, SignError, X_ACS_ACTION, X_ACS_CONTENT_SHA256, X_ACS_DATE,
    X_ACS_SECURITY_TOKEN, X_ACS_SIGNATURE_NONCE, X_ACS_VERSION,
};
use crate::time::{Timestamp, TimestampError};

/// Headers every V3-signed request must sign.
const REQUIRED: [&str; 6] = [
    "host",
    X_ACS_ACTION,
    X_ACS_CONTENT_SHA256,
    X_ACS_DATE,
    X_ACS_SIGNATURE_NONCE,
    X_ACS_VERSION,
];

/// What a correctly signed request declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// `Credential=`: whose secret signed it.
    pub access_key_id: String,
    /// `SignedHeaders=`, in its (sorted) order.
    pub signed_headers: Vec<String>,
    /// `x-acs-action`.
    pub action: String,
    /// `x-acs-version`.
    pub version: String,
    /// `x-acs-date`; whether it is recent enough is the caller's to judge
    /// ([`Timestamp::distance`]; Alibaba Cloud allows 15 minutes).
    pub date: Timestamp,
    /// `x-acs-signature-nonce`; whether it was seen before is the caller's to judge.
    pub nonce: String,
    /// Whether the request carries an STS token (`x-acs-security-token`).
    pub has_security_token: bool,
}

/// Why a request's signature does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyError {
    /// No `Authorization` header.
    NoAuthorization,
    /// The `Authorization` header is not `ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…`.
    MalformedAuthorization(String),
    /// `SignedHeaders` is not sorted lowercase names without repeats.
    UnsortedSignedHeaders,
    /// A header that must be signed is not in `SignedHeaders`.
    UnsignedHeader(String),
    /// The canonical request cannot be rebuilt.
    Canonical(SignError),
    /// `x-acs-content-sha256` does not match the body received.
    BodyHash {
        /// The header's value.
        declared: String,
        /// The SHA-256 of the body received.
        actual: String,
    },
    /// `x-acs-date` is not a request date.
    Date(TimestampError),
    /// The signature differs from the one the secret gives.
    Mismatch {
        /// The canonical request rebuilt here (the STS token redacted), to compare with the
        /// client's.
        canonical: String,
    },
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoAuthorization => write!(f, "the request has no `Authorization` header"),
            Self::MalformedAuthorization(reason) => write!(
                f,
                "the `Authorization` header is not `{ALGORITHM} Credential=…,SignedHeaders=…,\
                 Signature=…`: {reason}"
            ),
            Self::UnsortedSignedHeaders => write!(
                f,
                "`SignedHeaders` must list lowercase header names, sorted, each once"
            ),
            Self::UnsignedHeader(name) => write!(
                f,
                "header `{name}` must be signed but `SignedHeaders` leaves it out; the client \
                 must sign every `x-acs-*` header, `host` and `content-type`"
            ),
            Self::Canonical(error) => error.fmt(f),
            Self::BodyHash { declared, actual } => write!(
                f,
                "`x-acs-content-sha256` is `{declared}` but the body received hashes to \
                 `{actual}`; the body changed after signing"
            ),
            Self::Date(error) => write!(f, "`x-acs-date`: {error}"),
            Self::Mismatch { canonical } => write!(
                f,
                "the signature does not match; the canonical request here is:\n{canonical}"
            ),
        }
    }
}

impl std::error::Error for VerifyError {}

struct Authorization<'a> {
    credential: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

fn parse_authorization(header: &str) -> Result<Authorization<'_>, VerifyError> {
    let malformed = |reason: &str| VerifyError::MalformedAuthorization(reason.to_owned());
    let (algorithm, fields) = header
        .split_once(' ')
        .ok_or_else(|| malformed("no space after the algorithm"))?;
    if algorithm != ALGORITHM {
        return Err(malformed(&format!("the algorithm is `{algorithm}`")));
    }
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for field in fields.split(',') {
        let (name, value) = field
            .trim()
            .split_once('=')
            .ok_or_else(|| malformed(&format!("`{field}` is not `name=value`")))?;
        let slot = match name {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed,
            "Signature" => &mut signature,
            other => return Err(malformed(&format!("unknown field `{other}`"))),
        };
        if slot.replace(value).is_some() {
            return Err(malformed(&format!("`{name}` appears twice")));
        }
    }
    let credential = credential
        .filter(|c| !c.is_empty())
        .ok_or_else(|| malformed("no `Credential`"))?;
    let signed = signed.ok_or_else(|| malformed("no `SignedHeaders`"))?;
    let signature = signature.ok_or_else(|| malformed("no `Signature`"))?;
    Ok(Authorization {
        credential,
        signed_headers: signed.split(';').collect(),
        signature,
    })
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    text.as_bytes()
        .chunks(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|p| u8::from_str_radix(p, 16).ok())
        })
        .collect()
}

fn header<'a, B>(request: &'a Request<B>, name: &str) -> &'a str {
    request
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
}

/// Checks the V3 signature of a received `request` against the AccessKey `secret`, as
/// Alibaba Cloud does: the `Authorization` header's form; that `SignedHeaders` covers
/// `host`, `x-acs-action`, `x-acs-version`, `x-acs-date`, `x-acs-signature-nonce`,
/// `x-acs-content-sha256` and every other `x-acs-*` or `content-type` header present (an
/// unsigned STS token is refused); that `x-acs-content-sha256` is the body's hash; and the
/// signature itself, compared in constant time. The request's URI may be in origin form
/// (`/?Action=…`, as a server receives it): the host comes from the `host` header.
///
/// Whether the date is recent and the nonce new is left to the caller, who has the clock and
/// the nonces seen: [`Verified`] returns both.
///
/// # Errors
///
/// A [`VerifyError`] naming the first thing that does not hold.
pub fn verify<B: AsRef<[u8]>>(request: &Request<B>, secret: &str) -> Result<Verified, VerifyError> {
    let authorization = request
        .headers()
        .get(http::header::AUTHORIZATION)
        .ok_or(VerifyError::NoAuthorization)?
        .to_str()
        .map_err(|_| VerifyError::MalformedAuthorization("it is not ASCII text".to_owned()))?;
    let authorization = parse_authorization(authorization)?;
    let signed = &authorization.signed_headers;
    let well_formed = signed
        .windows(2)
        .all(|pair| matches!(pair, [a, b] if a < b))
        && signed
            .iter()
            .all(|name| !name.is_empty() && *name == name.to_ascii_lowercase());
    if !well_formed {
        return Err(VerifyError::UnsortedSignedHeaders);
    }
    let must_sign = REQUIRED.iter().copied().chain(
        request
            .headers()
            .keys()
            .map(http::HeaderName::as_str)
            .filter(|name| name.starts_with("x-acs-") || *name == "content-type"),
    );
    for name in must_sign {
        if !signed.contains(&name) {
            return Err(VerifyError::UnsignedHeader(name.to_owned()));
        }
    }

    let canonical =
        CanonicalRequest::with_signed_headers(request, signed).map_err(VerifyError::Canonical)?;
    let declared = header(request, X_ACS_CONTENT_SHA256);
    if declared != canonical.payload_hash() {
        return Err(VerifyError::BodyHash {
            declared: declared.to_owned(),
            actual: canonical.payload_hash().to_owned(),
        });
    }
    let date: Timestamp = header(request, X_ACS_DATE)
        .parse()
        .map_err(VerifyError::Date)?;

    let mac = sign::hmac_sha256(secret.as_bytes(), canonical.string_to_sign().as_bytes());
    let matches = decode_hex(authorization.signature)
        .is_some_and(|signature| mac.verify_slice(&signature).is_ok());
    if !matches {
        return Err(VerifyError::Mismatch {
            canonical: canonical.redacted(),
        });
    }
    Ok(Verified {
        access_key_id: authorization.credential.to_owned(),
        signed_headers: signed.iter().map(|name| (*name).to_owned()).collect(),
        action: header(request, X_ACS_ACTION).to_owned(),
        version: header(request, X_ACS_VERSION).to_owned(),
        date,
        nonce: header(request, X_ACS_SIGNATURE_NONCE).to_owned(),
        has_security_token: request.headers().contains_key(X_ACS_SECURITY_TOKEN),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Credentials, Endpoint, Nonce, RpcRequest, sign::sign};
    use http::HeaderValue;

    fn signed(credentials: &Credentials) -> Request<Vec<u8>> {
        let request = RpcRequest::new(Endpoint::ram(), "GetUser", crate::RAM_VERSION)
            .query("UserName", "alice bob*")
            .form("Note", "x")
            .build()
            .unwrap();
        let date = "2026-12-04T03:04:05Z".parse().unwrap();
        sign(request, credentials, date, &Nonce::new("n-1").unwrap()).unwrap()
    }

    /// As a server receives it: origin-form URI, extra unsigned headers from the client.
    fn received(request: Request<Vec<u8>>) -> Request<Vec<u8>> {
        let (mut parts, body) = request.into_parts();
        parts.uri = parts
            .uri
            .path_and_query()
            .unwrap()
            .as_str()
            .parse()
            .unwrap();
        parts
            .headers
            .insert("content-length", HeaderValue::from(body.len()));
        Request::from_parts(parts, body)
    }

    #[test]
    fn a_signed_request_verifies() {
        let credentials = Credentials::new("LTAI5tExample", "secret");
        let verified = verify(&received(signed(&credentials)), "secret").unwrap();
        assert_eq!(verified.access_key_id, "LTAI5tExample");
        assert_eq!(verified.action, "GetUser");
        assert_eq!(verified.version, "2015-05-01");
        assert_eq!(verified.nonce, "n-1");
        assert_eq!(verified.date.to_string(), "2026-12-04T03:04:05Z");
        assert!(!verified.has_security_token);
        assert!(verified.signed_headers.contains(&"content-type".to_owned()));

        let sts = Credentials::new("STS.x", "secret").with_security_token("token");
        assert!(verify(&signed(&sts), "secret").unwrap().has_security_token);
    }

    #[test]
    fn tampering_is_caught() {
        let credentials = Credentials::new("LTAI5tExample", "secret");
        assert!(matches!(
            verify(&signed(&credentials), "other"),
            Err(VerifyError::Mismatch { .. })
        ));

        let mut body = signed(&credentials);
        body.body_mut().push(b'!');
        assert!(matches!(
            verify(&body, "secret"),
            Err(VerifyError::BodyHash { .. })
        ));

        let mut query = signed(&credentials);
        *query.uri_mut() = "https://ram.aliyuncs.com/?UserName=mallory"
            .parse()
            .unwrap();
        assert!(matches!(
            verify(&query, "secret"),
            Err(VerifyError::Mismatch { .. })
        ));

        let mut extra = signed(&credentials);
        extra
            .headers_mut()
            .insert("x-acs-security-token", HeaderValue::from_static("t"));
        assert_eq!(
            verify(&extra, "secret"),
            Err(VerifyError::UnsignedHeader("x-acs-security-token".into()))
        );

        let mut gone = signed(&credentials);
        gone.headers_mut().remove("user-agent");
        assert_eq!(
            verify(&gone, "secret"),
            Err(VerifyError::Canonical(SignError::MissingHeader {
                name: "user-agent".into()
            }))
        );
    }

    #[test]
    fn malformed_authorization_headers() {
        let credentials = Credentials::new("LTAI5tExample", "secret");
        let with = |value: &'static str| {
            let mut request = signed(&credentials);
            request
                .headers_mut()
                .insert("authorization", HeaderValue::from_static(value));
            verify(&request, "secret")
        };
        for value in [
            "ACS3-HMAC-SHA1 Credential=a,SignedHeaders=host,Signature=00",
            "ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host",
            "ACS3-HMAC-SHA256 Credential=a,Credential=b,SignedHeaders=host,Signature=00",
            "ACS3-HMAC-SHA256",
        ] {
            assert!(
                matches!(with(value), Err(VerifyError::MalformedAuthorization(_))),
                "{value}"
            );
        }
        assert_eq!(
            with("ACS3-HMAC-SHA256 Credential=a,SignedHeaders=x-acs-date;host,Signature=00"),
            Err(VerifyError::UnsortedSignedHeaders)
        );
        assert_eq!(
            with("ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host;x-acs-date,Signature=00"),
            Err(VerifyError::UnsignedHeader("x-acs-action".into()))
        );
        let mut none = signed(&credentials);
        none.headers_mut().remove("authorization");
        assert_eq!(verify(&none, "secret"), Err(VerifyError::NoAuthorization));
    }
}
