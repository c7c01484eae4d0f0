//! What can go wrong talking to RAM, said so that the reader knows what to do.

use std::fmt;

use immperm_openapi::{ApiError, ResponseError};

use super::call::{Call, Principal};

/// The roles IMM's console creates on the Cloud Resource Access Authorization page.
const AUTHORIZED_ROLES: [&str; 2] = ["AliyunIMMDefaultRole", "AliyunIMMBatchTriggerRole"];

/// A RAM call that failed. The message names the call, what it was about, and the fix; it
/// never holds a secret or a policy document.
#[derive(Clone, Debug, PartialEq)]
pub enum RamError {
    /// RAM answered an error (after the retries throttling allows).
    Api {
        /// The call.
        call: Box<Call>,
        /// RAM's answer.
        error: Box<ApiError>,
        /// How many times the call was sent.
        attempts: u32,
        /// The account ID the resources are named in (`*` when unknown).
        account: String,
    },
    /// No answer: the endpoint cannot be reached, or the connection failed.
    Transport {
        /// The call.
        call: Box<Call>,
        /// The endpoint, `https://ram.aliyuncs.com`.
        endpoint: String,
        /// What failed.
        reason: String,
        /// How many times the call was sent.
        attempts: u32,
    },
    /// An answer that is not the JSON RAM sends.
    Response {
        /// The call.
        call: Box<Call>,
        /// What is wrong with it.
        error: ResponseError,
    },
    /// The request could not be built or signed (a credential or name a header cannot carry).
    Request {
        /// The call.
        call: Box<Call>,
        /// Why.
        reason: String,
    },
}

impl RamError {
    /// The call that failed.
    pub fn call(&self) -> &Call {
        match self {
            Self::Api { call, .. }
            | Self::Transport { call, .. }
            | Self::Response { call, .. }
            | Self::Request { call, .. } => call,
        }
    }

    /// RAM's error code (`EntityNotExist.User`), when RAM answered one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Api { error, .. } => Some(&error.code),
            _ => None,
        }
    }

    /// Whether RAM said the entity the call names does not exist (`EntityNotExist.*`).
    pub fn is_not_found(&self) -> bool {
        self.code()
            .is_some_and(|code| code.starts_with("EntityNotExist"))
    }
}

fn request_id(error: &ApiError) -> String {
    error
        .request_id
        .as_ref()
        .map_or_else(String::new, |id| format!(", request id {id}"))
}

fn missing(f: &mut fmt::Formatter<'_>, principal: &Principal, answer: &str) -> fmt::Result {
    let name = principal.name();
    match principal {
        Principal::User(_) => write!(
            f,
            "RAM user `{name}` does not exist ({answer}); check the name (`aliyun ram ListUsers` \
             lists the account's users) or create the user (`aliyun ram CreateUser --UserName \
             {name}`)"
        ),
        Principal::Group(_) => write!(
            f,
            "RAM user group `{name}` does not exist ({answer}); `aliyun ram ListGroups` lists \
             the account's groups"
        ),
        Principal::Role(_)
            if AUTHORIZED_ROLES
                .iter()
                .any(|r| r.eq_ignore_ascii_case(name)) =>
        {
            write!(
                f,
                "RAM role `{name}` does not exist ({answer}); IMM's console creates it: \
                 authorize IMM on the Cloud Resource Access Authorization page of the RAM \
                 console, then run the command again"
            )
        }
        Principal::Role(_) => write!(
            f,
            "RAM role `{name}` does not exist ({answer}); check the name (`aliyun ram ListRoles` \
             lists the account's roles) or create the role"
        ),
    }
}

fn api(
    f: &mut fmt::Formatter<'_>,
    call: &Call,
    error: &ApiError,
    attempts: u32,
    account: &str,
) -> fmt::Result {
    let code = error.code.as_str();
    let answer = format!("RAM answered `{code}` to {call}{}", request_id(error));
    let denied = code == "NoPermission"
        || code.starts_with("NoPermission.")
        || code == "Forbidden"
        || code.starts_with("Forbidden.");
    if code.starts_with("EntityNotExist.")
        && !code.starts_with("EntityNotExist.Policy")
        && let Some(principal) = call.principal()
    {
        return missing(f, &principal, &answer);
    }
    if denied {
        let permission = call.permission();
        let action = error.denied_action().unwrap_or(&permission);
        let resources = call
            .resources(account)
            .iter()
            .map(|r| format!("`{r}`"))
            .collect::<Vec<_>>()
            .join(" and ");
        return write!(
            f,
            "these credentials may not call `{action}` on {resources} ({answer}); allow it in a \
             policy of the RAM user or role they belong to (`immperm deploy --print-own-policy` \
             prints every permission immperm needs)"
        );
    }
    if error.is_throttling() {
        return write!(
            f,
            "RAM throttled {call} through {attempts} attempt{} ({answer}); wait a minute and run \
             the command again",
            if attempts == 1 { "" } else { "s" }
        );
    }
    if code.starts_with("EntityAlreadyExists") {
        return write!(
            f,
            "what {call} creates was created elsewhere after it was read ({answer}); run the \
             command again"
        );
    }
    if code == "LimitExceeded.Policy.Version" {
        return write!(
            f,
            "the policy already has RAM's maximum of 5 versions ({answer}): another change raced \
             this one; run the command again, or delete a non-default version with `aliyun ram \
             DeletePolicyVersion`"
        );
    }
    write!(f, "RAM refused {call}: {error}")
}

impl fmt::Display for RamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Api {
                call,
                error,
                attempts,
                account,
            } => api(f, call, error, *attempts, account),
            Self::Transport {
                call,
                endpoint,
                reason,
                attempts,
            } => write!(
                f,
                "cannot reach RAM at {endpoint} for {call} ({reason}, {attempts} attempt{}); check \
                 the network, or the endpoint given with `--ram-endpoint` or IMMPERM_RAM_ENDPOINT",
                if *attempts == 1 { "" } else { "s" }
            ),
            Self::Response { call, error } => write!(f, "{call}: {error}"),
            Self::Request { call, reason } => write!(f, "cannot send {call}: {reason}"),
        }
    }
}

impl std::error::Error for RamError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::call::PolicyRef;

    fn answered(call: Call, status: u16, body: &str) -> RamError {
        let mut response = immperm_openapi::http::Response::new(body.as_bytes().to_vec());
        *response.status_mut() = status.try_into().unwrap();
        RamError::Api {
            call: Box::new(call),
            error: Box::new(ApiError::from_response(&response).unwrap()),
            attempts: 1,
            account: "1234567890123456".into(),
        }
    }

    #[test]
    fn a_missing_user_is_named_with_the_fix() {
        let error = answered(
            Call::ListPoliciesForUser {
                user: "media-app".into(),
            },
            404,
            r#"{"Code": "EntityNotExist.User", "Message": "The user does not exist.", "RequestId": "R1"}"#,
        );
        assert!(error.is_not_found());
        assert_eq!(
            error.to_string(),
            "RAM user `media-app` does not exist (RAM answered `EntityNotExist.User` to \
             ListPoliciesForUser for user `media-app`, request id R1); check the name (`aliyun \
             ram ListUsers` lists the account's users) or create the user (`aliyun ram \
             CreateUser --UserName media-app`)"
        );
        let role = answered(
            Call::ListPoliciesForRole {
                role: "AliyunIMMBatchTriggerRole".into(),
            },
            404,
            r#"{"Code": "EntityNotExist.Role"}"#,
        );
        assert!(
            role.to_string()
                .contains("Cloud Resource Access Authorization")
        );
    }

    #[test]
    fn a_denial_names_the_action_and_the_resource() {
        let call = Call::CreatePolicyVersion {
            policy: "media-app-imm-caller".into(),
            document: "{}".into(),
            set_as_default: true,
        };
        let plain = answered(
            call.clone(),
            403,
            r#"{"Code": "NoPermission", "RequestId": "R2"}"#,
        );
        let message = plain.to_string();
        assert!(
            message.starts_with(
                "these credentials may not call `ram:CreatePolicyVersion` on \
                 `acs:ram:*:1234567890123456:policy/media-app-imm-caller`"
            ),
            "{message}"
        );
        assert!(message.contains("--print-own-policy"));
        let detailed = answered(
            Call::AttachPolicyToUser {
                policy: PolicyRef::custom("p"),
                user: "u".into(),
            },
            403,
            r#"{"Code": "Forbidden.RAM", "AccessDeniedDetail": {"AuthAction": "ram:AttachPolicyToUser"}}"#,
        );
        assert!(detailed.to_string().contains(
            "may not call `ram:AttachPolicyToUser` on `acs:ram:*:1234567890123456:policy/p` and \
             `acs:ram:*:1234567890123456:user/u`"
        ));
    }

    #[test]
    fn other_answers_keep_rams_message() {
        let throttled = answered(
            Call::GetRole { role: "r".into() },
            400,
            r#"{"Code": "Throttling.User", "Message": "Request was denied due to user flow control."}"#,
        );
        assert!(
            throttled
                .to_string()
                .starts_with("RAM throttled GetRole for role `r` through 1 attempt (")
        );
        let invalid = answered(
            Call::CreatePolicy {
                policy: "p".into(),
                document: "{}".into(),
                description: String::new(),
            },
            400,
            r#"{"Code": "MalformedPolicyDocument", "Message": "The policy document is malformed."}"#,
        );
        assert_eq!(
            invalid.to_string(),
            "RAM refused CreatePolicy `Custom:p`: Alibaba Cloud answered HTTP 400 \
             `MalformedPolicyDocument`: The policy document is malformed."
        );
    }
}
