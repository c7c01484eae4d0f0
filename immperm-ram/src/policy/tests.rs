use super::*;

fn invalid(json: &str) -> String {
    match PolicyDocument::from_json(json) {
        Ok(doc) => panic!("accepted: {doc}"),
        Err(err) => err.to_string(),
    }
}

fn invalid_as(json: &str, kind: PolicyKind) -> String {
    match PolicyDocument::from_json_as(json, kind) {
        Ok(doc) => panic!("accepted: {doc}"),
        Err(err) => err.to_string(),
    }
}

/// Parses, prints, and checks that printing is a fixed point of parsing.
fn round_trip(json: &str) -> String {
    let doc = PolicyDocument::from_json(json).unwrap_or_else(|e| panic!("{e}\n{json}"));
    let pretty = doc.to_json_pretty();
    assert!(pretty.ends_with("}\n"), "{pretty}");
    let again = PolicyDocument::from_json(&pretty).unwrap();
    assert_eq!(again, doc);
    assert_eq!(again.to_json_pretty(), pretty);
    let compact = PolicyDocument::from_json(&doc.to_json_compact()).unwrap();
    assert_eq!(compact, doc);
    pretty
}

#[test]
fn identity_policy_round_trips_in_a_stable_form() {
    let pretty = round_trip(
        r#"{"Statement": [{"Resource": ["acs:oss:*:*:b2/*", "acs:oss:*:*:b1/*", "acs:oss:*:*:b1/*"],
            "Action": ["oss:PutObject", "oss:GetObject"], "Effect": "Allow"},
           {"Effect": "Deny", "NotAction": ["imm:*"], "Resource": "*"}], "Version": "1"}"#,
    );
    assert_eq!(
        pretty,
        r#"{
  "Version": "1",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [
        "oss:GetObject",
        "oss:PutObject"
      ],
      "Resource": [
        "acs:oss:*:*:b1/*",
        "acs:oss:*:*:b2/*"
      ]
    },
    {
      "Effect": "Deny",
      "NotAction": "imm:*",
      "Resource": "*"
    }
  ]
}
"#
    );
}

#[test]
fn one_element_arrays_read_as_strings_and_are_written_as_strings() {
    let array = PolicyDocument::from_json(
        r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":["ram:PassRole"],"Resource":["*"]}]}"#,
    )
    .unwrap();
    let string = PolicyDocument::from_json(
        r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"ram:PassRole","Resource":"*"}]}"#,
    )
    .unwrap();
    assert_eq!(array, string);
    assert_eq!(
        array.to_json_compact(),
        r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"ram:PassRole","Resource":"*"}]}"#
    );
}

#[test]
fn trust_policy_round_trips() {
    let json = r#"{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":["imm.aliyuncs.com"]}}],"Version":"1"}"#;
    let doc = PolicyDocument::from_json_as(json, PolicyKind::Trust).unwrap();
    assert_eq!(
        doc.statements()[0].principal,
        Some(Principal::service("imm.aliyuncs.com"))
    );
    assert_eq!(
        round_trip(json),
        r#"{
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
"#
    );
    let all = round_trip(
        r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole",
            "Principal":{"Federated":"acs:ram::1234567890123456:saml-provider/idp",
                         "RAM":["acs:ram::1234567890123456:root","acs:ram::1234567890123456:role/a"],
                         "Service":"imm.aliyuncs.com"}}]}"#,
    );
    assert!(all.contains(
        "\"Principal\": {\n        \"Service\": \"imm.aliyuncs.com\",\n        \"RAM\": [\n"
    ));
    assert!(all.contains("\"Federated\": \"acs:ram::1234567890123456:saml-provider/idp\""));
}

#[test]
fn conditions_round_trip_with_every_value_type() {
    let pretty = round_trip(
        r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"ram:PassRole","Resource":"*",
            "Condition":{"StringEquals":{"acs:Service":"imm.aliyuncs.com"},
                         "IpAddress":{"acs:SourceIp":["10.0.0.0/8","192.168.0.0/16"]},
                         "Bool":{"acs:SecureTransport":true},
                         "NumericLessThan":{"x:n":[3600]}}}]}"#,
    );
    assert_eq!(
        pretty,
        r#"{
  "Version": "1",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "ram:PassRole",
      "Resource": "*",
      "Condition": {
        "Bool": {
          "acs:SecureTransport": true
        },
        "IpAddress": {
          "acs:SourceIp": [
            "10.0.0.0/8",
            "192.168.0.0/16"
          ]
        },
        "NumericLessThan": {
          "x:n": 3600
        },
        "StringEquals": {
          "acs:Service": "imm.aliyuncs.com"
        }
      }
    }
  ]
}
"#
    );
}

#[test]
fn documents_built_in_code_print_like_parsed_ones() {
    let statement = Statement::allow(
        Values::new(["oss:ProcessImm", "oss:GetObject"]).unwrap(),
        Values::one("acs:oss:*:*:b/*"),
    );
    let doc = PolicyDocument::new(vec![statement]).unwrap();
    assert_eq!(PolicyDocument::from_json(&doc.to_string()).unwrap(), doc);
    assert!(doc.check_kind(PolicyKind::Identity).is_ok());
    assert_eq!(
        doc.check_kind(PolicyKind::Trust).unwrap_err().to_string(),
        "Statement[0].Principal: missing; a trust policy names who may assume the role, e.g. `{\"Service\": \"imm.aliyuncs.com\"}`"
    );
    assert!(PolicyDocument::new(Vec::new()).is_err());
    assert!(Values::new(Vec::<String>::new()).is_none());
    let via_serde: PolicyDocument = serde_json::from_str(&doc.to_json_compact()).unwrap();
    assert_eq!(via_serde, doc);
    assert_eq!(serde_json::to_string(&doc).unwrap(), doc.to_json_compact());
}

#[test]
fn malformed_json_gives_line_and_column() {
    assert_eq!(
        invalid("{\n  \"Version\": \"1\",\n  \"Statement\": [,]\n}"),
        "malformed JSON at line 3, column 17: expected value"
    );
    let err = PolicyDocument::from_json("{\"Version\": \"1\"").unwrap_err();
    assert!(
        matches!(
            err,
            PolicyError::Syntax {
                line: 1,
                column: 15,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        invalid("[]"),
        "policy: expected a JSON object with `Version` and `Statement`, found an array"
    );
}

#[test]
fn version_must_be_the_string_one() {
    let statement = r#""Statement":[{"Effect":"Allow","Action":"oss:GetObject","Resource":"*"}]"#;
    assert_eq!(
        invalid(&format!("{{{statement}}}")),
        "Version: missing; write `\"Version\": \"1\"`"
    );
    assert_eq!(
        invalid(&format!(r#"{{"Version":"2012-10-17",{statement}}}"#)),
        "Version: `2012-10-17` is not a RAM policy version; write `\"Version\": \"1\"`"
    );
    assert_eq!(
        invalid(&format!(r#"{{"Version":1,{statement}}}"#)),
        "Version: expected the string `\"1\"`, found a number"
    );
}

#[test]
fn statements_must_be_a_non_empty_array_of_objects() {
    assert_eq!(
        invalid(r#"{"Version":"1"}"#),
        "Statement: missing; a policy has an array of one or more statements"
    );
    assert_eq!(
        invalid(r#"{"Version":"1","Statement":[]}"#),
        "Statement: empty array; a policy has at least one statement"
    );
    assert_eq!(
        invalid(r#"{"Version":"1","Statement":{"Effect":"Allow","Action":"a:b","Resource":"*"}}"#),
        "Statement: expected an array of statements, found an object"
    );
    assert_eq!(
        invalid(r#"{"Version":"1","Statement":["Allow"]}"#),
        "Statement[0]: expected a statement object, found a string"
    );
}

#[test]
fn unknown_fields_are_named_with_a_suggestion() {
    assert_eq!(
        invalid(
            r#"{"Version":"1","Id":"x","Statement":[{"Sid":"a","Effect":"Allow","action":"a:b","Action":"a:b","Resource":"*"}]}"#
        ),
        "Id: unknown field; a policy has only `Version`, `Statement`\n\
         Statement[0].Sid: unknown field; a statement has only `Effect`, `Action`, `NotAction`, `Principal`, `Resource`, `Condition`\n\
         Statement[0].action: unknown field; a statement has only `Effect`, `Action`, `NotAction`, `Principal`, `Resource`, `Condition`; did you mean `Action`? (field names are case-sensitive)"
    );
    assert_eq!(
        invalid(
            r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"a:b","Resourse":"*"}]}"#
        ),
        "Statement[0].Resourse: unknown field; a statement has only `Effect`, `Action`, `NotAction`, `Principal`, `Resource`, `Condition`; did you mean `Resource`?"
    );
    assert_eq!(
        invalid(
            r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"a:b","NotResource":"*"}]}"#
        ),
        "Statement[0].NotResource: unknown field; a statement has only `Effect`, `Action`, `NotAction`, `Principal`, `Resource`, `Condition`; RAM does not support `NotResource`, list the resources in `Resource`"
    );
    assert_eq!(
        invalid(
            r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"imm.aliyuncs.com","Account":"1"}}]}"#
        ),
        "Statement[0].Principal.Account: unknown field; a principal has only `Service`, `RAM`, `Federated`"
    );
}

#[test]
fn exactly_one_of_action_and_not_action() {
    assert_eq!(
        invalid(
            r#"{"Version":"1","Statement":[{"Effect":"Allow","Resource":"*"},{"Effect":"Allow","Action":"a:b","NotAction":"a:c","Resource":"*"}]}"#
        ),
        "Statement[0]: neither `Action` nor `NotAction`; a statement has exactly one of them\n\
         Statement[1]: both `Action` and `NotAction`; a statement has exactly one of them"
    );
}

#[test]
fn effects_are_allow_or_deny() {
    assert_eq!(
        invalid(
            r#"{"Version":"1","Statement":[{"Effect":"allow","Action":"a:b","Resource":"*"}]}"#
        ),
        "Statement[0].Effect: `allow` is not an effect; write `Allow` or `Deny` (effects are case-sensitive)"
    );
    assert_eq!(
        invalid(r#"{"Version":"1","Statement":[{"Action":"a:b","Resource":"*"}]}"#),
        "Statement[0].Effect: missing; write `\"Effect\": \"Allow\"` or `\"Deny\"`"
    );
    assert_eq!(
        invalid(r#"{"Version":"1","Statement":[{"Effect":true,"Action":"a:b","Resource":"*"}]}"#),
        "Statement[0].Effect: expected `\"Allow\"` or `\"Deny\"`, found a boolean"
    );
}

#[test]
fn empty_arrays_and_strings_are_rejected() {
    assert_eq!(
        invalid(
            r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*"},{"Effect":"Allow","Action":[],"Resource":[""]}]}"#
        ),
        "Statement[1].Action: empty array; list at least one value, or remove the field\n\
         Statement[1].Resource[0]: empty string"
    );
    assert_eq!(
        invalid(
            r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"StringEquals":{"acs:Service":[]},"Bool":{}}}]}"#
        ),
        "Statement[0].Condition.Bool: empty object; add a condition key or remove the operator\n\
         Statement[0].Condition.StringEquals.acs:Service: empty array; list at least one value, or remove the key"
    );
    assert_eq!(
        invalid(
            r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{}}]}"#
        ),
        "Statement[0].Principal: empty object; name a `Service`, `RAM` or `Federated` principal"
    );
}

#[test]
fn actions_are_strings_naming_a_service() {
    assert_eq!(
        invalid(
            r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:GetObject",7,null],"Resource":"*"}]}"#
        ),
        "Statement[0].Action[1]: expected a string, found a number\n\
         Statement[0].Action[2]: expected a string, found null"
    );
    assert_eq!(
        invalid(
            r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":{"a":"b"},"Resource":"*"}]}"#
        ),
        "Statement[0].Action: expected a string or an array of strings, found an object"
    );
    assert_eq!(
        invalid(
            r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"GetObject","Resource":"*"}]}"#
        ),
        "Statement[0].Action: `GetObject` is not an action; write `<service>:<action>`, e.g. `oss:GetObject`"
    );
    assert_eq!(
        invalid(
            r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":[null]}}}]}"#
        ),
        "Statement[0].Condition.StringEquals.k[0]: expected a string, number or boolean, found null"
    );
}

#[test]
fn kinds_decide_principal_and_resource() {
    let trust = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"imm.aliyuncs.com"}}]}"#;
    assert!(PolicyDocument::from_json(trust).is_ok());
    assert_eq!(
        invalid_as(trust, PolicyKind::Identity),
        "Statement[0].Principal: not allowed in an identity policy; principals belong in trust and resource policies\n\
         Statement[0].Resource: missing; an identity policy names the resources each statement applies to (`*` for all)"
    );
    let identity = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:GetObject","Resource":"*"}]}"#;
    assert!(PolicyDocument::from_json_as(identity, PolicyKind::Identity).is_ok());
    assert_eq!(
        invalid_as(identity, PolicyKind::Trust),
        "Statement[0].Principal: missing; a trust policy names who may assume the role, e.g. `{\"Service\": \"imm.aliyuncs.com\"}`"
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let err = PolicyDocument::from_json(
        r#"{"Version":"2","Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*"},7,{"Effect":"Maybe","Action":[1]}]}"#,
    )
    .unwrap_err();
    let paths: Vec<_> = err.issues().iter().map(|i| i.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "Version",
            "Statement[1]",
            "Statement[2].Effect",
            "Statement[2].Action[0]"
        ]
    );
}

#[test]
fn the_size_limit_counts_the_pretty_form() {
    let doc = PolicyDocument::new(vec![Statement::allow(
        Values::new((0..300).map(|i| format!("oss:Action{i:03}"))).unwrap(),
        Values::one("*"),
    )])
    .unwrap();
    let size = doc.size();
    assert_eq!(size, doc.to_json_pretty().len());
    assert!(size > doc.to_json_compact().len());
    assert!(doc.check_size(size).is_ok());
    assert_eq!(
        doc.check_size(DEFAULT_SIZE_LIMIT).unwrap_err().to_string(),
        format!(
            "policy is {size} characters long; RAM accepts at most 6144 \
             (counted on the pretty form, whitespace included); split it into several policies"
        )
    );
    assert_eq!(
        doc.check_size(size - 1),
        Err(PolicyError::TooLarge {
            size,
            limit: size - 1
        })
    );
}

#[test]
fn keys_written_twice_are_reported_not_replaced() {
    assert_eq!(
        invalid(
            r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:GetObject","Action":"oss:*","Resource":"*"}]}"#
        ),
        "Statement[0].Action: written twice; RAM does not document which one applies, keep one"
    );
    assert_eq!(
        invalid(
            r#"{"Version":"1","Version":"1","Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"Bool":{"k":true,"k":false}}}],"Statement":[]}"#
        ),
        "Version: written twice; RAM does not document which one applies, keep one\n\
         Statement[0].Condition.Bool.k: written twice; RAM does not document which one applies, keep one\n\
         Statement: written twice; RAM does not document which one applies, keep one"
    );
    let err = serde_json::from_str::<PolicyDocument>(
        r#"{"Version":"1","Statement":[{"Effect":"Allow","Effect":"Deny","Action":"a:b","Resource":"*"}]}"#,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("Statement[0].Effect: written twice"),
        "{err}"
    );
}
