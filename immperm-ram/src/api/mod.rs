//! A RAM API client (`2015-05-01`): the calls `immperm deploy` and `immperm check --live`
//! make, signed with `immperm-openapi`'s V3 signer and sent on a blocking HTTP client.
//!
//! - [`Call`] lists every call the client makes: its parameters, the request it becomes, and
//!   the permission and resources RAM authorizes it on.
//! - [`Client`] sends calls with [`Credentials`] (read with
//!   [`immperm_openapi::credentials::load`]), retries throttled calls with backoff (bounded,
//!   honouring `x-acs-retry-after`), and turns RAM's errors into [`RamError`]s that say what to
//!   do.
//! - [`attached`] reads every policy that applies to a user (directly and through its groups)
//!   or a role, with the document of its default version.
//! - [`deploy`] plans and applies the changes that make RAM hold a set of custom policies,
//!   roles and attachments, comparing documents semantically.
//! - [`own`] is the policy the client itself needs for those, derived from [`Call`].
//!
//! Available with the `api` feature, so that build scripts, which compile the rest of this
//! crate, never compile an HTTP client.
//!
//! ```no_run
//! use immperm_ram::api::{Client, Principal};
//!
//! let loaded = immperm_openapi::credentials::load(None)?;
//! let client = Client::new(immperm_openapi::Endpoint::ram(), loaded.credentials);
//! for policy in immperm_ram::api::attached(&client, &Principal::User("media-app".into()))? {
//!     println!("{} {} ({})", policy.policy, policy.version, policy.via);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod attached;
mod call;
pub mod deploy;
mod error;
mod model;
pub mod own;

use std::fmt;
use std::time::Duration;

use immperm_openapi::http::{Request, Response};
use immperm_openapi::{Credentials, Endpoint, ResponseError, read_json, sign_now};
use serde::de::DeserializeOwned;
use serde_json::Value;

pub use attached::{Attached, attached};
pub use call::{Call, PolicyRef, PolicyType, Principal};
pub use error::RamError;
pub use model::{AttachedPolicy, Policy, PolicyVersion, Role};

/// The variable that sets the RAM endpoint (a URL, like `--ram-endpoint`).
pub const ENDPOINT_VAR: &str = "IMMPERM_RAM_ENDPOINT";

/// How many versions RAM keeps of a custom policy.
pub const VERSION_LIMIT: usize = 5;

/// Sends a signed request and returns the response with its body read.
pub trait Transport {
    /// Sends `request`; any HTTP status is a response, only a failure to get one is an error.
    ///
    /// # Errors
    /// Why no response came (connection refused, timeout, TLS), in words.
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, String>;
}

/// [`Transport`] on ureq: blocking, rustls, no redirects (a signed request must not be sent
/// elsewhere), a 30-second timeout per call, and no proxy for a loopback endpoint.
pub struct Ureq {
    agent: ureq::Agent,
}

impl Ureq {
    /// A transport for calls to `endpoint`.
    pub fn new(endpoint: &Endpoint) -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(30)));
        let config = if is_loopback(endpoint.host()) {
            config.proxy(None)
        } else {
            config
        };
        Self {
            agent: config.build().into(),
        }
    }
}

impl Transport for Ureq {
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, String> {
        let response = self.agent.run(request).map_err(|e| e.to_string())?;
        let (parts, mut body) = response.into_parts();
        let body = body.read_to_vec().map_err(|e| e.to_string())?;
        Ok(Response::from_parts(parts, body))
    }
}

/// Why a URL cannot be the RAM endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EndpointError {
    /// Not `https://host[:port]` (or `http://` for a loopback host).
    Malformed(String),
    /// `http://` to a host that is not on this machine.
    PlainHttp(String),
}

impl fmt::Display for EndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(url) => write!(
                f,
                "`{url}` is not a RAM endpoint; write `https://host` with an optional port, such \
                 as `https://ram.aliyuncs.com` (plain `http://` only for a loopback test server, \
                 `http://127.0.0.1:8080`)"
            ),
            Self::PlainHttp(url) => write!(
                f,
                "`{url}` would send signed requests and STS tokens in clear over plain HTTP to \
                 another machine; use `https://`, or `http://` only for a loopback test server \
                 (127.0.0.1, ::1, localhost)"
            ),
        }
    }
}

impl std::error::Error for EndpointError {}

/// Whether `host` (with an optional port) is this machine: `localhost`, `127.0.0.0/8` or
/// `[::1]`.
fn is_loopback(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        host.rsplit_once(':').map_or(host, |(name, _)| name)
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The endpoint a URL names: `https://host[:port]`, or `http://host:port` for a loopback
/// host, with an optional trailing `/`.
///
/// # Errors
/// [`EndpointError::Malformed`] for anything else (a path, user information, another
/// scheme); [`EndpointError::PlainHttp`] for `http://` to another machine.
pub fn endpoint(url: &str) -> Result<Endpoint, EndpointError> {
    let malformed = || EndpointError::Malformed(url.to_owned());
    let trimmed = url.trim().strip_suffix('/').unwrap_or(url.trim());
    if let Some(host) = trimmed.strip_prefix("https://") {
        Endpoint::https(host).map_err(|_| malformed())
    } else if let Some(host) = trimmed.strip_prefix("http://") {
        let endpoint = Endpoint::http(host).map_err(|_| malformed())?;
        if is_loopback(host) {
            Ok(endpoint)
        } else {
            Err(EndpointError::PlainHttp(url.to_owned()))
        }
    } else {
        Err(malformed())
    }
}

/// How throttled and failed calls are retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retry {
    /// How many times a call is sent at most (at least once).
    pub attempts: u32,
    /// The wait before the second attempt; it doubles for each further one.
    pub base: Duration,
    /// The longest wait the doubling reaches.
    pub max: Duration,
    /// The longest `x-acs-retry-after` honoured; a longer one is waited this long.
    pub max_retry_after: Duration,
}

impl Default for Retry {
    /// 5 attempts, waiting 0.5, 1, 2 and 4 s (or what `x-acs-retry-after` says, up to 60 s).
    fn default() -> Self {
        Self {
            attempts: 5,
            base: Duration::from_millis(500),
            max: Duration::from_secs(8),
            max_retry_after: Duration::from_mins(1),
        }
    }
}

impl Retry {
    /// The wait after attempt `attempt` (1-based) failed, given RAM's `x-acs-retry-after`.
    pub fn wait(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        retry_after.map_or_else(
            || {
                let doubled = 1_u32
                    .checked_shl(attempt.saturating_sub(1))
                    .and_then(|factor| self.base.checked_mul(factor))
                    .unwrap_or(self.max);
                doubled.min(self.max)
            },
            |wait| wait.min(self.max_retry_after),
        )
    }
}

/// A RAM API client.
pub struct Client {
    endpoint: Endpoint,
    credentials: Credentials,
    account: String,
    transport: Box<dyn Transport>,
    retry: Retry,
    sleep: Box<dyn Fn(Duration)>,
    notice: Box<dyn Fn(&str)>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.endpoint)
            .field("credentials", &self.credentials)
            .field("account", &self.account)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client of the RAM API at `endpoint` ([`Endpoint::ram`], or [`endpoint`] of a URL)
    /// signing with `credentials`, on the [`Ureq`] transport, with the default [`Retry`].
    pub fn new(endpoint: Endpoint, credentials: Credentials) -> Self {
        Self {
            transport: Box::new(Ureq::new(&endpoint)),
            endpoint,
            credentials,
            account: "*".to_owned(),
            retry: Retry::default(),
            sleep: Box::new(std::thread::sleep),
            notice: Box::new(|_| {}),
        }
    }

    /// Sends on `transport` instead.
    #[must_use]
    pub fn transport(mut self, transport: impl Transport + 'static) -> Self {
        self.transport = Box::new(transport);
        self
    }

    /// The account ID the resources of error messages are named in (default `*`).
    #[must_use]
    pub fn account(mut self, account: impl Into<String>) -> Self {
        self.account = account.into();
        self
    }

    /// Retries as `retry` says.
    #[must_use]
    pub fn retry(mut self, retry: Retry) -> Self {
        self.retry = retry;
        self
    }

    /// Waits with `sleep` between attempts instead of sleeping the thread (for tests).
    #[must_use]
    pub fn sleep(mut self, sleep: impl Fn(Duration) + 'static) -> Self {
        self.sleep = Box::new(sleep);
        self
    }

    /// Calls `notice` with a sentence before each retry (``RAM throttled `GetPolicy`…``).
    #[must_use]
    pub fn on_retry(mut self, notice: impl Fn(&str) + 'static) -> Self {
        self.notice = Box::new(notice);
        self
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// Sends `call` and returns RAM's JSON answer. A throttled call is retried (every call:
    /// RAM did not run it); a failure on RAM's side (5xx) or of the connection is retried for
    /// reads only, since a write may have happened.
    ///
    /// # Errors
    /// A [`RamError`] once the retries are spent or for an error retrying cannot fix.
    pub fn send(&self, call: &Call) -> Result<Value, RamError> {
        let boxed = || Box::new(call.clone());
        let attempts = self.retry.attempts.max(1);
        let mut attempt = 1;
        loop {
            let request = call
                .request(&self.endpoint)
                .build()
                .map_err(|e| RamError::Request {
                    call: boxed(),
                    reason: e.to_string(),
                })?;
            let signed = sign_now(request, &self.credentials).map_err(|e| RamError::Request {
                call: boxed(),
                reason: e.to_string(),
            })?;
            let (reason, retry_after) = match self.transport.send(signed) {
                Ok(response) => match read_json(&response) {
                    Ok(value) => return Ok(value),
                    Err(ResponseError::Api(error)) => {
                        let retryable =
                            error.is_throttling() || (!call.is_write() && error.is_retryable());
                        if !retryable || attempt >= attempts {
                            return Err(RamError::Api {
                                call: boxed(),
                                error,
                                attempts: attempt,
                                account: self.account.clone(),
                            });
                        }
                        let code = if error.code.is_empty() {
                            format!("HTTP {}", error.status)
                        } else {
                            format!("`{}`", error.code)
                        };
                        (format!("RAM answered {code}"), error.retry_after)
                    }
                    Err(error) => {
                        return Err(RamError::Response {
                            call: boxed(),
                            error,
                        });
                    }
                },
                Err(reason) if call.is_write() || attempt >= attempts => {
                    return Err(RamError::Transport {
                        call: boxed(),
                        endpoint: format!("{}://{}", self.endpoint.scheme(), self.endpoint.host()),
                        reason,
                        attempts: attempt,
                    });
                }
                Err(reason) => (reason, None),
            };
            let wait = self.retry.wait(attempt, retry_after);
            (self.notice)(&format!(
                "{call}: {reason}; retrying in {} ms (attempt {} of {attempts})",
                wait.as_millis(),
                attempt + 1
            ));
            (self.sleep)(wait);
            attempt += 1;
        }
    }

    /// Sends `call` and reads the answer as a `T`.
    fn read<T: DeserializeOwned>(&self, call: &Call) -> Result<T, RamError> {
        let value = self.send(call)?;
        serde_json::from_value(value).map_err(|error| RamError::Response {
            call: Box::new(call.clone()),
            error: ResponseError::Shape {
                status: 200,
                reason: error.to_string(),
            },
        })
    }

    /// The policies attached to `principal` directly (`ListPoliciesForUser`, `…ForGroup`,
    /// `…ForRole`).
    ///
    /// # Errors
    /// As [`Client::send`]; `EntityNotExist.User` (or `.Role`, `.Group`) when the principal
    /// does not exist.
    pub fn list_policies(&self, principal: &Principal) -> Result<Vec<AttachedPolicy>, RamError> {
        let call = match principal {
            Principal::User(user) => Call::ListPoliciesForUser { user: user.clone() },
            Principal::Group(group) => Call::ListPoliciesForGroup {
                group: group.clone(),
            },
            Principal::Role(role) => Call::ListPoliciesForRole { role: role.clone() },
        };
        let body: model::PoliciesBody = self.read(&call)?;
        Ok(body
            .policies
            .policy
            .into_iter()
            .map(model::WirePolicy::attached)
            .collect())
    }

    /// The names of the groups `user` belongs to (`ListGroupsForUser`).
    ///
    /// # Errors
    /// As [`Client::send`].
    pub fn list_groups_for_user(&self, user: &str) -> Result<Vec<String>, RamError> {
        let body: model::GroupsBody = self.read(&Call::ListGroupsForUser {
            user: user.to_owned(),
        })?;
        Ok(body
            .groups
            .group
            .into_iter()
            .map(|g| g.group_name)
            .collect())
    }

    /// The policy, or `None` when it does not exist (`GetPolicy`).
    ///
    /// # Errors
    /// As [`Client::send`], except `EntityNotExist.Policy`.
    pub fn get_policy(&self, policy: &PolicyRef) -> Result<Option<Policy>, RamError> {
        match self.read::<model::GetPolicyBody>(&Call::GetPolicy {
            policy: policy.clone(),
        }) {
            Ok(body) => Ok(Some(body.policy.policy())),
            Err(error) if error.code() == Some("EntityNotExist.Policy") => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// One version of a policy, with its document (`GetPolicyVersion`).
    ///
    /// # Errors
    /// As [`Client::send`].
    pub fn get_policy_version(
        &self,
        policy: &PolicyRef,
        version: &str,
    ) -> Result<PolicyVersion, RamError> {
        let body: model::VersionBody = self.read(&Call::GetPolicyVersion {
            policy: policy.clone(),
            version: version.to_owned(),
        })?;
        Ok(body.policy_version.into())
    }

    /// Every version of a custom policy (`ListPolicyVersions`).
    ///
    /// # Errors
    /// As [`Client::send`].
    pub fn list_policy_versions(&self, policy: &str) -> Result<Vec<PolicyVersion>, RamError> {
        let body: model::VersionsBody = self.read(&Call::ListPolicyVersions {
            policy: policy.to_owned(),
        })?;
        Ok(body
            .policy_versions
            .policy_version
            .into_iter()
            .map(PolicyVersion::from)
            .collect())
    }

    /// Creates a custom policy (`CreatePolicy`); its first version, `v1`, is the default.
    ///
    /// # Errors
    /// As [`Client::send`].
    pub fn create_policy(
        &self,
        policy: &str,
        document: &str,
        description: &str,
    ) -> Result<(), RamError> {
        self.send(&Call::CreatePolicy {
            policy: policy.to_owned(),
            document: document.to_owned(),
            description: description.to_owned(),
        })
        .map(drop)
    }

    /// Adds a version to a custom policy (`CreatePolicyVersion`) and returns it.
    ///
    /// # Errors
    /// As [`Client::send`]; `LimitExceeded.Policy.Version` when it has 5 already.
    pub fn create_policy_version(
        &self,
        policy: &str,
        document: &str,
        set_as_default: bool,
    ) -> Result<PolicyVersion, RamError> {
        let body: model::VersionBody = self.read(&Call::CreatePolicyVersion {
            policy: policy.to_owned(),
            document: document.to_owned(),
            set_as_default,
        })?;
        Ok(body.policy_version.into())
    }

    /// Deletes a non-default version of a custom policy (`DeletePolicyVersion`).
    ///
    /// # Errors
    /// As [`Client::send`].
    pub fn delete_policy_version(&self, policy: &str, version: &str) -> Result<(), RamError> {
        self.send(&Call::DeletePolicyVersion {
            policy: policy.to_owned(),
            version: version.to_owned(),
        })
        .map(drop)
    }

    /// Attaches `policy` to the user `user` (`AttachPolicyToUser`).
    ///
    /// # Errors
    /// As [`Client::send`].
    pub fn attach_policy_to_user(&self, policy: &PolicyRef, user: &str) -> Result<(), RamError> {
        self.send(&Call::AttachPolicyToUser {
            policy: policy.clone(),
            user: user.to_owned(),
        })
        .map(drop)
    }

    /// Attaches `policy` to the role `role` (`AttachPolicyToRole`).
    ///
    /// # Errors
    /// As [`Client::send`].
    pub fn attach_policy_to_role(&self, policy: &PolicyRef, role: &str) -> Result<(), RamError> {
        self.send(&Call::AttachPolicyToRole {
            policy: policy.clone(),
            role: role.to_owned(),
        })
        .map(drop)
    }

    /// The role, or `None` when it does not exist (`GetRole`).
    ///
    /// # Errors
    /// As [`Client::send`], except `EntityNotExist.Role`.
    pub fn get_role(&self, role: &str) -> Result<Option<Role>, RamError> {
        match self.read::<model::RoleBody>(&Call::GetRole {
            role: role.to_owned(),
        }) {
            Ok(body) => Ok(Some(body.role.into())),
            Err(error) if error.code() == Some("EntityNotExist.Role") => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Creates a role trusting what `trust` says (`CreateRole`).
    ///
    /// # Errors
    /// As [`Client::send`].
    pub fn create_role(&self, role: &str, trust: &str, description: &str) -> Result<(), RamError> {
        self.send(&Call::CreateRole {
            role: role.to_owned(),
            trust: trust.to_owned(),
            description: description.to_owned(),
        })
        .map(drop)
    }

    /// Replaces a role's trust policy (`UpdateRole` with `NewAssumeRolePolicyDocument`).
    ///
    /// # Errors
    /// As [`Client::send`].
    pub fn update_role(&self, role: &str, trust: &str) -> Result<(), RamError> {
        self.send(&Call::UpdateRole {
            role: role.to_owned(),
            trust: trust.to_owned(),
        })
        .map(drop)
    }
}

#[cfg(test)]
mod tests;
