//! What one source file contributes, independent of the cfg set: its module declarations and
//! its annotations, each with the cfg predicates that gate it. This is what the cache stores.

use super::cfg::Pred;

/// How a file was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Neither `requires_imm` nor a `mod name;` declaration: only read.
    Read,
    /// Declares file modules but has no `requires_imm`: light scan for `mod` items.
    Light,
    /// Contains `requires_imm`: parsed with syn.
    Full,
}

/// The module declarations and annotations of one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Summary {
    pub(crate) kind: Kind,
    /// Inner `#![cfg(...)]` attributes of the file.
    pub(crate) cfg: Vec<Pred>,
    pub(crate) items: Vec<Node>,
}

impl Summary {
    /// The summary of a file that was only read.
    pub(crate) fn read() -> Self {
        Self {
            kind: Kind::Read,
            cfg: Vec::new(),
            items: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Node {
    Mod(ModDecl),
    Annotation(Annotation),
}

/// `mod name;` or `mod name { ... }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ModDecl {
    pub(crate) name: String,
    pub(crate) line: usize,
    pub(crate) column: usize,
    /// Its `#[cfg]`s (outer and, for inline modules, inner), all of which must hold.
    pub(crate) cfg: Vec<Pred>,
    /// Its `#[path = "..."]`s, each under the `cfg_attr` predicates that introduce it.
    pub(crate) paths: Vec<(Vec<Pred>, String)>,
    /// The items of an inline module; `None` for `mod name;`.
    pub(crate) body: Option<Vec<Node>>,
}

/// One `#[requires_imm(...)]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Annotation {
    pub(crate) line: usize,
    pub(crate) column: usize,
    /// `name`, or `Type::name` for methods.
    pub(crate) function: String,
    /// The cfgs of the enclosing items and the `cfg_attr` predicates it sits under.
    pub(crate) cfg: Vec<Pred>,
    /// The arguments, or why they cannot be read from source.
    pub(crate) args: Result<Args, String>,
}

/// The arguments of an annotation, as written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Args {
    pub(crate) op: String,
    pub(crate) is_async: bool,
    /// `Some(None)` for bare `saveas`, `Some(Some(target))` for `saveas = "target"`.
    #[expect(
        clippy::option_option,
        reason = "mirrors the grammar: absent, bare `saveas`, or `saveas = \"target\"`"
    )]
    pub(crate) saveas: Option<Option<String>>,
    pub(crate) notify: Option<String>,
    pub(crate) bucket: Option<String>,
    pub(crate) batch: bool,
    pub(crate) trigger: bool,
}
