//! Agreement with Alibaba Cloud's own clients: the official Python SDKs
//! (`alibabacloud-tea-openapi` with `alibabacloud-ram20150501` and `alibabacloud-imm20200930`,
//! pinned in `scripts/sdk-agreement/requirements.txt`) send RAM and IMM calls to a recording
//! server on 127.0.0.1 (`scripts/sdk-agreement/openapi.py`) with a fixed time and nonce, and
//! every request `immperm-openapi` builds and signs with the same inputs must be the same
//! request: method, path, query string, every signed header, `Authorization`, and body, byte
//! for byte. The verifier must accept the official requests, and the canned responses must
//! read the same on both sides.
//!
//! The RAM client (`immperm_ram::api`) is held to the same: every kind of call it makes is a
//! case built by the client's own [`Call::request`](immperm_ram::api::Call::request), with
//! the parameter shapes it sends (`SetAsDefault` as the documented `true`, a document in its
//! pretty form, a system policy), compared with the SDK's request for the same parameters.
//!
//! The SDK names itself in two signed headers, `user-agent` and `x-acs-credentials-provider`;
//! those two values are copied from its request into ours, everything else is made here. The
//! Python environment is made on first use (`immperm_tests::python_sdk`); the test fails,
//! never skips, when it cannot be.
#![expect(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test: a failed step is a failed test"
)]

use std::path::Path;

use immperm_openapi::http::{self, HeaderValue, Request, Response};
use immperm_openapi::{
    ApiError, Credentials, Endpoint, IMM_VERSION, Nonce, RAM_VERSION, ResponseError, RpcRequest,
    Timestamp, read_json, sign, verify,
};
use immperm_ram::api::{Call, PolicyRef};
use serde_json::{Value, json};

const DATE: &str = "2026-12-04T03:04:05Z";
const AK: (&str, &str) = ("LTAI5tAgreementTest", "agreement-test-secret");
const STS: (&str, &str, &str) = (
    "STS.NUgYrLnoC37mZZCNnAbez2E8A",
    "sts-agreement-secret",
    "CAIS+gF1q6Ft5B2yfSjIr5bSEsLzuu1Kx/Pdcx3wjkx=",
);
/// The official SDK's canned responses carry this content type.
const JSON: &str = "application/json;charset=utf-8";

#[derive(Clone, Copy)]
enum Service {
    Ram,
    Imm,
}

#[derive(Clone, Copy, PartialEq)]
enum Place {
    Query,
    Form,
}
use Place::{Form, Query};

struct Case {
    name: &'static str,
    service: Service,
    action: &'static str,
    sts: bool,
    /// Where each parameter goes, its API name and value; the SDK receives `{name: value}`.
    params: Vec<(Place, &'static str, Value)>,
    status: u16,
    headers: Vec<(&'static str, &'static str)>,
    body: String,
    /// The RAM client's call, whose own request is compared (else the request is built here
    /// from `params`).
    call: Option<Call>,
}

fn ok(
    service: Service,
    action: &'static str,
    params: Vec<(Place, &'static str, Value)>,
    body: &Value,
) -> Case {
    Case {
        name: action,
        service,
        action,
        sts: false,
        params,
        status: 200,
        headers: vec![("Content-Type", JSON)],
        body: body.to_string(),
        call: None,
    }
}

/// A call of the RAM client, its parameters as the client sends them (text, as sent).
fn client(call: Call, body: &Value) -> Case {
    let params = call
        .params()
        .into_iter()
        .map(|(name, value)| (Query, name, json!(value)))
        .collect();
    Case {
        name: call.action(),
        action: call.action(),
        call: Some(call),
        ..ok(Service::Ram, "", params, body)
    }
}

fn sts(case: Case) -> Case {
    Case { sts: true, ..case }
}

fn failing(
    mut case: Case,
    name: &'static str,
    status: u16,
    headers: &[(&'static str, &'static str)],
    body: &Value,
) -> Case {
    case.name = name;
    case.status = status;
    case.headers.extend_from_slice(headers);
    case.body = body.to_string();
    case
}

const POLICY_DOCUMENT: &str = r#"{
  "Statement": [
    {
      "Action": ["oss:GetObject", "oss:ProcessImm"],
      "Effect": "Allow",
      "Resource": "acs:oss:*:*:media-in/*"
    }
  ],
  "Version": "1"
}
"#;
const TRUST_DOCUMENT: &str = r#"{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":["imm.aliyuncs.com"]}}],"Version":"1"}"#;
/// A trust policy as immperm sends it: its pretty form.
const TRUST_PRETTY: &str = r#"{
  "Version": "1",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "sts:AssumeRole",
      "Principal": {
        "Service": "imm.aliyuncs.com"
      }
    }
  ]
}
"#;
const PROJECT: &str = "media-project";
const BATCH: &str = "batch-4eb9223f-3e88-42d3-a578-3f2852bd****";
const TRIGGER: &str = "trigger-9f72636a-0f0c-4baf-ae78-38b27bfe****";

fn rid(n: u32) -> String {
    format!("6E93D6C9-5AC0-49F9-914D-E02678D3{n:04}")
}

#[expect(clippy::too_many_lines, reason = "a table of cases, one call each")]
fn ram_cases() -> Vec<Case> {
    use Service::Ram;
    let policy_version = |id: &str, default: bool| {
        json!({"VersionId": id, "IsDefaultVersion": default, "CreateDate": "2026-11-30T08:12:44Z",
               "PolicyDocument": POLICY_DOCUMENT})
    };
    let role = json!({
        "RoleId": "901234567890****", "RoleName": "media-batch", "Arn": "acs:ram::1234567890123456:role/media-batch",
        "Description": "IMM batches of media-app", "AssumeRolePolicyDocument": TRUST_DOCUMENT,
        "CreateDate": "2026-11-30T08:12:44Z", "MaxSessionDuration": 3600,
    });
    let attach = |user_or_role: &'static str, who: &'static str| {
        vec![
            (Query, "PolicyName", json!("media-app-caller")),
            (Query, "PolicyType", json!("Custom")),
            (Query, user_or_role, json!(who)),
        ]
    };
    vec![
        ok(
            Ram,
            "ListPoliciesForUser",
            vec![(
                Query,
                "UserName",
                json!("media-app@1234567890123456.onaliyun.com"),
            )],
            &json!({"RequestId": rid(1), "Policies": {"Policy": [
                {"PolicyName": "media-app-caller", "PolicyType": "Custom", "Description": "immperm: caller",
                 "DefaultVersion": "v3", "AttachDate": "2026-11-30T08:12:44Z"},
                {"PolicyName": "AliyunOSSReadOnlyAccess", "PolicyType": "System",
                 "Description": "只读访问对象存储服务(OSS)的权限", "DefaultVersion": "v1", "AttachDate": "2025-02-01T00:00:00Z"}]}}),
        ),
        ok(
            Ram,
            "ListPoliciesForRole",
            vec![(Query, "RoleName", json!("AliyunIMMDefaultRole"))],
            &json!({"RequestId": rid(2), "Policies": {"Policy": [
                {"PolicyName": "AliyunIMMRolePolicy", "PolicyType": "System", "Description": "",
                 "DefaultVersion": "v7", "AttachDate": "2025-02-01T00:00:00Z"}]}}),
        ),
        ok(
            Ram,
            "ListGroupsForUser",
            vec![(Query, "UserName", json!("media-app"))],
            &json!({"RequestId": rid(3), "Groups": {"Group": [
                {"GroupName": "media-services", "GroupId": "g-0012", "Comments": "", "JoinDate": "2026-01-02T03:04:05Z"}]}}),
        ),
        failing(
            ok(
                Ram,
                "ListPoliciesForGroup",
                vec![(Query, "GroupName", json!("media-services"))],
                &json!({}),
            ),
            "ListPoliciesForGroup-throttled",
            400,
            &[("x-acs-retry-after", "2000")],
            &json!({"RequestId": rid(4), "HostId": "ram.aliyuncs.com", "Code": "Throttling.User",
                    "Message": "Request was denied due to user flow control.",
                    "Recommend": "https://api.aliyun.com/troubleshoot?q=Throttling.User&product=Ram"}),
        ),
        ok(
            Ram,
            "GetPolicy",
            vec![
                (Query, "PolicyName", json!("media-app-caller")),
                (Query, "PolicyType", json!("Custom")),
            ],
            &json!({"RequestId": rid(5),
                    "Policy": {"PolicyName": "media-app-caller", "PolicyType": "Custom", "Description": "immperm: caller",
                               "DefaultVersion": "v3", "PolicyDocument": POLICY_DOCUMENT, "CreateDate": "2026-11-01T00:00:00Z",
                               "UpdateDate": "2026-11-30T08:12:44Z", "AttachmentCount": 2},
                    "DefaultPolicyVersion": policy_version("v3", true)}),
        ),
        sts(ok(
            Ram,
            "GetPolicyVersion",
            vec![
                (Query, "PolicyName", json!("media-app-caller")),
                (Query, "PolicyType", json!("Custom")),
                (Query, "VersionId", json!("v3")),
            ],
            &json!({"RequestId": rid(6), "PolicyVersion": policy_version("v3", true)}),
        )),
        ok(
            Ram,
            "ListPolicyVersions",
            vec![
                (Query, "PolicyName", json!("media-app-caller")),
                (Query, "PolicyType", json!("Custom")),
            ],
            &json!({"RequestId": rid(7), "PolicyVersions": {"PolicyVersion": [policy_version("v3", true), policy_version("v2", false)]}}),
        ),
        ok(
            Ram,
            "CreatePolicy",
            vec![
                (Query, "PolicyName", json!("media-app-caller")),
                (Query, "PolicyDocument", json!(POLICY_DOCUMENT)),
                (
                    Query,
                    "Description",
                    json!("immperm: caller of media-app (生成)"),
                ),
                (
                    Query,
                    "Tag",
                    json!([{"Key": "managed-by", "Value": "immperm"}, {"Key": "app", "Value": "media app"}]),
                ),
            ],
            &json!({"RequestId": rid(8), "Policy": {"PolicyName": "media-app-caller", "PolicyType": "Custom",
                    "Description": "immperm: caller of media-app (生成)", "DefaultVersion": "v1", "CreateDate": "2026-12-04T03:04:06Z"}}),
        ),
        sts(ok(
            Ram,
            "CreatePolicyVersion",
            vec![
                (Query, "PolicyName", json!("media-app-caller")),
                (Query, "PolicyDocument", json!(POLICY_DOCUMENT)),
                (Query, "SetAsDefault", json!(true)),
                (
                    Query,
                    "RotateStrategy",
                    json!("DeleteOldestNonDefaultVersionWhenLimitExceeded"),
                ),
            ],
            &json!({"RequestId": rid(9), "PolicyVersion": policy_version("v4", true)}),
        )),
        ok(
            Ram,
            "DeletePolicyVersion",
            vec![
                (Query, "PolicyName", json!("media-app-caller")),
                (Query, "VersionId", json!("v1")),
            ],
            &json!({"RequestId": rid(10)}),
        ),
        ok(
            Ram,
            "AttachPolicyToUser",
            attach("UserName", "media-app"),
            &json!({"RequestId": rid(11)}),
        ),
        failing(
            ok(
                Ram,
                "AttachPolicyToRole",
                attach("RoleName", "media-batch"),
                &json!({}),
            ),
            "AttachPolicyToRole-denied",
            403,
            &[],
            &json!({"RequestId": rid(12), "HostId": "ram.aliyuncs.com", "Code": "NoPermission",
                    "Message": "You are not authorized to do this action. You should be authorized by RAM.",
                    "Recommend": "https://api.aliyun.com/troubleshoot?q=NoPermission&product=Ram",
                    "AccessDeniedDetail": {"AuthAction": "ram:AttachPolicyToRole", "AuthPrincipalType": "SubUser",
                                           "PolicyType": "AccountLevelIdentityBasedPolicy", "NoPermissionType": "ImplicitDeny",
                                           "EncodedDiagnosticMessage": "AQEAAAAAZ2V0IHRoZSBkZXRhaWw="}}),
        ),
        ok(
            Ram,
            "GetRole",
            vec![(Query, "RoleName", json!("media-batch"))],
            &json!({"RequestId": rid(13), "Role": role}),
        ),
        ok(
            Ram,
            "CreateRole",
            vec![
                (Query, "RoleName", json!("media-batch")),
                (Query, "AssumeRolePolicyDocument", json!(TRUST_DOCUMENT)),
                (Query, "Description", json!("IMM batches of media-app")),
                (Query, "MaxSessionDuration", json!(3600)),
            ],
            &json!({"RequestId": rid(14), "Role": role}),
        ),
        ok(
            Ram,
            "UpdateRole",
            vec![
                (Query, "RoleName", json!("media-batch")),
                (Query, "NewAssumeRolePolicyDocument", json!(TRUST_DOCUMENT)),
                (
                    Query,
                    "NewDescription",
                    json!("IMM batches & triggers of media-app"),
                ),
            ],
            &json!({"RequestId": rid(15), "Role": {
                "RoleId": "901234567890****", "RoleName": "media-batch", "Arn": "acs:ram::1234567890123456:role/media-batch",
                "Description": "IMM batches & triggers of media-app", "AssumeRolePolicyDocument": TRUST_DOCUMENT,
                "CreateDate": "2026-11-30T08:12:44Z", "UpdateDate": "2026-12-04T03:04:06Z", "MaxSessionDuration": 3600}}),
        ),
        failing(
            ok(
                Ram,
                "GetUser",
                vec![(Query, "UserName", json!("no such user"))],
                &json!({}),
            ),
            "GetUser-missing",
            404,
            &[],
            &json!({"RequestId": rid(16), "HostId": "ram.aliyuncs.com", "Code": "EntityNotExist.User",
                    "Message": "The user does not exist.",
                    "Recommend": "https://api.aliyun.com/troubleshoot?q=EntityNotExist.User&product=Ram"}),
        ),
        ok(
            Ram,
            "GetUser",
            vec![(Query, "UserName", json!("media-app"))],
            &json!({"RequestId": rid(17), "User": {"UserId": "2123456789012345", "UserName": "media-app",
                    "DisplayName": "media app", "Comments": "", "CreateDate": "2026-01-02T03:04:05Z",
                    "UpdateDate": "2026-01-02T03:04:05Z", "LastLoginDate": "2026-12-01T00:00:00Z"}}),
        ),
    ]
}

/// Every kind of call the RAM client makes, as it makes them.
#[expect(clippy::too_many_lines, reason = "a table of cases, one call each")]
fn client_cases() -> Vec<Case> {
    let caller = || PolicyRef::custom("media-app-imm-caller");
    let system = || PolicyRef::system("AliyunIMMFullAccess");
    let listed = |kind: &str, name: &str| {
        json!({"RequestId": rid(200), "Policies": {"Policy": [
            {"PolicyName": name, "PolicyType": kind, "Description": "", "DefaultVersion": "v3",
             "AttachDate": "2026-11-30T08:12:44Z"}]}})
    };
    let version = |id: &str| {
        json!({"RequestId": rid(201), "PolicyVersion": {"VersionId": id, "IsDefaultVersion": true,
               "CreateDate": "2026-11-30T08:12:44Z", "PolicyDocument": POLICY_DOCUMENT}})
    };
    let done = json!({"RequestId": rid(202)});
    let role = json!({"RequestId": rid(203), "Role": {"RoleName": "MediaAppImmRole",
        "Arn": "acs:ram::1234567890123456:role/mediaappimmrole", "AssumeRolePolicyDocument": TRUST_DOCUMENT,
        "Description": "IMM service role of media-app (generated by immperm)"}});
    vec![
        client(
            Call::ListPoliciesForUser {
                user: "media-app".into(),
            },
            &listed("Custom", "media-app-imm-caller"),
        ),
        client(
            Call::ListPoliciesForRole {
                role: "MediaAppImmRole".into(),
            },
            &listed("Custom", "media-app-imm-service-role"),
        ),
        client(
            Call::ListPoliciesForGroup {
                group: "media-ops".into(),
            },
            &listed("System", "AliyunIMMFullAccess"),
        ),
        client(
            Call::ListGroupsForUser {
                user: "media-app".into(),
            },
            &json!({"RequestId": rid(204), "Groups": {"Group": [{"GroupName": "media-ops", "Comments": "",
                    "JoinDate": "2026-01-02T03:04:05Z"}]}}),
        ),
        client(
            Call::GetPolicy { policy: caller() },
            &json!({"RequestId": rid(205), "Policy": {"PolicyName": "media-app-imm-caller", "PolicyType": "Custom",
                    "Description": "", "DefaultVersion": "v3"}}),
        ),
        client(
            Call::GetPolicyVersion {
                policy: system(),
                version: "v3".into(),
            },
            &version("v3"),
        ),
        client(
            Call::ListPolicyVersions {
                policy: "media-app-imm-caller".into(),
            },
            &json!({"RequestId": rid(206), "PolicyVersions": {"PolicyVersion": []}}),
        ),
        client(
            Call::CreatePolicy {
                policy: "media-app-imm-caller".into(),
                document: POLICY_DOCUMENT.into(),
                description:
                    "IMM through OSS: what the code of media-app needs (generated by immperm)"
                        .into(),
            },
            &json!({"RequestId": rid(207), "Policy": {"PolicyName": "media-app-imm-caller", "PolicyType": "Custom",
                    "DefaultVersion": "v1"}}),
        ),
        client(
            Call::CreatePolicyVersion {
                policy: "media-app-imm-caller".into(),
                document: POLICY_DOCUMENT.into(),
                set_as_default: true,
            },
            &version("v4"),
        ),
        client(
            Call::DeletePolicyVersion {
                policy: "media-app-imm-caller".into(),
                version: "v1".into(),
            },
            &done,
        ),
        client(
            Call::AttachPolicyToUser {
                policy: caller(),
                user: "media-app".into(),
            },
            &done,
        ),
        client(
            Call::AttachPolicyToRole {
                policy: PolicyRef::custom("media-app-imm-service-role"),
                role: "MediaAppImmRole".into(),
            },
            &done,
        ),
        client(
            Call::GetRole {
                role: "MediaAppImmRole".into(),
            },
            &role,
        ),
        client(
            Call::CreateRole {
                role: "MediaAppImmRole".into(),
                trust: TRUST_PRETTY.into(),
                description: "IMM service role of media-app (generated by immperm)".into(),
            },
            &role,
        ),
        client(
            Call::UpdateRole {
                role: "MediaAppImmRole".into(),
                trust: TRUST_PRETTY.into(),
            },
            &role,
        ),
    ]
}

#[expect(clippy::too_many_lines, reason = "a table of cases, one call each")]
fn imm_cases() -> Vec<Case> {
    use Service::Imm;
    let input = json!({"OSS": {"Bucket": "media-in", "Prefix": "videos/2026/", "MatchExpressions": ["suffix(\".mp4\")"]}});
    let actions = json!([
        {"Name": "video/convert", "Parameters": ["f_mp4", "vcodec_h264", "s_1280x720"], "FastFailPolicy": {"Action": "abort"}},
        {"Name": "doc/convert", "Parameters": ["target=png", "pages=3"]},
    ]);
    let update_actions =
        json!([{"Name": "video/snapshots", "Parameters": ["ss_1000", "f_jpg", "num_5"]}]);
    let notification = json!({"MNS": {"TopicName": "media-jobs"}});
    let tags = json!({"app": "media app", "owner": "媒体"});
    let ingestion = |id: &str| {
        json!({"Id": id, "Input": input, "Actions": [{"Name": "video/convert", "Parameters": ["f_mp4"]}],
               "Notification": {"MNS": {"TopicName": "media-jobs"}}, "ServiceRole": "AliyunIMMBatchTriggerRole",
               "State": "Running", "Phase": "Running", "Tags": {"app": "media app"},
               "CreateTime": "2026-12-04T03:04:05.000+08:00", "UpdateTime": "2026-12-04T03:04:06.000+08:00",
               "Statistic": {"SubmitSuccess": 12, "SubmitFailure": 0, "SkipFiles": 1}})
    };
    let id_project = |place: Place, id: &'static str| {
        vec![
            (place, "ProjectName", json!(PROJECT)),
            (place, "Id", json!(id)),
        ]
    };
    let list = vec![
        (Query, "ProjectName", json!(PROJECT)),
        (Query, "MaxResults", json!(50)),
        (
            Query,
            "NextToken",
            json!("AAAAAV3MpHK1AP0pfERHZN5pu6kU+SQXzm0H9mu/FiSc****"),
        ),
        (Query, "Order", json!("DESC")),
        (Query, "Sort", json!("CreateTime")),
        (Query, "State", json!("Running")),
        (Query, "TagSelector", json!("app=media app")),
    ];
    let done = |n: u32| json!({"RequestId": rid(100 + n)});
    vec![
        sts(ok(
            Imm,
            "GetTask",
            vec![
                (Query, "ProjectName", json!(PROJECT)),
                (Query, "TaskType", json!("MediaConvert")),
                (
                    Query,
                    "TaskId",
                    json!("MediaConvert-58a8f19f-697f-4f23-9e6d-5a4b2a2d0b1e"),
                ),
                (Query, "RequestDefinition", json!(true)),
            ],
            &json!({"RequestId": rid(101), "ProjectName": PROJECT, "TaskType": "MediaConvert",
                    "TaskId": "MediaConvert-58a8f19f-697f-4f23-9e6d-5a4b2a2d0b1e", "Status": "Succeeded",
                    "Code": "", "Message": "", "Progress": 100, "EventId": "181-1kZUlN60OH4fWOcOjZEnGnG",
                    "StartTime": "2026-12-04T03:04:05.000+08:00", "EndTime": "2026-12-04T03:05:05.000+08:00",
                    "Tags": {"app": "media app"}, "UserData": "{\"job\":7}", "TaskRequestDefinition": "{}"}),
        )),
        failing(
            ok(
                Imm,
                "GetTask",
                vec![
                    (Query, "ProjectName", json!(PROJECT)),
                    (Query, "TaskType", json!("MediaConvert")),
                    (Query, "TaskId", json!("MediaConvert-missing")),
                ],
                &json!({}),
            ),
            "GetTask-unavailable",
            503,
            &[],
            &json!({"RequestId": rid(102), "HostId": "imm.cn-hangzhou.aliyuncs.com", "Code": "ServiceUnavailable",
                    "Message": "The request has failed due to a temporary failure of the server."}),
        ),
        ok(
            Imm,
            "CreateBatch",
            vec![
                (Form, "ProjectName", json!(PROJECT)),
                (Form, "Input", input.clone()),
                (Form, "Actions", actions.clone()),
                (Form, "Notification", notification.clone()),
                (Form, "ServiceRole", json!("AliyunIMMBatchTriggerRole")),
                (Form, "Tags", tags.clone()),
            ],
            &json!({"RequestId": rid(103), "Id": BATCH}),
        ),
        ok(
            Imm,
            "GetBatch",
            id_project(Query, BATCH),
            &json!({"RequestId": rid(104), "Batch": ingestion(BATCH)}),
        ),
        ok(
            Imm,
            "UpdateBatch",
            vec![
                (Form, "ProjectName", json!(PROJECT)),
                (Form, "Id", json!(BATCH)),
                (Form, "Input", input.clone()),
                (Form, "Actions", update_actions.clone()),
                (Form, "Tags", json!({"app": "media app", "stage": "2"})),
            ],
            &done(5),
        ),
        ok(Imm, "SuspendBatch", id_project(Form, BATCH), &done(6)),
        ok(Imm, "ResumeBatch", id_project(Form, BATCH), &done(7)),
        ok(Imm, "DeleteBatch", id_project(Form, BATCH), &done(8)),
        ok(
            Imm,
            "ListBatches",
            list.clone(),
            &json!({"RequestId": rid(109), "NextToken": "", "Batches": [ingestion(BATCH)]}),
        ),
        ok(
            Imm,
            "CreateTrigger",
            vec![
                (Form, "ProjectName", json!(PROJECT)),
                (Form, "Input", input.clone()),
                (Form, "Actions", actions),
                (Form, "Notification", notification),
                (Form, "ServiceRole", json!("AliyunIMMBatchTriggerRole")),
                (Form, "Tags", tags),
            ],
            &json!({"RequestId": rid(110), "Id": TRIGGER}),
        ),
        ok(
            Imm,
            "GetTrigger",
            id_project(Query, TRIGGER),
            &json!({"RequestId": rid(111), "Trigger": ingestion(TRIGGER)}),
        ),
        ok(
            Imm,
            "UpdateTrigger",
            vec![
                (Form, "ProjectName", json!(PROJECT)),
                (Form, "Id", json!(TRIGGER)),
                (Form, "Input", input.clone()),
                (Form, "Actions", update_actions),
                (Form, "Tags", json!({"app": "media app"})),
            ],
            &done(12),
        ),
        ok(Imm, "SuspendTrigger", id_project(Form, TRIGGER), &done(13)),
        ok(Imm, "ResumeTrigger", id_project(Form, TRIGGER), &done(14)),
        sts(ok(
            Imm,
            "DeleteTrigger",
            id_project(Form, TRIGGER),
            &done(15),
        )),
        ok(
            Imm,
            "ListTriggers",
            list,
            &json!({"RequestId": rid(116), "NextToken": "", "Triggers": [ingestion(TRIGGER)]}),
        ),
    ]
}

fn credentials(case: &Case) -> Credentials {
    if case.sts {
        Credentials::new(STS.0, STS.1).with_security_token(STS.2)
    } else {
        Credentials::new(AK.0, AK.1)
    }
}

fn nonce(index: usize) -> String {
    format!("{:032x}", 0x5eed_0000 + index)
}

/// A scalar as the official Python SDK writes it: `str(value)`, so a boolean is `True`.
fn python_str(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::Number(number) if number.is_i64() || number.is_u64() => number.to_string(),
        other => panic!("no agreed text form for {other}"),
    }
}

/// The SDK's input for `case`.
fn sdk_input(index: usize, case: &Case) -> Value {
    let credentials = credentials(case);
    let request: serde_json::Map<String, Value> = case
        .params
        .iter()
        .map(|(_, name, value)| ((*name).to_owned(), value.clone()))
        .collect();
    let headers: serde_json::Map<String, Value> = case
        .headers
        .iter()
        .map(|(name, value)| ((*name).to_owned(), json!(value)))
        .collect();
    json!({
        "name": case.name,
        "service": match case.service { Service::Ram => "ram", Service::Imm => "imm" },
        "action": case.action,
        "credentials": {
            "access_key_id": credentials.access_key_id(),
            "access_key_secret": credentials.access_key_secret(),
            "security_token": credentials.security_token(),
        },
        "date": DATE,
        "nonce": nonce(index),
        "request": request,
        "response": {"status": case.status, "headers": headers, "body": case.body},
    })
}

/// The same call built and signed here; `sent` is the SDK's request, for its two identity
/// headers.
fn ours(index: usize, case: &Case, port: u16, sent: &Value) -> Request<Vec<u8>> {
    let endpoint = Endpoint::http(&format!("127.0.0.1:{port}")).unwrap();
    let version = match case.service {
        Service::Ram => RAM_VERSION,
        Service::Imm => IMM_VERSION,
    };
    let mut request = RpcRequest::new(endpoint.clone(), case.action, version);
    if let Some(call) = &case.call {
        request = call.request(&endpoint);
    }
    for (place, name, value) in case.params.iter().filter(|_| case.call.is_none()) {
        request = match (place, value) {
            (Query, Value::Object(_) | Value::Array(_)) => request.query_json(*name, value),
            (Form, Value::Object(_) | Value::Array(_)) => request.form_json(*name, value),
            (Query, scalar) => request.query(*name, python_str(scalar)),
            (Form, scalar) => request.form(*name, python_str(scalar)),
        };
    }
    for name in ["user-agent", "x-acs-credentials-provider"] {
        request = request.header(name, sent["headers"][name].as_str().unwrap());
    }
    let date: Timestamp = DATE.parse().unwrap();
    let nonce = Nonce::new(nonce(index)).unwrap();
    sign(request.build().unwrap(), &credentials(case), date, &nonce).unwrap()
}

/// The SDK's recorded request as an `http::Request`, as a server receives it.
fn received(sent: &Value) -> Request<Vec<u8>> {
    let query = sent["query"].as_str().unwrap();
    let target = if query.is_empty() {
        sent["path"].as_str().unwrap().to_owned()
    } else {
        format!("{}?{query}", sent["path"].as_str().unwrap())
    };
    let mut request = Request::builder()
        .method(sent["method"].as_str().unwrap())
        .uri(target);
    for (name, value) in sent["headers"].as_object().unwrap() {
        request = request.header(name.as_str(), value.as_str().unwrap());
    }
    request
        .body(sent["body"].as_str().unwrap().as_bytes().to_vec())
        .unwrap()
}

fn signed_headers(authorization: &str) -> Vec<&str> {
    let fields = authorization.split_once(' ').unwrap().1;
    let signed = fields
        .split(',')
        .find_map(|field| field.strip_prefix("SignedHeaders="))
        .unwrap();
    signed.split(';').collect()
}

fn canned(case: &Case) -> Response<Vec<u8>> {
    let mut response = Response::new(case.body.as_bytes().to_vec());
    *response.status_mut() = http::StatusCode::from_u16(case.status).unwrap();
    for (name, value) in &case.headers {
        response
            .headers_mut()
            .insert(*name, HeaderValue::from_static(value));
    }
    response
}

/// What the SDK read from the canned response, against what `immperm-openapi` reads.
fn check_outcome(case: &Case, outcome: &Value) {
    let name = case.name;
    match read_json(&canned(case)) {
        Ok(body) => {
            assert_eq!(outcome["status"], case.status, "`{name}`: status");
            assert_eq!(outcome["body"], body, "`{name}`: the body read");
        }
        Err(ResponseError::Api(error)) => {
            let official = &outcome["error"];
            assert!(
                official.is_object(),
                "`{name}`: the SDK read no error: {outcome}"
            );
            let ApiError {
                status,
                code,
                message,
                request_id,
                access_denied_detail,
                retry_after,
                ..
            } = *error.clone();
            assert_eq!(official["status"], status, "`{name}`: status");
            assert_eq!(official["code"], code, "`{name}`: code");
            assert_eq!(official["message"], message, "`{name}`: message");
            assert_eq!(
                official["request_id"],
                json!(request_id),
                "`{name}`: request id"
            );
            assert_eq!(
                official["access_denied_detail"],
                access_denied_detail.unwrap_or(Value::Null),
                "`{name}`: access denied detail"
            );
            assert_eq!(
                official["retry_after_ms"],
                json!(retry_after.map(|wait| wait.as_millis())),
                "`{name}`: retry after"
            );
            let kind = official["kind"].as_str().unwrap();
            // The SDK's one throttling rule (`x-acs-retry-after`) is one of ours; its other
            // exceptions split by status.
            match kind {
                "ThrottlingException" => assert!(error.is_throttling(), "`{name}`"),
                "ClientException" => assert!((400..500).contains(&status), "`{name}`"),
                "ServerException" => assert!(error.is_retryable(), "`{name}`: a 5xx is retried"),
                other => panic!("`{name}`: unexpected SDK exception {other}"),
            }
        }
        Err(other) => panic!("`{name}`: {other}"),
    }
}

/// Every kind of call the RAM client makes is among the cases.
fn every_client_call_is_a_case(cases: &[Case]) {
    let mut made: Vec<&str> = cases
        .iter()
        .filter_map(|c| c.call.as_ref().map(Call::action))
        .collect();
    made.sort_unstable();
    made.dedup();
    let mut every = Call::ACTIONS.to_vec();
    every.sort_unstable();
    assert_eq!(made, every, "the RAM client's calls");
}

fn all_cases() -> Vec<Case> {
    let ram = ram_cases().into_iter().chain(client_cases());
    ram.chain(imm_cases()).collect()
}

#[test]
fn requests_match_the_official_python_sdks() {
    let cases = all_cases();
    let input = json!({"cases": cases.iter().enumerate().map(|(i, c)| sdk_input(i, c)).collect::<Vec<_>>()});
    let output = immperm_tests::python_sdk::run_script(
        Path::new(env!("CARGO_TARGET_TMPDIR")),
        "openapi.py",
        input.to_string().as_bytes(),
    )
    .unwrap_or_else(|reason| panic!("the official OpenAPI SDKs could not be run: {reason}"));
    let recorded: Value = serde_json::from_slice(&output).unwrap();
    assert_eq!(
        recorded["versions"],
        json!({"alibabacloud-tea-openapi": "0.4.6", "alibabacloud-ram20150501": "1.3.0",
               "alibabacloud-imm20200930": "5.0.3"})
    );
    let port = u16::try_from(recorded["port"].as_u64().unwrap()).unwrap();
    let records = recorded["records"].as_array().unwrap();
    assert_eq!(records.len(), cases.len(), "one record per case");

    let mut signed_header_count = 0;
    for (index, (case, record)) in cases.iter().zip(records).enumerate() {
        let name = case.name;
        assert_eq!(record["name"], name);
        let sent = &record["request"];
        let request = ours(index, case, port, sent);

        assert_eq!(
            sent["method"],
            request.method().as_str(),
            "`{name}`: method"
        );
        assert_eq!(sent["path"], request.uri().path(), "`{name}`: path");
        assert_eq!(
            sent["query"],
            request.uri().query().unwrap_or(""),
            "`{name}`: query string"
        );
        assert_eq!(
            sent["body"],
            std::str::from_utf8(request.body()).unwrap(),
            "`{name}`: body"
        );
        let official_authorization = sent["headers"]["authorization"].as_str().unwrap();
        let authorization = request.headers()["authorization"].to_str().unwrap();
        let official_signed = signed_headers(official_authorization);
        assert_eq!(
            signed_headers(authorization),
            official_signed,
            "`{name}`: signed headers"
        );
        for header in &official_signed {
            assert_eq!(
                sent["headers"][*header],
                request.headers()[*header].to_str().unwrap(),
                "`{name}`: header `{header}`"
            );
        }
        signed_header_count += official_signed.len();
        assert_eq!(
            official_authorization, authorization,
            "`{name}`: Authorization"
        );
        assert_eq!(
            request.headers().contains_key("x-acs-security-token"),
            case.sts,
            "`{name}`: the STS token is sent exactly with STS credentials"
        );

        // The verifier a test server uses accepts the official request, and ours.
        let secret = credentials(case).access_key_secret().to_owned();
        let verified = verify(&received(sent), &secret).unwrap_or_else(|error| {
            panic!("`{name}`: the official request fails verification: {error}")
        });
        assert_eq!(verified.action, case.action);
        assert_eq!(verified.access_key_id, credentials(case).access_key_id());
        assert_eq!(verified.date.to_string(), DATE);
        verify(&request, &secret).unwrap();
        assert!(verify(&received(sent), "another-secret").is_err());

        check_outcome(case, &record["outcome"]);
    }

    every_client_call_is_a_case(&cases);

    // The IMM object parameters travel as JSON in the form body, as the SDK's `json` style.
    let create = cases.iter().position(|c| c.name == "CreateBatch").unwrap();
    let body = records[create]["request"]["body"].as_str().unwrap();
    assert!(
        body.starts_with(
            "Actions=%5B%7B%22FastFailPolicy%22%3A%7B%22Action%22%3A%22abort%22%7D%2C"
        ),
        "{body}"
    );
    println!(
        "{} requests ({} signed headers) agree with alibabacloud-tea-openapi {}, \
         alibabacloud-ram20150501 {} and alibabacloud-imm20200930 {}",
        cases.len(),
        signed_header_count,
        recorded["versions"]["alibabacloud-tea-openapi"]
            .as_str()
            .unwrap(),
        recorded["versions"]["alibabacloud-ram20150501"]
            .as_str()
            .unwrap(),
        recorded["versions"]["alibabacloud-imm20200930"]
            .as_str()
            .unwrap(),
    );
}
