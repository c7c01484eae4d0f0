//! The expansion of `#[requires_imm]`: parse the arguments of every `#[requires_imm]` on the
//! item, validate them, and emit the item with its doc section and per-function capability.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use immperm_catalog::Mode;
use proc_macro2::{Span, TokenStream};
use quote::quote;

use crate::args;
use crate::ctxt::Ctxt;
use crate::docs;
use crate::item::{Item, Kind};
use crate::validate::{self, Declaration};

/// Expands `#[requires_imm(args)] item`. `lex` turns generated Rust source into tokens (the
/// compiler's lexer in the macro, `proc_macro2`'s in unit tests).
///
/// The first (outermost) `#[requires_imm]` of an item also handles the ones below it: it
/// validates them all, emits one capability for them all, and removes them from the item.
/// Whatever goes wrong, the item itself is emitted, so that the rest of the crate still
/// type-checks and only the attribute's own errors are shown.
pub(crate) fn requires_imm(
    args: TokenStream,
    item: TokenStream,
    lex: impl Fn(&str) -> Option<TokenStream>,
    location: impl Fn(Span) -> (String, usize),
) -> TokenStream {
    let mut ctxt = Ctxt::default();
    let (item, gathered) = Item::parse(item);

    let mut declarations = Vec::new();
    // Where each declaration's attribute is (file, line), for the check against the build
    // script's scan.
    let mut lines = Vec::new();
    let first = args::parse(args, Span::call_site(), 0, &mut ctxt);
    if let Some(declaration) = validate::validate(&first, &mut ctxt) {
        declarations.push(declaration);
        lines.push(location(Span::call_site()));
    }
    for (index, attribute) in gathered.into_iter().enumerate() {
        let Some(tokens) = attribute.args else {
            ctxt.at((index + 1, 0)).error_at(
                attribute.span,
                "write the arguments in parentheses: `#[requires_imm(op = \"video/snapshots\")]`",
            );
            continue;
        };
        let args = args::parse(tokens, attribute.span, index + 1, &mut ctxt);
        if let Some(declaration) = validate::validate(&args, &mut ctxt) {
            declarations.push(declaration);
            lines.push(location(attribute.span));
        }
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
        // A declaration without a body: validated only.
        Kind::Function { body: None } => (TokenStream::new(), TokenStream::new()),
        Kind::Function { body: Some(_) } if ctxt.is_empty() => {
            let name = item.name().unwrap_or_default();
            // Two declarations can share a key (on one line, same operation and mode).
            let checks: BTreeSet<String> = declarations
                .iter()
                .zip(&lines)
                .map(|(declaration, (file, line))| scan_check(&name, declaration, file, *line))
                .collect();
            let prelude = capability(&declarations, &checks);
            (
                tokens(&doc_section(&declarations), &lex),
                tokens(&prelude, &lex),
            )
        }
        Kind::Function { body: Some(_) } => (TokenStream::new(), tokens(FALLBACK, &lex)),
    };
    let errors = ctxt.into_compile_errors();
    let item = item.into_tokens(&docs, &prelude);
    quote!(#errors #item)
}

/// `#[doc = "..."]` with the section listing what the function needs.
pub(crate) fn doc_section(declarations: &[Declaration]) -> String {
    format!("#[doc = {:?}]", docs::section(declarations))
}

// The generated items are written as text and lexed by the compiler in one call: at the
// `opt-level` proc macros are built with by default, that is several times faster than
// assembling the same tokens one by one. Every generated token has the call-site span, so
// `IMM` is visible to the function's body.

/// The per-function capability: `IMM`, a zero-sized local type (a unit struct, so its name is
/// also its only value) implementing `Has<Operation, Mode>` once per declared
/// (operation, mode), with `checks` (see [`scan_check`]) as its where clause.
///
/// It is an item, not a `let`, so that `macro_rules!` helpers expanded in the body see it
/// too; it names nothing of the enclosing function, so generic functions and methods need
/// nothing special. A unit struct rather than a type and a `const` of it: one item instead of
/// two per function, which measurably shortens type checking. The checks ride on it as
/// bounds rather than as items of their own for the same reason.
pub(crate) fn capability(declarations: &[Declaration], checks: &BTreeSet<String>) -> String {
    let pairs: BTreeSet<(&str, Mode)> = declarations
        .iter()
        .map(|declaration| (declaration.op.marker, declaration.mode))
        .collect();
    let mut text = String::from(CAPABILITY_ATTRIBUTES);
    text.push_str(" struct IMM");
    for (index, check) in checks.iter().enumerate() {
        text.push_str(if index == 0 { " where " } else { ", " });
        text.push_str(check);
        text.push_str(": ::core::marker::Sized");
    }
    text.push(';');
    for (marker, mode) in pairs {
        let mode = match mode {
            Mode::Sync => "Sync",
            Mode::Async => "Async",
        };
        let _ = write!(
            text,
            " impl ::immperm::__private::Has<::immperm::__private::op::{marker}, \
             ::immperm::__private::mode::{mode}> for IMM {{}}"
        );
    }
    text
}

/// The check that the build script's scan saw this declaration, as a type: the table
/// `immperm::include_policies!()` puts at the crate root must list it under its key
/// ([`immperm_catalog::seen_key`]: function, operation, mode, file name and line of the
/// attribute). A declaration the scan cannot see (made by `macro_rules!`, written through a
/// `use ... as` alias) fails to resolve here rather than being left out of the policy, and a
/// crate without the export has no `crate::immperm_policies` and does not compile.
///
/// The table's `check!` macro turns the key into the path of a unit struct, which the
/// capability takes as a trivially true bound: a name lookup. A search evaluated by the
/// compiler's constant interpreter cost about a millisecond per annotation, and a `const`
/// item per check about three times what the bound costs (`BENCHMARKS.md`).
pub(crate) fn scan_check(
    function: &str,
    declaration: &Declaration,
    file: &str,
    line: usize,
) -> String {
    let key = immperm_catalog::seen_key(
        file,
        line,
        function,
        declaration.op.name,
        declaration.mode == Mode::Async,
    );
    format!("crate::immperm_policies::check!({key})")
}

/// The capability's attributes: hidden from docs and exempt from the lints an unused local
/// item or an all-caps name would trigger.
const CAPABILITY_ATTRIBUTES: &str = "#[doc(hidden)] \
    #[allow(dead_code, non_camel_case_types, clippy::upper_case_acronyms)]";

/// The capability emitted when an attribute of the function has an error: it has every
/// operation in every mode it runs in, so that the body type-checks and the attribute's own
/// errors are the only ones shown. The crate does not compile either way.
const FALLBACK: &str = "#[doc(hidden)] \
    #[allow(dead_code, non_camel_case_types, clippy::upper_case_acronyms)] struct IMM; \
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
