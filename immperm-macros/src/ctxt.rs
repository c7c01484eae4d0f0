//! Collects every independent error of one expansion so that one compile reports them all.

use proc_macro2::TokenStream;
use std::fmt::Display;

/// Where in the source an error is, as far as the order of reports goes: which attribute of
/// the item, and which argument of it (the attribute as a whole sorts last).
pub(crate) type Position = (usize, usize);

/// The errors found so far, reported in source order whatever order the checks ran in.
#[derive(Default)]
pub(crate) struct Ctxt {
    errors: Vec<(Position, syn::Error)>,
    position: Position,
}

impl Ctxt {
    /// Sets the position of the errors recorded next.
    pub(crate) fn at(&mut self, position: Position) -> &mut Self {
        self.position = position;
        self
    }

    /// Records an error at `span`.
    pub(crate) fn error_at(&mut self, span: proc_macro2::Span, message: impl Display) {
        self.errors
            .push((self.position, syn::Error::new(span, message)));
    }

    /// Whether nothing went wrong.
    pub(crate) fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// One `compile_error!` per error; empty when there are none.
    pub(crate) fn into_compile_errors(mut self) -> TokenStream {
        self.errors.sort_by_key(|(position, _)| *position);
        self.errors
            .into_iter()
            .map(|(_, error)| error.into_compile_error())
            .collect()
    }
}
