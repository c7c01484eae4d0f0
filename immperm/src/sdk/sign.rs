//! Signing built requests with reqsign's Aliyun OSS signer (signature V4, the default of
//! Alibaba Cloud's current SDKs, which signs every query parameter including
//! `x-oss-async-process`).
//!
//! ```
//! # immperm::policies_for_tests!(); // in a crate: `immperm::include_policies!();`
//! use immperm::requires_imm;
//! use immperm::sdk::http::Request;
//! use immperm::sdk::sign::{OssSigner, StaticCredentialProvider};
//! use immperm::sdk::{Endpoint, Object, Process, params};
//!
//! /// The media metadata request for `key`, signed.
//! #[requires_imm(op = "video/info")]
//! async fn probe(
//!     signer: &OssSigner,
//!     endpoint: &Endpoint,
//!     key: &str,
//! ) -> Result<Request<Vec<u8>>, Box<dyn std::error::Error>> {
//!     let request = Process::new(Object::new("media", key)?, params::VideoInfo)
//!         .build_sync(endpoint, &IMM)?;
//!     let request = signer.sign(request).await?;
//!     Ok(request)
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let signer = OssSigner::new(StaticCredentialProvider::new("LTAI5t-example", "example-secret"));
//! let endpoint = Endpoint::region("cn-hangzhou")?;
//! let request = pollster_like::block_on(probe(&signer, &endpoint, "videos/cat.mp4"))?;
//! let authorization = request.headers()["authorization"].to_str()?;
//! assert!(authorization.starts_with("OSS4-HMAC-SHA256 Credential=LTAI5t-example/"));
//! # Ok(())
//! # }
//! # mod pollster_like {
//! #     pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
//! #         let mut future = std::pin::pin!(future);
//! #         let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
//! #         loop {
//! #             if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut cx) {
//! #                 return output;
//! #             }
//! #         }
//! #     }
//! # }
//! ```
//!
//! Any executor runs the future (`pollster::block_on` in `examples/sdk-send`).
//!
//! Credentials can come from any reqsign provider: environment variables
//! (`EnvCredentialProvider`), the ECS RAM role, an assumed role, or the default chain
//! (`DefaultCredentialProvider`, which needs a [`Context`] able to read files and send HTTP).

use std::fmt;

use reqsign_aliyun_oss::{Credential, RequestSigner, SigningVersion};
pub use reqsign_aliyun_oss::{
    DefaultCredentialProvider, EnvCredentialProvider, StaticCredentialProvider,
};
use reqsign_core::Signer;
pub use reqsign_core::{Context, ProvideCredential};

use super::{ProcessRequest, Target};

/// Why a request could not be signed.
#[derive(Debug)]
pub enum SignError {
    /// The request's endpoint names no region (V4 signatures need one).
    NoRegion,
    /// Only `GET` requests can be presigned (a browser opens the URL).
    NotGet,
    /// The credentials could not be loaded, or the signer refused the request.
    Signer(reqsign_core::Error),
}

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoRegion => f.write_str(
                "the request's endpoint names no region; build it with `Endpoint::region` or `Endpoint::host(host, region)`",
            ),
            Self::NotGet => f.write_str(
                "only `GET` requests (synchronous, without `save_as`) can be presigned; sign the request instead",
            ),
            Self::Signer(error) => write!(f, "signing failed: {error}"),
        }
    }
}

impl std::error::Error for SignError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Signer(error) => Some(error),
            Self::NoRegion | Self::NotGet => None,
        }
    }
}

/// Signs requests with one credential provider; credentials are cached and refreshed by
/// reqsign across requests and buckets.
#[derive(Clone, Debug)]
pub struct OssSigner {
    inner: Signer<Credential>,
}

impl OssSigner {
    /// A signer with a credential provider and a context that does no I/O of its own (enough
    /// for static and environment credentials).
    pub fn new(credentials: impl ProvideCredential<Credential = Credential>) -> Self {
        Self::with_context(Context::new(), credentials)
    }

    /// A signer whose provider may read files or send HTTP through `context`.
    pub fn with_context(
        context: Context,
        credentials: impl ProvideCredential<Credential = Credential>,
    ) -> Self {
        // The request signer is replaced per request (it holds the bucket and region).
        Self {
            inner: Signer::new(context, credentials, RequestSigner::new("")),
        }
    }

    /// Signs `request` (headers `Authorization`, `x-oss-date`, `x-oss-content-sha256`, and
    /// the security token when there is one) and hands it out as the `http::Request` to send.
    ///
    /// # Errors
    /// [`SignError`] when the request's endpoint names no region, or the signer fails.
    pub async fn sign(&self, request: ProcessRequest) -> Result<http::Request<Vec<u8>>, SignError> {
        let mut parts = head(request.http());
        self.for_target(request.target())?
            .sign(&mut parts, None)
            .await
            .map_err(SignError::Signer)?;
        let mut signed = request.into_unsigned_http();
        signed.headers_mut().clone_from(&parts.headers);
        *signed.uri_mut() = parts.uri;
        Ok(signed)
    }

    /// A presigned URL for a `GET` request, valid for `expires`: what a browser opens to show a
    /// `doc/preview`, or what a client fetches without credentials.
    ///
    /// # Errors
    /// [`SignError`] when the request is not a `GET`, names no region, or the signer fails.
    pub async fn presign(
        &self,
        request: &ProcessRequest,
        expires: std::time::Duration,
    ) -> Result<http::Uri, SignError> {
        if request.method() != http::Method::GET {
            return Err(SignError::NotGet);
        }
        let mut parts = head(request.http());
        self.for_target(request.target())?
            .sign(&mut parts, Some(expires))
            .await
            .map_err(SignError::Signer)?;
        Ok(parts.uri)
    }

    /// The signer for the bucket and region a request targets.
    fn for_target(&self, target: &Target) -> Result<Signer<Credential>, SignError> {
        let region = target.region.as_deref().ok_or(SignError::NoRegion)?;
        Ok(self.inner.clone().with_request_signer(
            RequestSigner::new(target.source.bucket())
                .with_signing_version(SigningVersion::V4)
                .with_region(region),
        ))
    }
}

/// The head of `request` (the body is not signed: V4 sends `UNSIGNED-PAYLOAD`).
fn head(request: &http::Request<Vec<u8>>) -> http::request::Parts {
    let mut head = http::Request::new(());
    *head.method_mut() = request.method().clone();
    *head.uri_mut() = request.uri().clone();
    *head.version_mut() = request.version();
    head.headers_mut().clone_from(request.headers());
    head.into_parts().0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capability::testing::{capability, declared};
    use crate::sdk::{Endpoint, Object, Process, Topic, params};

    capability!(Declared {
        VideoConvert Async => [declared(None, true, Some("jobs"))],
        DocPreview Sync => [declared(Some("docs"), false, None)],
    });
    const IMM: Declared = Declared;

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

    fn request() -> ProcessRequest {
        Process::new(
            Object::new("media", "in/a.mov").unwrap(),
            params::VideoConvert::new().container(params::Container::Mp4),
        )
        .save_as(Object::new("media", "out/a.mp4").unwrap())
        .notify(Topic::new("jobs").unwrap())
        .build_async(&Endpoint::region("cn-hangzhou").unwrap(), &IMM)
        .unwrap()
    }

    #[test]
    fn signs_with_v4_and_keeps_the_request() {
        let oss_signer = OssSigner::new(StaticCredentialProvider::new("LTAI-test", "secret"));
        let signed = block_on(oss_signer.sign(request())).unwrap();
        let unsigned = request().into_unsigned_http();
        assert_eq!(signed.method(), unsigned.method());
        assert_eq!(signed.uri(), unsigned.uri());
        assert_eq!(signed.body(), unsigned.body());
        assert_eq!(
            signed.headers()["Content-MD5"],
            unsigned.headers()["Content-MD5"]
        );
        let authorization = signed.headers()["authorization"].to_str().unwrap();
        assert!(
            authorization.starts_with("OSS4-HMAC-SHA256 Credential=LTAI-test/"),
            "{authorization}"
        );
        assert!(
            authorization.contains("/cn-hangzhou/oss/aliyun_v4_request"),
            "{authorization}"
        );
        assert!(signed.headers().contains_key("x-oss-date"));
        assert!(signed.extensions().get::<Target>().is_some());
    }

    #[test]
    fn presigned_urls_carry_the_signature_in_the_query() {
        let preview = Process::new(
            Object::new("docs", "q3 report.docx").unwrap(),
            params::DocPreview::new().export(false),
        )
        .build_sync(&Endpoint::region("cn-hangzhou").unwrap(), &IMM)
        .unwrap();
        let oss_signer = OssSigner::new(StaticCredentialProvider::new("LTAI-test", "secret"));
        let url =
            block_on(oss_signer.presign(&preview, std::time::Duration::from_mins(10))).unwrap();
        let query = url.query().unwrap();
        assert!(
            query.starts_with("x-oss-process=doc%2Fpreview%2Cexport_0&"),
            "{query}"
        );
        for field in [
            "x-oss-signature-version=OSS4-HMAC-SHA256",
            "x-oss-expires=600",
            "x-oss-signature=",
        ] {
            assert!(query.contains(field), "{field} in {query}");
        }
        assert!(matches!(
            block_on(oss_signer.presign(&request(), std::time::Duration::from_mins(10))),
            Err(SignError::NotGet)
        ));
    }
}
