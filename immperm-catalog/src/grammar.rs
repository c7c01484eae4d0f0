//! The one grammar of `#[requires_imm(...)]`: from the tokens between the parentheses to a
//! [`Declaration`], or every independent error with the span of the token at fault.
//!
//! The attribute and the build script's source scan both read declarations with
//! [`parse`], so they accept exactly the same declarations and agree on what each declares.
//! Errors are worded for the attribute (lowercase, user input in backticks, the fix when
//! there is one); the scan leaves an invalid declaration out of every policy and lets the
//! attribute report it where it is written.
//!
//! ```text
//! op = "<operation>" [, async] [, saveas | saveas = "<bucket>/<prefix>"]
//!     [, notify = "<topic>"] [, bucket = "<bucket>"] [, batch] [, trigger]
//! ```

use std::fmt::Write as _;

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::meta::ParseNestedMeta;
use syn::parse::{ParseStream, Parser as _};
use syn::{Ident, Lit, LitStr, Token};

use crate::declaration::{Declaration, SaveTarget};
use crate::{Mode, Operation, Runners, Violation};

/// The keys the attribute accepts, in the order the documentation lists them.
pub const KEYS: [&str; 7] = [
    "op", "async", "saveas", "notify", "bucket", "batch", "trigger",
];

/// One error of a declaration: where, what, and where it sorts among the item's errors.
#[derive(Clone, Debug)]
pub struct GrammarError {
    /// The token at fault.
    pub span: Span,
    /// The message: lowercase, user input in backticks, the fix when there is one.
    pub message: String,
    /// (attribute of the item, argument of the attribute): errors are reported in source
    /// order whatever order the checks ran in; a missing argument sorts last.
    pub position: (usize, usize),
}

/// Parses the arguments of the `attribute`-th `#[requires_imm]` of an item (0 for the
/// outermost). `span` is where an error about the attribute as a whole goes (a missing
/// `op`).
///
/// # Errors
/// Every independent problem of the arguments: syntax, unknown or duplicate keys, values
/// that are not string literals, an unknown operation (with suggestions), invalid names,
/// and the catalog's mode, `saveas` and `notify` rules, each on its token.
pub fn parse(
    args: TokenStream,
    span: Span,
    attribute: usize,
) -> Result<Declaration, Vec<GrammarError>> {
    let mut errors = Errors {
        list: Vec::new(),
        position: (attribute, 0),
    };
    let mut written = Args::new(span, attribute);
    let args = unwrap_invisible(args);
    let parser = syn::meta::parser(|meta| parse_key(&meta, &mut written, &mut errors));
    if let Err(error) = parser.parse2(args) {
        for error in error {
            errors.error_at(error.span(), error.to_string());
        }
    }
    let declaration = validate(&written, &mut errors);
    match declaration {
        Some(declaration) if errors.list.is_empty() => Ok(declaration),
        _ => {
            errors.list.sort_by_key(|error| error.position);
            Err(errors.list)
        }
    }
}

/// The tokens inside an invisible group (`Delimiter::None`), when that group is all there is:
/// arguments passed through `macro_rules!` as a `$m:meta` fragment.
fn unwrap_invisible(args: TokenStream) -> TokenStream {
    let mut tokens = args.clone().into_iter();
    match (tokens.next(), tokens.next()) {
        (Some(TokenTree::Group(group)), None)
            if group.delimiter() == proc_macro2::Delimiter::None =>
        {
            unwrap_invisible(group.stream())
        }
        _ => args,
    }
}

struct Errors {
    list: Vec<GrammarError>,
    position: (usize, usize),
}

impl Errors {
    fn at(&mut self, position: (usize, usize)) -> &mut Self {
        self.position = position;
        self
    }

    fn error_at(&mut self, span: Span, message: impl Into<String>) {
        self.list.push(GrammarError {
            span,
            message: message.into(),
            position: self.position,
        });
    }

    /// An error spanning `tokens`: from the first token (the compiler joins spans; outside a
    /// compiler, the first token is the closest one can point).
    fn error_spanned(&mut self, tokens: &TokenStream, message: impl Into<String>) {
        let span = tokens
            .clone()
            .into_iter()
            .next()
            .map_or_else(Span::call_site, |t| t.span());
        let span = tokens
            .clone()
            .into_iter()
            .last()
            .and_then(|last| span.join(last.span()))
            .unwrap_or(span);
        self.error_at(span, message);
    }
}

/// The arguments of one attribute as written. A key that was given but malformed is absent,
/// its error already recorded.
struct Args {
    span: Span,
    attribute: usize,
    /// For each of [`KEYS`], its place among the arguments as written.
    order: [usize; KEYS.len()],
    count: usize,
    op: Option<LitStr>,
    asynchronous: Option<Ident>,
    saveas: Option<SaveAsArg>,
    notify: Option<KeyValue>,
    bucket: Option<KeyValue>,
    batch: Option<Ident>,
    trigger: Option<Ident>,
    /// Whether `op` was written at all (possibly malformed): a malformed `op` is not also
    /// reported as missing.
    op_written: bool,
}

struct SaveAsArg {
    key: Ident,
    target: Option<LitStr>,
}

struct KeyValue {
    key: Ident,
    value: LitStr,
}

impl Args {
    fn new(span: Span, attribute: usize) -> Self {
        Self {
            span,
            attribute,
            order: [usize::MAX; KEYS.len()],
            count: 0,
            op: None,
            asynchronous: None,
            saveas: None,
            notify: None,
            bucket: None,
            batch: None,
            trigger: None,
            op_written: false,
        }
    }

    /// Where errors about `key` sort: after the argument's predecessors; a key that is not
    /// written sorts with the attribute as a whole, last.
    fn position(&self, key: &str) -> (usize, usize) {
        let index = KEYS.iter().position(|k| *k == key);
        let order = index.and_then(|i| self.order.get(i)).copied();
        (self.attribute, order.unwrap_or(usize::MAX))
    }

    /// The attribute as written, in canonical order, with `async` added: the fix for a missing
    /// `async`.
    fn render_with_async(&self) -> String {
        let mut parts = Vec::new();
        if let Some(op) = &self.op {
            parts.push(format!("op = {:?}", op.value()));
        }
        parts.push("async".to_owned());
        if let Some(saveas) = &self.saveas {
            parts.push(match &saveas.target {
                Some(target) => format!("saveas = {:?}", target.value()),
                None => "saveas".to_owned(),
            });
        }
        if let Some(notify) = &self.notify {
            parts.push(format!("notify = {:?}", notify.value.value()));
        }
        if let Some(bucket) = &self.bucket {
            parts.push(format!("bucket = {:?}", bucket.value.value()));
        }
        parts.extend(self.batch.as_ref().map(|_| "batch".to_owned()));
        parts.extend(self.trigger.as_ref().map(|_| "trigger".to_owned()));
        format!("#[requires_imm({})]", parts.join(", "))
    }
}

/// One key and its value. Returns `Err` only for malformed syntax, after which nothing more
/// can be parsed; every other error is recorded and parsing goes on.
fn parse_key(meta: &ParseNestedMeta, args: &mut Args, errors: &mut Errors) -> syn::Result<()> {
    errors.at((args.attribute, args.count));
    args.count += 1;
    let Some(key) = meta.path.get_ident().cloned() else {
        let path = &meta.path;
        let tokens = quote::quote!(#path);
        let written = tokens.to_string().replace(' ', "");
        errors.error_spanned(&tokens, unknown_key(&written));
        skip_value(meta.input)?;
        return Ok(());
    };
    let name = key.to_string();
    if let Some(index) = KEYS.iter().position(|k| *k == name)
        && let Some(slot) = args.order.get_mut(index)
    {
        *slot = (*slot).min(args.count - 1);
    }
    match name.as_str() {
        // op = "video/snapshots"
        "op" => {
            let duplicate = args.op_written;
            args.op_written = true;
            let value = string_value(meta, &key, "op = \"video/snapshots\"", errors)?;
            if duplicate {
                errors.error_at(
                    key.span(),
                    "duplicate `op`; declare each further operation with its own `#[requires_imm(op = \"...\")]`",
                );
            } else {
                args.op = value;
            }
        }
        // async
        "async" => {
            flag(meta, &key, errors)?;
            set(&mut args.asynchronous, key.clone(), &key, errors);
        }
        // saveas | saveas = "bucket/prefix"
        "saveas" => {
            let target = if meta.input.peek(Token![=]) {
                string_value(meta, &key, "saveas = \"bucket/prefix\"", errors)?
            } else {
                flag(meta, &key, errors)?;
                None
            };
            let arg = SaveAsArg {
                key: key.clone(),
                target,
            };
            set(&mut args.saveas, arg, &key, errors);
        }
        // notify = "topic"
        "notify" => {
            if let Some(value) = string_value(meta, &key, "notify = \"topic\"", errors)? {
                let arg = KeyValue {
                    key: key.clone(),
                    value,
                };
                set(&mut args.notify, arg, &key, errors);
            }
        }
        // bucket = "name"
        "bucket" => {
            if let Some(value) = string_value(meta, &key, "bucket = \"name\"", errors)? {
                let arg = KeyValue {
                    key: key.clone(),
                    value,
                };
                set(&mut args.bucket, arg, &key, errors);
            }
        }
        // batch
        "batch" => {
            flag(meta, &key, errors)?;
            set(&mut args.batch, key.clone(), &key, errors);
        }
        // trigger
        "trigger" => {
            flag(meta, &key, errors)?;
            set(&mut args.trigger, key.clone(), &key, errors);
        }
        _ => {
            errors.error_at(key.span(), unknown_key(&name));
            skip_value(meta.input)?;
        }
    }
    Ok(())
}

/// Every key is given at most once (`op` reports its own duplicate, with a fix of its own).
fn set<T>(slot: &mut Option<T>, value: T, key: &Ident, errors: &mut Errors) {
    if slot.is_some() {
        errors.error_at(key.span(), format!("duplicate `{key}`; give each key once"));
    } else {
        *slot = Some(value);
    }
}

fn unknown_key(name: &str) -> String {
    let suggestions = crate::suggest_among(name, &KEYS);
    match suggestions.as_slice() {
        [first, ..] => format!("unknown key `{name}`; did you mean `{first}`?"),
        [] => format!(
            "unknown key `{name}`; expected `op`, `async`, `saveas`, `notify`, `bucket`, `batch` or `trigger`"
        ),
    }
}

/// A key that takes no value (`async`, `batch`, `trigger`, bare `saveas`).
fn flag(meta: &ParseNestedMeta, key: &Ident, errors: &mut Errors) -> syn::Result<()> {
    if meta.input.peek(Token![=]) || meta.input.peek(syn::token::Paren) {
        let value = skip_value(meta.input)?;
        errors.error_spanned(&value, format!("`{key}` takes no value; write `{key}`"));
    }
    Ok(())
}

/// The string literal of `key = "..."`; `None` (with the error recorded) when the value is
/// missing or not a string literal. `example` shows the expected form.
fn string_value(
    meta: &ParseNestedMeta,
    key: &Ident,
    example: &str,
    errors: &mut Errors,
) -> syn::Result<Option<LitStr>> {
    if !meta.input.peek(Token![=]) {
        if meta.input.peek(syn::token::Paren) {
            let value = skip_value(meta.input)?;
            errors.error_spanned(&value, format!("write `{example}`"));
        } else {
            errors.error_at(key.span(), format!("`{key}` needs a value: `{example}`"));
        }
        return Ok(None);
    }
    let input = meta.value()?;
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        if lit.suffix().is_empty() {
            return Ok(Some(lit));
        }
        errors.error_at(
            lit.span(),
            format!("`{key}` takes a plain string literal, without a suffix: `{example}`"),
        );
        return Ok(None);
    }
    let why = if input.peek(Lit) {
        "a string literal"
    } else {
        // A path, a constant or a macro call: the build-script scan reads literals only, so
        // anything else would go missing from the policy.
        "a string literal (constants and macros cannot be read when the policy is derived)"
    };
    let value = skip_value(input)?;
    errors.error_spanned(&value, format!("`{key}` must be {why}: `{example}`"));
    Ok(None)
}

/// Consumes the tokens up to the next top-level `,` and returns them.
fn skip_value(input: ParseStream) -> syn::Result<TokenStream> {
    let mut skipped = TokenStream::new();
    while !input.is_empty() && !input.peek(Token![,]) {
        skipped.extend([input.parse::<TokenTree>()?]);
    }
    Ok(skipped)
}

/// Checks the arguments against the catalog; every independent error goes to `errors`.
/// `None` when any was found.
fn validate(args: &Args, errors: &mut Errors) -> Option<Declaration> {
    let before = errors.list.len();
    let op = check_op(args, errors.at(args.position("op")));
    let bucket = check_bucket(args, errors.at(args.position("bucket")));
    let target = check_saveas_target(args, errors.at(args.position("saveas")));
    let notify = check_topic(args, errors.at(args.position("notify")));
    let mode = if args.asynchronous.is_some() {
        Mode::Async
    } else {
        Mode::Sync
    };
    if let Some(op) = op {
        check_rules(op, mode, args, errors);
    }
    if errors.list.len() != before {
        return None;
    }
    // Every rule was checked above with the attribute's own wording; the builder's checks
    // cannot fail again.
    let mut declaration = Declaration::of(op?, mode).ok()?;
    if args.saveas.is_some() {
        declaration = declaration
            .saveas(target.unwrap_or_else(SaveTarget::source_bucket))
            .ok()?;
    }
    if let Some(topic) = notify {
        declaration = declaration.notify(&topic).ok()?;
    }
    if let Some(bucket) = bucket {
        declaration = declaration.bucket(&bucket).ok()?;
    }
    Some(declaration.run_by(Runners {
        batch: args.batch.is_some(),
        trigger: args.trigger.is_some(),
    }))
}

/// `op` is given, non-empty and names a catalog operation; an unknown name gets the nearest
/// names and, for an OSS-native name, the note that it needs no IMM permission.
fn check_op(args: &Args, errors: &mut Errors) -> Option<&'static Operation> {
    let Some(lit) = &args.op else {
        if !args.op_written {
            errors.error_at(
                args.span,
                "missing `op`; name the IMM operation the function invokes: `#[requires_imm(op = \"video/snapshots\")]`",
            );
        }
        return None;
    };
    let name = lit.value();
    if name.is_empty() {
        errors.error_at(
            lit.span(),
            "empty operation name; name an IMM operation: `op = \"video/snapshots\"`",
        );
        return None;
    }
    let found = crate::lookup(&name);
    if found.is_none() {
        errors.error_at(lit.span(), unknown_op(&name));
    }
    found
}

fn unknown_op(name: &str) -> String {
    let mut message = format!("unknown IMM operation `{name}`");
    let suggestions = crate::suggest(name);
    if let [first, rest @ ..] = suggestions.as_slice() {
        let _ = write!(message, "; did you mean `{first}`");
        for other in rest {
            let _ = write!(message, " or `{other}`");
        }
        message.push('?');
    } else if let Some((family, _)) = name.split_once('/') {
        let siblings: Vec<String> = crate::OPERATIONS
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
    if let Some(native) = crate::native(name) {
        let _ = write!(message, " ({})", native.note);
    }
    message
}

/// `bucket = "..."` is an OSS bucket name.
fn check_bucket(args: &Args, errors: &mut Errors) -> Option<String> {
    let arg = args.bucket.as_ref()?;
    let name = arg.value.value();
    match crate::validate_bucket(&name) {
        Ok(()) => Some(name),
        Err(message) => {
            errors.error_at(arg.value.span(), message);
            None
        }
    }
}

/// `saveas = "bucket/prefix"` names a valid bucket and prefix.
fn check_saveas_target(args: &Args, errors: &mut Errors) -> Option<SaveTarget> {
    let lit = args.saveas.as_ref()?.target.as_ref()?;
    let target = lit.value();
    match SaveTarget::parse(&target) {
        Ok(parsed) => Some(parsed),
        Err(error) => {
            let message = if target.contains('/') {
                error.to_string()
            } else {
                format!("{error}; write `saveas = \"bucket/prefix\"`")
            };
            errors.error_at(lit.span(), message);
            None
        }
    }
}

/// `notify = "..."` is an SMQ topic name.
fn check_topic(args: &Args, errors: &mut Errors) -> Option<String> {
    let arg = args.notify.as_ref()?;
    let topic = arg.value.value();
    match crate::validate_topic(&topic) {
        Ok(()) => Some(topic),
        Err(message) => {
            errors.error_at(arg.value.span(), message);
            None
        }
    }
}

/// The catalog's rules for the declared mode, `saveas` and `notify`; each broken rule is
/// reported on the token that breaks it, with the fix in attribute terms.
fn check_rules(op: &'static Operation, mode: Mode, args: &Args, errors: &mut Errors) {
    let name = op.name;
    for violation in crate::check(op, mode, args.saveas.is_some(), args.notify.is_some()) {
        match violation {
            Violation::AsyncOnSyncOnly => {
                if let Some(token) = &args.asynchronous {
                    errors.at(args.position("async")).error_at(
                        token.span(),
                        format!(
                            "`{name}` only runs synchronously (`x-oss-process`); remove `async`"
                        ),
                    );
                }
            }
            Violation::SyncOnAsyncOnly => {
                if let Some(lit) = &args.op {
                    errors.at(args.position("op")).error_at(
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
                    errors.at(args.position("saveas")).error_at(
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
                    errors.at(args.position("notify")).error_at(
                        notify.key.span(),
                        format!(
                            "`notify` only applies with `async` (`x-oss-async-process`); {fix}"
                        ),
                    );
                }
            }
            Violation::NotifyUnsupported => {
                if let Some(notify) = &args.notify {
                    errors.at(args.position("notify")).error_at(
                        notify.key.span(),
                        format!("{}; remove `notify`", violation.message(op)),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr as _;

    fn tokens(text: &str) -> TokenStream {
        TokenStream::from_str(text).unwrap_or_else(|e| unreachable!("{e}"))
    }

    fn declaration(text: &str) -> Declaration {
        parse(tokens(text), Span::call_site(), 0)
            .unwrap_or_else(|e| unreachable!("{text}: {:?}", messages(&e)))
    }

    fn messages(errors: &[GrammarError]) -> Vec<String> {
        errors.iter().map(|e| e.message.clone()).collect()
    }

    fn errors(text: &str) -> Vec<String> {
        parse(tokens(text), Span::call_site(), 0)
            .err()
            .map(|e| messages(&e))
            .unwrap_or_default()
    }

    #[test]
    fn every_key_is_read_into_the_canonical_declaration() {
        let written = r#"trigger, bucket = "media-in", notify = "jobs", saveas = "media-out/mp4/", async, op = "video/convert", batch"#;
        assert_eq!(
            declaration(written).canonical(),
            r#"op = "video/convert", async, saveas = "media-out/mp4/", notify = "jobs", bucket = "media-in", batch, trigger"#
        );
        let bare = declaration(r#"op = "doc/snapshot", saveas"#);
        assert_eq!(bare.save_target(), Some(SaveTarget::source_bucket()));
    }

    #[test]
    fn independent_errors_are_all_reported_in_source_order() {
        assert_eq!(
            errors(r#"op = "video/info", async, saveas, colour = "red", notify = "jobs""#),
            [
                "`video/info` only runs synchronously (`x-oss-process`); remove `async`",
                "`video/info` produces nothing to save with `sys/saveas` (returns JSON; nothing to save); remove `saveas`",
                "unknown key `colour`; expected `op`, `async`, `saveas`, `notify`, `bucket`, `batch` or `trigger`",
            ]
        );
        assert_eq!(
            errors(r#"op = "video/convert""#),
            [
                r#"`video/convert` only runs asynchronously (`x-oss-async-process`); write `#[requires_imm(op = "video/convert", async)]`"#
            ]
        );
        assert_eq!(
            errors(r"op = VIDEO_INFO"),
            [
                r#"`op` must be a string literal (constants and macros cannot be read when the policy is derived): `op = "video/snapshots"`"#
            ]
        );
        assert_eq!(
            errors("async"),
            [
                r#"missing `op`; name the IMM operation the function invokes: `#[requires_imm(op = "video/snapshots")]`"#
            ]
        );
        assert_eq!(errors(r#"op = "video/info", asnyc"#).len(), 1);
        assert_eq!(
            errors(r#"op = "video/info", op = "image/faces""#),
            [
                r#"duplicate `op`; declare each further operation with its own `#[requires_imm(op = "...")]`"#
            ]
        );
    }

    #[test]
    fn syntax_errors_are_errors_not_panics() {
        for text in [
            "op =",
            "op = \"video/info\" async",
            "= \"x\"",
            ",,",
            "op = \"video/info\", saveas = (",
        ] {
            let Ok(stream) = TokenStream::from_str(text) else {
                continue;
            };
            assert!(parse(stream, Span::call_site(), 0).is_err(), "{text}");
        }
    }
}
