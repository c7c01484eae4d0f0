//! Alibaba Cloud OpenAPI requests in the RPC style RAM (`2015-05-01`) and IMM (`2020-09-30`)
//! use, signed with Alibaba Cloud's V3 signature `ACS3-HMAC-SHA256`.
//!
//! - [`RpcRequest`] builds the call into an [`http::Request`]: endpoint, action, version, and
//!   parameters in the query or a form body, objects as JSON, as the official SDKs send them.
//! - [`sign`] signs it: a pure function of the request, the [`Credentials`], the
//!   [`Timestamp`] and the [`Nonce`]; [`CanonicalRequest`] is the value it hashes.
//! - [`read_json`] and [`read`] read the answer; an error answer becomes an [`ApiError`]
//!   that says whether to back off ([`ApiError::is_throttling`]).
//! - [`credentials`] reads credentials as Alibaba Cloud's tools do: the environment, then the
//!   aliyun CLI's profiles.
//! - [`verify`] checks a received request's signature, for test servers.
//!
//! The requests agree byte for byte with the official Python SDK's (`alibabacloud-tea-openapi`
//! with `alibabacloud-ram20150501` and `alibabacloud-imm20200930`): the workspace's
//! `tests/tests/openapi_agreement.rs` compares them. No HTTP client is included: send the
//! request with any.
//!
//! ```
//! use immperm_openapi::{Credentials, Endpoint, Nonce, RAM_VERSION, RpcRequest, Timestamp};
//!
//! let request = RpcRequest::new(Endpoint::ram(), "GetPolicy", RAM_VERSION)
//!     .query("PolicyName", "media-app")
//!     .query("PolicyType", "Custom")
//!     .build()?;
//! let credentials = Credentials::new("LTAI5tExample", "example-secret");
//! let date: Timestamp = "2026-12-04T03:04:05Z".parse()?;
//! let signed = immperm_openapi::sign(request, &credentials, date, &Nonce::new("3f1c9a")?)?;
//!
//! assert_eq!(signed.uri(), "https://ram.aliyuncs.com/?PolicyName=media-app&PolicyType=Custom");
//! assert_eq!(signed.headers()["x-acs-date"], "2026-12-04T03:04:05Z");
//! let verified = immperm_openapi::verify(&signed, "example-secret")?;
//! assert_eq!(verified.action, "GetPolicy");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! In an application, [`credentials::load`] finds the credentials and [`sign_now`] signs at
//! the current time with a random nonce.

mod canonical;
pub mod credentials;
mod encode;
mod request;
mod response;
mod sign;
mod time;
mod verify;

pub use canonical::CanonicalRequest;
pub use credentials::{Credentials, CredentialsError};
pub use http;
pub use request::{
    BuildError, Endpoint, EndpointError, IMM_VERSION, RAM_VERSION, RpcRequest, USER_AGENT,
};
pub use response::{ApiError, ResponseError, X_ACS_RETRY_AFTER, read, read_json};
pub use sign::{
    ALGORITHM, Nonce, NonceError, SignError, X_ACS_ACCESSKEY_ID, X_ACS_ACTION,
    X_ACS_CONTENT_SHA256, X_ACS_DATE, X_ACS_SECURITY_TOKEN, X_ACS_SIGNATURE_NONCE, X_ACS_VERSION,
    sign, sign_now,
};
pub use time::{Timestamp, TimestampError};
pub use verify::{Verified, VerifyError, verify};
