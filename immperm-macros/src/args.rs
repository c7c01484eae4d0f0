//! Parses the arguments of one `#[requires_imm(...)]`, keeping the tokens so that later errors
//! point at them.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::meta::ParseNestedMeta;
use syn::parse::{ParseStream, Parser};
use syn::{Ident, Lit, LitStr, Token};

use crate::ctxt::Ctxt;

/// The keys the attribute accepts, in the order the documentation lists them.
pub(crate) const KEYS: [&str; 7] = [
    "op", "async", "saveas", "notify", "bucket", "batch", "trigger",
];

/// The arguments of one attribute as written. A key that was given but malformed is absent,
/// its error already recorded.
pub(crate) struct Args {
    /// Where to report an argument that is missing: the attribute.
    pub(crate) span: Span,
    /// Which attribute of the item this is (0 for the outermost).
    pub(crate) attribute: usize,
    /// For each of [`KEYS`], its place among the arguments as written.
    order: [usize; KEYS.len()],
    /// How many arguments were read.
    count: usize,
    /// `op = "video/snapshots"`.
    pub(crate) op: Option<LitStr>,
    /// `async`.
    pub(crate) asynchronous: Option<Ident>,
    /// `saveas` or `saveas = "bucket/prefix"`.
    pub(crate) saveas: Option<SaveAsArg>,
    /// `notify = "topic"`.
    pub(crate) notify: Option<KeyValue>,
    /// `bucket = "name"`.
    pub(crate) bucket: Option<KeyValue>,
    /// `batch`.
    pub(crate) batch: Option<Ident>,
    /// `trigger`.
    pub(crate) trigger: Option<Ident>,
    /// Whether `op` was written at all (possibly malformed): a malformed `op` is not also
    /// reported as missing.
    pub(crate) op_written: bool,
}

/// `saveas` with its optional target.
pub(crate) struct SaveAsArg {
    pub(crate) key: Ident,
    pub(crate) target: Option<LitStr>,
}

/// A key with its string value.
pub(crate) struct KeyValue {
    pub(crate) key: Ident,
    pub(crate) value: LitStr,
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
    pub(crate) fn position(&self, key: &str) -> crate::ctxt::Position {
        let index = KEYS.iter().position(|k| *k == key);
        let order = index.and_then(|i| self.order.get(i)).copied();
        (self.attribute, order.unwrap_or(usize::MAX))
    }

    /// The attribute as written, in canonical order, with `async` added: the fix for a missing
    /// `async`.
    pub(crate) fn render_with_async(&self) -> String {
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

/// Parses `args`, the tokens between the parentheses of the item's `attribute`-th
/// `#[requires_imm]`. `span` is where a missing argument is reported. Errors go to `ctxt`;
/// what parsed is returned.
pub(crate) fn parse(args: TokenStream, span: Span, attribute: usize, ctxt: &mut Ctxt) -> Args {
    let mut parsed = Args::new(span, attribute);
    let parser = syn::meta::parser(|meta| parse_key(&meta, &mut parsed, ctxt));
    if let Err(error) = parser.parse2(args) {
        ctxt.syn_error(error);
    }
    parsed
}

/// One key and its value. Returns `Err` only for malformed syntax, after which nothing more
/// can be parsed; every other error is recorded and parsing goes on.
fn parse_key(meta: &ParseNestedMeta, args: &mut Args, ctxt: &mut Ctxt) -> syn::Result<()> {
    ctxt.at((args.attribute, args.count));
    args.count += 1;
    let Some(key) = meta.path.get_ident().cloned() else {
        let path = &meta.path;
        let written = quote::quote!(#path).to_string().replace(' ', "");
        ctxt.error_spanned(path, unknown_key(&written));
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
            let value = string_value(meta, &key, "op = \"video/snapshots\"", ctxt)?;
            if duplicate {
                ctxt.error_at(
                    key.span(),
                    "duplicate `op`; declare each further operation with its own `#[requires_imm(op = \"...\")]`",
                );
            } else {
                args.op = value;
            }
        }
        // async
        "async" => {
            flag(meta, &key, ctxt)?;
            set(&mut args.asynchronous, key.clone(), &key, ctxt);
        }
        // saveas | saveas = "bucket/prefix"
        "saveas" => {
            let target = if meta.input.peek(Token![=]) {
                string_value(meta, &key, "saveas = \"bucket/prefix\"", ctxt)?
            } else {
                flag(meta, &key, ctxt)?;
                None
            };
            let arg = SaveAsArg {
                key: key.clone(),
                target,
            };
            set(&mut args.saveas, arg, &key, ctxt);
        }
        // notify = "topic"
        "notify" => {
            if let Some(value) = string_value(meta, &key, "notify = \"topic\"", ctxt)? {
                let arg = KeyValue {
                    key: key.clone(),
                    value,
                };
                set(&mut args.notify, arg, &key, ctxt);
            }
        }
        // bucket = "name"
        "bucket" => {
            if let Some(value) = string_value(meta, &key, "bucket = \"name\"", ctxt)? {
                let arg = KeyValue {
                    key: key.clone(),
                    value,
                };
                set(&mut args.bucket, arg, &key, ctxt);
            }
        }
        // batch
        "batch" => {
            flag(meta, &key, ctxt)?;
            set(&mut args.batch, key.clone(), &key, ctxt);
        }
        // trigger
        "trigger" => {
            flag(meta, &key, ctxt)?;
            set(&mut args.trigger, key.clone(), &key, ctxt);
        }
        _ => {
            ctxt.error_at(key.span(), unknown_key(&name));
            skip_value(meta.input)?;
        }
    }
    Ok(())
}

/// Every key is given at most once (`op` reports its own duplicate, with a fix of its own).
fn set<T>(slot: &mut Option<T>, value: T, key: &Ident, ctxt: &mut Ctxt) {
    if slot.is_some() {
        ctxt.error_at(key.span(), format!("duplicate `{key}`; give each key once"));
    } else {
        *slot = Some(value);
    }
}

fn unknown_key(name: &str) -> String {
    let suggestions = immperm_catalog::suggest_among(name, &KEYS);
    match suggestions.as_slice() {
        [first, ..] => format!("unknown key `{name}`; did you mean `{first}`?"),
        [] => format!(
            "unknown key `{name}`; expected `op`, `async`, `saveas`, `notify`, `bucket`, `batch` or `trigger`"
        ),
    }
}

/// A key that takes no value (`async`, `batch`, `trigger`, bare `saveas`).
fn flag(meta: &ParseNestedMeta, key: &Ident, ctxt: &mut Ctxt) -> syn::Result<()> {
    if meta.input.peek(Token![=]) || meta.input.peek(syn::token::Paren) {
        let value = skip_value(meta.input)?;
        ctxt.error_spanned(value, format!("`{key}` takes no value; write `{key}`"));
    }
    Ok(())
}

/// The string literal of `key = "..."`; `None` (with the error recorded) when the value is
/// missing or not a string literal. `example` shows the expected form.
fn string_value(
    meta: &ParseNestedMeta,
    key: &Ident,
    example: &str,
    ctxt: &mut Ctxt,
) -> syn::Result<Option<LitStr>> {
    if !meta.input.peek(Token![=]) {
        if meta.input.peek(syn::token::Paren) {
            let value = skip_value(meta.input)?;
            ctxt.error_spanned(value, format!("write `{example}`"));
        } else {
            ctxt.error_at(key.span(), format!("`{key}` needs a value: `{example}`"));
        }
        return Ok(None);
    }
    let input = meta.value()?;
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        if lit.suffix().is_empty() {
            return Ok(Some(lit));
        }
        ctxt.error_at(
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
    ctxt.error_spanned(value, format!("`{key}` must be {why}: `{example}`"));
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
