//! Reaching RAM: the endpoint and the credentials the command line names.

use immperm_openapi::{Endpoint, credentials};
use immperm_ram::api::{self, Client};

use crate::cli::RamArgs;
use crate::outcome::{Failure, note};

/// A client, and where its credentials came from (never the credentials themselves).
pub(crate) struct Connection {
    pub(crate) client: Client,
    /// `https://ram.aliyuncs.com with credentials from the environment (…)`.
    pub(crate) described: String,
}

/// The client `args` describe: the endpoint of `--ram-endpoint`, else of
/// `IMMPERM_RAM_ENDPOINT`, else RAM's; the credentials of `--profile`, else as Alibaba
/// Cloud's tools find them. Error messages name resources in `account`; retries are noted on
/// stderr as they happen.
///
/// # Errors
/// An endpoint that is not a URL RAM can be reached at (or plain HTTP to another machine), or
/// no usable credentials; the message says what to set.
pub(crate) fn connect(args: &RamArgs, account: &str) -> Result<Connection, Failure> {
    let from_env = std::env::var(api::ENDPOINT_VAR)
        .ok()
        .filter(|url| !url.trim().is_empty());
    let endpoint = match (&args.ram_endpoint, from_env) {
        (Some(url), _) => {
            api::endpoint(url).map_err(|e| Failure::new(format!("`--ram-endpoint`: {e}")))?
        }
        (None, Some(url)) => {
            api::endpoint(&url).map_err(|e| Failure::new(format!("{}: {e}", api::ENDPOINT_VAR)))?
        }
        (None, None) => Endpoint::ram(),
    };
    let loaded = credentials::load(args.profile.as_deref())
        .map_err(|e| Failure::new(format!("cannot call RAM without credentials: {e}")))?;
    let described = format!(
        "{}://{} with credentials from {}",
        endpoint.scheme(),
        endpoint.host(),
        loaded.source
    );
    let client = Client::new(endpoint, loaded.credentials)
        .account(account)
        .on_retry(note);
    Ok(Connection { client, described })
}
