//! A RAM API server on 127.0.0.1 for tests: the calls `immperm deploy` and `check --live`
//! make, with RAM's semantics, every request's V3 signature verified.
//!
//! What it holds: users, groups (with members), roles (with trust policies), custom policies
//! with up to five versions and one default, Alibaba Cloud's system policies (the documents
//! of the fact sheet: `AliyunIMMFullAccess` grants `ram:PassRole` only under an `acs:Service`
//! condition), and attachments of policies to users, groups and roles, within RAM's attach
//! limits. What it answers, as RAM does: the documents reformatted (compact, one value as a
//! list), `EntityNotExist.*` (404), `EntityAlreadyExists.*`, `LimitExceeded.*` and
//! `DeleteConflict.*` (409), `MalformedPolicyDocument` and `InvalidParameter.*` (400),
//! `NoPermission` (403, with `AccessDeniedDetail`) for a call outside the policy the caller
//! is restricted to, and `Throttling.User` (400) once for each call told to throttle.
//!
//! Every request is recorded with the action and the resources RAM authorizes it on, derived
//! here from its parameters as RAM's API reference lists them (not by the client's code), so
//! that a test can check a policy against what was really called.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::{self, BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use immperm_openapi::http::Request;
use immperm_openapi::{Timestamp, verify};
use immperm_ram::eval::Evaluator;
use immperm_ram::policy::{DEFAULT_SIZE_LIMIT, PolicyDocument, PolicyKind};
use serde_json::{Value, json};

/// The account the server is.
pub const ACCOUNT: &str = "1234567890123456";
/// The AccessKey ID the server accepts.
pub const ACCESS_KEY_ID: &str = "LTAI5tRamServerTest";
/// Its secret.
pub const ACCESS_KEY_SECRET: &str = "ram-server-test-secret";

/// RAM's limit of versions per custom policy.
const VERSION_LIMIT: usize = 5;

/// `AliyunIMMFullAccess` v3 as the fact sheet gives it.
pub const ALIYUN_IMM_FULL_ACCESS: &str = r#"{"Version": "1", "Statement": [
  {"Action": "imm:*", "Resource": "*", "Effect": "Allow"},
  {"Action": "oss:ListBuckets", "Resource": "*", "Effect": "Allow"},
  {"Action": "ram:ListRoles", "Resource": "*", "Effect": "Allow"},
  {"Action": "ram:PassRole", "Resource": "*", "Effect": "Allow",
   "Condition": {"StringEquals": {"acs:Service": "imm.aliyuncs.com"}}}]}"#;
/// `AliyunOSSFullAccess`: its document is not published verbatim; "full management
/// permissions on OSS" is read as `oss:*` on `*`.
pub const ALIYUN_OSS_FULL_ACCESS: &str =
    r#"{"Version": "1", "Statement": [{"Action": "oss:*", "Resource": "*", "Effect": "Allow"}]}"#;
/// `AliyunOSSReadOnlyAccess`.
pub const ALIYUN_OSS_READ_ONLY_ACCESS: &str = r#"{"Version": "1", "Statement": [
  {"Action": ["oss:Get*", "oss:List*"], "Resource": "*", "Effect": "Allow"}]}"#;
/// `AliyunIMMReadOnlyAccess`.
pub const ALIYUN_IMM_READ_ONLY_ACCESS: &str = r#"{"Version": "1", "Statement": [
  {"Action": ["imm:Get*", "imm:List*"], "Resource": "*", "Effect": "Allow"}]}"#;

/// Who a policy is attached to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Who {
    /// A RAM user.
    User(String),
    /// A user group.
    Group(String),
    /// A role.
    Role(String),
}

impl Who {
    fn kind(&self) -> &'static str {
        match self {
            Self::User(_) => "user",
            Self::Group(_) => "group",
            Self::Role(_) => "role",
        }
    }

    fn name(&self) -> &str {
        match self {
            Self::User(name) | Self::Group(name) | Self::Role(name) => name,
        }
    }
}

/// One request the server received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    /// `x-acs-action`.
    pub action: String,
    /// The query parameters, decoded.
    pub params: BTreeMap<String, String>,
    /// The resources RAM authorizes the call on.
    pub resources: Vec<String>,
    /// The HTTP status answered.
    pub status: u16,
    /// The error code answered, if any.
    pub code: Option<String>,
}

impl Recorded {
    /// `ram:<action>`.
    pub fn permission(&self) -> String {
        format!("ram:{}", self.action)
    }

    /// Whether the call changes RAM (it is not a `Get*` or `List*`).
    pub fn is_write(&self) -> bool {
        !(self.action.starts_with("Get") || self.action.starts_with("List"))
    }
}

struct Version {
    number: u64,
    document: String,
    created: String,
}

struct Custom {
    description: String,
    versions: Vec<Version>,
    default: u64,
    next: u64,
}

#[derive(Default)]
struct State {
    users: BTreeSet<String>,
    groups: BTreeMap<String, BTreeSet<String>>,
    roles: BTreeMap<String, (String, String)>,
    custom: BTreeMap<String, Custom>,
    system: BTreeMap<String, (String, String)>,
    /// (who, policy type, policy name).
    attachments: BTreeSet<(Who, String, String)>,
    throttle: BTreeMap<String, u32>,
    restricted_to: Option<PolicyDocument>,
    recorded: Vec<Recorded>,
    nonces: BTreeSet<String>,
    clock: u64,
    requests: u64,
}

/// A running server; it stops when dropped.
pub struct RamServer {
    address: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// An error answer: status, code, message.
type Refusal = (u16, String, String);

fn refuse(status: u16, code: &str, message: &str) -> Refusal {
    (status, code.to_owned(), message.to_owned())
}

fn no_policy() -> Refusal {
    refuse(404, "EntityNotExist.Policy", "The policy does not exist.")
}

fn no_version() -> Refusal {
    refuse(
        404,
        "EntityNotExist.Policy.Version",
        "The policy version does not exist.",
    )
}

/// A name to create a `Policy` or `Role` with: valid, and not taken.
fn new_name(entity: &str, valid: bool, taken: bool) -> Result<(), Refusal> {
    if !valid {
        return Err(refuse(
            400,
            &format!("InvalidParameter.{entity}Name.InvalidChars"),
            &format!("The {} name is invalid.", entity.to_ascii_lowercase()),
        ));
    }
    if taken {
        return Err(refuse(
            409,
            &format!("EntityAlreadyExists.{entity}"),
            &format!("The {} already exists.", entity.to_ascii_lowercase()),
        ));
    }
    Ok(())
}

fn role_arn(name: &str) -> String {
    format!("acs:ram::{ACCOUNT}:role/{}", name.to_ascii_lowercase())
}

/// RAM returns documents in its own form: compact, `Action` and `Resource` always lists.
fn reformat(document: &str) -> String {
    let Ok(mut value) = serde_json::from_str::<Value>(document) else {
        return document.to_owned();
    };
    if let Some(statements) = value.get_mut("Statement").and_then(Value::as_array_mut) {
        for statement in statements {
            for key in ["Action", "Resource", "NotAction"] {
                if let Some(field) = statement.get_mut(key)
                    && field.is_string()
                {
                    *field = Value::Array(vec![field.take()]);
                }
            }
        }
    }
    value.to_string()
}

fn valid_policy_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

fn valid_role_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
}

/// Decodes `application/x-www-form-urlencoded` text (`+` a space, `%XX` a byte).
fn form_decode(text: &str) -> BTreeMap<String, String> {
    let decode = |part: &str| {
        let bytes = part.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut index = 0;
        while let Some(&byte) = bytes.get(index) {
            match byte {
                b'+' => out.push(b' '),
                b'%' => {
                    let hex = bytes
                        .get(index + 1..index + 3)
                        .and_then(|h| std::str::from_utf8(h).ok())
                        .and_then(|h| u8::from_str_radix(h, 16).ok());
                    if let Some(value) = hex {
                        out.push(value);
                        index += 2;
                    } else {
                        out.push(b'%');
                    }
                }
                other => out.push(other),
            }
            index += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
        .collect()
}

impl State {
    fn lock(state: &Mutex<Self>) -> MutexGuard<'_, Self> {
        state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn now(&mut self) -> String {
        self.clock += 1;
        let seconds = 1_780_000_000 + self.clock;
        Timestamp::from_unix_seconds(seconds).map_or_else(|_| String::new(), |t| t.to_string())
    }

    fn add_version(&mut self, name: &str, document: &str, default: bool) -> Option<u64> {
        let created = self.now();
        let policy = self.custom.get_mut(name)?;
        let number = policy.next;
        policy.next += 1;
        policy.versions.push(Version {
            number,
            document: reformat(document),
            created,
        });
        if default {
            policy.default = number;
        }
        Some(number)
    }

    fn policy_arn(kind: &str, name: &str) -> String {
        if kind == "System" {
            format!("acs:ram:*:system:policy/{name}")
        } else {
            format!("acs:ram:*:{ACCOUNT}:policy/{name}")
        }
    }
}

/// The resources RAM's API reference lists for `action` with these parameters.
fn resources(action: &str, params: &BTreeMap<String, String>) -> Vec<String> {
    let get = |name: &str| params.get(name).cloned().unwrap_or_default();
    let kind = params
        .get("PolicyType")
        .cloned()
        .unwrap_or_else(|| "Custom".to_owned());
    let policy = || State::policy_arn(&kind, &get("PolicyName"));
    let user = || format!("acs:ram:*:{ACCOUNT}:user/{}", get("UserName"));
    let group = || format!("acs:ram:*:{ACCOUNT}:group/{}", get("GroupName"));
    let role = || format!("acs:ram:*:{ACCOUNT}:role/{}", get("RoleName"));
    match action {
        "ListPoliciesForUser" | "ListGroupsForUser" | "GetUser" => vec![user()],
        "ListPoliciesForGroup" => vec![group()],
        "ListPoliciesForRole" | "GetRole" | "CreateRole" | "UpdateRole" => vec![role()],
        "GetPolicy"
        | "GetPolicyVersion"
        | "ListPolicyVersions"
        | "CreatePolicy"
        | "CreatePolicyVersion"
        | "DeletePolicyVersion" => vec![policy()],
        "AttachPolicyToUser" => vec![policy(), user()],
        "AttachPolicyToRole" => vec![policy(), role()],
        _ => Vec::new(),
    }
}

fn policy_json(kind: &str, name: &str, description: &str, default: &str) -> Value {
    json!({"PolicyName": name, "PolicyType": kind, "Description": description,
           "DefaultVersion": default, "AttachDate": "2026-12-01T00:00:00Z"})
}

impl State {
    /// The version of a policy, as RAM lists it.
    fn version_json(policy: &Custom, version: &Version) -> Value {
        json!({"VersionId": format!("v{}", version.number), "IsDefaultVersion": version.number == policy.default,
               "PolicyDocument": version.document, "CreateDate": version.created})
    }

    /// The policy (type, name): its description, default version ID and default document.
    fn find(&self, kind: &str, name: &str) -> Option<(String, String, String)> {
        if kind == "System" {
            let (version, document) = self.system.get(name)?;
            return Some((String::new(), version.clone(), document.clone()));
        }
        let policy = self.custom.get(name)?;
        let version = policy
            .versions
            .iter()
            .find(|v| v.number == policy.default)?;
        Some((
            policy.description.clone(),
            format!("v{}", version.number),
            version.document.clone(),
        ))
    }

    fn attached_to(&self, who: &Who) -> Value {
        let policies: Vec<Value> = self
            .attachments
            .iter()
            .filter(|(w, _, _)| w == who)
            .filter_map(|(_, kind, name)| {
                let (description, version, _) = self.find(kind, name)?;
                Some(policy_json(kind, name, &description, &version))
            })
            .collect();
        json!({"Policies": {"Policy": policies}})
    }

    fn exists(&self, who: &Who) -> Result<(), Refusal> {
        let (found, code, what) = match who {
            Who::User(name) => (self.users.contains(name), "EntityNotExist.User", "user"),
            Who::Group(name) => (
                self.groups.contains_key(name),
                "EntityNotExist.Group",
                "group",
            ),
            Who::Role(name) => (self.roles.contains_key(name), "EntityNotExist.Role", "role"),
        };
        if found {
            Ok(())
        } else {
            Err(refuse(404, code, &format!("The {what} does not exist.")))
        }
    }

    fn attach(&mut self, who: &Who, kind: &str, name: &str) -> Result<Value, Refusal> {
        self.exists(who)?;
        if self.find(kind, name).is_none() {
            return Err(no_policy());
        }
        let key = (who.clone(), kind.to_owned(), name.to_owned());
        let entity = match who {
            Who::User(_) => "User",
            Who::Group(_) => "Group",
            Who::Role(_) => "Role",
        };
        if self.attachments.contains(&key) {
            return Err(refuse(
                409,
                &format!("EntityAlreadyExists.{entity}.Policy"),
                "The policy is already attached.",
            ));
        }
        let limit = match (who, kind) {
            (Who::User(_), "Custom") => 10,
            (Who::Group(_) | Who::Role(_), "Custom") => 5,
            _ => 20,
        };
        let count = self
            .attachments
            .iter()
            .filter(|(w, k, _)| w == who && k == kind)
            .count();
        if count >= limit {
            return Err(refuse(
                409,
                &format!("LimitExceeded.{entity}.Policy"),
                &format!(
                    "At most {limit} {kind} policies can be attached to a {}.",
                    who.kind()
                ),
            ));
        }
        self.attachments.insert(key);
        Ok(json!({}))
    }

    fn document(text: &str, kind: PolicyKind) -> Result<(), Refusal> {
        if text.chars().count() > DEFAULT_SIZE_LIMIT {
            return Err(refuse(
                400,
                "InvalidParameter.PolicyDocument.Length",
                "The policy document exceeds the maximum length of 6144 characters.",
            ));
        }
        PolicyDocument::from_json_as(text, kind)
            .map(drop)
            .map_err(|_| {
                refuse(
                    400,
                    "MalformedPolicyDocument",
                    "The policy document is malformed.",
                )
            })
    }

    #[expect(clippy::too_many_lines, reason = "one arm per RAM call")]
    fn dispatch(
        &mut self,
        action: &str,
        params: &BTreeMap<String, String>,
    ) -> Result<Value, Refusal> {
        let get = |name: &str| params.get(name).cloned().unwrap_or_default();
        let kind = params
            .get("PolicyType")
            .cloned()
            .unwrap_or_else(|| "Custom".to_owned());
        if !matches!(kind.as_str(), "Custom" | "System") {
            return Err(refuse(
                400,
                "InvalidParameter.PolicyType",
                "PolicyType is Custom or System.",
            ));
        }
        match action {
            "ListPoliciesForUser" => {
                let who = Who::User(get("UserName"));
                self.exists(&who)?;
                Ok(self.attached_to(&who))
            }
            "ListPoliciesForGroup" => {
                let who = Who::Group(get("GroupName"));
                self.exists(&who)?;
                Ok(self.attached_to(&who))
            }
            "ListPoliciesForRole" => {
                let who = Who::Role(get("RoleName"));
                self.exists(&who)?;
                Ok(self.attached_to(&who))
            }
            "ListGroupsForUser" => {
                let user = get("UserName");
                self.exists(&Who::User(user.clone()))?;
                let groups: Vec<Value> = self
                    .groups
                    .iter()
                    .filter(|(_, members)| members.contains(&user))
                    .map(|(name, _)| json!({"GroupName": name, "Comments": "", "JoinDate": "2026-01-02T03:04:05Z"}))
                    .collect();
                Ok(json!({"Groups": {"Group": groups}}))
            }
            "GetPolicy" => {
                let name = get("PolicyName");
                let (description, version, document) =
                    self.find(&kind, &name).ok_or_else(no_policy)?;
                Ok(json!({
                    "Policy": {"PolicyName": name, "PolicyType": kind, "Description": description,
                               "DefaultVersion": version, "PolicyDocument": document},
                    "DefaultPolicyVersion": {"VersionId": version, "IsDefaultVersion": true, "PolicyDocument": document},
                }))
            }
            "GetPolicyVersion" => {
                let name = get("PolicyName");
                let wanted = get("VersionId");
                if kind == "System" {
                    let (version, document) = self.system.get(&name).ok_or_else(no_policy)?;
                    if *version != wanted {
                        return Err(no_version());
                    }
                    return Ok(
                        json!({"PolicyVersion": {"VersionId": version, "IsDefaultVersion": true,
                                     "PolicyDocument": document, "CreateDate": "2018-05-23T00:00:00Z"}}),
                    );
                }
                let policy = self.custom.get(&name).ok_or_else(no_policy)?;
                let version = policy
                    .versions
                    .iter()
                    .find(|v| format!("v{}", v.number) == wanted)
                    .ok_or_else(no_version)?;
                Ok(json!({"PolicyVersion": Self::version_json(policy, version)}))
            }
            "ListPolicyVersions" => {
                let policy = self.custom.get(&get("PolicyName")).ok_or_else(no_policy)?;
                let versions: Vec<Value> = policy
                    .versions
                    .iter()
                    .rev()
                    .map(|v| Self::version_json(policy, v))
                    .collect();
                Ok(json!({"PolicyVersions": {"PolicyVersion": versions}}))
            }
            "CreatePolicy" => {
                let name = get("PolicyName");
                new_name(
                    "Policy",
                    valid_policy_name(&name),
                    self.custom.contains_key(&name),
                )?;
                let document = get("PolicyDocument");
                Self::document(&document, PolicyKind::Identity)?;
                self.custom.insert(
                    name.clone(),
                    Custom {
                        description: get("Description"),
                        versions: Vec::new(),
                        default: 1,
                        next: 1,
                    },
                );
                self.add_version(&name, &document, true);
                Ok(
                    json!({"Policy": {"PolicyName": name, "PolicyType": "Custom",
                          "Description": get("Description"), "DefaultVersion": "v1"}}),
                )
            }
            "CreatePolicyVersion" => {
                let name = get("PolicyName");
                let rotate =
                    get("RotateStrategy") == "DeleteOldestNonDefaultVersionWhenLimitExceeded";
                let set_as_default = match get("SetAsDefault").as_str() {
                    "" | "false" | "False" => false,
                    "true" | "True" => true,
                    _ => {
                        return Err(refuse(
                            400,
                            "InvalidParameter.SetAsDefault",
                            "SetAsDefault is true or false.",
                        ));
                    }
                };
                let document = get("PolicyDocument");
                Self::document(&document, PolicyKind::Identity)?;
                let policy = self.custom.get_mut(&name).ok_or_else(no_policy)?;
                if policy.versions.len() >= VERSION_LIMIT {
                    if !rotate {
                        return Err(refuse(
                            409,
                            "LimitExceeded.Policy.Version",
                            "Exceeded policy version limit.",
                        ));
                    }
                    let default = policy.default;
                    if let Some(oldest) = policy.versions.iter().position(|v| v.number != default) {
                        policy.versions.remove(oldest);
                    }
                }
                let number = self
                    .add_version(&name, &document, set_as_default)
                    .unwrap_or_default();
                let policy = self.custom.get(&name).ok_or_else(no_policy)?;
                let version = policy
                    .versions
                    .iter()
                    .find(|v| v.number == number)
                    .ok_or_else(|| refuse(500, "InternalError", "The version was not stored."))?;
                Ok(json!({"PolicyVersion": Self::version_json(policy, version)}))
            }
            "DeletePolicyVersion" => {
                let policy = self
                    .custom
                    .get_mut(&get("PolicyName"))
                    .ok_or_else(no_policy)?;
                let wanted = get("VersionId");
                let index = policy
                    .versions
                    .iter()
                    .position(|v| format!("v{}", v.number) == wanted)
                    .ok_or_else(no_version)?;
                if policy
                    .versions
                    .get(index)
                    .is_some_and(|v| v.number == policy.default)
                {
                    return Err(refuse(
                        409,
                        "DeleteConflict.PolicyVersion.Default",
                        "The default version cannot be deleted.",
                    ));
                }
                policy.versions.remove(index);
                Ok(json!({}))
            }
            "AttachPolicyToUser" => {
                self.attach(&Who::User(get("UserName")), &kind, &get("PolicyName"))
            }
            "AttachPolicyToRole" => {
                self.attach(&Who::Role(get("RoleName")), &kind, &get("PolicyName"))
            }
            "GetRole" => {
                let name = get("RoleName");
                let (trust, description) = self.roles.get(&name).ok_or_else(|| {
                    refuse(404, "EntityNotExist.Role", "The role does not exist.")
                })?;
                Ok(json!({"Role": {"RoleName": name, "Arn": role_arn(&name),
                          "AssumeRolePolicyDocument": trust, "Description": description,
                          "RoleId": "300000000000000", "MaxSessionDuration": 3600}}))
            }
            "CreateRole" => {
                let name = get("RoleName");
                new_name(
                    "Role",
                    valid_role_name(&name),
                    self.roles.contains_key(&name),
                )?;
                let trust = get("AssumeRolePolicyDocument");
                Self::document(&trust, PolicyKind::Trust)?;
                self.roles
                    .insert(name.clone(), (reformat(&trust), get("Description")));
                Ok(json!({"Role": {"RoleName": name, "Arn": role_arn(&name)}}))
            }
            "UpdateRole" => {
                let name = get("RoleName");
                let trust = get("NewAssumeRolePolicyDocument");
                Self::document(&trust, PolicyKind::Trust)?;
                let role = self.roles.get_mut(&name).ok_or_else(|| {
                    refuse(404, "EntityNotExist.Role", "The role does not exist.")
                })?;
                role.0 = reformat(&trust);
                Ok(json!({"Role": {"RoleName": name}}))
            }
            other => Err(refuse(
                404,
                "InvalidAction.NotFound",
                &format!("Specified api `{other}` is not found, please check your url and method."),
            )),
        }
    }

    /// Answers one verified call.
    fn answer(&mut self, action: &str, params: BTreeMap<String, String>) -> (u16, Value) {
        self.requests += 1;
        let request_id = format!("6E93D6C9-5AC0-49F9-914D-{:012}", self.requests);
        let resources = resources(action, &params);
        let denied = self.restricted_to.as_ref().and_then(|allowed| {
            let evaluator = Evaluator::new([allowed]);
            resources
                .iter()
                .find(|r| !evaluator.decide(&format!("ram:{action}"), r).is_allowed())
                .cloned()
        });
        let refused = if let Some(left) = self.throttle.get_mut(action).filter(|n| **n > 0) {
            *left -= 1;
            Err(refuse(
                400,
                "Throttling.User",
                "Request was denied due to user flow control.",
            ))
        } else if let Some(denied) = denied {
            Err((
                403,
                "NoPermission".to_owned(),
                format!(
                    "You are not authorized to do this action ({denied}). You should be authorized by RAM."
                ),
            ))
        } else {
            self.dispatch(action, &params)
        };
        let (status, code, mut body) = match refused {
            Ok(body) => (200, None, body),
            Err((status, code, message)) => {
                let mut body = json!({"HostId": "ram.aliyuncs.com", "Code": code, "Message": message,
                    "Recommend": format!("https://api.aliyun.com/troubleshoot?q={code}&product=Ram")});
                if code == "NoPermission"
                    && let Some(fields) = body.as_object_mut()
                {
                    let detail = json!({"AuthAction": format!("ram:{action}"),
                        "AuthPrincipalType": "SubUser", "AuthPrincipalOwnerId": ACCOUNT,
                        "PolicyType": "AccountLevelIdentityBasedPolicy", "NoPermissionType": "ImplicitDeny",
                        "EncodedDiagnosticMessage": "AQEAAAAAZ2V0IHRoZSBkZXRhaWw="});
                    fields.insert("AccessDeniedDetail".to_owned(), detail);
                }
                (status, Some(code), body)
            }
        };
        if let Some(fields) = body.as_object_mut() {
            fields.insert("RequestId".to_owned(), json!(request_id));
        }
        self.recorded.push(Recorded {
            action: action.to_owned(),
            params,
            resources,
            status,
            code,
        });
        (status, body)
    }
}

/// Reads one HTTP/1.1 request: request line, headers, a `Content-Length` body.
fn read_request(stream: &TcpStream) -> io::Result<Request<Vec<u8>>> {
    let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Err(invalid("no request line"));
    };
    let mut builder = Request::builder().method(method).uri(target);
    let mut length = 0;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 {
            return Err(invalid("the headers do not end"));
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header
            .split_once(':')
            .ok_or_else(|| invalid("a header without `:`"))?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = value.parse().map_err(|_| invalid("Content-Length"))?;
        }
        builder = builder.header(name.trim(), value);
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    builder.body(body).map_err(|e| invalid(&e.to_string()))
}

fn respond(mut stream: &TcpStream, status: u16, body: &Value) -> io::Result<()> {
    let body = body.to_string();
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        _ => "Error",
    };
    let mut head = format!("HTTP/1.1 {status} {reason}\r\n");
    let _ = write!(
        head,
        "Content-Type: application/json;charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    stream.flush()
}

fn serve(stream: &TcpStream, state: &Mutex<State>) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let request = read_request(stream)?;
    let bad = |code: &str, message: String| json!({"Code": code, "Message": message, "HostId": "ram.aliyuncs.com"});
    let verified = match verify(&request, ACCESS_KEY_SECRET) {
        Ok(verified) => verified,
        Err(error) => {
            return respond(
                stream,
                400,
                &bad("SignatureDoesNotMatch", error.to_string()),
            );
        }
    };
    let mut state = State::lock(state);
    if verified.access_key_id != ACCESS_KEY_ID {
        return respond(
            stream,
            404,
            &bad(
                "InvalidAccessKeyId.NotFound",
                "Specified access key is not found.".into(),
            ),
        );
    }
    if verified.version != immperm_openapi::RAM_VERSION {
        return respond(
            stream,
            400,
            &bad("InvalidVersion", format!("version `{}`", verified.version)),
        );
    }
    let fresh =
        Timestamp::now().is_ok_and(|now| now.distance(verified.date) <= Duration::from_mins(15));
    if !fresh {
        return respond(
            stream,
            400,
            &bad(
                "InvalidTimeStamp.Expired",
                "the request date is not within 15 minutes".into(),
            ),
        );
    }
    if !state.nonces.insert(verified.nonce.clone()) {
        return respond(
            stream,
            400,
            &bad(
                "SignatureNonceUsed",
                "the signature nonce was used before".into(),
            ),
        );
    }
    let params = form_decode(request.uri().query().unwrap_or(""));
    let (status, body) = state.answer(&verified.action, params);
    drop(state);
    respond(stream, status, &body)
}

impl RamServer {
    /// Starts a server on a free port of 127.0.0.1, holding the system policies
    /// `AliyunOSSFullAccess`, `AliyunOSSReadOnlyAccess`, `AliyunIMMFullAccess` and
    /// `AliyunIMMReadOnlyAccess`, and nothing else.
    ///
    /// # Errors
    /// The port cannot be bound.
    pub fn start() -> io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let address = listener.local_addr()?;
        let mut initial = State::default();
        for (name, version, document) in [
            ("AliyunOSSFullAccess", "v1", ALIYUN_OSS_FULL_ACCESS),
            ("AliyunOSSReadOnlyAccess", "v1", ALIYUN_OSS_READ_ONLY_ACCESS),
            ("AliyunIMMFullAccess", "v3", ALIYUN_IMM_FULL_ACCESS),
            ("AliyunIMMReadOnlyAccess", "v1", ALIYUN_IMM_READ_ONLY_ACCESS),
        ] {
            initial
                .system
                .insert(name.to_owned(), (version.to_owned(), reformat(document)));
        }
        let state = Arc::new(Mutex::new(initial));
        let stop = Arc::new(AtomicBool::new(false));
        let (shared, stopping) = (Arc::clone(&state), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    // A client that hangs up mid-request is its own problem.
                    let _ = serve(&stream, &shared);
                }
            }
        });
        Ok(Self {
            address,
            state,
            stop,
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:<port>`, for `--ram-endpoint`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        State::lock(&self.state)
    }

    /// Adds a RAM user.
    pub fn add_user(&self, name: &str) {
        self.state().users.insert(name.to_owned());
    }

    /// Adds a user group with these members.
    pub fn add_group(&self, name: &str, members: &[&str]) {
        self.state().groups.insert(
            name.to_owned(),
            members.iter().map(|m| (*m).to_owned()).collect(),
        );
    }

    /// Adds a role with this trust policy.
    pub fn add_role(&self, name: &str, trust: &str) {
        self.state()
            .roles
            .insert(name.to_owned(), (reformat(trust), String::new()));
    }

    /// The trust policy of a role, as RAM returns it.
    pub fn trust(&self, role: &str) -> Option<String> {
        self.state().roles.get(role).map(|(trust, _)| trust.clone())
    }

    /// Adds a custom policy whose first version is `document`.
    pub fn add_policy(&self, name: &str, document: &str) {
        let mut state = self.state();
        state.custom.insert(
            name.to_owned(),
            Custom {
                description: String::new(),
                versions: Vec::new(),
                default: 1,
                next: 1,
            },
        );
        state.add_version(name, document, true);
    }

    /// Adds a version to a custom policy (beyond RAM's limit, to test it); returns its ID.
    pub fn add_policy_version(&self, name: &str, document: &str, default: bool) -> Option<String> {
        self.state()
            .add_version(name, document, default)
            .map(|n| format!("v{n}"))
    }

    /// The versions of a custom policy, oldest first, with whether each is the default.
    pub fn versions(&self, name: &str) -> Vec<(String, bool)> {
        let state = self.state();
        state.custom.get(name).map_or_else(Vec::new, |policy| {
            policy
                .versions
                .iter()
                .map(|v| (format!("v{}", v.number), v.number == policy.default))
                .collect()
        })
    }

    /// The default document of a custom policy, as RAM returns it.
    pub fn document(&self, name: &str) -> Option<String> {
        self.state()
            .find("Custom", name)
            .map(|(_, _, document)| document)
    }

    /// Attaches the policy `kind` (`Custom` or `System`) `name` to `who`.
    pub fn attach(&self, kind: &str, name: &str, who: Who) {
        self.state()
            .attachments
            .insert((who, kind.to_owned(), name.to_owned()));
    }

    /// The attachments, as `Custom:name -> user:media-app`, sorted.
    pub fn attachments(&self) -> Vec<String> {
        let state = self.state();
        let mut out: Vec<String> = state
            .attachments
            .iter()
            .map(|(who, kind, name)| format!("{kind}:{name} -> {}:{}", who.kind(), who.name()))
            .collect();
        out.sort();
        out
    }

    /// Answers `Throttling.User` to the next `times` calls of `action`.
    pub fn throttle(&self, action: &str, times: u32) {
        self.state().throttle.insert(action.to_owned(), times);
    }

    /// Answers `NoPermission` to every call `policy` does not allow on all its resources.
    pub fn restrict_to(&self, policy: PolicyDocument) {
        self.state().restricted_to = Some(policy);
    }

    /// Every request received since the start or the last [`RamServer::take_calls`].
    pub fn take_calls(&self) -> Vec<Recorded> {
        std::mem::take(&mut self.state().recorded)
    }
}

impl Drop for RamServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag.
        let _ = TcpStream::connect(self.address);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_as_they_were_encoded() {
        let params = form_decode("A=a+b%2A~&PolicyDocument=%7B%22x%22%3A1%7D&Empty=&Bad=%zz");
        assert_eq!(params["A"], "a b*~");
        assert_eq!(params["PolicyDocument"], r#"{"x":1}"#);
        assert_eq!(params["Empty"], "");
        assert_eq!(params["Bad"], "%zz");
    }

    #[test]
    fn documents_come_back_reformatted() {
        assert_eq!(
            reformat(ALIYUN_OSS_FULL_ACCESS),
            r#"{"Statement":[{"Action":["oss:*"],"Effect":"Allow","Resource":["*"]}],"Version":"1"}"#
        );
    }
}
