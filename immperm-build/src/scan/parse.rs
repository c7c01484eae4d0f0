//! Reading one source file into a [`Summary`]: the prefilter that decides how much work a
//! file needs, the full syn parse of files that mention `requires_imm`, and the light token
//! scan of files that only declare modules.

use std::str::FromStr;

use proc_macro2::{Delimiter, LineColumn, Span, TokenStream, TokenTree};
use syn::{Expr, ExprLit, ImplItem, Item, Lit, Meta, Stmt, TraitItem, Type};

use super::cfg::{Pred, split_commas, string_literal};
use super::decl;
use super::skim;
use super::summary::{Annotation, Args, Kind, ModDecl, Node, Summary};

/// A file that does not parse: the message and the 1-based line and column.
#[derive(Debug)]
pub(crate) struct ParseFailure {
    pub(crate) line: usize,
    pub(crate) column: usize,
    pub(crate) message: String,
}

/// How much work a file needs: a full parse when it has a `requires_imm` attribute, a light
/// scan when it may declare a file module (`mod name;`), otherwise none.
///
/// Build scripts run unoptimised, so the searches go through [`skip_past`], whose byte
/// search is compiled optimised in the standard library: each looks for a rare byte and
/// checks the bytes around it. An annotation is an attribute, so the first search is for
/// `#` (rare in Rust), reading each attribute's path; only `cfg_attr` needs a search of the
/// whole text for `requires_imm`. The bytes need not be UTF-8 here: only the files that are
/// parsed are checked (a file the compiler cannot read fails the build anyway).
///
/// A `leaf` (a `name.rs` file without a `name/` directory) can only declare file modules
/// through `#[path]`, so the search for declarations (anchored on `;`, which is frequent)
/// runs for a leaf only when it has a `path` or `cfg_attr` attribute.
pub(crate) fn kind_of(bytes: &[u8], leaf: bool) -> Kind {
    let attributes = attributes(bytes);
    if attributes.annotation || (attributes.cfg_attr && mentions_attribute(bytes)) {
        Kind::Full
    } else if (!leaf || attributes.path || attributes.cfg_attr) && declares_file_module(bytes) {
        Kind::Light
    } else {
        Kind::Read
    }
}

/// What the attributes of a file (`#[...]`, `#![...]`) are, as far as the scan cares.
#[derive(Default)]
struct Attributes {
    /// A path ending in `requires_imm`.
    annotation: bool,
    /// `path`.
    path: bool,
    /// `cfg_attr`, which may hold either.
    cfg_attr: bool,
}

/// Advances `rest` past the next `byte`; `false` when there is none (`rest` is then empty).
/// The search is `BufRead::skip_until` on the slice, whose loop is the standard library's
/// `memchr`: precompiled with optimisations whatever the build script's opt-level, and it
/// needs no UTF-8 text. Slice
/// patterns rather than method calls around it: at opt-level 0 each call shows, and this
/// runs for every `#`, `;` and `q` of a crate.
fn skip_past(rest: &mut &[u8], byte: u8) -> bool {
    use std::io::BufRead as _;
    let before = *rest;
    if rest.skip_until(byte).is_err() {
        return false;
    }
    match (*rest, before) {
        // Stopped before the end: at the byte.
        ([_, ..], _) => true,
        // Ran to the end: found only if the last byte was it.
        ([], [.., last]) => *last == byte,
        ([], []) => false,
    }
}

fn attributes(bytes: &[u8]) -> Attributes {
    let mut found = Attributes::default();
    let mut rest = bytes;
    while skip_past(&mut rest, b'#') {
        // The commonest attributes of the standard library, told from their first bytes:
        // at opt-level 0 a slice pattern is a few comparisons, reading the path a few calls.
        if let [b'[', b'd', b'e', b'r', b'i', b'v', b'e', b'(', ..]
        | [b'[', b'c', b'f', b'g', b'(', ..]
        | [b'[', b't', b'e', b's', b't', b']', ..]
        | [b'[', b'a', b'l', b'l', b'o', b'w', b'(', ..]
        | [b'[', b'i', b'n', b'l', b'i', b'n', b'e', b']' | b'(', ..]
        | [b'[', b'd', b'o', b'c', b'=' | b'(', ..]
        | [b'[', b'd', b'o', b'c', b' ', b'=', ..] = rest
        {
            continue;
        }
        let (name, segments) = attribute_path(bytes, bytes.len() - rest.len());
        match name {
            b"requires_imm" => {
                found.annotation = true;
                return found;
            }
            b"path" if segments == 1 => found.path = true,
            b"cfg_attr" if segments == 1 => found.cfg_attr = true,
            _ => {}
        }
    }
    found
}

/// The last segment of the path of the attribute whose `#` ends before `at`, and how many
/// segments the path has; empty when the `#` does not open an attribute.
fn attribute_path(bytes: &[u8], at: usize) -> (&[u8], usize) {
    // The usual shape, `#[name` followed by `(`, `]` or `=`, costs a few comparisons: at
    // opt-level 0 the general reading below is several times slower per attribute.
    if let Some([b'[', name @ ..]) = bytes.get(at..) {
        let mut rest = name;
        while let [b'a'..=b'z' | b'_', tail @ ..] = rest {
            rest = tail;
        }
        let length = name.len() - rest.len();
        if length > 0 && matches!(rest, [b'(' | b']' | b'=', ..]) {
            return (name.get(..length).unwrap_or_default(), 1);
        }
    }
    let mut at = skip_space(bytes, at);
    if bytes.get(at) == Some(&b'!') {
        at = skip_space(bytes, at + 1);
    }
    if bytes.get(at) != Some(&b'[') {
        return (&[], 0);
    }
    // The attribute's path: `[::]ident(::ident)*`, whitespace allowed around `::`.
    at = skip_space(bytes, at + 1);
    let mut segments = 0;
    let mut last = (at, at);
    loop {
        if bytes.get(at) == Some(&b':') && bytes.get(at + 1) == Some(&b':') {
            at = skip_space(bytes, at + 2);
        }
        let start = at;
        while let Some(&byte) = bytes.get(at) {
            if !is_ident_byte(byte) {
                break;
            }
            at += 1;
        }
        if at == start {
            break;
        }
        segments += 1;
        last = (start, at);
        at = skip_space(bytes, at);
        if !(bytes.get(at) == Some(&b':') && bytes.get(at + 1) == Some(&b':')) {
            break;
        }
    }
    (bytes.get(last.0..last.1).unwrap_or_default(), segments)
}

fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\t' | b'\r') = bytes.get(at) {
        at += 1;
    }
    at
}

/// Whether `bytes` contain `requires_imm` anywhere (code, comments or strings).
fn mentions_attribute(bytes: &[u8]) -> bool {
    const NEEDLE: &[u8] = b"requires_imm";
    let mut rest = bytes;
    while skip_past(&mut rest, b'q') {
        // `q` is the third byte of the needle.
        let start = (bytes.len() - rest.len()).wrapping_sub(3);
        if bytes
            .get(start..)
            .is_some_and(|tail| tail.starts_with(NEEDLE))
        {
            return true;
        }
    }
    false
}

/// Whether the text contains `mod <ident> ;`, the only form that makes the compiler load
/// another file: whitespace and block comments may sit between the parts (a line comment
/// between the name and the `;` is not recognised). Matches inside comments and strings are
/// false positives, which only cost a token scan.
fn declares_file_module(bytes: &[u8]) -> bool {
    let mut rest = bytes;
    while skip_past(&mut rest, b';') {
        let semicolon = bytes.len() - rest.len() - 1;
        // Most `;` follow `)`, `]` or a literal: reject them before any other work.
        match bytes.get(..semicolon) {
            Some(
                [
                    ..,
                    b'a'..=b'z'
                    | b'A'..=b'Z'
                    | b'0'..=b'9'
                    | b'_'
                    | b' '
                    | b'\n'
                    | b'\t'
                    | b'\r'
                    | b'/'
                    | 0x80..,
                ],
            ) => {}
            _ => continue,
        }
        let name_end = skip_trivia_back(bytes, semicolon);
        let mut name_start = name_end;
        while name_start > 0
            && bytes
                .get(name_start - 1)
                .is_some_and(|b| is_ident_byte(*b) || *b == b'#')
        {
            name_start -= 1;
        }
        if name_start == name_end {
            continue;
        }
        let keyword_end = skip_trivia_back(bytes, name_start);
        if keyword_end == name_start || keyword_end < 3 {
            continue;
        }
        let keyword = keyword_end - 3;
        if bytes.get(keyword..keyword_end) == Some(b"mod".as_slice())
            && (keyword == 0 || bytes.get(keyword - 1).is_some_and(|b| !is_ident_byte(*b)))
        {
            return true;
        }
    }
    false
}

fn is_ident_byte(byte: u8) -> bool {
    // A `matches!` rather than `is_ascii_alphanumeric()`: at opt-level 0 every call counts.
    matches!(byte, b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | 0x80..)
}

/// Skips whitespace and block comments backwards from `end` (exclusive); returns the new end.
fn skip_trivia_back(text: &[u8], mut end: usize) -> usize {
    loop {
        match end.checked_sub(1).and_then(|last| text.get(last)) {
            Some(b) if b.is_ascii_whitespace() => end -= 1,
            Some(b'/') if end >= 2 && text.get(end - 2) == Some(&b'*') => {
                let before = text.get(..end - 2).unwrap_or_default();
                match before.windows(2).rposition(|w| w == b"/*") {
                    Some(open) => end = open,
                    None => return end,
                }
            }
            _ => return end,
        }
    }
}

/// Reads a file's bytes according to their kind; those to be tokenized or parsed must be
/// UTF-8.
pub(crate) fn summarize(bytes: &[u8], leaf: bool) -> Result<Summary, ParseFailure> {
    let kind = kind_of(bytes, leaf);
    if kind == Kind::Read {
        return Ok(Summary::read());
    }
    let text = std::str::from_utf8(bytes).map_err(|error| {
        // The position of the first byte that is not UTF-8, in the valid text before it.
        let valid = bytes.get(..error.valid_up_to()).unwrap_or_default();
        let valid = std::str::from_utf8(valid).unwrap_or_default();
        let line_start = valid.rfind('\n').map_or(0, |newline| newline + 1);
        ParseFailure {
            line: valid.matches('\n').count() + 1,
            column: valid.get(line_start..).map_or(0, |s| s.chars().count()) + 1,
            message: "the file is not UTF-8".to_owned(),
        }
    })?;
    if kind == Kind::Light {
        light(text)
    } else {
        full(text)
    }
}

fn position(span: Span) -> (usize, usize) {
    let LineColumn { line, column } = span.start();
    (line, column + 1)
}

/// The attributes that matter here, each under the `cfg_attr` predicates that introduce it.
#[derive(Default)]
struct Attrs {
    cfg: Vec<Pred>,
    paths: Vec<(Vec<Pred>, String)>,
    annotations: Vec<(Vec<Pred>, TokenStream, (usize, usize))>,
}

impl Attrs {
    fn of(attrs: &[syn::Attribute]) -> Self {
        let mut out = Self::default();
        for attr in attrs {
            out.syn_attr(attr);
        }
        out
    }

    fn syn_attr(&mut self, attr: &syn::Attribute) {
        let path = attr.path();
        let at = position(attr.pound_token.span);
        match &attr.meta {
            Meta::List(list) if path.is_ident("cfg") => {
                self.cfg.push(Pred::parse(list.tokens.clone()));
            }
            Meta::List(list) if path.is_ident("cfg_attr") => {
                let trees: Vec<TokenTree> = list.tokens.clone().into_iter().collect();
                self.cfg_attr(&trees, &[]);
            }
            Meta::NameValue(nv) if path.is_ident("path") => {
                if let Expr::Lit(ExprLit {
                    lit: Lit::Str(s), ..
                }) = &nv.value
                {
                    self.paths.push((Vec::new(), s.value()));
                }
            }
            meta if path
                .segments
                .last()
                .is_some_and(|s| s.ident == "requires_imm") =>
            {
                let tokens = match meta {
                    Meta::List(list) => list.tokens.clone(),
                    _ => TokenStream::new(),
                };
                self.annotations.push((Vec::new(), tokens, at));
            }
            _ => {}
        }
    }

    /// `cfg_attr(pred, attr, ...)`, whose attributes apply when `pred` (and `when`) hold.
    fn cfg_attr(&mut self, trees: &[TokenTree], when: &[Pred]) {
        let mut pieces = split_commas(trees).into_iter();
        let Some(pred) = pieces.next() else { return };
        let mut when = when.to_vec();
        when.push(Pred::parse_trees(pred));
        for piece in pieces {
            self.raw_attr(piece, &when);
        }
    }

    /// An attribute given as tokens (`path(...)`, `path = lit`) under the predicates `when`.
    fn raw_attr(&mut self, trees: &[TokenTree], when: &[Pred]) {
        let mut segments = Vec::new();
        let mut rest = trees;
        loop {
            match rest {
                [TokenTree::Punct(a), TokenTree::Punct(b), tail @ ..]
                    if a.as_char() == ':' && b.as_char() == ':' =>
                {
                    rest = tail;
                }
                [TokenTree::Ident(ident), tail @ ..] => {
                    segments.push(ident.to_string());
                    rest = tail;
                    if !matches!(rest, [TokenTree::Punct(p), ..] if p.as_char() == ':') {
                        break;
                    }
                }
                _ => break,
            }
        }
        let single = segments.len() == 1;
        let Some(last) = segments.last() else { return };
        match (last.as_str(), rest) {
            ("cfg", [TokenTree::Group(group)])
                if single && group.delimiter() == Delimiter::Parenthesis =>
            {
                let pred = Pred::parse(group.stream());
                // `cfg_attr(p, cfg(q))` removes the item when `p` holds and `q` does not.
                self.cfg.push(match Pred::conjunction(when) {
                    None => pred,
                    Some(p) => Pred::Any(vec![Pred::Not(Box::new(p)), pred]),
                });
            }
            ("cfg_attr", [TokenTree::Group(group)])
                if single && group.delimiter() == Delimiter::Parenthesis =>
            {
                let inner: Vec<TokenTree> = group.stream().into_iter().collect();
                self.cfg_attr(&inner, when);
            }
            ("path", [TokenTree::Punct(eq), TokenTree::Literal(lit)])
                if single && eq.as_char() == '=' =>
            {
                if let Some(path) = string_literal(lit) {
                    self.paths.push((when.to_vec(), path));
                }
            }
            ("requires_imm", rest) => {
                let at = trees.first().map_or((0, 0), |t| position(t.span()));
                let tokens = match rest {
                    [TokenTree::Group(group)] if group.delimiter() == Delimiter::Parenthesis => {
                        group.stream()
                    }
                    _ => rest.iter().cloned().collect(),
                };
                self.annotations.push((when.to_vec(), tokens, at));
            }
            _ => {}
        }
    }
}

/// Parses a file that mentions `requires_imm` with syn: only its top-level items that name
/// the attribute or declare modules (the others blanked out, see [`masked`]), or the whole
/// file when it cannot be split into items or the pieces do not parse, so errors point
/// where rustc would.
fn full(text: &str) -> Result<Summary, ParseFailure> {
    let pieces = skim::chunks(text)
        .map(|chunks| masked(text, chunks.iter().filter(|c| c.annotated || c.modules)));
    match pieces.and_then(|pieces| syn::parse_file(&pieces).ok()) {
        Some(file) => Ok(summarize_file(&file)),
        None => whole(text),
    }
}

/// Parses the whole file with syn.
fn whole(text: &str) -> Result<Summary, ParseFailure> {
    let file = syn::parse_file(text).map_err(|err| {
        let (line, column) = position(err.span());
        ParseFailure {
            line,
            column,
            message: err.to_string(),
        }
    })?;
    Ok(summarize_file(&file))
}

fn summarize_file(file: &syn::File) -> Summary {
    let attrs = Attrs::of(&file.attrs);
    let mut items = Vec::new();
    walk_items(&file.items, &[], &mut items);
    Summary {
        kind: Kind::Full,
        cfg: attrs.cfg,
        items,
    }
}

/// `text` with everything outside `chunks` blanked: newlines kept and the rest of a gap's
/// last line turned into spaces, so the chunks keep their lines and columns and can be
/// tokenized in one call.
fn masked<'c>(text: &str, chunks: impl Iterator<Item = &'c skim::Chunk>) -> String {
    let mut out = String::new();
    let mut end = 0;
    for chunk in chunks {
        let gap = text.get(end..chunk.start).unwrap_or_default();
        let mut rest = gap;
        while let Some(newline) = rest.find('\n') {
            out.push('\n');
            rest = rest.get(newline + 1..).unwrap_or_default();
        }
        out.extend(std::iter::repeat_n(' ', rest.chars().count()));
        out.push_str(text.get(chunk.start..chunk.end).unwrap_or_default());
        end = chunk.end;
    }
    out
}

fn walk_items(items: &[Item], when: &[Pred], out: &mut Vec<Node>) {
    for item in items {
        walk_item(item, when, out);
    }
}

fn walk_item(item: &Item, when: &[Pred], out: &mut Vec<Node>) {
    match item {
        Item::Mod(module) => {
            let attrs = Attrs::of(&module.attrs);
            let (line, column) = position(module.mod_token.span);
            let body = module.content.as_ref().map(|(_, items)| {
                let mut body = Vec::new();
                walk_items(items, &[], &mut body);
                body
            });
            let mut cfg = when.to_vec();
            cfg.extend(attrs.cfg);
            out.push(Node::Mod(ModDecl {
                name: unraw(&module.ident),
                line,
                column,
                cfg,
                paths: attrs.paths,
                body,
            }));
        }
        Item::Fn(function) => {
            let name = unraw(&function.sig.ident);
            let inner = annotate(&function.attrs, &name, when, out);
            walk_block(&function.block.stmts, &inner, out);
        }
        Item::Impl(block) => {
            let attrs = Attrs::of(&block.attrs);
            let mut inner = when.to_vec();
            inner.extend(attrs.cfg);
            let owner = type_name(&block.self_ty);
            for item in &block.items {
                if let ImplItem::Fn(method) = item {
                    let name = format!("{owner}::{}", unraw(&method.sig.ident));
                    let body = annotate(&method.attrs, &name, &inner, out);
                    walk_block(&method.block.stmts, &body, out);
                }
            }
        }
        Item::Trait(declaration) => {
            let attrs = Attrs::of(&declaration.attrs);
            let mut inner = when.to_vec();
            inner.extend(attrs.cfg);
            let owner = unraw(&declaration.ident);
            for item in &declaration.items {
                // A method without a body invokes nothing (the attribute only validates its
                // arguments there): its implementations carry their own annotations.
                if let TraitItem::Fn(method) = item
                    && let Some(block) = &method.default
                {
                    let name = format!("{owner}::{}", unraw(&method.sig.ident));
                    let body = annotate(&method.attrs, &name, &inner, out);
                    walk_block(&block.stmts, &body, out);
                }
            }
        }
        _ => {}
    }
}

/// Items declared inside a function body (`fn outer() { #[requires_imm(...)] fn inner() {} }`).
fn walk_block(stmts: &[Stmt], when: &[Pred], out: &mut Vec<Node>) {
    for stmt in stmts {
        if let Stmt::Item(item) = stmt {
            // A `mod name;` inside a block needs `#[path]` and is rare; inline ones are kept.
            if !matches!(item, Item::Mod(m) if m.content.is_none()) {
                walk_item(item, when, out);
            }
        }
    }
}

/// Records the annotations among a function's attributes; returns the predicates that gate
/// the function (for items nested in its body).
fn annotate(
    attrs: &[syn::Attribute],
    function: &str,
    when: &[Pred],
    out: &mut Vec<Node>,
) -> Vec<Pred> {
    let attrs = Attrs::of(attrs);
    let mut gate = when.to_vec();
    gate.extend(attrs.cfg);
    for (extra, tokens, (line, column)) in attrs.annotations {
        let mut cfg = gate.clone();
        cfg.extend(extra);
        out.push(Node::Annotation(Annotation {
            line,
            column,
            function: function.to_owned(),
            cfg,
            args: parse_args(tokens),
        }));
    }
    gate
}

fn unraw(ident: &proc_macro2::Ident) -> String {
    let name = ident.to_string();
    match name.strip_prefix("r#") {
        Some(bare) => bare.to_owned(),
        None => name,
    }
}

/// The name of an impl's self type: the last path segment, through references and groups.
fn type_name(ty: &Type) -> String {
    match ty {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .map_or_else(|| "_".to_owned(), |s| unraw(&s.ident)),
        Type::Reference(reference) => type_name(&reference.elem),
        Type::Paren(inner) => type_name(&inner.elem),
        Type::Group(inner) => type_name(&inner.elem),
        Type::Ptr(pointer) => type_name(&pointer.elem),
        Type::Slice(slice) => type_name(&slice.elem),
        Type::Array(array) => type_name(&array.elem),
        _ => "_".to_owned(),
    }
}

/// Reads the arguments of `#[requires_imm(...)]`:
/// `op = "<operation>" [, async] [, saveas | saveas = "<bucket>/<prefix>"]
/// [, notify = "<topic>"] [, bucket = "<bucket>"] [, batch] [, trigger]`.
/// What cannot be read from source (a non-literal value, an unknown key) is returned as the
/// reason, for the compile-time cross-check to report.
fn parse_args(tokens: TokenStream) -> Result<Args, String> {
    use syn::parse::Parser as _;

    let mut args = Args::default();
    let mut op = None;
    let mut seen: Vec<String> = Vec::new();
    let parser = syn::meta::parser(|meta| {
        let key = meta
            .path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        if seen.contains(&key) {
            return Err(meta.error(format!("duplicate `{key}`")));
        }
        seen.push(key.clone());
        match key.as_str() {
            // op = "<operation>"
            "op" => {
                let value = meta.value()?;
                if value.peek(syn::LitStr) {
                    op = Some(value.parse::<syn::LitStr>()?.value());
                } else {
                    let mut expr = TokenStream::new();
                    while !value.is_empty() && !value.peek(syn::Token![,]) {
                        expr.extend([value.parse::<TokenTree>()?]);
                    }
                    return Err(
                        meta.error(format!("the operation `{expr}` is not a string literal"))
                    );
                }
            }
            // async
            "async" => args.is_async = true,
            // saveas | saveas = "<bucket>/<prefix>"
            "saveas" => {
                args.saveas = Some(if meta.input.peek(syn::Token![=]) {
                    Some(meta.value()?.parse::<syn::LitStr>()?.value())
                } else {
                    None
                });
            }
            // notify = "<topic>"
            "notify" => args.notify = Some(meta.value()?.parse::<syn::LitStr>()?.value()),
            // bucket = "<bucket>"
            "bucket" => args.bucket = Some(meta.value()?.parse::<syn::LitStr>()?.value()),
            // batch
            "batch" => args.batch = true,
            // trigger
            "trigger" => args.trigger = true,
            _ => return Err(meta.error(format!("unknown key `{key}`"))),
        }
        Ok(())
    });
    parser.parse2(tokens).map_err(|err| err.to_string())?;
    args.op = op.ok_or_else(|| "missing `op = \"<operation>\"`".to_owned())?;
    Ok(args)
}

/// Reads a file that declares modules but never mentions `requires_imm`: its `mod` items and
/// the `#[cfg]`/`#[path]` attributes on them, from the top-level items that contain `mod`.
/// The usual declarations are read by hand ([`decl`]); a file with any other shape is
/// tokenized ([`light_by_tokens`]), and a file that cannot be split into items is tokenized
/// whole, so lexical errors are reported where they are.
fn light(text: &str) -> Result<Summary, ParseFailure> {
    if let Some(chunks) = skim::chunks(text) {
        if let Some(summary) = light_by_hand(text, &chunks) {
            return Ok(summary);
        }
        if let Some(summary) = light_by_tokens(text, &chunks) {
            return Ok(summary);
        }
    }
    let tokens = TokenStream::from_str(text).map_err(|err| {
        let (line, column) = position(err.span());
        ParseFailure {
            line,
            column,
            message: err.to_string(),
        }
    })?;
    Ok(light_summary(tokens))
}

/// The summary of a module-declaring file from the tokens of its items.
fn light_summary(tokens: TokenStream) -> Summary {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let (cfg, items) = light_items(&trees);
    Summary {
        kind: Kind::Light,
        cfg,
        items,
    }
}

/// The summary of a module-declaring file whose declaring items all have the usual shape,
/// read without tokens; `None` when one does not.
fn light_by_hand(text: &str, chunks: &[skim::Chunk]) -> Option<Summary> {
    let mut cfg = Vec::new();
    let mut items = Vec::new();
    let mut lines = Lines::default();
    for chunk in chunks.iter().filter(|c| c.modules) {
        match decl::read(text.get(chunk.start..chunk.end)?)? {
            decl::Piece::Inner(preds) => cfg.extend(preds),
            decl::Piece::Declaration {
                offset,
                name,
                cfg,
                paths,
            } => {
                let (line, column) = lines.position(text, chunk.start + offset);
                items.push(Node::Mod(ModDecl {
                    name,
                    line,
                    column,
                    cfg,
                    paths,
                    body: None,
                }));
            }
        }
    }
    Some(Summary {
        kind: Kind::Light,
        cfg,
        items,
    })
}

/// The summary of a module-declaring file from the tokens of its declaring items (the rest
/// blanked out, see [`masked`]); `None` when they do not tokenize.
fn light_by_tokens(text: &str, chunks: &[skim::Chunk]) -> Option<Summary> {
    let pieces = masked(text, chunks.iter().filter(|c| c.modules));
    TokenStream::from_str(&pieces).ok().map(light_summary)
}

/// Counts lines incrementally through a file (offsets must not decrease).
#[derive(Default)]
struct Lines {
    /// Byte offset counted up to, the newlines before it and where the last line starts.
    offset: usize,
    newlines: usize,
    line_start: usize,
}

impl Lines {
    /// The 1-based line and column (in characters) of byte `at`.
    fn position(&mut self, text: &str, at: usize) -> (usize, usize) {
        if let Some(mut rest) = text.as_bytes().get(self.offset..at) {
            while skip_past(&mut rest, b'\n') {
                self.newlines += 1;
                self.line_start = at - rest.len();
            }
        }
        self.offset = at;
        let column = text
            .get(self.line_start..at)
            .map_or(0, |s| s.chars().count());
        (self.newlines + 1, column + 1)
    }
}

/// The inner cfgs and the module declarations of a module body given as tokens.
fn light_items(trees: &[TokenTree]) -> (Vec<Pred>, Vec<Node>) {
    let mut inner = Attrs::default();
    let mut outer = Attrs::default();
    let mut items = Vec::new();
    let mut rest = trees;
    while let Some((first, tail)) = rest.split_first() {
        rest = tail;
        match first {
            TokenTree::Punct(pound) if pound.as_char() == '#' => {
                let (target, tail) = match rest {
                    [TokenTree::Punct(bang), tail @ ..] if bang.as_char() == '!' => {
                        (&mut inner, tail)
                    }
                    tail => (&mut outer, tail),
                };
                if let [TokenTree::Group(group), tail @ ..] = tail
                    && group.delimiter() == Delimiter::Bracket
                {
                    let attr: Vec<TokenTree> = group.stream().into_iter().collect();
                    target.raw_attr(&attr, &[]);
                    rest = tail;
                }
            }
            TokenTree::Ident(keyword) if keyword == "mod" => {
                let (name, tail) = match rest {
                    [TokenTree::Ident(name), tail @ ..] => (unraw(name), tail),
                    _ => continue,
                };
                let (line, column) = position(keyword.span());
                let attrs = std::mem::take(&mut outer);
                let mut cfg = attrs.cfg;
                let body = match tail {
                    [TokenTree::Group(group), tail @ ..]
                        if group.delimiter() == Delimiter::Brace =>
                    {
                        rest = tail;
                        let body: Vec<TokenTree> = group.stream().into_iter().collect();
                        let (inner_cfg, nodes) = light_items(&body);
                        cfg.extend(inner_cfg);
                        Some(nodes)
                    }
                    [_, tail @ ..] => {
                        rest = tail;
                        None
                    }
                    [] => None,
                };
                items.push(Node::Mod(ModDecl {
                    name,
                    line,
                    column,
                    cfg,
                    paths: attrs.paths,
                    body,
                }));
            }
            // The end of an item: attributes seen so far belonged to it.
            TokenTree::Punct(semi) if semi.as_char() == ';' => outer = Attrs::default(),
            TokenTree::Group(group) if group.delimiter() == Delimiter::Brace => {
                outer = Attrs::default();
            }
            _ => {}
        }
    }
    (inner.cfg, items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_stop_past_each_byte_found() {
        let positions = |bytes: &[u8], byte: u8| {
            let mut rest = bytes;
            let mut found = Vec::new();
            while skip_past(&mut rest, byte) {
                found.push(bytes.len() - rest.len() - 1);
            }
            assert!(rest.is_empty());
            found
        };
        assert_eq!(positions(b"#a;#", b'#'), [0, 3]);
        assert_eq!(positions(b"#a;#", b';'), [2]);
        assert_eq!(positions(b"##", b'#'), [0, 1]);
        assert!(positions(b"#a;#", b'q').is_empty());
        assert!(positions(b"", b'q').is_empty());
    }

    #[test]
    fn the_prefilter_sorts_files_by_the_work_they_need() {
        for (text, leaf, expected) in [
            ("fn f() {}\n", false, Kind::Read),
            ("#[cfg(test)]\nmod tests {\n}\n", false, Kind::Read),
            ("let model = 1; // mod x;", false, Kind::Light),
            ("mod a;", false, Kind::Light),
            ("pub mod media;", false, Kind::Light),
            ("mod /* c */ r#type /* d */ ;", false, Kind::Light),
            ("mod\n    media\n;", false, Kind::Light),
            ("fn mod_x() {} mode;", false, Kind::Read),
            ("let x = commod y;", false, Kind::Read),
            ("let x = mod;", false, Kind::Read),
            (
                "#[immperm::requires_imm(op = \"x\")] fn f() {}",
                false,
                Kind::Full,
            ),
            ("// requires_imm", false, Kind::Read),
            ("use immperm::requires_imm;", false, Kind::Read),
            (
                "# [ :: immperm :: requires_imm ( op = \"x\")]",
                false,
                Kind::Full,
            ),
            (
                "#[cfg_attr(unix, requires_imm(op = \"x\"))]",
                true,
                Kind::Full,
            ),
            ("#[cfg_attr(unix, derive(Debug))] mod a;", true, Kind::Light),
            ("let q = requires_im; req", false, Kind::Read),
            // A leaf declares file modules only through `#[path]`.
            ("mod a;", true, Kind::Read),
            ("#[derive(Debug)] struct S; mod a;", true, Kind::Read),
            ("# [ path = \"x.rs\"]\nmod a;", true, Kind::Light),
            (
                "#[cfg_attr(unix, path = \"x.rs\")] mod a;",
                true,
                Kind::Light,
            ),
            ("#! [path = \"x.rs\"] mod a;", true, Kind::Light),
            ("#[path = \"x.rs\"] struct S;", true, Kind::Read),
            // The compact shapes (`#[name(`, `#[name]`, `#[name=`) are read by the short path.
            ("#[path=\"x.rs\"]\nmod a;", true, Kind::Light),
            ("#[requires_imm(op=\"x\")] fn f() {}", true, Kind::Full),
            ("#[requires_imm] fn f() {}", true, Kind::Full),
            ("#[cfg_attr(unix,path=\"x.rs\")] mod a;", true, Kind::Light),
            ("#[requires_imm_not(x)] fn f() {}", true, Kind::Read),
            ("#[pathx(x)] mod a;", true, Kind::Read),
            ("#[Path(x)] mod a;", true, Kind::Read),
            ("#[path2(x)] mod a;", true, Kind::Read),
            ("#[requires_imm(op = \"x\")] fn f() {}", true, Kind::Full),
            // The commonest attributes are passed over by their first bytes; anything else
            // that starts the same way is still read.
            (
                "#[derive(Debug)]\n#[cfg(unix)]\n#[test]\n#[allow(x)]",
                true,
                Kind::Read,
            ),
            (
                "#[inline]\n#[inline(always)]\n#[doc = \"requires_imm\"]",
                true,
                Kind::Read,
            ),
            ("#[doc(hidden)]\n#[doc=\"x\"] mod a;", true, Kind::Read),
            ("#[derive::requires_imm] fn f() {}", true, Kind::Full),
            ("#[test::requires_imm] fn f() {}", true, Kind::Full),
            ("#[inline::requires_imm] fn f() {}", true, Kind::Full),
            ("#[doc :: requires_imm] fn f() {}", true, Kind::Full),
            (
                "#[cfg_attr(unix, path = \"x.rs\")]\n#[cfg(unix)] mod a;",
                true,
                Kind::Light,
            ),
            (
                "#[testing(requires_imm)] #[requires_imm] fn f() {}",
                true,
                Kind::Full,
            ),
        ] {
            assert_eq!(
                kind_of(text.as_bytes(), leaf),
                expected,
                "{text:?}, leaf: {leaf}"
            );
        }
    }

    #[test]
    fn arguments_follow_the_attribute_grammar() {
        let args = parse_args(quote_str(
            r#"op = "video/snapshots", async, saveas = "out/thumbs/", notify = "jobs", bucket = "media-in", batch, trigger"#,
        ))
        .unwrap();
        assert_eq!(
            args,
            Args {
                op: "video/snapshots".to_owned(),
                is_async: true,
                saveas: Some(Some("out/thumbs/".to_owned())),
                notify: Some("jobs".to_owned()),
                bucket: Some("media-in".to_owned()),
                batch: true,
                trigger: true,
            }
        );
        let bare = parse_args(quote_str(r#"op = "doc/convert", async, saveas"#)).unwrap();
        assert_eq!(bare.saveas, Some(None));
        assert_eq!(
            parse_args(quote_str("op = OPERATION")).unwrap_err(),
            "the operation `OPERATION` is not a string literal"
        );
        assert_eq!(
            parse_args(quote_str(r#"op = "a", op = "b""#)).unwrap_err(),
            "duplicate `op`"
        );
        assert_eq!(
            parse_args(quote_str("async")).unwrap_err(),
            "missing `op = \"<operation>\"`"
        );
        assert_eq!(
            parse_args(quote_str(r#"op = "a", sync"#)).unwrap_err(),
            "unknown key `sync`"
        );
    }

    #[test]
    fn reading_item_by_item_matches_reading_the_whole_file() {
        let text = r#"#![cfg(unix)]
//! A module.
use immperm::requires_imm;

#[cfg(feature = "x")]
pub mod media;
mod inline {
    #![cfg(not(windows))]
    #[cfg_attr(unix, path = "p.rs")]
    mod deep;
    #[requires_imm(op = "doc/preview")]
    pub fn preview() {}
}

/// Thumbnails.
#[derive(Debug)]
pub struct Thumbs<T>(T);

impl<T: Clone> Thumbs<T> where T: Send {
    #[cfg(unix)]
    #[requires_imm(op = "video/snapshots", async, saveas = "out/t/")]
    pub async fn make(&self) {
        #[immperm::requires_imm(op = "video/info")]
        fn nested() {}
    }
}

const LIMIT: usize = 3;
fn plain() -> usize { LIMIT }

pub trait Probe {
    #[cfg_attr(feature = "y", requires_imm(op = "image/faces"))]
    fn faces(&self);
}
"#;
        let chunks = skim::chunks(text).unwrap();
        let pieces = masked(text, chunks.iter().filter(|c| c.annotated || c.modules));
        assert!(!pieces.contains("fn plain"), "{pieces}");
        let by_item = summarize_file(&syn::parse_file(&pieces).unwrap());
        let whole = whole(text).unwrap();
        assert_eq!(by_item, whole);
        // The bodyless trait method's annotation is not a requirement.
        assert_eq!(by_item.items.len(), 4, "{by_item:#?}");
        assert_eq!(by_item.cfg, [Pred::Name("unix".to_owned())]);
    }

    #[test]
    fn a_piece_that_does_not_parse_falls_back_to_the_whole_file() {
        // The brace in the return type cuts the item short.
        let text = "#[requires_imm(op = \"video/info\")]\nfn f() -> Array<{ N }> { todo!() }\n";
        let chunks = skim::chunks(text).unwrap();
        let pieces = masked(text, chunks.iter().filter(|c| c.annotated));
        assert!(syn::parse_file(&pieces).is_err());
        let summary = full(text).unwrap();
        assert!(
            matches!(&summary.items[..], [Node::Annotation(a)] if a.function == "f" && a.line == 1)
        );
    }

    /// Both readings of a module-declaring file; the hand reading is `None` when it leaves
    /// the file to the token scan.
    fn both_readings(text: &str) -> (Option<Summary>, Summary) {
        let chunks = skim::chunks(text).unwrap();
        (
            light_by_hand(text, &chunks),
            light_by_tokens(text, &chunks).unwrap(),
        )
    }

    #[test]
    fn declarations_read_by_hand_read_as_their_tokens() {
        let attributes = [
            "",
            "#[cfg(unix)]\n",
            "#[cfg(any(unix, windows,))] ",
            "# [ cfg ( all ( not ( feature = \"a]b\" ) , true , target_os=\"linux\") ) ]\n",
            "#[path = \"x/y.rs\"]\n#[cfg(false)]\n",
            "#[allow(dead_code)]\n#[cfg(any())]\n",
            "/// Docs.\n#[doc = \"more (docs]\"]\n",
            "#[rustfmt::skip]\n// c\n/* c /* d */ */\n",
        ];
        let visibilities = ["", "pub ", "pub(crate) ", "pub(in crate::x) "];
        let names = ["a", "r#type", "é"];
        let mut count = 0;
        for attrs in attributes {
            for vis in visibilities {
                for name in names {
                    let text = format!(
                        "//! Docs.\n#![cfg(unix)]\n#![allow(dead_code)]\nuse std::fmt;\n\n{attrs}{vis}mod {name};\n  {attrs}{vis}mod /* c */ {name}2 // c\n  ;\nfn f() {{}}\n"
                    );
                    let (by_hand, by_tokens) = both_readings(&text);
                    assert_eq!(by_hand.as_ref(), Some(&by_tokens), "{text}");
                    assert_eq!(by_tokens.items.len(), 2, "{text}");
                    count += 1;
                }
            }
        }
        assert_eq!(count, 96);
    }

    #[test]
    fn any_reading_by_hand_agrees_with_the_tokens() {
        // Random declarations, well-formed or not, among other items: whenever the hand
        // reader accepts a file, its reading must be the token scan's.
        const ATTRIBUTES: [&str; 12] = [
            "#[cfg(unix)]",
            "#[cfg(any(a, b,))]",
            "#[cfg(not(feature = \"x\"))]",
            "#[path = \"p.rs\"]",
            "#[doc = \"]\"]",
            "#[cfg(all())]",
            "#![cfg(b)]",
            "#[cfg_attr(a, path = \"q.rs\")]",
            "# [ cfg ( true ) ]",
            "#[cfg(not(a, b))]",
            "#[allow(x)]",
            "#[cfg = \"x\"]",
        ];
        const TRIVIA: [&str; 6] = ["", " ", "\n", "/* c */", "// c\n", "/// d\n"];
        const VISIBILITY: [&str; 5] = ["", "pub ", "pub(crate) ", "pub(in a::b) ", "unsafe "];
        const NAMES: [&str; 4] = ["m", "r#type", "x1", "é"];
        const ENDS: [&str; 5] = [";", " ;", "{}", "{ mod n; }", ""];
        const OTHERS: [&str; 6] = ["fn f() {}", "struct S;", "use a::b;", "\"s\";", "'c'", "}"];
        let mut next = crate::scan::random(0x2545_f491_4f6c_dd1d_u64);
        let mut accepted = 0;
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..next(4) {
                if next(4) == 0 {
                    text.push_str(OTHERS[next(OTHERS.len())]);
                    continue;
                }
                for _ in 0..next(3) {
                    text.push_str(ATTRIBUTES[next(ATTRIBUTES.len())]);
                    text.push_str(TRIVIA[next(TRIVIA.len())]);
                }
                text.push_str(VISIBILITY[next(VISIBILITY.len())]);
                text.push_str("mod");
                text.push_str([" ", "\n", "/**/"][next(3)]);
                text.push_str(NAMES[next(NAMES.len())]);
                text.push_str(TRIVIA[next(TRIVIA.len())]);
                text.push_str(ENDS[next(ENDS.len())]);
                text.push_str(TRIVIA[next(TRIVIA.len())]);
            }
            let Some(chunks) = skim::chunks(&text) else {
                continue;
            };
            let Some(by_hand) = light_by_hand(&text, &chunks) else {
                continue;
            };
            if let Some(by_tokens) = light_by_tokens(&text, &chunks) {
                assert_eq!(by_hand, by_tokens, "{text:?}");
                accepted += usize::from(!by_hand.items.is_empty());
            }
        }
        assert!(accepted > 100, "only {accepted} declarations read by hand");
    }

    #[test]
    fn other_declarations_are_read_from_their_tokens() {
        for text in [
            "#[cfg_attr(unix, path = \"x.rs\")]\nmod a;\n",
            "#[cfg(not(a, b))] mod a;",
            "#[path = r\"x.rs\"] mod a;",
            "mod a { #![cfg(unix)] mod b; }",
            "#![cfg_attr(unix, cfg(feature = \"x\"))]\nmod a;",
        ] {
            let (by_hand, by_tokens) = both_readings(text);
            assert_eq!(by_hand, None, "{text}");
            assert_eq!(light(text).unwrap(), by_tokens, "{text}");
            assert!(!by_tokens.items.is_empty(), "{text}");
        }
    }

    #[test]
    fn declarations_keep_their_lines_and_columns() {
        let text =
            "//! Docs.\n\npub mod é;\n#[cfg(unix)]\n  mod b;\nmod c { mod d; }\n   mod r#e;\n";
        let summary = light(text).unwrap();
        let names: Vec<(String, usize, usize, usize)> = summary
            .items
            .iter()
            .map(|node| match node {
                Node::Mod(m) => (m.name.clone(), m.line, m.column, m.cfg.len()),
                Node::Annotation(_) => unreachable!(),
            })
            .collect();
        assert_eq!(
            names,
            [
                ("é".to_owned(), 3, 5, 0),
                ("b".to_owned(), 5, 3, 1),
                ("c".to_owned(), 6, 1, 0),
                ("e".to_owned(), 7, 4, 0),
            ]
        );
    }

    fn quote_str(text: &str) -> TokenStream {
        TokenStream::from_str(text).unwrap()
    }
}
