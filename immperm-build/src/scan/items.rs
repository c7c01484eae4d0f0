//! Reading one file into its [`Summary`]: the module declarations and the annotated
//! functions it contains, each with the cfg predicates that gate it inside the file, not yet
//! evaluated (the cache stores summaries, and each run evaluates them against its own cfg).
//!
//! Only the top-level items that name `requires_imm`, declare a file module or hold an
//! inner attribute are tokenized (runs of adjacent ones in one call, see
//! [`bytes::items`]); when the file cannot be split that way or a piece does not tokenize,
//! the whole file is tokenized, so a lexical error is reported where it is. The tokens are
//! walked without recursion, from a stack of groups: nesting costs memory, not stack, up to
//! [`MAX_DEPTH`] groups.

use std::rc::Rc;
use std::str::FromStr as _;

use proc_macro2::{Delimiter, Group, LineColumn, Spacing, Span, TokenStream, TokenTree};

use super::bytes::{self, Lines};
use super::cfg::{MAX_PREDICATE_DEPTH, Pred, split_commas, string_literal};

/// The deepest nesting of brackets, braces and parentheses the walk reads; deeper is an
/// error at the group that goes past it.
pub(crate) const MAX_DEPTH: usize = 4_096;

/// What one file contributes, whatever the cfg set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Summary {
    /// The file's inner `#![cfg]`s.
    pub(crate) cfg: Vec<Pred>,
    /// The file invokes `include_policies!` at its top level.
    pub(crate) includes_policies: bool,
    /// Module declarations and annotated functions, in source order; an inline module
    /// comes before what it contains.
    pub(crate) nodes: Vec<Node>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Node {
    Module(ModuleDecl),
    Function(FunctionDecl),
}

/// `mod name;` or `mod name { ... }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ModuleDecl {
    /// The inline module it is declared in (its index in [`Summary::nodes`]); `None` at the
    /// top of the file.
    pub(crate) parent: Option<usize>,
    pub(crate) name: String,
    /// Where its `mod` keyword is (1-based).
    pub(crate) line: usize,
    pub(crate) column: usize,
    /// Its `#[cfg]`s (and an inline module's inner ones, and those of the items it sits in
    /// within its module), all of which must hold.
    pub(crate) cfg: Vec<Pred>,
    /// Its `#[path = "..."]`s, each under the `cfg_attr` predicates that introduce it.
    pub(crate) paths: Vec<(Vec<Pred>, String)>,
    /// `mod name { ... }`, whose items follow it.
    pub(crate) inline: bool,
}

/// A function with at least one `#[requires_imm]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FunctionDecl {
    pub(crate) parent: Option<usize>,
    /// The name, without `r#`.
    pub(crate) name: String,
    /// The type of the `impl` or the trait it is in.
    pub(crate) owner: Option<String>,
    pub(crate) has_body: bool,
    /// Its `#[cfg]`s and those of the items it sits in within its module.
    pub(crate) cfg: Vec<Pred>,
    /// Its `#[requires_imm]`s, in source order.
    pub(crate) annotations: Vec<Annotation>,
}

/// One `#[requires_imm(...)]`, direct or through `cfg_attr`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Annotation {
    /// Where its `#` is, or for one in a `cfg_attr`, its path (1-based): the span the
    /// attribute's expansion sees.
    pub(crate) line: usize,
    pub(crate) column: usize,
    /// The `cfg_attr` predicates it sits under.
    pub(crate) cfg: Vec<Pred>,
    /// The text between its parentheses, as written.
    pub(crate) args: String,
}

/// A file that cannot be read: the message and the 1-based line and column.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) line: usize,
    pub(crate) column: usize,
    pub(crate) message: String,
}

/// Reads a file the prefilter let through ([`bytes::needs_tokens`]), or a crate root (whose
/// `include_policies!` is looked for too).
pub(crate) fn summarize(bytes: &[u8], root: bool) -> Result<Summary, Failure> {
    let text = std::str::from_utf8(bytes).map_err(|error| {
        // Where the first byte that is not UTF-8 is, in the valid text before it.
        let valid = bytes.get(..error.valid_up_to()).unwrap_or_default();
        let mut lines = Lines::new(std::str::from_utf8(valid).unwrap_or_default());
        let (line, column) = lines.position(valid.len());
        Failure {
            line,
            column: column + 1,
            message: "the file is not UTF-8".to_owned(),
        }
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(items) = bytes::items(text) else {
        return whole(text);
    };
    let mut summary = Summary::default();
    let mut lines = Lines::new(text);
    let mut wanted = items
        .iter()
        .filter(|item| item.annotated || item.modules || (root && item.policies))
        .peekable();
    while let Some(first) = wanted.next() {
        let mut end = first.end;
        while let Some(next) = wanted.next_if(|next| next.start == end) {
            end = next.end;
        }
        let piece = text.get(first.start..end).unwrap_or_default();
        let Ok(tokens) = TokenStream::from_str(piece) else {
            return whole(text);
        };
        walk(tokens, piece, lines.position(first.start), &mut summary)?;
    }
    Ok(summary)
}

/// Reads the whole file from its tokens.
fn whole(text: &str) -> Result<Summary, Failure> {
    let tokens = TokenStream::from_str(text).map_err(|error| {
        let LineColumn { line, column } = error.span().start();
        Failure {
            line,
            column: column + 1,
            message: "cannot tokenize this file (an unclosed delimiter, literal or comment)"
                .to_owned(),
        }
    })?;
    let mut summary = Summary::default();
    walk(tokens, text, (1, 0), &mut summary)?;
    Ok(summary)
}

/// What kind of body a group of tokens is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// The top of the file.
    File,
    /// An inline module's body.
    Module,
    /// A function body, an expression, a struct's fields...
    Block,
    Impl,
    Trait,
    /// A macro invocation's input: only `#[requires_imm] ... fn name` is read there.
    Macro,
}

/// What the items of a group sit in.
struct Scope {
    kind: Kind,
    /// The inline module (index of its node), `None` for the file's own module.
    module: Option<usize>,
    owner: Option<String>,
    /// The cfgs of the enclosing items within the module.
    cfg: Vec<Pred>,
}

/// A group being walked.
struct Frame {
    trees: Vec<TokenTree>,
    next: usize,
    scope: Rc<Scope>,
    /// The outer attributes of the item being read.
    attrs: Attrs,
}

impl Frame {
    fn new(stream: TokenStream, scope: Rc<Scope>) -> Self {
        Self {
            trees: stream.into_iter().collect(),
            next: 0,
            scope,
            attrs: Attrs::default(),
        }
    }
}

/// The attributes that matter here, each `path` under the `cfg_attr` predicates that
/// introduce it.
#[derive(Default)]
struct Attrs {
    cfg: Vec<Pred>,
    paths: Vec<(Vec<Pred>, String)>,
    annotations: Vec<Annotation>,
}

/// One piece of a file being walked: its text (the spans' source) and where it starts.
struct Walk<'a> {
    summary: &'a mut Summary,
    text: &'a str,
    /// The 1-based line and 0-based column of the piece's first character.
    base: (usize, usize),
    /// Where the piece's lines start, once needed.
    lines: Vec<usize>,
}

fn walk(
    tokens: TokenStream,
    text: &str,
    base: (usize, usize),
    summary: &mut Summary,
) -> Result<(), Failure> {
    let mut walk = Walk {
        summary,
        text,
        base,
        lines: Vec::new(),
    };
    let top = Rc::new(Scope {
        kind: Kind::File,
        module: None,
        owner: None,
        cfg: Vec::new(),
    });
    let mut stack = vec![Frame::new(tokens, top)];
    while let Some(frame) = stack.last_mut() {
        match walk.step(frame)? {
            Step::Next => {}
            Step::Done => {
                stack.pop();
            }
            Step::Enter(span, frame) => {
                if stack.len() >= MAX_DEPTH {
                    let (line, column) = walk.position(span);
                    return Err(Failure {
                        line,
                        column,
                        message: format!(
                            "brackets, braces or parentheses nested more than {MAX_DEPTH} deep; the scan reads no deeper"
                        ),
                    });
                }
                stack.push(frame);
            }
        }
    }
    Ok(())
}

enum Step {
    Next,
    Done,
    /// Walk this group (opened at the span) before going on.
    Enter(Span, Frame),
}

fn is_punct(tree: Option<&TokenTree>, char: char) -> bool {
    matches!(tree, Some(TokenTree::Punct(p)) if p.as_char() == char)
}

fn unraw(ident: &proc_macro2::Ident) -> String {
    let name = ident.to_string();
    match name.strip_prefix("r#") {
        Some(bare) => bare.to_owned(),
        None => name,
    }
}

/// Tracks `<...>` through a sequence of tokens (`->` closes nothing).
#[derive(Default)]
struct Angles {
    depth: usize,
    arrow: bool,
}

impl Angles {
    fn step(&mut self, tree: &TokenTree) {
        if let TokenTree::Punct(p) = tree {
            match p.as_char() {
                '<' => self.depth += 1,
                '>' if !self.arrow => self.depth = self.depth.saturating_sub(1),
                _ => {}
            }
        }
        self.arrow = matches!(tree, TokenTree::Punct(p) if p.as_char() == '-' && p.spacing() == Spacing::Joint);
    }
}

/// Where the body of an item starting at `from` is: the first `{...}` outside `<...>`, unless
/// a `;` ends the item first; and the index after it (or after the `;`).
fn body(trees: &[TokenTree], from: usize) -> (Option<&Group>, usize) {
    let mut angles = Angles::default();
    let mut at = from;
    while let Some(tree) = trees.get(at) {
        at += 1;
        match tree {
            TokenTree::Group(group)
                if group.delimiter() == Delimiter::Brace && angles.depth == 0 =>
            {
                return (Some(group), at);
            }
            TokenTree::Punct(p) if p.as_char() == ';' && angles.depth == 0 => return (None, at),
            _ => angles.step(tree),
        }
    }
    (None, at)
}

/// The name of an impl's self type from the tokens between `impl` and its body: the last
/// path segment of the type after `for` (or of the only type), outside generics.
fn impl_owner(header: &[TokenTree]) -> String {
    let mut angles = Angles::default();
    let mut start = 0;
    let mut end = header.len();
    for (at, tree) in header.iter().enumerate() {
        let outside = angles.depth == 0;
        angles.step(tree);
        match tree {
            TokenTree::Ident(ident) if outside && ident == "where" => {
                end = at;
                break;
            }
            // `for<'a>` is a bound's, not the self type's.
            TokenTree::Ident(ident)
                if outside && ident == "for" && !is_punct(header.get(at + 1), '<') =>
            {
                start = at + 1;
            }
            // After leading generics: `impl<T> ...`.
            _ if outside && start == 0 && at > 0 && is_punct(header.first(), '<') => {
                start = at;
            }
            _ => {}
        }
    }
    let mut name = None;
    let mut at = start;
    while let Some(tree) = header.get(at).filter(|_| at < end) {
        at += 1;
        match tree {
            TokenTree::Ident(ident) if ident == "mut" || ident == "dyn" => {}
            TokenTree::Ident(ident) => name = Some(unraw(ident)),
            // A lifetime: `'` and its name.
            TokenTree::Punct(p) if p.as_char() == '\'' => at += 1,
            TokenTree::Punct(p) if matches!(p.as_char(), ':' | '&' | '!' | '*') => {}
            TokenTree::Group(group) if name.is_none() => {
                name = group.stream().into_iter().find_map(|tree| match tree {
                    TokenTree::Ident(ident) => Some(unraw(&ident)),
                    _ => None,
                });
                break;
            }
            _ => break,
        }
    }
    name.unwrap_or_else(|| "_".to_owned())
}

impl Walk<'_> {
    /// The 1-based line and column in the file of a span of the piece.
    fn position(&self, span: Span) -> (usize, usize) {
        let LineColumn { line, column } = span.start();
        if line <= 1 {
            (self.base.0, self.base.1 + column + 1)
        } else {
            (self.base.0 + line - 1, column + 1)
        }
    }

    /// The byte offset in the piece where `span` starts (proc-macro2's own `byte_range`
    /// counts characters from the start of the piece at every call).
    fn offset(&mut self, span: Span) -> usize {
        if self.lines.is_empty() {
            self.lines.push(0);
            let mut rest = self.text.as_bytes();
            while bytes::skip_past(&mut rest, b'\n') {
                self.lines.push(self.text.len() - rest.len());
            }
        }
        let LineColumn { line, column } = span.start();
        let start = self.lines.get(line.saturating_sub(1)).copied().unwrap_or(0);
        let rest = self.text.get(start..).unwrap_or_default();
        start
            + rest
                .char_indices()
                .nth(column)
                .map_or(rest.len(), |(at, _)| at)
    }

    /// Reads the next token of `frame`, and what follows it when it opens an item.
    fn step(&mut self, frame: &mut Frame) -> Result<Step, Failure> {
        let Frame {
            trees,
            next,
            scope,
            attrs,
        } = frame;
        let at = *next;
        let Some(tree) = trees.get(at) else {
            return Ok(Step::Done);
        };
        *next = at + 1;
        match tree {
            TokenTree::Punct(pound) if pound.as_char() == '#' => {
                let inner = is_punct(trees.get(at + 1), '!');
                let group_at = if inner { at + 2 } else { at + 1 };
                if let Some(TokenTree::Group(group)) = trees.get(group_at)
                    && group.delimiter() == Delimiter::Bracket
                {
                    *next = group_at + 1;
                    let contents: Vec<TokenTree> = group.stream().into_iter().collect();
                    let position = self.position(pound.span());
                    if inner {
                        let mut found = Attrs::default();
                        self.attribute(&mut found, &contents, &[], position)?;
                        self.inner_cfg(scope, found.cfg);
                    } else {
                        self.attribute(attrs, &contents, &[], position)?;
                    }
                }
                Ok(Step::Next)
            }
            TokenTree::Punct(end) if end.as_char() == ';' || end.as_char() == ',' => {
                *attrs = Attrs::default();
                Ok(Step::Next)
            }
            TokenTree::Ident(ident) => Ok(self.ident(ident, trees, next, scope, attrs)),
            TokenTree::Group(group) => {
                // A group of the item being read: a struct's fields, an expression.
                let inner = Frame::new(group.stream(), inherit(scope, &attrs.cfg, false));
                if group.delimiter() == Delimiter::Brace {
                    *attrs = Attrs::default();
                }
                Ok(Step::Enter(group.span_open(), inner))
            }
            TokenTree::Punct(_) | TokenTree::Literal(_) => Ok(Step::Next),
        }
    }

    /// Inner attributes gate the module they are in.
    fn inner_cfg(&mut self, scope: &Scope, cfg: Vec<Pred>) {
        match (scope.kind, scope.module) {
            (Kind::File, _) => self.summary.cfg.extend(cfg),
            (Kind::Module, Some(module)) => {
                if let Some(Node::Module(decl)) = self.summary.nodes.get_mut(module) {
                    decl.cfg.extend(cfg);
                }
            }
            _ => {}
        }
    }

    /// An identifier at `*next - 1`: the items the scan reads start with one.
    fn ident(
        &mut self,
        ident: &proc_macro2::Ident,
        trees: &[TokenTree],
        next: &mut usize,
        scope: &Rc<Scope>,
        attrs: &mut Attrs,
    ) -> Step {
        let at = *next - 1;
        if ident == "fn"
            && let Some(TokenTree::Ident(name)) = trees.get(at + 1)
        {
            let (body, after) = body(trees, at + 2);
            *next = after;
            return self.function(name, body, scope, std::mem::take(attrs));
        }
        if ident == "mod"
            && matches!(scope.kind, Kind::File | Kind::Module | Kind::Block)
            && let Some(TokenTree::Ident(name)) = trees.get(at + 1)
        {
            let body = match trees.get(at + 2) {
                Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Brace => {
                    Some(group)
                }
                // A file module inside a function body needs `#[path]`; the scan leaves
                // those to the compiler.
                tree if is_punct(tree, ';') && scope.kind != Kind::Block => None,
                _ => return Step::Next,
            };
            *next = at + 3;
            return self.module(ident, name, body, scope, std::mem::take(attrs));
        }
        if ident == "impl" || ident == "trait" {
            let (Some(group), after) = body(trees, at + 1) else {
                return Step::Next;
            };
            let header = trees.get(at + 1..after - 1).unwrap_or_default();
            let (kind, owner) = if ident == "impl" {
                (Kind::Impl, impl_owner(header))
            } else {
                let name = header.first().and_then(|tree| match tree {
                    TokenTree::Ident(name) => Some(unraw(name)),
                    _ => None,
                });
                (Kind::Trait, name.unwrap_or_else(|| "_".to_owned()))
            };
            *next = after;
            let mut cfg = scope.cfg.clone();
            cfg.extend(std::mem::take(attrs).cfg);
            let scope = Rc::new(Scope {
                kind,
                module: scope.module,
                owner: Some(owner),
                cfg,
            });
            return Step::Enter(group.span_open(), Frame::new(group.stream(), scope));
        }
        // `name!(...)`, `name![...]`, `name! {...}`; a `macro_rules!` definition is skipped.
        if is_punct(trees.get(at + 1), '!') {
            if ident == "macro_rules" {
                *next = at + 4;
                *attrs = Attrs::default();
                return Step::Next;
            }
            if let Some(TokenTree::Group(group)) = trees.get(at + 2) {
                *next = at + 3;
                if ident == "include_policies" && scope.kind == Kind::File {
                    self.summary.includes_policies = true;
                }
                let inner = Frame::new(group.stream(), inherit(scope, &attrs.cfg, true));
                if group.delimiter() == Delimiter::Brace {
                    *attrs = Attrs::default();
                }
                return Step::Enter(group.span_open(), inner);
            }
        }
        Step::Next
    }

    /// `fn name ... { body }` (or `;`) with the attributes before it.
    fn function(
        &mut self,
        name: &proc_macro2::Ident,
        body: Option<&Group>,
        scope: &Scope,
        attrs: Attrs,
    ) -> Step {
        let mut cfg = scope.cfg.clone();
        cfg.extend(attrs.cfg);
        let inner = body.map(|group| {
            let kind = if scope.kind == Kind::Macro {
                Kind::Macro
            } else {
                Kind::Block
            };
            let scope = Rc::new(Scope {
                kind,
                module: scope.module,
                owner: None,
                cfg: cfg.clone(),
            });
            Step::Enter(group.span_open(), Frame::new(group.stream(), scope))
        });
        if !attrs.annotations.is_empty() {
            self.summary.nodes.push(Node::Function(FunctionDecl {
                parent: scope.module,
                name: unraw(name),
                owner: scope.owner.clone(),
                has_body: body.is_some(),
                cfg,
                annotations: attrs.annotations,
            }));
        }
        inner.unwrap_or(Step::Next)
    }

    /// `mod name;` or `mod name { body }` (its `mod` keyword is `keyword`) with the
    /// attributes before it.
    fn module(
        &mut self,
        keyword: &proc_macro2::Ident,
        name: &proc_macro2::Ident,
        body: Option<&Group>,
        scope: &Scope,
        attrs: Attrs,
    ) -> Step {
        let (line, column) = self.position(keyword.span());
        let mut cfg = scope.cfg.clone();
        cfg.extend(attrs.cfg);
        self.summary.nodes.push(Node::Module(ModuleDecl {
            parent: scope.module,
            name: unraw(name),
            line,
            column,
            cfg,
            paths: attrs.paths,
            inline: body.is_some(),
        }));
        let module = Some(self.summary.nodes.len() - 1);
        body.map_or(Step::Next, |group| {
            let scope = Rc::new(Scope {
                kind: Kind::Module,
                module,
                owner: None,
                cfg: Vec::new(),
            });
            Step::Enter(group.span_open(), Frame::new(group.stream(), scope))
        })
    }

    /// Reads the contents of one `#[...]` (`trees`) under the `cfg_attr` predicates `when`;
    /// `at` is where its `#` is.
    fn attribute(
        &mut self,
        attrs: &mut Attrs,
        trees: &[TokenTree],
        when: &[Pred],
        at: (usize, usize),
    ) -> Result<(), Failure> {
        let mut rest = trees;
        let mut segments = 0;
        let mut last = None;
        loop {
            match rest {
                [TokenTree::Punct(a), TokenTree::Punct(b), tail @ ..]
                    if a.as_char() == ':' && b.as_char() == ':' =>
                {
                    rest = tail;
                }
                [TokenTree::Ident(ident), tail @ ..] => {
                    segments += 1;
                    last = Some(ident);
                    rest = tail;
                    if !is_punct(rest.first(), ':') {
                        break;
                    }
                }
                _ => break,
            }
        }
        let Some(last) = last else { return Ok(()) };
        let group = match rest {
            [TokenTree::Group(group)] if group.delimiter() == Delimiter::Parenthesis => Some(group),
            _ => None,
        };
        if last == "requires_imm" {
            let (line, column) = match trees.first() {
                Some(first) if !when.is_empty() => self.position(first.span()),
                _ => at,
            };
            let args = group.map(|group| {
                let open = self.offset(group.span_open()) + 1;
                let close = self.offset(group.span_close());
                self.text.get(open..close).unwrap_or_default().to_owned()
            });
            attrs.annotations.push(Annotation {
                line,
                column,
                cfg: when.to_vec(),
                args: args.unwrap_or_default(),
            });
            return Ok(());
        }
        if segments != 1 {
            return Ok(());
        }
        let too_deep = || Failure {
            line: at.0,
            column: at.1,
            message: format!(
                "a cfg predicate nested more than {MAX_PREDICATE_DEPTH} deep; the scan reads no deeper"
            ),
        };
        match (group, rest) {
            (Some(group), _) if last == "cfg" => {
                let contents: Vec<TokenTree> = group.stream().into_iter().collect();
                let predicate = Pred::parse(&contents).ok_or_else(too_deep)?;
                // `cfg_attr(p, cfg(q))` removes the item when `p` holds and `q` does not.
                attrs.cfg.push(match Pred::conjunction(when) {
                    None => predicate,
                    Some(p) => Pred::Any(vec![Pred::Not(Box::new(p)), predicate]),
                });
            }
            (Some(group), _) if last == "cfg_attr" => {
                if when.len() >= MAX_PREDICATE_DEPTH {
                    return Err(too_deep());
                }
                let contents: Vec<TokenTree> = group.stream().into_iter().collect();
                let mut pieces = split_commas(&contents).into_iter();
                let Some(first) = pieces.next() else {
                    return Ok(());
                };
                let mut when = when.to_vec();
                when.push(Pred::parse(first).ok_or_else(too_deep)?);
                for piece in pieces {
                    self.attribute(attrs, piece, &when, at)?;
                }
            }
            (None, [TokenTree::Punct(eq), TokenTree::Literal(lit)])
                if last == "path" && eq.as_char() == '=' =>
            {
                if let Some(path) = string_literal(lit) {
                    attrs.paths.push((when.to_vec(), path));
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// The scope of a group that belongs to the item being read, with that item's `cfg`s.
fn inherit(scope: &Rc<Scope>, cfg: &[Pred], invocation: bool) -> Rc<Scope> {
    let kind = if invocation || scope.kind == Kind::Macro {
        Kind::Macro
    } else {
        Kind::Block
    };
    if kind == scope.kind && cfg.is_empty() {
        return Rc::clone(scope);
    }
    let mut all = scope.cfg.clone();
    all.extend_from_slice(cfg);
    Rc::new(Scope {
        kind,
        module: scope.module,
        owner: if kind == Kind::Macro {
            scope.owner.clone()
        } else {
            None
        },
        cfg: all,
    })
}
