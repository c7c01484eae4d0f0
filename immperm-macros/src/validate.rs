//! Checks parsed arguments against the catalog and turns them into a [`Declaration`].
//!
//! The mode, `saveas` and `notify` rules are the catalog's own (`immperm_catalog::check`), so
//! the attribute accepts exactly what the library accepts; only the wording of the fix is the
//! attribute's.

use std::fmt::Write as _;

use immperm_catalog::{self as catalog, Mode, Operation, Violation};

use crate::args::Args;
use crate::ctxt::Ctxt;

/// One valid declared use of an operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Declaration {
    pub(crate) op: &'static Operation,
    pub(crate) mode: Mode,
    /// The source bucket, when `bucket = "..."` names one.
    pub(crate) bucket: Option<String>,
    /// Where the result is saved, when it is.
    pub(crate) output: Option<Output>,
    /// The SMQ topic completion notices go to.
    pub(crate) notify: Option<String>,
    pub(crate) batch: bool,
    pub(crate) trigger: bool,
}

/// Where `sys/saveas` writes.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Output {
    /// `None`: the source bucket.
    pub(crate) bucket: Option<String>,
    pub(crate) prefix: String,
}

/// Validates `args`; every independent error goes to `ctxt`. `None` when any was found.
pub(crate) fn validate(args: &Args, ctxt: &mut Ctxt) -> Option<Declaration> {
    let before = ctxt.len();
    let op = check_op(args, ctxt.at(args.position("op")));
    let bucket = check_bucket(args, ctxt.at(args.position("bucket")));
    let target = check_saveas_target(args, ctxt.at(args.position("saveas")));
    let notify = check_topic(args, ctxt.at(args.position("notify")));
    let mode = if args.asynchronous.is_some() {
        Mode::Async
    } else {
        Mode::Sync
    };
    if let Some(op) = op {
        check_rules(op, mode, args, ctxt);
    }
    if ctxt.len() != before {
        return None;
    }
    let op = op?;
    let output = op.saves(mode, args.saveas.is_some()).then(|| match target {
        Some((bucket, prefix)) => Output {
            bucket: Some(bucket),
            prefix,
        },
        None => Output {
            bucket: None,
            prefix: String::new(),
        },
    });
    Some(Declaration {
        op,
        mode,
        bucket,
        output,
        notify,
        batch: args.batch.is_some(),
        trigger: args.trigger.is_some(),
    })
}

/// `op` is given, non-empty and names a catalog operation; an unknown name gets the nearest
/// names and, for an OSS-native name, the note that it needs no IMM permission.
fn check_op(args: &Args, ctxt: &mut Ctxt) -> Option<&'static Operation> {
    let Some(lit) = &args.op else {
        if !args.op_written {
            ctxt.error_at(
                args.span,
                "missing `op`; name the IMM operation the function invokes: `#[requires_imm(op = \"video/snapshots\")]`",
            );
        }
        return None;
    };
    let name = lit.value();
    if name.is_empty() {
        ctxt.error_at(
            lit.span(),
            "empty operation name; name an IMM operation: `op = \"video/snapshots\"`",
        );
        return None;
    }
    let found = catalog::lookup(&name);
    if found.is_none() {
        ctxt.error_at(lit.span(), unknown_op(&name));
    }
    found
}

fn unknown_op(name: &str) -> String {
    let mut message = format!("unknown IMM operation `{name}`");
    let suggestions = catalog::suggest(name);
    if let [first, rest @ ..] = suggestions.as_slice() {
        let _ = write!(message, "; did you mean `{first}`");
        for other in rest {
            let _ = write!(message, " or `{other}`");
        }
        message.push('?');
    } else if let Some((family, _)) = name.split_once('/') {
        let siblings: Vec<String> = catalog::OPERATIONS
            .iter()
            .filter(|op| op.name.split_once('/').map(|(f, _)| f) == Some(family))
            .map(|op| format!("`{}`", op.name))
            .collect();
        if !siblings.is_empty() {
            let _ = write!(
                message,
                "; the catalog's `{family}/` operations are {}",
                siblings.join(", ")
            );
        }
    }
    if let Some(native) = catalog::native(name) {
        let _ = write!(message, " ({})", native.note);
    }
    message
}

/// `bucket = "..."` is an OSS bucket name.
fn check_bucket(args: &Args, ctxt: &mut Ctxt) -> Option<String> {
    let arg = args.bucket.as_ref()?;
    let name = arg.value.value();
    match catalog::validate_bucket(&name) {
        Ok(()) => Some(name),
        Err(message) => {
            ctxt.error_at(arg.value.span(), message);
            None
        }
    }
}

/// `saveas = "bucket/prefix"` names a valid bucket and prefix.
fn check_saveas_target(args: &Args, ctxt: &mut Ctxt) -> Option<(String, String)> {
    let lit = args.saveas.as_ref()?.target.as_ref()?;
    let target = lit.value();
    let (bucket, prefix) = target.split_once('/').unwrap_or((&target, ""));
    let checked = catalog::validate_bucket(bucket)
        .and_then(|()| catalog::validate_prefix(prefix))
        .map_err(|message| {
            if target.contains('/') {
                message
            } else {
                format!("{message}; write `saveas = \"bucket/prefix\"`")
            }
        });
    match checked {
        Ok(()) => Some((bucket.to_owned(), prefix.to_owned())),
        Err(message) => {
            ctxt.error_at(lit.span(), message);
            None
        }
    }
}

/// `notify = "..."` is an SMQ topic name.
fn check_topic(args: &Args, ctxt: &mut Ctxt) -> Option<String> {
    let arg = args.notify.as_ref()?;
    let topic = arg.value.value();
    match catalog::validate_topic(&topic) {
        Ok(()) => Some(topic),
        Err(message) => {
            ctxt.error_at(arg.value.span(), message);
            None
        }
    }
}

/// The catalog's rules for the declared mode, `saveas` and `notify`; each broken rule is
/// reported on the token that breaks it, with the fix in attribute terms.
fn check_rules(op: &'static Operation, mode: Mode, args: &Args, ctxt: &mut Ctxt) {
    let name = op.name;
    for violation in catalog::check(op, mode, args.saveas.is_some(), args.notify.is_some()) {
        match violation {
            Violation::AsyncOnSyncOnly => {
                if let Some(token) = &args.asynchronous {
                    ctxt.at(args.position("async")).error_at(
                        token.span(),
                        format!(
                            "`{name}` only runs synchronously (`x-oss-process`); remove `async`"
                        ),
                    );
                }
            }
            Violation::SyncOnAsyncOnly => {
                if let Some(lit) = &args.op {
                    ctxt.at(args.position("op")).error_at(
                        lit.span(),
                        format!(
                            "`{name}` only runs asynchronously (`x-oss-async-process`); write `{}`",
                            args.render_with_async()
                        ),
                    );
                }
            }
            Violation::NothingToSave => {
                if let Some(saveas) = &args.saveas {
                    ctxt.at(args.position("saveas")).error_at(
                        saveas.key.span(),
                        format!("{}; remove `saveas`", violation.message(op)),
                    );
                }
            }
            Violation::NotifyWithoutAsync => {
                if let Some(notify) = &args.notify {
                    let fix = if op.modes.supports(Mode::Async) {
                        format!("write `{}`", args.render_with_async())
                    } else {
                        format!("`{name}` only runs synchronously, remove `notify`")
                    };
                    ctxt.at(args.position("notify")).error_at(
                        notify.key.span(),
                        format!(
                            "`notify` only applies with `async` (`x-oss-async-process`); {fix}"
                        ),
                    );
                }
            }
            Violation::NotifyUnsupported => {
                if let Some(notify) = &args.notify {
                    ctxt.at(args.position("notify")).error_at(
                        notify.key.span(),
                        format!("{}; remove `notify`", violation.message(op)),
                    );
                }
            }
        }
    }
}
