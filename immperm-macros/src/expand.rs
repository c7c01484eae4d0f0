//! The expansion of `#[requires_imm]`: read every `#[requires_imm]` of the item with the
//! catalog's grammar, and emit the item with its capability and the compile-time check that
//! the build script's scan saw exactly these declarations.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use immperm_catalog::{Declaration, Mode, grammar, key};
use proc_macro2::{Span, TokenStream};
use quote::quote;

use crate::ctxt::Ctxt;
use crate::item::{Item, Kind};

/// The crate root does not include the build script's table, as the scan found.
pub(crate) struct MissingInclude {
    /// Whether this annotation is the one that reports it.
    pub(crate) reports: bool,
    /// The root file, relative to the package.
    pub(crate) root: String,
}

/// Expands `#[requires_imm(args)] item`. `lex` turns generated Rust source into tokens (the
/// compiler's lexer in the macro, `proc_macro2`'s in unit tests); `locate` gives the file of
/// a span relative to the package (`src/thumbs.rs`, as the scan names it; `None` when the
/// compiler cannot say, and the key then matches nothing); `missing_include` says whether the
/// build script's scan found the crate root without `include_policies!()` for this key.
///
/// The first (outermost) `#[requires_imm]` of an item also handles the ones below it: it
/// reads them all, emits one capability for them all, and removes them from the item.
/// Whatever goes wrong, the item itself is emitted, so that the rest of the crate still
/// type-checks and only the attribute's own errors are shown.
pub(crate) fn requires_imm(
    args: TokenStream,
    item: TokenStream,
    lex: impl Fn(&str) -> Option<TokenStream>,
    locate: impl Fn(Span) -> Option<String>,
    missing_include: impl Fn(&str) -> Option<MissingInclude>,
) -> TokenStream {
    let mut ctxt = Ctxt::default();
    let (item, gathered) = Item::parse(item);

    let mut declarations = Vec::new();
    let mut read = |tokens, span, index, ctxt: &mut Ctxt| match grammar::parse(tokens, span, index)
    {
        Ok(declaration) => declarations.push(declaration),
        Err(errors) => {
            for error in errors {
                ctxt.at(error.position).error_at(error.span, error.message);
            }
        }
    };
    read(args, Span::call_site(), 0, &mut ctxt);
    for (index, attribute) in gathered.into_iter().enumerate() {
        let Some(tokens) = attribute.args else {
            ctxt.at((index + 1, 0)).error_at(
                attribute.span,
                "write the arguments in parentheses: `#[requires_imm(op = \"video/snapshots\")]`",
            );
            continue;
        };
        read(tokens, attribute.span, index + 1, &mut ctxt);
    }

    let (docs, prelude) = match item.kind() {
        Kind::Other(other) => {
            ctxt.at((0, 0)).error_at(
                Span::call_site(),
                format!(
                    "`#[requires_imm]` goes on functions, not on {}; {}",
                    other.what, other.instead
                ),
            );
            (TokenStream::new(), TokenStream::new())
        }
        // A declaration without a body (a trait method): checked only.
        Kind::Function { body: None } => (TokenStream::new(), TokenStream::new()),
        Kind::Function { body: Some(_) } if ctxt.is_empty() => {
            let name = item.name().unwrap_or_default();
            let references: Vec<&Declaration> = declarations.iter().collect();
            let file = locate(Span::call_site()).unwrap_or_default();
            let key = key(&file, &name, &references);
            match missing_include(&key) {
                // The crate root lacks the table: one annotation says so, the others stay
                // quiet (the crate does not compile either way).
                Some(missing) => {
                    if missing.reports {
                        ctxt.at((0, 0)).error_at(
                            Span::call_site(),
                            format!(
                                "the crate root `{}` does not include the build script's table: add `immperm::include_policies!();` at its top level",
                                missing.root
                            ),
                        );
                    }
                    (TokenStream::new(), tokens(FALLBACK, &lex))
                }
                None => (
                    tokens(&documentation(&key), &lex),
                    tokens(&capability(&name, &key, &declarations), &lex),
                ),
            }
        }
        Kind::Function { body: Some(_) } => (TokenStream::new(), tokens(FALLBACK, &lex)),
    };
    let errors = ctxt.into_compile_errors();
    let item = item.into_tokens(&docs, &prelude);
    quote!(#errors #item)
}

// The generated items are written as text and lexed by the compiler in one call: at the
// `opt-level` proc macros are built with by default, that is several times faster than
// assembling the same tokens one by one. Every generated token has the call-site span, so
// `IMM` is visible to the function's body and errors point at the attribute.

/// The function's documentation section, from the build script's table: what it declares
/// and what each principal needs, for the crate's real buckets, project and roles. Only when
/// documenting (`cfg(doc)`): a build does not pay for the text.
pub(crate) fn documentation(key: &str) -> String {
    format!("#[cfg_attr(doc, doc = crate::immperm_policies::doc!({key}))]")
}

/// The per-function capability: `IMM`, a zero-sized local type (a unit struct, so its name is
/// also its only value) implementing the seal with the crate's buckets and `Has<Operation,
/// Mode>` once per declared (operation, mode), with what each of those declarations allows.
///
/// Its bound is the compile-time check: the table the build script generated
/// (`immperm::include_policies!()`) has a type per key the scan saw. An annotation the scan
/// did not see as compiled here (made by a macro that rewrites it, written through a `use
/// ... as` alias, under a `cfg` the scan read differently) has none: a compile error at the
/// attribute naming the key, never a policy smaller than the code. A name lookup is the
/// cheapest check the compiler makes (BENCHMARKS.md).
///
/// It is an item, not a `let`, so that `macro_rules!` helpers expanded in the body see it
/// too; it names nothing of the enclosing function, so generic functions and methods need
/// nothing special.
pub(crate) fn capability(function: &str, key: &str, declarations: &[Declaration]) -> String {
    let mut by_pair: BTreeMap<(&str, Mode), Vec<&Declaration>> = BTreeMap::new();
    for declaration in declarations {
        by_pair
            .entry((declaration.operation().marker, declaration.mode()))
            .or_default()
            .push(declaration);
    }
    let mut text = String::from(CAPABILITY_ATTRIBUTES);
    let _ = write!(
        text,
        " struct IMM where crate::immperm_policies::check!({key}): ::core::marker::Sized; \
         impl ::immperm::__private::Sealed for IMM {{ \
         const BUCKETS: &'static [&'static str] = crate::immperm_policies::BUCKETS; }}"
    );
    for ((marker, mode), declared) in by_pair {
        let mode = match mode {
            Mode::Sync => "Sync",
            Mode::Async => "Async",
        };
        let _ = write!(
            text,
            " impl ::immperm::__private::Has<::immperm::__private::op::{marker}, \
             ::immperm::__private::mode::{mode}> for IMM {{ \
             const DECLARED: &'static [::immperm::__private::Declared] = &["
        );
        for declaration in declared {
            text.push_str(&declared_value(function, declaration));
            text.push(',');
        }
        text.push_str("]; }");
    }
    text
}

/// One `Declared { .. }` value: what `declaration` allows.
fn declared_value(function: &str, declaration: &Declaration) -> String {
    let option = |value: Option<&str>| match value {
        Some(value) => format!("::core::option::Option::Some({value:?})"),
        None => "::core::option::Option::None".to_owned(),
    };
    let save = declaration.save_target().map_or_else(
        || "::core::option::Option::None".to_owned(),
        |target| {
            format!(
                "::core::option::Option::Some(::immperm::__private::Save {{ bucket: {}, prefix: {:?} }})",
                option(target.bucket()),
                target.prefix()
            )
        },
    );
    format!(
        "::immperm::__private::Declared {{ function: {function:?}, declaration: {:?}, \
         bucket: {}, save: {save}, topic: {} }}",
        declaration.canonical(),
        option(declaration.source_bucket()),
        option(declaration.notify_topic()),
    )
}

/// The capability's attributes: hidden from docs and exempt from the lints an unused local
/// item or an all-caps name would trigger.
const CAPABILITY_ATTRIBUTES: &str = "#[doc(hidden)] \
    #[allow(dead_code, non_camel_case_types, clippy::upper_case_acronyms)]";

/// The capability emitted when an attribute of the function has an error: it has every
/// operation in every mode it runs in (and allows nothing at run time), so that the body
/// type-checks and the attribute's own errors are the only ones shown. The crate does not
/// compile either way.
const FALLBACK: &str = "#[doc(hidden)] \
    #[allow(dead_code, non_camel_case_types, clippy::upper_case_acronyms)] struct IMM; \
    impl ::immperm::__private::Sealed for IMM {} \
    impl<O, M> ::immperm::__private::Has<O, M> for IMM \
    where O: ::immperm::__private::RunsIn<M>, M: ::immperm::__private::ProcessingMode {}";

/// Lexes generated Rust. The text is built from catalog names and escaped literals, so it
/// always lexes; if it ever did not, the error says so rather than dropping the capability.
fn tokens(text: &str, lex: impl Fn(&str) -> Option<TokenStream>) -> TokenStream {
    lex(text).unwrap_or_else(|| {
        quote!(::core::compile_error! {
            "immperm: the expansion of `#[requires_imm]` did not lex; please report this"
        })
    })
}
