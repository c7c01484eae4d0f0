//! Reading a document: JSON text → [`serde_json::Value`] → validated [`PolicyDocument`].
//!
//! Every rule is checked on the whole document and every broken one is reported, each at its
//! JSON path, rather than stopping at the first (which `#[serde(deny_unknown_fields)]` on a
//! derived struct would do).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{
    ActionSet, ConditionValue, Conditions, Effect, PolicyDocument, PolicyError, PolicyIssue,
    PolicyKind, Principal, Statement, VERSION, Values,
};

/// The fields of a document, in output order.
const DOCUMENT_FIELDS: &[&str] = &["Version", "Statement"];
/// The fields of a statement, in output order.
const STATEMENT_FIELDS: &[&str] = &[
    "Effect",
    "Action",
    "NotAction",
    "Principal",
    "Resource",
    "Condition",
];
/// The fields of a principal, in output order.
const PRINCIPAL_FIELDS: &[&str] = &["Service", "RAM", "Federated"];

/// The broken rules found so far.
#[derive(Default)]
struct Issues(Vec<PolicyIssue>);

impl Issues {
    /// Records an issue; returns `None` so callers can `return issues.add(..)`.
    fn add<T>(&mut self, path: impl Into<String>, message: impl Into<String>) -> Option<T> {
        self.0.push(PolicyIssue::new(path, message));
        None
    }
}

pub(super) fn document(
    json: &str,
    kind: Option<PolicyKind>,
) -> Result<PolicyDocument, PolicyError> {
    let raw: Raw = serde_json::from_str(json).map_err(|err| syntax(&err))?;
    raw_document(raw, kind)
}

pub(super) fn raw_document(
    raw: Raw,
    kind: Option<PolicyKind>,
) -> Result<PolicyDocument, PolicyError> {
    let mut duplicates = Issues::default();
    let value = raw.into_value(None, &mut duplicates);
    match self::value(&value, kind) {
        Ok(document) if duplicates.0.is_empty() => Ok(document),
        Ok(_) => Err(PolicyError::Invalid(duplicates.0)),
        Err(PolicyError::Invalid(issues)) => {
            duplicates.0.extend(issues);
            Err(PolicyError::Invalid(duplicates.0))
        }
        Err(other) => Err(other),
    }
}

/// JSON as written, keeping every key of an object, so that a key written twice is reported
/// rather than silently replaced by its last value (RAM's handling of repeated keys is not
/// documented).
pub(super) enum Raw {
    Scalar(Value),
    Array(Vec<Raw>),
    Object(Vec<(String, Raw)>),
}

impl Raw {
    /// The value, recording each repeated key (the first occurrence is kept).
    fn into_value(self, path: Option<&str>, duplicates: &mut Issues) -> Value {
        match self {
            Self::Scalar(value) => value,
            Self::Array(items) => Value::Array(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(index, item)| {
                        let path = format!("{}[{index}]", path.unwrap_or("policy"));
                        item.into_value(Some(&path), duplicates)
                    })
                    .collect(),
            ),
            Self::Object(entries) => {
                let mut object = Map::new();
                for (key, item) in entries {
                    let path = match path {
                        Some(path) => format!("{path}.{key}"),
                        None => key.clone(),
                    };
                    if object.contains_key(&key) {
                        duplicates.add::<()>(
                            path,
                            "written twice; RAM does not document which one applies, keep one",
                        );
                        continue;
                    }
                    let value = item.into_value(Some(&path), duplicates);
                    object.insert(key, value);
                }
                Value::Object(object)
            }
        }
    }
}

impl<'de> serde::Deserialize<'de> for Raw {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> serde::de::Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw::Scalar(Value::Bool(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Scalar(Value::from(v)))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Raw, E> {
        Ok(Raw::Scalar(Value::from(v)))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw::Scalar(Value::from(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::Scalar(Value::String(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::Scalar(Value::String(v)))
    }

    fn visit_unit<E>(self) -> Result<Raw, E> {
        Ok(Raw::Scalar(Value::Null))
    }

    fn visit_none<E>(self) -> Result<Raw, E> {
        Ok(Raw::Scalar(Value::Null))
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Raw, D::Error> {
        serde::Deserialize::deserialize(deserializer)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Raw::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Raw>()? {
            entries.push((key, value));
        }
        Ok(Raw::Object(entries))
    }
}

fn syntax(err: &serde_json::Error) -> PolicyError {
    let full = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
    PolicyError::Syntax {
        line: err.line(),
        column: err.column(),
        message,
    }
}

fn value(value: &Value, kind: Option<PolicyKind>) -> Result<PolicyDocument, PolicyError> {
    let mut issues = Issues::default();
    let statements = document_value(value, kind, &mut issues);
    match statements {
        Some(statements) if issues.0.is_empty() => Ok(PolicyDocument { statements }),
        _ => Err(PolicyError::Invalid(issues.0)),
    }
}

fn document_value(
    value: &Value,
    kind: Option<PolicyKind>,
    issues: &mut Issues,
) -> Option<Vec<Statement>> {
    let Some(object) = value.as_object() else {
        return issues.add(
            "policy",
            format!(
                "expected a JSON object with `Version` and `Statement`, found {}",
                describe(value)
            ),
        );
    };
    unknown_fields(object, DOCUMENT_FIELDS, None, "a policy", issues);
    // `Version`: the string "1", nothing else.
    match object.get("Version") {
        Some(Value::String(version)) if version == VERSION => {}
        Some(Value::String(version)) => {
            issues.add::<()>(
                "Version",
                format!("`{version}` is not a RAM policy version; write `\"Version\": \"1\"`"),
            );
        }
        Some(other) => {
            issues.add::<()>(
                "Version",
                format!("expected the string `\"1\"`, found {}", describe(other)),
            );
        }
        None => {
            issues.add::<()>("Version", "missing; write `\"Version\": \"1\"`");
        }
    }
    // `Statement`: an array of one or more statement objects.
    match object.get("Statement") {
        Some(Value::Array(items)) if items.is_empty() => issues.add(
            "Statement",
            "empty array; a policy has at least one statement",
        ),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(index, item)| statement(item, index, kind, issues))
            // Every statement is checked before the first invalid one makes the result `None`.
            .collect::<Vec<_>>()
            .into_iter()
            .collect(),
        Some(other) => issues.add(
            "Statement",
            format!("expected an array of statements, found {}", describe(other)),
        ),
        None => issues.add(
            "Statement",
            "missing; a policy has an array of one or more statements",
        ),
    }
}

fn statement(
    value: &Value,
    index: usize,
    kind: Option<PolicyKind>,
    issues: &mut Issues,
) -> Option<Statement> {
    let path = format!("Statement[{index}]");
    let Some(object) = value.as_object() else {
        return issues.add(
            path,
            format!("expected a statement object, found {}", describe(value)),
        );
    };
    unknown_fields(object, STATEMENT_FIELDS, Some(&path), "a statement", issues);
    let field = |name: &str| format!("{path}.{name}");

    // `Effect`: "Allow" or "Deny", case-sensitive.
    let effect = match object.get("Effect") {
        Some(Value::String(effect)) if effect == "Allow" => Some(Effect::Allow),
        Some(Value::String(effect)) if effect == "Deny" => Some(Effect::Deny),
        Some(Value::String(effect)) => {
            let case =
                if effect.eq_ignore_ascii_case("allow") || effect.eq_ignore_ascii_case("deny") {
                    " (effects are case-sensitive)"
                } else {
                    ""
                };
            issues.add(
                field("Effect"),
                format!("`{effect}` is not an effect; write `Allow` or `Deny`{case}"),
            )
        }
        Some(other) => issues.add(
            field("Effect"),
            format!(
                "expected `\"Allow\"` or `\"Deny\"`, found {}",
                describe(other)
            ),
        ),
        None => issues.add(
            field("Effect"),
            "missing; write `\"Effect\": \"Allow\"` or `\"Deny\"`",
        ),
    };

    // Exactly one of `Action` and `NotAction`, each a string or an array of strings.
    let action = object
        .get("Action")
        .map(|v| values(v, &field("Action"), Field::Action, issues));
    let not_action = object
        .get("NotAction")
        .map(|v| values(v, &field("NotAction"), Field::Action, issues));
    let action = match (action, not_action) {
        (Some(action), None) => action.map(ActionSet::Action),
        (None, Some(not_action)) => not_action.map(ActionSet::NotAction),
        (Some(_), Some(_)) => issues.add(
            path.clone(),
            "both `Action` and `NotAction`; a statement has exactly one of them",
        ),
        (None, None) => issues.add(
            path.clone(),
            "neither `Action` nor `NotAction`; a statement has exactly one of them",
        ),
    };

    let resource = object
        .get("Resource")
        .map(|v| values(v, &field("Resource"), Field::Resource, issues));
    let principal = object
        .get("Principal")
        .map(|v| principal(v, &field("Principal"), issues));
    let condition = object
        .get("Condition")
        .map(|v| conditions(v, &field("Condition"), issues));
    if let Some(kind) = kind {
        kind_rules(&path, resource.is_some(), principal.is_some(), kind, issues);
    }

    Some(Statement {
        effect: effect?,
        action: action?,
        resource: resource.map_or(Some(None), |r| r.map(Some))?,
        condition: condition.map_or(Some(None), |c| c.map(Some))?,
        principal: principal.map_or(Some(None), |p| p.map(Some))?,
    })
}

/// The rules of a kind of policy, on one statement.
fn kind_rules(path: &str, resource: bool, principal: bool, kind: PolicyKind, issues: &mut Issues) {
    match kind {
        PolicyKind::Identity => {
            if principal {
                issues.add::<()>(
                    format!("{path}.Principal"),
                    "not allowed in an identity policy; principals belong in trust and resource policies",
                );
            }
            if !resource {
                issues.add::<()>(
                    format!("{path}.Resource"),
                    "missing; an identity policy names the resources each statement applies to (`*` for all)",
                );
            }
        }
        PolicyKind::Trust => {
            if !principal {
                issues.add::<()>(
                    format!("{path}.Principal"),
                    "missing; a trust policy names who may assume the role, e.g. `{\"Service\": \"imm.aliyuncs.com\"}`",
                );
            }
        }
    }
}

pub(super) fn kind_issues(statements: &[Statement], kind: PolicyKind) -> Vec<PolicyIssue> {
    let mut issues = Issues::default();
    for (index, statement) in statements.iter().enumerate() {
        kind_rules(
            &format!("Statement[{index}]"),
            statement.resource.is_some(),
            statement.principal.is_some(),
            kind,
            &mut issues,
        );
    }
    issues.0
}

/// What a list of strings holds, for the checks on each string.
#[derive(Clone, Copy)]
enum Field {
    Action,
    Resource,
    Principal,
}

/// A string or a non-empty array of strings.
fn values(value: &Value, path: &str, field: Field, issues: &mut Issues) -> Option<Values> {
    match value {
        Value::String(item) => check_string(item, path, field, issues).then(|| Values::one(item)),
        Value::Array(items) if items.is_empty() => issues.add(
            path,
            "empty array; list at least one value, or remove the field",
        ),
        Value::Array(items) => {
            let before = issues.0.len();
            let mut strings = Vec::with_capacity(items.len());
            for (index, item) in items.iter().enumerate() {
                let item_path = format!("{path}[{index}]");
                match item {
                    Value::String(item) => {
                        if check_string(item, &item_path, field, issues) {
                            strings.push(item.clone());
                        }
                    }
                    other => {
                        issues.add::<()>(
                            item_path,
                            format!("expected a string, found {}", describe(other)),
                        );
                    }
                }
            }
            if issues.0.len() == before {
                Values::new(strings)
            } else {
                None
            }
        }
        other => issues.add(
            path,
            format!(
                "expected a string or an array of strings, found {}",
                describe(other)
            ),
        ),
    }
}

/// The checks on one string of a list; `true` when it passes.
fn check_string(item: &str, path: &str, field: Field, issues: &mut Issues) -> bool {
    if item.is_empty() {
        issues.add::<()>(path, "empty string");
        return false;
    }
    if matches!(field, Field::Action) && item != "*" {
        let valid = item
            .split_once(':')
            .is_some_and(|(service, name)| !service.is_empty() && !name.is_empty());
        if !valid {
            issues.add::<()>(
                path,
                format!(
                    "`{item}` is not an action; write `<service>:<action>`, e.g. `oss:GetObject`"
                ),
            );
            return false;
        }
    }
    true
}

/// `{"Service": .., "RAM": .., "Federated": ..}`, at least one.
fn principal(value: &Value, path: &str, issues: &mut Issues) -> Option<Principal> {
    let Some(object) = value.as_object() else {
        return issues.add(
            path,
            format!(
                "expected an object with `Service`, `RAM` or `Federated`, found {}",
                describe(value)
            ),
        );
    };
    if object.is_empty() {
        return issues.add(
            path,
            "empty object; name a `Service`, `RAM` or `Federated` principal",
        );
    }
    let before = issues.0.len();
    unknown_fields(object, PRINCIPAL_FIELDS, Some(path), "a principal", issues);
    let mut get = |name: &str| {
        object
            .get(name)
            .and_then(|v| values(v, &format!("{path}.{name}"), Field::Principal, issues))
    };
    let principal = Principal {
        service: get("Service"),
        ram: get("RAM"),
        federated: get("Federated"),
    };
    (issues.0.len() == before).then_some(principal)
}

/// `{"<Operator>": {"<Key>": value or [values]}}`, nothing empty.
fn conditions(value: &Value, path: &str, issues: &mut Issues) -> Option<Conditions> {
    let Some(operators) = value.as_object() else {
        return issues.add(
            path,
            format!(
                "expected an object of condition operators, found {}",
                describe(value)
            ),
        );
    };
    if operators.is_empty() {
        return issues.add(path, "empty object; add a condition or remove the field");
    }
    let before = issues.0.len();
    let mut block = BTreeMap::new();
    for (operator, keys) in operators {
        let operator_path = format!("{path}.{operator}");
        let Some(keys) = keys.as_object() else {
            issues.add::<()>(
                operator_path,
                format!(
                    "expected an object of condition keys, found {}",
                    describe(keys)
                ),
            );
            continue;
        };
        if keys.is_empty() {
            issues.add::<()>(
                operator_path,
                "empty object; add a condition key or remove the operator",
            );
            continue;
        }
        let mut entries = BTreeMap::new();
        for (key, values) in keys {
            let key_path = format!("{operator_path}.{key}");
            if let Some(values) = condition_values(values, &key_path, issues) {
                entries.insert(key.clone(), values);
            }
        }
        block.insert(operator.clone(), entries);
    }
    if issues.0.len() == before {
        Conditions::new(block)
    } else {
        None
    }
}

fn condition_values(value: &Value, path: &str, issues: &mut Issues) -> Option<Vec<ConditionValue>> {
    match value {
        Value::Array(items) if items.is_empty() => issues.add(
            path,
            "empty array; list at least one value, or remove the key",
        ),
        Value::Array(items) => {
            let before = issues.0.len();
            let values: Vec<_> = items
                .iter()
                .enumerate()
                .filter_map(|(index, item)| {
                    condition_value(item, &format!("{path}[{index}]"), issues)
                })
                .collect();
            (issues.0.len() == before).then_some(values)
        }
        scalar => condition_value(scalar, path, issues).map(|value| vec![value]),
    }
}

fn condition_value(value: &Value, path: &str, issues: &mut Issues) -> Option<ConditionValue> {
    match value {
        Value::String(text) => Some(ConditionValue::String(text.clone())),
        Value::Number(number) => Some(ConditionValue::Number(number.to_string())),
        Value::Bool(flag) => Some(ConditionValue::Bool(*flag)),
        other => issues.add(
            path,
            format!(
                "expected a string, number or boolean, found {}",
                describe(other)
            ),
        ),
    }
}

/// Reports every key of `object` that is not one of `known`, with a suggestion.
fn unknown_fields(
    object: &Map<String, Value>,
    known: &[&str],
    path: Option<&str>,
    what: &str,
    issues: &mut Issues,
) {
    for key in object.keys().filter(|key| !known.contains(&key.as_str())) {
        let list = known
            .iter()
            .map(|name| format!("`{name}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let hint = match known.iter().find(|name| name.eq_ignore_ascii_case(key)) {
            // RAM has no `NotResource` (AWS does): the nearest name would mislead.
            _ if key == "NotResource" => {
                "; RAM does not support `NotResource`, list the resources in `Resource`".to_owned()
            }
            Some(name) => format!("; did you mean `{name}`? (field names are case-sensitive)"),
            None => match immperm_catalog::suggest_among(key, known).first() {
                Some(name) => format!("; did you mean `{name}`?"),
                None => String::new(),
            },
        };
        let key_path = match path {
            Some(path) => format!("{path}.{key}"),
            None => key.clone(),
        };
        issues.add::<()>(
            key_path,
            format!("unknown field; {what} has only {list}{hint}"),
        );
    }
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
