//! The canonical request of the V3 signature, as its own value.

use std::fmt;

use http::Request;
use sha2::{Digest as _, Sha256};

use crate::encode;
use crate::sign::SignError;

/// The canonical form of a request that the V3 signature (`ACS3-HMAC-SHA256`) hashes:
///
/// ```text
/// POST                                   method
/// /                                      path (RPC calls always use `/`)
/// Name=a%20b&Other=%2A                   query: decoded, sorted by name, RFC 3986 encoded
/// host:ram.aliyuncs.com                  headers: lowercase names, sorted; trimmed values,
/// x-acs-action:GetUser                   several values of one name sorted and joined by `,`
/// …
///                                        (the header block ends with a newline)
/// host;x-acs-action;…                    signed header names
/// e3b0c442…                              SHA-256 of the body, lowercase hex
/// ```
///
/// `Display` writes exactly that text. The query is read from the URI as a server reads it
/// (`+` is a space), so a query written with either encoding gives the same canonical form.
/// `Debug` writes it with the STS token redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct CanonicalRequest {
    method: String,
    path: String,
    query: String,
    /// Lowercase names, sorted, each with its joined value.
    headers: Vec<(String, String)>,
    payload_hash: String,
}

/// Which headers a canonical request covers.
enum Headers<'a> {
    /// Every header except `authorization` (signing: what the official SDK does).
    All,
    /// Exactly these (verifying: the names listed in `SignedHeaders`).
    Named(&'a [&'a str]),
}

impl CanonicalRequest {
    /// The canonical form of `request` as a signer makes it: every header except
    /// `authorization` is signed, as the official SDKs sign every header they send.
    ///
    /// # Errors
    ///
    /// [`SignError::HeaderNotText`] for a header value that is not visible ASCII,
    /// [`SignError::Query`] for a query string that does not decode to UTF-8.
    pub fn for_signing<B: AsRef<[u8]>>(request: &Request<B>) -> Result<Self, SignError> {
        Self::new(request, &Headers::All)
    }

    /// The canonical form of `request` covering only the headers `names` (lowercase), as a
    /// verifier rebuilds it from the `SignedHeaders` a request declares.
    ///
    /// # Errors
    ///
    /// As [`CanonicalRequest::for_signing`], and [`SignError::MissingHeader`] when a named
    /// header is absent.
    pub fn with_signed_headers<B: AsRef<[u8]>>(
        request: &Request<B>,
        names: &[&str],
    ) -> Result<Self, SignError> {
        Self::new(request, &Headers::Named(names))
    }

    fn new<B: AsRef<[u8]>>(request: &Request<B>, which: &Headers<'_>) -> Result<Self, SignError> {
        let path = match request.uri().path() {
            "" => "/".to_owned(),
            path => path.to_owned(),
        };
        let mut pairs = encode::decode_query(request.uri().query().unwrap_or(""))
            .map_err(|error| SignError::Query(error.to_string()))?;
        pairs.sort();
        let query = pairs
            .iter()
            .map(|(name, value)| format!("{}={}", encode::rfc3986(name), encode::rfc3986(value)))
            .collect::<Vec<_>>()
            .join("&");

        let names: Vec<String> = match which {
            Headers::All => {
                let mut names: Vec<String> = request
                    .headers()
                    .keys()
                    .map(|name| name.as_str().to_owned())
                    .filter(|name| name != "authorization")
                    .collect();
                names.sort();
                names.dedup();
                names
            }
            Headers::Named(names) => names.iter().map(|name| (*name).to_owned()).collect(),
        };
        let mut headers = Vec::with_capacity(names.len());
        for name in names {
            let mut values = request
                .headers()
                .get_all(name.as_str())
                .iter()
                .map(|value| {
                    value
                        .to_str()
                        .map(|text| text.trim().to_owned())
                        .map_err(|_| SignError::HeaderNotText { name: name.clone() })
                })
                .collect::<Result<Vec<_>, _>>()?;
            if values.is_empty() {
                return Err(SignError::MissingHeader { name });
            }
            values.sort();
            headers.push((name, values.join(",")));
        }

        Ok(Self {
            method: request.method().as_str().to_owned(),
            path,
            query,
            headers,
            payload_hash: encode::hex_lower(&Sha256::digest(request.body().as_ref())),
        })
    }

    /// The signed header names joined by `;`, as `SignedHeaders=` carries them.
    pub fn signed_headers(&self) -> String {
        self.headers
            .iter()
            .map(|(name, _)| name.as_str())
            .collect::<Vec<_>>()
            .join(";")
    }

    /// The canonical query string (empty when the request has none).
    pub fn query(&self) -> &str {
        &self.query
    }

    /// The body's SHA-256 in lowercase hex, the value `x-acs-content-sha256` must carry.
    pub fn payload_hash(&self) -> &str {
        &self.payload_hash
    }

    /// `ACS3-HMAC-SHA256`, a newline, and the canonical request's SHA-256 in lowercase hex.
    pub fn string_to_sign(&self) -> String {
        let digest = Sha256::digest(self.to_string().as_bytes());
        format!("{}\n{}", crate::sign::ALGORITHM, encode::hex_lower(&digest))
    }

    /// The canonical text with the value of `x-acs-security-token` replaced by `<redacted>`,
    /// for error messages.
    pub fn redacted(&self) -> String {
        let mut shown = self.clone();
        for (name, value) in &mut shown.headers {
            if name == "x-acs-security-token" {
                "<redacted>".clone_into(value);
            }
        }
        shown.to_string()
    }
}

impl fmt::Debug for CanonicalRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CanonicalRequest")
            .field(&self.redacted())
            .finish()
    }
}

impl fmt::Display for CanonicalRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.method)?;
        writeln!(f, "{}", self.path)?;
        writeln!(f, "{}", self.query)?;
        for (name, value) in &self.headers {
            writeln!(f, "{name}:{value}")?;
        }
        writeln!(f)?;
        writeln!(f, "{}", self.signed_headers())?;
        write!(f, "{}", self.payload_hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_is_decoded_sorted_and_reencoded() {
        let request = Request::post("https://h/?b=x+y*&a=%7E~&c")
            .header("host", "h")
            .body(Vec::new())
            .unwrap();
        let canonical = CanonicalRequest::for_signing(&request).unwrap();
        assert_eq!(canonical.query(), "a=~~&b=x%20y%2A&c=");
    }

    #[test]
    fn headers_are_lowercased_trimmed_and_joined() {
        let request = Request::post("https://h/")
            .header("Host", "h")
            .header("X-Acs-Multi", " b ")
            .header("x-acs-multi", "a")
            .header("authorization", "not signed")
            .body(b"x=1".to_vec())
            .unwrap();
        let canonical = CanonicalRequest::for_signing(&request).unwrap();
        assert_eq!(
            canonical.to_string(),
            "POST\n/\n\nhost:h\nx-acs-multi:a,b\n\nhost;x-acs-multi\n\
             1f206b11c23e28cc250ded7fc0098d3823a8467a54340f1ac4e535cb8544493f"
        );
    }

    #[test]
    fn debug_redacts_the_security_token() {
        let request = Request::post("https://h/")
            .header("host", "h")
            .header("x-acs-security-token", "secret-token")
            .body(Vec::new())
            .unwrap();
        let canonical = CanonicalRequest::for_signing(&request).unwrap();
        assert!(
            canonical
                .to_string()
                .contains("x-acs-security-token:secret-token\n")
        );
        let shown = format!("{canonical:?}");
        assert!(!shown.contains("secret-token"), "{shown}");
        assert!(shown.contains("x-acs-security-token:<redacted>"), "{shown}");
    }

    #[test]
    fn a_named_header_must_be_present() {
        let request = Request::post("https://h/")
            .header("host", "h")
            .body(Vec::new())
            .unwrap();
        assert_eq!(
            CanonicalRequest::with_signed_headers(&request, &["host", "x-acs-date"]),
            Err(SignError::MissingHeader {
                name: "x-acs-date".into()
            })
        );
    }
}
