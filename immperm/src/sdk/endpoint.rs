//! Where a request goes: the OSS endpoint, the object it reads, the object it saves to and
//! the SMQ topic it announces completion on. Each name is checked when it is made.

use std::fmt;

use crate::catalog;

use super::request::BuildError;

/// An OSS endpoint, addressed virtual-hosted style (`<bucket>.<host>`), as the official SDKs
/// do by default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    scheme: &'static str,
    host: String,
    region: Option<String>,
}

impl Endpoint {
    /// The public endpoint of a region: `Endpoint::region("cn-hangzhou")` is
    /// `https://oss-cn-hangzhou.aliyuncs.com`.
    ///
    /// # Errors
    /// When the region is not lowercase letters, digits and hyphens.
    pub fn region(region: &str) -> Result<Self, BuildError> {
        Self::check_region(region)?;
        Ok(Self {
            scheme: "https",
            host: format!("oss-{region}.aliyuncs.com"),
            region: Some(region.to_owned()),
        })
    }

    /// The internal (same-region VPC) endpoint of a region: `oss-<region>-internal.aliyuncs.com`.
    ///
    /// # Errors
    /// When the region is not lowercase letters, digits and hyphens.
    pub fn internal(region: &str) -> Result<Self, BuildError> {
        let mut endpoint = Self::region(region)?;
        endpoint.host = format!("oss-{region}-internal.aliyuncs.com");
        Ok(endpoint)
    }

    /// Any other host (an accelerated or private endpoint), with the region requests are signed
    /// for; buckets are still addressed as `<bucket>.<host>`.
    ///
    /// # Errors
    /// When the host is empty or carries a scheme, a path or whitespace, or the region is malformed.
    pub fn host(host: &str, region: &str) -> Result<Self, BuildError> {
        Self::check_region(region)?;
        if host.is_empty()
            || host.contains("://")
            || host.contains(['/', '?', '#', '@'])
            || host.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(BuildError::one(format!(
                "endpoint host `{host}` is not a bare host name; write it like `oss-cn-hangzhou.aliyuncs.com`"
            )));
        }
        Ok(Self {
            scheme: "https",
            host: host.to_owned(),
            region: Some(region.to_owned()),
        })
    }

    /// Sends over plain HTTP instead of HTTPS (for a local proxy or a test server).
    #[must_use]
    pub fn insecure_http(mut self) -> Self {
        self.scheme = "http";
        self
    }

    /// `https` or `http`.
    pub fn scheme(&self) -> &str {
        self.scheme
    }

    /// The host buckets are addressed under.
    pub fn host_name(&self) -> &str {
        &self.host
    }

    /// The region requests are signed for.
    pub fn region_id(&self) -> Option<&str> {
        self.region.as_deref()
    }

    fn check_region(region: &str) -> Result<(), BuildError> {
        if region.is_empty()
            || !region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(BuildError::one(format!(
                "region `{region}` is not a region id; write it like `cn-hangzhou`"
            )));
        }
        Ok(())
    }
}

/// An object: a bucket and a key. The key may carry OSS variables such as `{index}`,
/// `{autoext}`, `{dirname}` or `{barename}` when it names where a result is saved.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Object {
    bucket: String,
    key: String,
}

impl Object {
    /// `bucket` and `key`, checked: a valid OSS bucket name and a key of 1 to 1,023 bytes
    /// that does not start with `/` or `\` and has no control characters.
    ///
    /// # Errors
    /// Every rule the bucket or the key breaks.
    pub fn new(bucket: impl Into<String>, key: impl Into<String>) -> Result<Self, BuildError> {
        let (bucket, key) = (bucket.into(), key.into());
        let mut problems = Vec::new();
        if let Err(message) = catalog::validate_bucket(&bucket) {
            problems.push(message);
        }
        if key.is_empty() {
            problems.push("object key is empty".to_owned());
        } else if key.len() > 1023 {
            problems.push(format!(
                "object key has {} bytes; OSS object keys have at most 1023",
                key.len()
            ));
        }
        if let Some(first @ ('/' | '\\')) = key.chars().next() {
            problems.push(format!(
                "object key `{key}` starts with `{first}`; OSS object keys do not"
            ));
        }
        if key.chars().any(char::is_control) {
            problems.push(format!(
                "object key `{}` contains a control character",
                key.escape_debug()
            ));
        }
        if problems.is_empty() {
            Ok(Self { bucket, key })
        } else {
            Err(BuildError::many(problems))
        }
    }

    /// The bucket.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The key.
    pub fn key(&self) -> &str {
        &self.key
    }
}

impl fmt::Display for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "oss://{}/{}", self.bucket, self.key)
    }
}

/// An SMQ (formerly MNS) topic in the bucket's region that receives the completion notice of an
/// asynchronous request.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Topic(String);

impl Topic {
    /// A topic name, checked.
    ///
    /// # Errors
    /// When the name is not a valid SMQ topic name.
    pub fn new(name: impl Into<String>) -> Result<Self, BuildError> {
        let name = name.into();
        catalog::validate_topic(&name).map_err(BuildError::one)?;
        Ok(Self(name))
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.0
    }
}

/// What a built request is about, attached to it as an [`http::Extensions`] entry so that a
/// signer (which needs the bucket and the region) and a reader of responses can find it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The source object.
    pub source: Object,
    /// The region the endpoint is in.
    pub region: Option<String>,
    /// The catalog operation.
    pub operation: &'static catalog::Operation,
    /// The mode the request uses.
    pub mode: catalog::Mode,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_when_made() {
        let error = Object::new("Media_Bucket", "/a\u{7}").unwrap_err();
        assert_eq!(
            error.problems(),
            [
                "bucket name `Media_Bucket` contains `M`; OSS bucket names use lowercase letters, digits and hyphens",
                "object key `/a\u{7}` starts with `/`; OSS object keys do not",
                "object key `/a\\u{7}` contains a control character",
            ]
        );
        assert!(Object::new("media", "").is_err());
        assert!(Object::new("media", "k".repeat(1024)).is_err());
        assert!(Object::new("media", "thumbs/{index}.{autoext}").is_ok());
        assert!(Topic::new("jobs queue").is_err());
        assert!(Endpoint::region("cn_hangzhou").is_err());
        assert!(Endpoint::host("https://oss.example.com", "cn-hangzhou").is_err());
        let internal = Endpoint::internal("cn-shanghai").unwrap();
        assert_eq!(
            internal.host_name(),
            "oss-cn-shanghai-internal.aliyuncs.com"
        );
        assert_eq!(internal.scheme(), "https");
        assert_eq!(internal.insecure_http().scheme(), "http");
    }
}
