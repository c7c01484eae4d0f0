//! The documentation section the attribute appends to the function's docs: what the function
//! needs, by principal, so that `cargo doc` shows it next to the function.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use immperm_catalog::{self as catalog, ImmResource, Mode};

use crate::validate::{Declaration, Output};

/// What a grant applies to, in the order the section lists them.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Resource {
    /// The objects read: in `bucket`, or the crate's default buckets.
    Source(Option<String>),
    /// The objects written.
    Output(Output),
    /// The IMM project bound to the bucket.
    ImmProject,
    /// Any resource (`*`).
    Any,
    /// The IMM service role, passed to IMM.
    ServiceRole,
    /// The role batch processors and triggers run as, passed to IMM.
    BatchTriggerRole,
    /// An SMQ topic.
    Topic(String),
}

impl Resource {
    fn describe(&self) -> String {
        match self {
            Self::Source(None) => "the source objects (in the crate's buckets)".to_owned(),
            Self::Source(Some(bucket)) => format!("objects in bucket `{bucket}`"),
            Self::Output(Output {
                bucket: None,
                prefix,
            }) if prefix.is_empty() => "the output objects in the source bucket".to_owned(),
            Self::Output(Output {
                bucket: None,
                prefix,
            }) => format!("objects under `{prefix}` in the source bucket"),
            Self::Output(Output {
                bucket: Some(bucket),
                prefix,
            }) if prefix.is_empty() => format!("objects in bucket `{bucket}`"),
            Self::Output(Output {
                bucket: Some(bucket),
                prefix,
            }) => format!("objects under `{bucket}/{prefix}`"),
            Self::ImmProject => "the IMM project bound to the bucket".to_owned(),
            Self::Any => "`*`".to_owned(),
            Self::ServiceRole => format!(
                "the IMM service role (`{}` unless the project names another)",
                catalog::DEFAULT_SERVICE_ROLE
            ),
            Self::BatchTriggerRole => format!(
                "the batch and trigger role (`{}` unless configured otherwise)",
                catalog::DEFAULT_BATCH_TRIGGER_ROLE
            ),
            Self::Topic(topic) => format!("SMQ topic `{topic}`"),
        }
    }
}

/// Actions by resource, for one principal.
type Grants = BTreeMap<Resource, BTreeSet<&'static str>>;

fn grant(grants: &mut Grants, resource: Resource, actions: &[&'static str]) {
    grants.entry(resource).or_default().extend(actions);
}

/// The section for `declarations` (at least one), as Markdown.
pub(crate) fn section(declarations: &[Declaration]) -> String {
    let mut caller = Grants::new();
    let mut service_role = Grants::new();
    let mut runners = BTreeSet::new();
    for declaration in declarations {
        let source = Resource::Source(declaration.bucket.clone());
        let saves = declaration.output.is_some();
        grant(
            &mut caller,
            source.clone(),
            catalog::Operation::caller_source_actions(declaration.mode, saves),
        );
        grant(&mut service_role, source, &["oss:GetObject"]);
        if let Some(output) = &declaration.output {
            let output = Resource::Output(output.clone());
            grant(&mut caller, output.clone(), &[catalog::OSS_SAVE]);
            grant(&mut service_role, output, &[catalog::OSS_SAVE]);
        }
        for action in declaration.op.actions {
            let resource = match catalog::imm_action(action).map(|a| a.resource) {
                Some(ImmResource::Any) => Resource::Any,
                Some(ImmResource::Project) | None => Resource::ImmProject,
            };
            grant(&mut caller, resource, &[action]);
        }
        grant(
            &mut caller,
            Resource::ServiceRole,
            &[catalog::RAM_PASS_ROLE],
        );
        if let Some(topic) = &declaration.notify {
            grant(
                &mut service_role,
                Resource::Topic(topic.clone()),
                &[catalog::MNS_PUBLISH],
            );
        }
        if declaration.batch {
            grant(
                &mut caller,
                Resource::ImmProject,
                &[catalog::IMM_CREATE_BATCH],
            );
            runners.insert("batch processors");
        }
        if declaration.trigger {
            grant(
                &mut caller,
                Resource::ImmProject,
                &[catalog::IMM_CREATE_TRIGGER],
            );
            runners.insert("triggers");
        }
        if declaration.batch || declaration.trigger {
            grant(
                &mut caller,
                Resource::BatchTriggerRole,
                &[catalog::RAM_PASS_ROLE],
            );
        }
    }

    let mut text = String::from("\n# IMM permissions\n\nDeclared with `#[requires_imm]`:\n");
    for declaration in declarations {
        let _ = writeln!(text, "- {}", declared(declaration));
    }
    text.push_str("\nThe caller (RAM user or role) needs:\n");
    list(&mut text, &caller);
    let _ = write!(
        text,
        "\nThe IMM service role needs (`{}` already grants this with `{}`):\n",
        catalog::DEFAULT_SERVICE_ROLE,
        catalog::DEFAULT_SERVICE_ROLE_POLICY
    );
    list(&mut text, &service_role);
    if !runners.is_empty() {
        let runners: Vec<&str> = runners.into_iter().collect();
        let _ = write!(
            text,
            "\nThe batch and trigger role needs the OSS permissions IMM {} use \
             (Alibaba Cloud's example policy for batch processors and triggers).\n",
            runners.join(" and ")
        );
    }
    text
}

/// One declaration in words: `` `video/snapshots` asynchronously (`x-oss-async-process`) ``...
fn declared(declaration: &Declaration) -> String {
    let mut text = format!(
        "`{}` {} (`{}`)",
        declaration.op.name,
        match declaration.mode {
            Mode::Sync => "synchronously",
            Mode::Async => "asynchronously",
        },
        declaration.mode.parameter()
    );
    if let Some(bucket) = &declaration.bucket {
        let _ = write!(text, " on objects in bucket `{bucket}`");
    }
    match &declaration.output {
        Some(Output {
            bucket: Some(bucket),
            prefix,
        }) => {
            let _ = write!(text, ", saving under `{bucket}/{prefix}`");
        }
        Some(Output { bucket: None, .. }) => text.push_str(", saving into the source bucket"),
        None => {}
    }
    if let Some(topic) = &declaration.notify {
        let _ = write!(text, ", announcing completion to SMQ topic `{topic}`");
    }
    match (declaration.batch, declaration.trigger) {
        (true, true) => text.push_str(", run by IMM batch processors and triggers"),
        (true, false) => text.push_str(", run by IMM batch processors"),
        (false, true) => text.push_str(", run by IMM triggers"),
        (false, false) => {}
    }
    text
}

fn list(text: &mut String, grants: &Grants) {
    for (resource, actions) in grants {
        let actions: Vec<String> = actions.iter().map(|a| format!("`{a}`")).collect();
        let _ = writeln!(text, "- {} on {}", actions.join(", "), resource.describe());
    }
}
