//! The per-file cache: each file's [`Summary`] keyed by its path, modification time and
//! length, stored as one file in the cache directory (the build script's `OUT_DIR`).
//!
//! One line per source file, in path order: `path`, `secs`, `nanos`, `len`, the leaf flag
//! (`1` for a `name.rs` without a `name/` directory, see the walk), then the summary as a
//! prefix encoding (kind, cfg list, item list), all fields separated by tabs, strings
//! escaped. The scan threads make the lines of the files they read ([`line`]); storing joins
//! them. Loading only finds each line's path: a line is decoded when its file is looked up,
//! and its summary only when the file is unchanged. Build scripts run unoptimised, so the
//! format is one the standard library's optimised byte search splits, with no
//! general-purpose parser in the way.

use std::fmt::Write as _;
use std::fs;
use std::ops::Range;
use std::path::Path;
use std::time::UNIX_EPOCH;

use super::cfg::Pred;
use super::summary::{Annotation, Args, Kind, ModDecl, Node, Summary};

/// The cache file's name in the cache directory.
const FILE_NAME: &str = "immperm-scan-cache.tsv";
/// The first line; changes whenever the format or the scanner's reading of sources changes.
const FORMAT: &str = concat!("immperm-scan/", env!("CARGO_PKG_VERSION"), "/2");

/// What identifies a file's content without reading it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stamp {
    secs: u64,
    nanos: u32,
    len: u64,
}

impl Stamp {
    pub(crate) fn of(metadata: &fs::Metadata) -> Option<Self> {
        let modified = metadata.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
        Some(Self {
            secs: modified.as_secs(),
            nanos: modified.subsec_nanos(),
            len: metadata.len(),
        })
    }
}

/// A file's line in the cache, as looked up.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Entry<'a> {
    pub(crate) stamp: Stamp,
    /// Whether the file was read as a leaf (see the walk), which changes its summary.
    pub(crate) leaf: bool,
    /// The summary's fields, decoded by [`Entry::summary`].
    summary: &'a str,
    /// The whole line (without its newline), written back as is when the file is unchanged.
    pub(crate) line: &'a str,
}

impl Entry<'_> {
    /// The file's summary; `None` when the line is malformed.
    pub(crate) fn summary(&self) -> Option<Summary> {
        if self.is_read() {
            return Some(Summary::read());
        }
        let mut fields = Fields(self.summary.split('\t'));
        let summary = decode_summary(&mut fields)?;
        fields.0.next().is_none().then_some(summary)
    }

    /// Whether the file was only read (what [`Summary::read`] encodes to).
    pub(crate) fn is_read(&self) -> bool {
        self.summary == READ
    }
}

/// The fields of [`Summary::read`].
const READ: &str = "R\t0\t0";

#[derive(Debug, Default)]
pub(crate) struct Cache {
    /// The cache file as loaded.
    text: String,
    /// Its lines, sorted by path (UTF-8 paths only; others are not cached).
    lines: Vec<Indexed>,
}

/// Where a line of the cache file is.
#[derive(Debug)]
struct Indexed {
    path: Key,
    /// The line, without its newline, and where its fields after the path start.
    line: Range<usize>,
    fields: usize,
}

/// A line's path: where the file holds it as is, or unescaped.
#[derive(Debug)]
enum Key {
    At(Range<usize>),
    Unescaped(String),
}

impl Cache {
    /// The cache in `dir`; empty when it is missing or of another format. Lines whose path
    /// field is malformed are dropped (their files are read again); the rest of a line is
    /// checked when it is looked up.
    pub(crate) fn load(dir: &Path) -> Self {
        let Ok(text) = fs::read_to_string(dir.join(FILE_NAME)) else {
            return Self::default();
        };
        let Some(body) = text
            .strip_prefix(FORMAT)
            .and_then(|rest| rest.strip_prefix('\n'))
        else {
            return Self::default();
        };
        let mut lines = Vec::new();
        let mut at = text.len() - body.len();
        for line in body.split_inclusive('\n') {
            let start = at;
            at += line.len();
            // A last line without its newline was cut short.
            let Some(line) = line.strip_suffix('\n') else {
                continue;
            };
            let Some((path, _)) = line.split_once('\t') else {
                continue;
            };
            let path_end = start + path.len();
            let key = if path.contains('\\') {
                match unescape(path) {
                    Some(path) => Key::Unescaped(path),
                    None => continue,
                }
            } else {
                Key::At(start..path_end)
            };
            lines.push(Indexed {
                path: key,
                line: start..start + line.len(),
                fields: path_end + 1,
            });
        }
        let mut cache = Self {
            text,
            lines: Vec::new(),
        };
        // Written in path order: the stable sort checks that in one pass (and sorts a file
        // that is not).
        lines.sort_by(|a, b| cache.key(a).cmp(cache.key(b)));
        cache.lines = lines;
        cache
    }

    fn key<'a>(&'a self, line: &'a Indexed) -> &'a str {
        match &line.path {
            Key::At(range) => self.text.get(range.clone()).unwrap_or_default(),
            Key::Unescaped(path) => path,
        }
    }

    /// The summary of `path` when the cache holds it for this stamp.
    #[cfg(test)]
    fn get(&self, path: &str, stamp: Stamp) -> Option<Summary> {
        self.entry(path, &mut 0)
            .filter(|entry| entry.stamp == stamp)
            .and_then(|entry| entry.summary())
    }

    #[cfg(test)]
    fn entry_at(&self, path: &str) -> Option<Entry<'_>> {
        self.entry(path, &mut 0)
    }

    /// The lines, in path order.
    #[cfg(test)]
    fn lines(&self) -> impl Iterator<Item = &str> {
        self.lines
            .iter()
            .filter_map(|line| self.text.get(line.line.clone()))
    }

    /// How many lines the cache has.
    pub(crate) fn len(&self) -> usize {
        self.lines.len()
    }

    /// The line of `path`; `None` when there is none or its stamp and flag are malformed.
    /// `near` is where the next line is expected, updated: files looked up in path order
    /// (the leaves of a directory) find their line there, without a search.
    pub(crate) fn entry(&self, path: &str, near: &mut usize) -> Option<Entry<'_>> {
        let expected = self
            .lines
            .get(*near)
            .filter(|line| self.key(line) == path)
            .map(|_| *near);
        let found = match expected {
            Some(found) => found,
            None => self
                .lines
                .binary_search_by(|line| self.key(line).cmp(path))
                .ok()?,
        };
        *near = found + 1;
        let indexed = self.lines.get(found)?;
        let line = self.text.get(indexed.line.clone())?;
        let mut fields = self.text.get(indexed.fields..indexed.line.end)?.as_bytes();
        let stamp = Stamp {
            secs: number(&mut fields)?,
            nanos: u32::try_from(number(&mut fields)?).ok()?,
            len: number(&mut fields)?,
        };
        let leaf = match fields {
            [b'0', b'\t', ..] => false,
            [b'1', b'\t', ..] => true,
            _ => return None,
        };
        Some(Entry {
            stamp,
            leaf,
            // After the flag and its tab: ASCII, so a character boundary.
            summary: line.get(line.len() - fields.len() + 2..)?,
            line,
        })
    }

    /// Writes the cache made of `lines` (each ending with a newline, sorted by path for a
    /// stable file) in `dir`, atomically (a temporary file renamed). The lines are what
    /// [`line`] made, or those of loaded entries.
    pub(crate) fn store(dir: &Path, lines: &str) -> std::io::Result<()> {
        let mut out = String::with_capacity(FORMAT.len() + 1 + lines.len());
        out.push_str(FORMAT);
        out.push('\n');
        out.push_str(lines);
        fs::create_dir_all(dir)?;
        let temporary = dir.join(format!("{FILE_NAME}.{}.tmp", std::process::id()));
        fs::write(&temporary, out)?;
        fs::rename(&temporary, dir.join(FILE_NAME))
    }
}

/// The cache line (without its newline) of `path` read with `stamp` into `summary`;
/// `None` for a path with a tab or newline, which is not cached. Made by the scan threads
/// as they read, so that writing the cache is joining lines.
pub(crate) fn line(path: &str, stamp: Stamp, leaf: bool, summary: &Summary) -> Option<String> {
    // Two byte searches rather than one search for either character: at opt-level 0 that
    // one is a call per character, these are the standard library's optimised search.
    let bytes = path.as_bytes();
    if bytes.contains(&b'\t') || bytes.contains(&b'\n') {
        return None;
    }
    let Stamp { secs, nanos, len } = stamp;
    let mut out = String::with_capacity(path.len() + 48);
    if bytes.contains(&b'\\') {
        push_escaped(&mut out, path);
    } else {
        out.push_str(path);
    }
    let _ = write!(out, "\t{secs}\t{nanos}\t{len}\t{}", u8::from(leaf));
    encode_summary(&mut out, summary);
    Some(out)
}

/// Appends `\t` and `name`, an identifier (which has nothing to escape).
fn push_identifier(out: &mut String, name: &str) {
    out.push('\t');
    out.push_str(name);
}

/// Appends `\t` and `text` escaped.
fn push_field(out: &mut String, text: &str) {
    out.push('\t');
    push_escaped(out, text);
}

/// Appends `text` escaped (`\\`, `\t`, `\n`).
fn push_escaped(out: &mut String, text: &str) {
    // Three byte searches rather than one search for any of three characters: at opt-level 0
    // that one is a call per character, these are the standard library's optimised search.
    let bytes = text.as_bytes();
    if bytes.contains(&b'\\') || bytes.contains(&b'\t') || bytes.contains(&b'\n') {
        for c in text.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\t' => out.push_str("\\t"),
                '\n' => out.push_str("\\n"),
                c => out.push(c),
            }
        }
    } else {
        out.push_str(text);
    }
}

/// The decimal number at the start of `fields` and the tab after it, which are consumed;
/// `None` when there is none, or it has more than 19 digits (which no stamp has, and which
/// could overflow). By hand, without checked arithmetic: the digits of a stamp, read for
/// every file a re-run looks up, then cost a few operations each at opt-level 0.
fn number(fields: &mut &[u8]) -> Option<u64> {
    let mut value: u64 = 0;
    let mut digits = 0;
    let mut rest = *fields;
    while let [digit @ b'0'..=b'9', tail @ ..] = rest {
        if digits == 19 {
            return None;
        }
        // At most 19 digits: below 10^19, which a `u64` holds.
        value = value * 10 + u64::from(*digit - b'0');
        digits += 1;
        rest = tail;
    }
    match rest {
        [b'\t', tail @ ..] if digits > 0 => {
            *fields = tail;
            Some(value)
        }
        _ => None,
    }
}

/// What [`push_escaped`] escaped; `None` for an unknown escape.
fn unescape(raw: &str) -> Option<String> {
    if !raw.contains('\\') {
        return Some(raw.to_owned());
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        out.push(match c {
            '\\' => match chars.next()? {
                't' => '\t',
                'n' => '\n',
                '\\' => '\\',
                _ => return None,
            },
            c => c,
        });
    }
    Some(out)
}

fn push_number(out: &mut String, number: usize) {
    // Digits need no escaping. Numbers below 100 (counts, columns, the lines of most
    // declaring files) without the formatting machinery: a third of its cost at opt-level 0.
    match (u8::try_from(number / 10), u8::try_from(number % 10)) {
        (Ok(0), Ok(unit)) => {
            out.push('\t');
            out.push(char::from(b'0' + unit));
        }
        (Ok(tens @ 1..=9), Ok(unit)) => {
            out.push('\t');
            out.push(char::from(b'0' + tens));
            out.push(char::from(b'0' + unit));
        }
        _ => {
            let _ = write!(out, "\t{number}");
        }
    }
}

fn encode_summary(out: &mut String, summary: &Summary) {
    // Most files: only read, no cfg, no items (what the general path below writes too).
    if summary.kind == Kind::Read && summary.cfg.is_empty() && summary.items.is_empty() {
        out.push_str("\tR\t0\t0");
        return;
    }
    push_field(
        out,
        match summary.kind {
            Kind::Read => "R",
            Kind::Light => "L",
            Kind::Full => "F",
        },
    );
    encode_preds(out, &summary.cfg);
    encode_nodes(out, &summary.items);
}

fn encode_preds(out: &mut String, preds: &[Pred]) {
    push_number(out, preds.len());
    for pred in preds {
        encode_pred(out, pred);
    }
}

fn encode_pred(out: &mut String, pred: &Pred) {
    match pred {
        Pred::Literal(true) => out.push_str("\tT"),
        Pred::Literal(false) => out.push_str("\tF"),
        Pred::Name(name) => {
            out.push_str("\tn");
            push_field(out, name);
        }
        Pred::Value(key, value) => {
            out.push_str("\tv");
            push_field(out, key);
            push_field(out, value);
        }
        Pred::All(all) => {
            out.push_str("\ta");
            encode_preds(out, all);
        }
        Pred::Any(any) => {
            out.push_str("\ty");
            encode_preds(out, any);
        }
        Pred::Not(inner) => {
            out.push_str("\t!");
            encode_pred(out, inner);
        }
        Pred::Invalid(text) => {
            out.push_str("\t?");
            push_field(out, text);
        }
    }
}

fn encode_option(out: &mut String, value: Option<&str>) {
    match value {
        None => out.push_str("\t-"),
        Some(value) => {
            out.push_str("\t=");
            push_field(out, value);
        }
    }
}

fn encode_nodes(out: &mut String, nodes: &[Node]) {
    push_number(out, nodes.len());
    for node in nodes {
        match node {
            Node::Mod(decl) => {
                out.push_str("\tm");
                push_identifier(out, &decl.name);
                push_number(out, decl.line);
                push_number(out, decl.column);
                encode_preds(out, &decl.cfg);
                push_number(out, decl.paths.len());
                for (when, path) in &decl.paths {
                    encode_preds(out, when);
                    push_field(out, path);
                }
                match &decl.body {
                    None => out.push_str("\t-"),
                    Some(body) => {
                        out.push_str("\t+");
                        encode_nodes(out, body);
                    }
                }
            }
            Node::Annotation(annotation) => {
                out.push_str("\t@");
                push_number(out, annotation.line);
                push_number(out, annotation.column);
                push_identifier(out, &annotation.function);
                encode_preds(out, &annotation.cfg);
                match &annotation.args {
                    Err(reason) => {
                        out.push_str("\tE");
                        push_field(out, reason);
                    }
                    Ok(args) => {
                        out.push_str("\tA");
                        push_field(out, &args.op);
                        push_number(out, usize::from(args.is_async));
                        match &args.saveas {
                            None => out.push_str("\t-"),
                            Some(None) => out.push_str("\t."),
                            Some(Some(target)) => {
                                out.push_str("\t=");
                                push_field(out, target);
                            }
                        }
                        encode_option(out, args.notify.as_deref());
                        encode_option(out, args.bucket.as_deref());
                        push_number(out, usize::from(args.batch));
                        push_number(out, usize::from(args.trigger));
                    }
                }
            }
        }
    }
}

/// The fields of a line; every decoder returns `None` on a malformed line.
struct Fields<'a>(std::str::Split<'a, char>);

impl Fields<'_> {
    fn raw(&mut self) -> Option<&str> {
        self.0.next()
    }

    fn string(&mut self) -> Option<String> {
        unescape(self.raw()?)
    }

    fn number<T: std::str::FromStr>(&mut self) -> Option<T> {
        self.raw()?.parse().ok()
    }

    fn flag(&mut self) -> Option<bool> {
        match self.raw()? {
            "0" => Some(false),
            "1" => Some(true),
            _ => None,
        }
    }

    #[expect(
        clippy::option_option,
        reason = "the outer `None` is a malformed line, the inner one an absent value"
    )]
    fn option(&mut self) -> Option<Option<String>> {
        match self.raw()? {
            "-" => Some(None),
            "=" => Some(Some(self.string()?)),
            _ => None,
        }
    }
}

fn decode_summary(fields: &mut Fields<'_>) -> Option<Summary> {
    let kind = match fields.raw()? {
        "R" => Kind::Read,
        "L" => Kind::Light,
        "F" => Kind::Full,
        _ => return None,
    };
    let cfg = decode_preds(fields)?;
    let items = decode_nodes(fields)?;
    Some(Summary { kind, cfg, items })
}

fn decode_preds(fields: &mut Fields<'_>) -> Option<Vec<Pred>> {
    let count: usize = fields.number()?;
    (0..count).map(|_| decode_pred(fields)).collect()
}

fn decode_pred(fields: &mut Fields<'_>) -> Option<Pred> {
    Some(match fields.raw()? {
        "T" => Pred::Literal(true),
        "F" => Pred::Literal(false),
        "n" => Pred::Name(fields.string()?),
        "v" => Pred::Value(fields.string()?, fields.string()?),
        "a" => Pred::All(decode_preds(fields)?),
        "y" => Pred::Any(decode_preds(fields)?),
        "!" => Pred::Not(Box::new(decode_pred(fields)?)),
        "?" => Pred::Invalid(fields.string()?),
        _ => return None,
    })
}

fn decode_nodes(fields: &mut Fields<'_>) -> Option<Vec<Node>> {
    let count: usize = fields.number()?;
    let mut nodes = Vec::with_capacity(count.min(1024));
    for _ in 0..count {
        nodes.push(match fields.raw()? {
            "m" => {
                let name = fields.string()?;
                let line = fields.number()?;
                let column = fields.number()?;
                let cfg = decode_preds(fields)?;
                let count: usize = fields.number()?;
                let paths = (0..count)
                    .map(|_| Some((decode_preds(fields)?, fields.string()?)))
                    .collect::<Option<Vec<_>>>()?;
                let body = match fields.raw()? {
                    "-" => None,
                    "+" => Some(decode_nodes(fields)?),
                    _ => return None,
                };
                Node::Mod(ModDecl {
                    name,
                    line,
                    column,
                    cfg,
                    paths,
                    body,
                })
            }
            "@" => {
                let line = fields.number()?;
                let column = fields.number()?;
                let function = fields.string()?;
                let cfg = decode_preds(fields)?;
                let args = match fields.raw()? {
                    "E" => Err(fields.string()?),
                    "A" => Ok(Args {
                        op: fields.string()?,
                        is_async: fields.flag()?,
                        saveas: match fields.raw()? {
                            "-" => None,
                            "." => Some(None),
                            "=" => Some(Some(fields.string()?)),
                            _ => return None,
                        },
                        notify: fields.option()?,
                        bucket: fields.option()?,
                        batch: fields.flag()?,
                        trigger: fields.flag()?,
                    }),
                    _ => return None,
                };
                Node::Annotation(Annotation {
                    line,
                    column,
                    function,
                    cfg,
                    args,
                })
            }
            _ => return None,
        });
    }
    Some(nodes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_round_trip() {
        let summary = Summary {
            kind: Kind::Full,
            cfg: vec![Pred::Not(Box::new(Pred::Name("windows".to_owned())))],
            items: vec![
                Node::Mod(ModDecl {
                    name: "inline".to_owned(),
                    line: 3,
                    column: 1,
                    cfg: vec![Pred::All(vec![
                        Pred::Value("feature".to_owned(), "a\tb\\c\nd".to_owned()),
                        Pred::Any(vec![Pred::Literal(true), Pred::Literal(false)]),
                        Pred::Invalid("x y".to_owned()),
                    ])],
                    paths: vec![(vec![Pred::Name("unix".to_owned())], "dir/x.rs".to_owned())],
                    body: Some(vec![Node::Annotation(Annotation {
                        line: 5,
                        column: 5,
                        function: "Type::method".to_owned(),
                        cfg: Vec::new(),
                        args: Ok(Args {
                            op: "video/snapshots".to_owned(),
                            is_async: true,
                            saveas: Some(Some("out/t/".to_owned())),
                            notify: Some("jobs".to_owned()),
                            bucket: None,
                            batch: false,
                            trigger: true,
                        }),
                    })]),
                }),
                // Numbers of one, two and more digits.
                Node::Mod(ModDecl {
                    name: "file".to_owned(),
                    line: 99,
                    column: 100,
                    cfg: Vec::new(),
                    paths: Vec::new(),
                    body: None,
                }),
                Node::Annotation(Annotation {
                    line: 123_456,
                    column: 10,
                    function: "f".to_owned(),
                    cfg: Vec::new(),
                    args: Err("unknown key `x`".to_owned()),
                }),
            ],
        };
        let stamp = Stamp {
            secs: 1,
            nanos: 2,
            len: 3,
        };
        let lines = [
            line("/crate/src/lib.rs", stamp, false, &summary).unwrap(),
            line("/crate/src/other.rs", stamp, true, &Summary::read()).unwrap(),
        ];
        assert_eq!(
            line("/crate/src/a\tb.rs", stamp, true, &Summary::read()),
            None
        );
        let dir = std::env::temp_dir().join(format!("immperm-cache-{}", std::process::id()));
        Cache::store(&dir, &format!("{}\n{}\n", lines[0], lines[1])).unwrap();
        let loaded = Cache::load(&dir);
        // Loaded entries are written back unchanged.
        let written = std::fs::read(dir.join(FILE_NAME)).unwrap();
        let mut again = String::new();
        for line in loaded.lines() {
            again.push_str(line);
            again.push('\n');
        }
        Cache::store(&dir, &again).unwrap();
        assert_eq!(std::fs::read(dir.join(FILE_NAME)).unwrap(), written);
        let reloaded = Cache::load(&dir);
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(reloaded.len(), 2);
        assert_eq!(
            reloaded.get("/crate/src/lib.rs", stamp),
            Some(summary.clone())
        );
        assert_eq!(loaded.get("/crate/src/lib.rs", stamp), Some(summary));
        assert_eq!(
            reloaded.get("/crate/src/other.rs", stamp),
            Some(Summary::read())
        );
        assert!(
            loaded
                .entry_at("/crate/src/other.rs")
                .is_some_and(|e| e.leaf && e.is_read())
        );
        assert!(
            loaded
                .entry_at("/crate/src/lib.rs")
                .is_some_and(|e| !e.leaf && !e.is_read())
        );
        let later = Stamp { secs: 2, ..stamp };
        assert_eq!(loaded.get("/crate/src/lib.rs", later), None);
        assert!(loaded.entry_at("/crate/src/missing.rs").is_none());
    }

    /// Loading finds each line by its path whatever the order of the file, unescapes paths,
    /// and drops what it cannot read: a line without a path field, a last line cut short;
    /// a line whose stamp is malformed is found by nobody.
    #[test]
    fn lines_are_found_by_path() {
        let stamp = Stamp {
            secs: 1,
            nanos: 2,
            len: 3,
        };
        let read = |path: &str| line(path, stamp, true, &Summary::read()).unwrap();
        let escaped = read("/crate/src/back\\slash.rs");
        assert!(
            escaped.starts_with("/crate/src/back\\\\slash.rs\t"),
            "{escaped}"
        );
        let text = [
            read("/crate/src/z.rs"),
            escaped,
            read("/crate/src/a.rs"),
            "no-fields".to_owned(),
            "/crate/src/bad.rs\tx\t2\t3\t1\tR\t0\t0".to_owned(),
            "/crate/src/leaf.rs\t1\t2\t3\t7\tR\t0\t0".to_owned(),
            "/crate/src/big.rs\t18446744073709551616\t2\t3\t1\tR\t0\t0".to_owned(),
            "/crate/src/max.rs\t9999999999999999999\t2\t3\t1\tR\t0\t0".to_owned(),
            "/crate/src/nanos.rs\t1\t4294967296\t3\t1\tR\t0\t0".to_owned(),
            "/crate/src/empty.rs\t1\t\t3\t1\tR\t0\t0".to_owned(),
            read("/crate/src/m.rs"),
        ]
        .join("\n");
        let dir = std::env::temp_dir().join(format!("immperm-cache-order-{}", std::process::id()));
        // The last line has no newline: cut short, dropped.
        Cache::store(&dir, &text).unwrap();
        let loaded = Cache::load(&dir);
        std::fs::write(dir.join(FILE_NAME), format!("immperm-scan/0/0\n{text}\n")).unwrap();
        let other_format = Cache::load(&dir);
        let _ = std::fs::remove_dir_all(&dir);
        let found = [
            "/crate/src/a.rs",
            "/crate/src/back\\slash.rs",
            "/crate/src/z.rs",
        ];
        for path in found {
            assert_eq!(loaded.get(path, stamp), Some(Summary::read()), "{path}");
        }
        // Where the next line is expected is only a first guess: in order, in reverse and
        // after a miss, every line is found.
        for order in [
            found,
            [found[2], found[1], found[0]],
            [found[0], found[2], found[1]],
        ] {
            let mut near = 0;
            for path in order {
                let line = loaded.entry(path, &mut near).map(|entry| entry.line);
                assert!(
                    line.is_some_and(|line| line.starts_with(&path[..12])),
                    "{path}"
                );
                assert!(loaded.entry("/crate/src/m.rs", &mut near).is_none());
            }
        }
        for malformed in ["m", "bad", "leaf", "big", "nanos", "empty"] {
            let path = format!("/crate/src/{malformed}.rs");
            assert!(loaded.entry_at(&path).is_none(), "{path}");
        }
        let max = loaded
            .entry_at("/crate/src/max.rs")
            .map(|entry| entry.stamp);
        assert_eq!(max.map(|stamp| stamp.secs), Some(9_999_999_999_999_999_999));
        assert_eq!(loaded.len(), 9);
        assert_eq!(other_format.len(), 0);
    }

    /// Random paths (some with backslashes, some prefixes of others) in a file of any order,
    /// looked up in any order with one hint: each is found with its own stamp, and paths
    /// not in the file are not, as a `BTreeMap` of the same lines says.
    #[test]
    fn lookups_agree_with_a_map() {
        const SEGMENTS: [&str; 6] = ["src", "a", "a\\b", "mod", "l07", "é"];
        let mut next = crate::scan::random(0x9e37_79b9_7f4a_7c15_u64);
        for round in 0..20 {
            let mut oracle = std::collections::BTreeMap::new();
            let mut lines = Vec::new();
            for _ in 0..next(200) {
                let mut path = String::from("/crate");
                for _ in 0..=next(4) {
                    path.push('/');
                    path.push_str(SEGMENTS[next(SEGMENTS.len())]);
                }
                path.push_str(".rs");
                let stamp = Stamp {
                    secs: next(1_000) as u64,
                    nanos: 7,
                    len: next(100) as u64,
                };
                if let std::collections::btree_map::Entry::Vacant(new) = oracle.entry(path) {
                    lines.push(line(new.key(), stamp, next(2) == 0, &Summary::read()).unwrap());
                    new.insert(stamp);
                }
            }
            // Any order in the file.
            for i in (1..lines.len()).rev() {
                lines.swap(i, next(i + 1));
            }
            let mut text = lines.join("\n");
            text.push('\n');
            let dir = std::env::temp_dir()
                .join(format!("immperm-cache-map-{}-{round}", std::process::id()));
            Cache::store(&dir, &text).unwrap();
            let loaded = Cache::load(&dir);
            let _ = std::fs::remove_dir_all(&dir);
            assert_eq!(loaded.len(), oracle.len());
            let mut queries: Vec<String> = oracle.keys().cloned().collect();
            queries.extend(oracle.keys().map(|path| format!("{path}x")));
            queries.push("/crate".to_owned());
            for i in (1..queries.len()).rev() {
                queries.swap(i, next(i + 1));
            }
            let mut near = next(oracle.len() + 2);
            for query in &queries {
                let found = loaded.entry(query, &mut near).map(|entry| entry.stamp);
                assert_eq!(
                    found.as_ref(),
                    oracle.get(query),
                    "{query} in round {round}"
                );
            }
        }
    }
}
