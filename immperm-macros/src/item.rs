//! The annotated item, read at the token level: its outer attributes, what kind of item it is,
//! and where its body is. The body is never parsed: new tokens are spliced into its `{}`
//! group, so expansion costs the same for a one-line function as for a long one.

use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};

/// The item the attribute is on.
pub(crate) struct Item {
    tokens: Vec<TokenTree>,
    /// Index of the first token after the outer attributes.
    attrs_end: usize,
    /// Indices of the `#` of further `#[requires_imm]` attributes (removed from the output).
    gathered: Vec<usize>,
    kind: Kind,
}

/// What the item is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A function; `body` is the index of its `{}` group, `None` for a declaration without
    /// one (a trait method, a foreign function).
    Function { body: Option<usize> },
    /// Anything else, described for the error message.
    Other(Other),
}

/// An item that is not a function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Other {
    /// What it is, with its article: `a struct`.
    pub(crate) what: &'static str,
    /// Where the attribute goes instead.
    pub(crate) instead: &'static str,
}

/// A further `#[requires_imm(...)]` on the same item.
pub(crate) struct Attribute {
    /// The tokens between the parentheses; `None` when the attribute is not written as a list.
    pub(crate) args: Option<TokenStream>,
    /// The `[...]` of the attribute, for errors about the attribute as a whole.
    pub(crate) span: Span,
}

impl Item {
    /// Reads `item`, gathering the further `#[requires_imm]` attributes it carries.
    pub(crate) fn parse(item: TokenStream) -> (Self, Vec<Attribute>) {
        let tokens: Vec<TokenTree> = item.into_iter().collect();
        let mut gathered = Vec::new();
        let mut attributes = Vec::new();
        let mut index = 0;
        while let (Some(TokenTree::Punct(pound)), Some(TokenTree::Group(group))) =
            (tokens.get(index), tokens.get(index + 1))
        {
            if pound.as_char() != '#' || group.delimiter() != Delimiter::Bracket {
                break;
            }
            if let Found::RequiresImm(args) = requires_imm_args(group) {
                gathered.push(index);
                attributes.push(Attribute {
                    args,
                    span: group.span(),
                });
            }
            index += 2;
        }
        let rest = flatten(tokens.get(index..).unwrap_or_default());
        let kind = match classify(&rest) {
            Kind::Function { .. } => Kind::Function {
                body: tokens.last().and_then(brace_body).map(|_| tokens.len() - 1),
            },
            other @ Kind::Other(_) => other,
        };
        let item = Self {
            tokens,
            attrs_end: index,
            gathered,
            kind,
        };
        (item, attributes)
    }

    /// What the item is.
    pub(crate) fn kind(&self) -> Kind {
        self.kind
    }

    /// The function's name: the identifier after `fn`.
    pub(crate) fn name(&self) -> Option<String> {
        let rest = flatten(self.tokens.get(self.attrs_end..)?);
        let at = rest
            .iter()
            .position(|t| matches!(t, TokenTree::Ident(ident) if ident == "fn"))?;
        match rest.get(at + 1)? {
            TokenTree::Ident(name) => Some(name.to_string().trim_start_matches("r#").to_owned()),
            _ => None,
        }
    }

    /// The item with `docs` appended to its outer attributes, `prelude` spliced at the start of
    /// its body (after any inner attributes), and the gathered attributes removed.
    pub(crate) fn into_tokens(self, docs: &TokenStream, prelude: &TokenStream) -> TokenStream {
        let body = match self.kind {
            Kind::Function { body } => body,
            Kind::Other(_) => None,
        };
        let mut out = TokenStream::new();
        let mut skip = 0;
        for (index, token) in self.tokens.into_iter().enumerate() {
            if index == self.attrs_end {
                out.extend(docs.clone());
            }
            if self.gathered.contains(&index) {
                skip = 2;
            }
            if skip > 0 {
                skip -= 1;
                continue;
            }
            match token {
                TokenTree::Group(group) if Some(index) == body => {
                    out.extend([TokenTree::Group(splice_body(&group, prelude.clone()))]);
                }
                other => out.extend([other]),
            }
        }
        out
    }
}

/// What the `[...]` of an outer attribute holds.
enum Found {
    /// Another attribute.
    Other,
    /// `requires_imm` (or `immperm::requires_imm`) with these arguments, or without a
    /// parenthesized list (`None`).
    RequiresImm(Option<TokenStream>),
}

/// The tokens with every invisible group (`Delimiter::None`: a `macro_rules!` fragment such
/// as `$vis:vis` or `$m:meta`) replaced by what it holds, recursively, at this level only.
fn flatten(tokens: &[TokenTree]) -> Vec<TokenTree> {
    let mut out = Vec::with_capacity(tokens.len());
    for token in tokens {
        match token {
            TokenTree::Group(group) if group.delimiter() == Delimiter::None => {
                let inner: Vec<TokenTree> = group.stream().into_iter().collect();
                out.extend(flatten(&inner));
            }
            other => out.push(other.clone()),
        }
    }
    out
}

/// The `{}` group of a function body: the token itself, or the one group inside an
/// invisible group (a body passed to `macro_rules!` as `$body:block`).
fn brace_body(token: &TokenTree) -> Option<Group> {
    let TokenTree::Group(group) = token else {
        return None;
    };
    match group.delimiter() {
        Delimiter::Brace => Some(group.clone()),
        Delimiter::None => {
            let mut inner = group.stream().into_iter();
            match (inner.next(), inner.next()) {
                (Some(only), None) => brace_body(&only),
                _ => None,
            }
        }
        _ => None,
    }
}

/// `body` (a `{}` group, or an invisible group around one) with `prelude` spliced into the
/// braces; an invisible group stays around it.
fn splice_body(body: &Group, prelude: TokenStream) -> Group {
    if body.delimiter() == Delimiter::Brace {
        return splice(body, prelude);
    }
    let inner: TokenStream = body
        .stream()
        .into_iter()
        .map(|token| match token {
            TokenTree::Group(group) => TokenTree::Group(splice_body(&group, prelude.clone())),
            other => other,
        })
        .collect();
    let mut wrapped = Group::new(body.delimiter(), inner);
    wrapped.set_span(body.span());
    wrapped
}

/// Reads the attribute's `[...]` group.
fn requires_imm_args(group: &Group) -> Found {
    let mut last_ident = None;
    let mut rest = None;
    let stream: Vec<TokenTree> = group.stream().into_iter().collect();
    for token in flatten(&stream) {
        match token {
            TokenTree::Ident(ident) if rest.is_none() => last_ident = Some(ident),
            TokenTree::Punct(punct) if rest.is_none() && punct.as_char() == ':' => {}
            other => {
                rest = Some(other);
                break;
            }
        }
    }
    if last_ident.is_none_or(|ident| ident != "requires_imm") {
        return Found::Other;
    }
    Found::RequiresImm(match rest {
        Some(TokenTree::Group(args)) if args.delimiter() == Delimiter::Parenthesis => {
            Some(args.stream())
        }
        None => Some(TokenStream::new()),
        Some(_) => None,
    })
}

/// Classifies the tokens after the outer attributes.
fn classify(tokens: &[TokenTree]) -> Kind {
    let mut rest = tokens.iter().peekable();
    // Visibility: `pub`, `pub(crate)`, `pub(in path)`.
    if matches!(rest.peek(), Some(TokenTree::Ident(ident)) if ident == "pub") {
        rest.next();
        if matches!(rest.peek(), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis)
        {
            rest.next();
        }
    }
    let mut qualifier = None;
    let mut after_extern = false;
    for token in rest {
        let TokenTree::Ident(ident) = token else {
            // An ABI string (`extern "C" fn`) is part of a function's qualifiers.
            if matches!(token, TokenTree::Literal(_)) && after_extern {
                after_extern = false;
                continue;
            }
            return Kind::Other(describe(qualifier.as_deref(), Some(token)));
        };
        let word = ident.to_string();
        after_extern = word == "extern";
        match word.as_str() {
            "fn" => return Kind::Function { body: None },
            "const" | "async" | "unsafe" | "safe" | "extern" | "default" => {
                // The first qualifier names the item if it is not a function after all
                // (`const X`, `extern crate`, `extern "C" {}`).
                if qualifier.is_none() || word == "extern" {
                    qualifier = Some(word);
                }
            }
            _ if KEYWORDS.contains(&word.as_str()) => {
                return Kind::Other(describe(Some(&word), Some(token)));
            }
            _ => return Kind::Other(describe(qualifier.as_deref(), Some(token))),
        }
    }
    Kind::Other(describe(qualifier.as_deref(), None))
}

/// The keywords that start an item (or statement) that is not a function.
const KEYWORDS: [&str; 13] = [
    "struct",
    "enum",
    "union",
    "impl",
    "trait",
    "static",
    "mod",
    "type",
    "use",
    "let",
    "macro_rules",
    "move",
    "crate",
];

const ON_FUNCTIONS: &str = "put it on each function that invokes the operation";

/// Names a non-function item from its keyword (or its first qualifier) and the token that
/// showed it is not a function.
fn describe(keyword: Option<&str>, token: Option<&TokenTree>) -> Other {
    let (what, instead) = match keyword {
        Some("struct") => ("a struct", ON_FUNCTIONS),
        Some("enum") => ("an enum", ON_FUNCTIONS),
        Some("union") => ("a union", ON_FUNCTIONS),
        Some("impl") => (
            "an `impl` block",
            "put it on each method in the block that invokes the operation",
        ),
        Some("trait") => (
            "a trait",
            "put it on each method of the trait that invokes the operation",
        ),
        Some("const") => ("a constant", ON_FUNCTIONS),
        Some("static") => ("a static", ON_FUNCTIONS),
        Some("mod") => (
            "a module",
            "put it on each function in the module that invokes the operation",
        ),
        Some("type") => ("a type alias", ON_FUNCTIONS),
        Some("use") => ("a `use` declaration", ON_FUNCTIONS),
        Some("extern") if matches!(token, Some(TokenTree::Group(_))) => (
            "an `extern` block",
            "put it on the Rust function that invokes the operation",
        ),
        Some("extern" | "crate") => ("an `extern crate` declaration", ON_FUNCTIONS),
        Some("let") => (
            "a `let` statement",
            "put it on the enclosing function (a closure is part of the function that defines it)",
        ),
        Some("macro_rules") => (
            "a macro definition",
            "put it on the functions the macro expands to, or on the function that calls the macro",
        ),
        _ if matches!(token, Some(TokenTree::Punct(p)) if matches!(p.as_char(), '|')) => (
            "a closure",
            "put it on the enclosing function (a closure is part of the function that defines it)",
        ),
        Some("move") => (
            "a closure",
            "put it on the enclosing function (a closure is part of the function that defines it)",
        ),
        _ => ("this item", ON_FUNCTIONS),
    };
    Other { what, instead }
}

/// `group` with `prelude` inserted after its inner attributes (`#![...]` must stay first).
fn splice(group: &Group, prelude: TokenStream) -> Group {
    // The body's top-level tokens only: nested groups stay opaque, so this is cheap however
    // long the body is.
    let tokens: Vec<TokenTree> = group.stream().into_iter().collect();
    let mut index = 0;
    while let (
        Some(TokenTree::Punct(pound)),
        Some(TokenTree::Punct(bang)),
        Some(TokenTree::Group(attr)),
    ) = (
        tokens.get(index),
        tokens.get(index + 1),
        tokens.get(index + 2),
    ) {
        if pound.as_char() != '#' || bang.as_char() != '!' || attr.delimiter() != Delimiter::Bracket
        {
            break;
        }
        index += 3;
    }
    let mut tokens = tokens.into_iter();
    let mut body: TokenStream = tokens.by_ref().take(index).collect();
    body.extend(prelude);
    body.extend(tokens);
    let mut spliced = Group::new(Delimiter::Brace, body);
    spliced.set_span(group.span());
    spliced
}
