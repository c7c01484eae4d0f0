//! The client against a scripted transport: retries, endpoints, answers read.

use std::cell::RefCell;
use std::collections::{BTreeSet, VecDeque};
use std::rc::Rc;

use immperm_openapi::http::{Request, Response};
use immperm_openapi::{Credentials, verify};

use super::*;

/// A status, headers and body; or why no answer came.
type Answer = Result<(u16, Vec<(&'static str, &'static str)>, String), String>;

/// Answers from a script, in order, and keeps what was sent.
#[derive(Clone, Default)]
struct Scripted {
    answers: Rc<RefCell<VecDeque<Answer>>>,
    sent: Rc<RefCell<Vec<Request<Vec<u8>>>>>,
}

impl Scripted {
    fn answer(&self, status: u16, headers: &[(&'static str, &'static str)], body: &str) -> &Self {
        self.answers
            .borrow_mut()
            .push_back(Ok((status, headers.to_vec(), body.to_owned())));
        self
    }

    fn fail(&self, reason: &str) -> &Self {
        self.answers.borrow_mut().push_back(Err(reason.to_owned()));
        self
    }

    fn actions(&self) -> Vec<String> {
        self.sent
            .borrow()
            .iter()
            .map(|r| r.headers()["x-acs-action"].to_str().unwrap().to_owned())
            .collect()
    }
}

impl Transport for Scripted {
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, String> {
        self.sent.borrow_mut().push(request);
        let (status, headers, body) = self
            .answers
            .borrow_mut()
            .pop_front()
            .expect("the script has an answer for every request")?;
        let mut response = Response::new(body.into_bytes());
        *response.status_mut() = status.try_into().unwrap();
        for (name, value) in headers {
            response.headers_mut().insert(name, value.parse().unwrap());
        }
        Ok(response)
    }
}

const THROTTLED: &str = r#"{"Code": "Throttling.User", "Message": "Request was denied due to user flow control.", "RequestId": "R0"}"#;

type Log<T> = Rc<RefCell<Vec<T>>>;

fn client(script: &Scripted) -> (Client, Log<Duration>, Log<String>) {
    let waits = Rc::new(RefCell::new(Vec::new()));
    let notices = Rc::new(RefCell::new(Vec::new()));
    let (w, n) = (Rc::clone(&waits), Rc::clone(&notices));
    let client = Client::new(
        endpoint("http://127.0.0.1:9").unwrap(),
        Credentials::new("LTAI5tClientTest", "client-test-secret"),
    )
    .transport(script.clone())
    .account("1234567890123456")
    .sleep(move |wait| w.borrow_mut().push(wait))
    .on_retry(move |notice| n.borrow_mut().push(notice.to_owned()));
    (client, waits, notices)
}

#[test]
fn a_throttled_call_is_retried_with_backoff_then_succeeds() {
    let script = Scripted::default();
    script
        .answer(400, &[], THROTTLED)
        .answer(400, &[("x-acs-retry-after", "1500")], THROTTLED)
        .answer(
            200,
            &[],
            r#"{"RequestId": "R", "Groups": {"Group": [{"GroupName": "media-ops"}]}}"#,
        );
    let (client, waits, notices) = client(&script);
    assert_eq!(
        client.list_groups_for_user("media-app").unwrap(),
        ["media-ops"]
    );
    assert_eq!(
        *waits.borrow(),
        [Duration::from_millis(500), Duration::from_millis(1500)]
    );
    assert_eq!(
        notices.borrow()[0],
        "ListGroupsForUser for user `media-app`: RAM answered `Throttling.User`; retrying in 500 \
         ms (attempt 2 of 5)"
    );
    // Each attempt is signed anew: a nonce is never sent twice.
    let sent = script.sent.borrow();
    let nonces: BTreeSet<&str> = sent
        .iter()
        .map(|r| r.headers()["x-acs-signature-nonce"].to_str().unwrap())
        .collect();
    assert_eq!(nonces.len(), 3);
    for request in sent.iter() {
        verify(request, "client-test-secret").unwrap();
    }
}

#[test]
fn retries_are_bounded() {
    let script = Scripted::default();
    for _ in 0..5 {
        script.answer(400, &[], THROTTLED);
    }
    let (client, waits, _) = client(&script);
    let error = client.get_role("r").unwrap_err();
    assert_eq!(error.code(), Some("Throttling.User"));
    assert!(error.to_string().contains("through 5 attempts"), "{error}");
    assert_eq!(
        *waits.borrow(),
        [500, 1000, 2000, 4000].map(Duration::from_millis)
    );
}

#[test]
fn failures_of_writes_are_not_retried_but_reads_are() {
    let unavailable = r#"{"Code": "ServiceUnavailable", "RequestId": "R"}"#;
    let script = Scripted::default();
    script
        .answer(503, &[], unavailable)
        .fail("connection reset");
    let (client, waits, _) = client(&script);
    let error = client
        .create_policy("p", "{}", "d")
        .expect_err("a 503 to a write is not retried");
    assert_eq!(error.code(), Some("ServiceUnavailable"));
    let error = client
        .attach_policy_to_user(&PolicyRef::custom("p"), "u")
        .expect_err("nor is a lost connection");
    assert!(
        error.to_string().starts_with(
            "cannot reach RAM at http://127.0.0.1:9 for AttachPolicyToUser `Custom:p` for user \
             `u` (connection reset, 1 attempt)"
        ),
        "{error}"
    );
    assert!(waits.borrow().is_empty());

    script
        .answer(503, &[], unavailable)
        .fail("connection reset")
        .answer(
            200,
            &[],
            r#"{"Role": {"RoleName": "r", "AssumeRolePolicyDocument": "{}"}}"#,
        );
    assert_eq!(client.get_role("r").unwrap().unwrap().name, "r");
    assert_eq!(waits.borrow().len(), 2);
}

#[test]
fn missing_entities_are_none_where_the_caller_asks() {
    let script = Scripted::default();
    script
        .answer(404, &[], r#"{"Code": "EntityNotExist.Policy"}"#)
        .answer(404, &[], r#"{"Code": "EntityNotExist.Role"}"#)
        .answer(404, &[], r#"{"Code": "EntityNotExist.User"}"#);
    let (client, _, _) = client(&script);
    assert_eq!(client.get_policy(&PolicyRef::custom("p")).unwrap(), None);
    assert_eq!(client.get_role("r").unwrap(), None);
    let error = client
        .list_policies(&Principal::User("ghost".into()))
        .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("RAM user `ghost` does not exist")
    );
    assert_eq!(
        script.actions(),
        ["GetPolicy", "GetRole", "ListPoliciesForUser"]
    );
}

#[test]
fn attached_policies_include_groups_and_fetch_each_document_once() {
    let script = Scripted::default();
    let document =
        r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*"}]}"#;
    let version = format!(
        r#"{{"PolicyVersion": {{"VersionId": "v1", "IsDefaultVersion": true, "PolicyDocument": {}}}}}"#,
        serde_json::to_string(document).unwrap()
    );
    script
        .answer(
            200,
            &[],
            r#"{"Policies": {"Policy": [{"PolicyName": "AliyunOSSFullAccess", "PolicyType": "System", "DefaultVersion": "v1"}]}}"#,
        )
        .answer(
            200,
            &[],
            r#"{"Groups": {"Group": [{"GroupName": "ops"}, {"GroupName": "media"}]}}"#,
        )
        .answer(
            200,
            &[],
            r#"{"Policies": {"Policy": [{"PolicyName": "AliyunOSSFullAccess", "PolicyType": "System", "DefaultVersion": "v1"}]}}"#,
        )
        .answer(200, &[], r#"{"Policies": {"Policy": []}}"#)
        .answer(200, &[], &version);
    let (client, _, _) = client(&script);
    let found = attached(&client, &Principal::User("media-app".into())).unwrap();
    let described: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert_eq!(
        described,
        [
            "System:AliyunOSSFullAccess v1 (attached to user media-app)",
            "System:AliyunOSSFullAccess v1 (attached to group media)",
        ]
    );
    assert_eq!(found[1].document, document);
    assert_eq!(
        script.actions(),
        [
            "ListPoliciesForUser",
            "ListGroupsForUser",
            "ListPoliciesForGroup",
            "ListPoliciesForGroup",
            "GetPolicyVersion"
        ]
    );
}

#[test]
fn endpoints_are_https_or_loopback_http() {
    assert_eq!(
        endpoint("https://ram.aliyuncs.com/").unwrap(),
        Endpoint::ram()
    );
    let local = endpoint("http://127.0.0.1:8080").unwrap();
    assert_eq!((local.scheme(), local.host()), ("http", "127.0.0.1:8080"));
    assert!(endpoint("http://localhost:1").is_ok());
    assert!(endpoint("http://[::1]:1").is_ok());
    assert_eq!(
        endpoint("http://ram.internal:80"),
        Err(EndpointError::PlainHttp("http://ram.internal:80".into()))
    );
    for bad in [
        "ram.aliyuncs.com",
        "https://ram.aliyuncs.com/x",
        "ftp://h",
        "https://a@b",
    ] {
        assert_eq!(
            endpoint(bad),
            Err(EndpointError::Malformed(bad.into())),
            "{bad}"
        );
    }
    assert!(
        EndpointError::PlainHttp("http://x".into())
            .to_string()
            .contains("in clear")
    );
}

#[test]
fn waits_double_up_to_the_cap_and_honour_retry_after() {
    let retry = Retry::default();
    let waits: Vec<u128> = (1..=6).map(|n| retry.wait(n, None).as_millis()).collect();
    assert_eq!(waits, [500, 1000, 2000, 4000, 8000, 8000]);
    assert_eq!(retry.wait(40, None), retry.max);
    assert_eq!(
        retry.wait(1, Some(Duration::from_mins(10))),
        Duration::from_mins(1)
    );
}
