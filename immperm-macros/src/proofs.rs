//! The bounds of the request builders, one trait per operation and mode, generated from the
//! catalog: a compile error says `` `video/convert` (async) is not declared for this
//! function `` in the attribute's words, where a generic bound could only print marker type
//! names. `immperm` invokes this once (`immperm::proof`), and the SDK's builders (feature
//! `sdk`) take each operation's trait.

use std::fmt::Write as _;

use immperm_catalog::{Mode, OPERATIONS, Operation};

/// The attribute that declares `op` in `mode`, as written.
fn attribute(op: &Operation, mode: Mode) -> String {
    match mode {
        Mode::Sync => format!("#[requires_imm(op = \\\"{}\\\")]", op.name),
        Mode::Async => format!("#[requires_imm(op = \\\"{}\\\", async)]", op.name),
    }
}

fn mode_type(mode: Mode) -> &'static str {
    match mode {
        Mode::Sync => "Sync",
        Mode::Async => "Async",
    }
}

/// Every proof trait (in `immperm::proof`) and every builder method (on `Process<Op>`).
pub(crate) fn items() -> String {
    let mut text = String::new();
    for op in OPERATIONS {
        let mut builders = String::new();
        for mode in [Mode::Sync, Mode::Async] {
            let trait_name = format!("{}{}", op.marker, mode_type(mode));
            let name = op.name;
            let written = mode.as_str();
            let (doc, diagnostic, implemented) = if op.modes.supports(mode) {
                (
                    format!("Proof that a capability declares `{name}` ({written})."),
                    format!(
                        "message = \"`{name}` ({written}) is not declared for this function\", \
                         label = \"this capability does not declare `{name}` ({written})\", \
                         note = \"declare it on the enclosing function with `{}`, and pass that function's `&IMM`\"",
                        attribute(op, mode)
                    ),
                    true,
                )
            } else {
                let (runs, other, builder) = match mode {
                    Mode::Sync => (
                        "asynchronously (`x-oss-async-process`)",
                        Mode::Async,
                        "build_async",
                    ),
                    Mode::Async => ("synchronously (`x-oss-process`)", Mode::Sync, "build_sync"),
                };
                (
                    format!("`{name}` does not run {written}: nothing implements this."),
                    format!(
                        "message = \"`{name}` only runs {runs}\", \
                         label = \"`{name}` cannot be built in this mode\", \
                         note = \"build it with `{builder}`, in a function that declares `{}`\"",
                        attribute(op, other)
                    ),
                    false,
                )
            };
            let _ = write!(
                text,
                "#[doc = {doc:?}] #[diagnostic::on_unimplemented({diagnostic})] \
                 pub trait {trait_name}: crate::capability::Sealed {{ \
                 #[doc(hidden)] const DECLARED: &'static [crate::capability::Declared]; }} "
            );
            if implemented {
                let has = format!(
                    "crate::capability::Has<crate::op::{}, crate::mode::{}>",
                    op.marker,
                    mode_type(mode)
                );
                let _ = write!(
                    text,
                    "impl<C: {has}> {trait_name} for C {{ \
                     const DECLARED: &'static [crate::capability::Declared] = <C as {has}>::DECLARED; }} "
                );
            }
            let (method, parameter, doc) = match mode {
                Mode::Sync => (
                    "build_sync",
                    "x-oss-process",
                    "a `GET`, or a `POST` when the result is saved",
                ),
                Mode::Async => ("build_async", "x-oss-async-process", "always a `POST`"),
            };
            let _ = write!(
                builders,
                "#[doc = {:?}] \
                 pub fn {method}<C: crate::proof::{trait_name}>(self, endpoint: &crate::sdk::Endpoint, capability: &C) \
                 -> ::core::result::Result<crate::sdk::ProcessRequest, crate::sdk::BuildError> {{ \
                 let _ = capability; \
                 self.build(endpoint, crate::catalog::Mode::{}, <C as crate::proof::{trait_name}>::DECLARED, \
                 <C as crate::capability::Sealed>::BUCKETS) }} ",
                format!(
                    "Builds the `{parameter}` request for `{name}` ({doc}). `capability` is the `IMM` of a function that declared `{}`.\n\n\
                     # Errors\n\
                     Every parameter out of range, every rule of the catalog the request breaks, and what it does outside the function's declarations (another bucket, save target or topic).",
                    attribute(op, mode).replace("\\\"", "\"")
                ),
                mode_type(mode),
            );
        }
        let _ = write!(
            text,
            "#[cfg(feature = \"sdk\")] impl crate::sdk::Process<crate::op::{}> {{ {builders} }} ",
            op.marker
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_and_mode_has_a_trait_and_a_builder() {
        let text = items();
        let tokens: proc_macro2::TokenStream = text.parse().unwrap_or_default();
        assert!(!tokens.is_empty());
        for op in OPERATIONS {
            for mode in ["Sync", "Async"] {
                assert!(
                    text.contains(&format!("pub trait {}{mode}:", op.marker)),
                    "{} {mode}",
                    op.name
                );
            }
        }
        assert!(text.contains(
            "message = \"`video/convert` only runs asynchronously (`x-oss-async-process`)\""
        ));
        assert!(
            text.contains("message = \"`video/info` (sync) is not declared for this function\"")
        );
        assert!(!text.contains("VideoInfoAsync for C"));
    }
}
