//! Writing a document: the wire form mirrors RAM's JSON field for field, in output order.

use std::collections::BTreeMap;

use serde::ser::{Serialize, SerializeSeq, Serializer};

use super::{ActionSet, ConditionValue, Conditions, PolicyDocument, Principal, VERSION, Values};

#[derive(serde::Serialize)]
pub(super) struct Document<'a> {
    #[serde(rename = "Version")]
    version: &'static str,
    #[serde(rename = "Statement")]
    statement: Vec<StatementJson<'a>>,
}

#[derive(serde::Serialize)]
struct StatementJson<'a> {
    #[serde(rename = "Effect")]
    effect: &'static str,
    #[serde(rename = "Action", skip_serializing_if = "Option::is_none")]
    action: Option<&'a Values>,
    #[serde(rename = "NotAction", skip_serializing_if = "Option::is_none")]
    not_action: Option<&'a Values>,
    #[serde(rename = "Principal", skip_serializing_if = "Option::is_none")]
    principal: Option<PrincipalJson<'a>>,
    #[serde(rename = "Resource", skip_serializing_if = "Option::is_none")]
    resource: Option<&'a Values>,
    #[serde(rename = "Condition", skip_serializing_if = "Option::is_none")]
    condition: Option<&'a Conditions>,
}

#[derive(serde::Serialize)]
struct PrincipalJson<'a> {
    #[serde(rename = "Service", skip_serializing_if = "Option::is_none")]
    service: Option<&'a Values>,
    #[serde(rename = "RAM", skip_serializing_if = "Option::is_none")]
    ram: Option<&'a Values>,
    #[serde(rename = "Federated", skip_serializing_if = "Option::is_none")]
    federated: Option<&'a Values>,
}

impl<'a> From<&'a PolicyDocument> for Document<'a> {
    fn from(doc: &'a PolicyDocument) -> Self {
        let statement = doc
            .statements
            .iter()
            .map(|s| StatementJson {
                effect: s.effect.as_str(),
                action: match &s.action {
                    ActionSet::Action(values) => Some(values),
                    ActionSet::NotAction(_) => None,
                },
                not_action: match &s.action {
                    ActionSet::NotAction(values) => Some(values),
                    ActionSet::Action(_) => None,
                },
                principal: s.principal.as_ref().map(|p: &'a Principal| PrincipalJson {
                    service: p.service.as_ref(),
                    ram: p.ram.as_ref(),
                    federated: p.federated.as_ref(),
                }),
                resource: s.resource.as_ref(),
                condition: s.condition.as_ref(),
            })
            .collect();
        Self {
            version: VERSION,
            statement,
        }
    }
}

/// Writes one value as a bare item and several as an array.
fn one_or_many<S, I, T>(serializer: S, len: usize, mut items: I) -> Result<S::Ok, S::Error>
where
    S: Serializer,
    I: Iterator<Item = T>,
    T: Serialize,
{
    if len == 1
        && let Some(item) = items.next()
    {
        return item.serialize(serializer);
    }
    let mut seq = serializer.serialize_seq(Some(len))?;
    for item in items {
        seq.serialize_element(&item)?;
    }
    seq.end()
}

impl Serialize for Values {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        one_or_many(serializer, self.len(), self.iter())
    }
}

impl Serialize for ConditionValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::String(text) => serializer.serialize_str(text),
            Self::Bool(flag) => serializer.serialize_bool(*flag),
            Self::Number(text) => match serde_json::from_str::<serde_json::Number>(text) {
                Ok(number) => number.serialize(serializer),
                // Not a JSON number: only reachable through `ConditionValue::Number` built by
                // hand; written as a string rather than as invalid JSON.
                Err(_) => serializer.serialize_str(text),
            },
        }
    }
}

struct ValuesJson<'a>(&'a [ConditionValue]);

impl Serialize for ValuesJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        one_or_many(serializer, self.0.len(), self.0.iter())
    }
}

impl Serialize for Conditions {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let block: BTreeMap<&str, BTreeMap<&str, ValuesJson<'_>>> = self
            .0
            .iter()
            .map(|(operator, keys)| {
                let keys = keys
                    .iter()
                    .map(|(key, values)| (key.as_str(), ValuesJson(values)))
                    .collect();
                (operator.as_str(), keys)
            })
            .collect();
        block.serialize(serializer)
    }
}

pub(super) fn pretty(doc: &PolicyDocument) -> String {
    let mut text = serde_json::to_string_pretty(&Document::from(doc)).unwrap_or_else(|_| {
        // Serializing strings, booleans and maps with string keys into a `String` cannot fail.
        String::new()
    });
    text.push('\n');
    text
}

pub(super) fn compact(doc: &PolicyDocument) -> String {
    serde_json::to_string(&Document::from(doc)).unwrap_or_default()
}
