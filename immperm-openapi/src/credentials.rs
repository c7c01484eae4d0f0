//! Alibaba Cloud credentials: an AccessKey pair, with the STS token of temporary ones.

use std::fmt;

/// An AccessKey pair, with the STS security token of temporary credentials.
///
/// `Debug` shows the AccessKey ID only; the secret and the token are never printed.
///
/// ```
/// use immperm_openapi::Credentials;
///
/// let credentials = Credentials::new("LTAI5tExample", "secret").with_security_token("token");
/// assert_eq!(
///     format!("{credentials:?}"),
///     r#"Credentials { access_key_id: "LTAI5tExample", access_key_secret: "<redacted>", security_token: Some("<redacted>") }"#
/// );
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    access_key_id: String,
    access_key_secret: String,
    security_token: Option<String>,
}

impl Credentials {
    /// A long-term AccessKey pair.
    pub fn new(access_key_id: impl Into<String>, access_key_secret: impl Into<String>) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            access_key_secret: access_key_secret.into(),
            security_token: None,
        }
    }

    /// The same key pair as temporary STS credentials carrying `token`.
    #[must_use]
    pub fn with_security_token(mut self, token: impl Into<String>) -> Self {
        self.security_token = Some(token.into());
        self
    }

    /// The AccessKey ID (`Credential=` in the `Authorization` header).
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The AccessKey secret, the signing key. Never log it.
    pub fn access_key_secret(&self) -> &str {
        &self.access_key_secret
    }

    /// The STS security token, sent as `x-acs-security-token`.
    pub fn security_token(&self) -> Option<&str> {
        self.security_token.as_deref()
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &"<redacted>")
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}
