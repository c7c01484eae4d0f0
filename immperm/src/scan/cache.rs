//! The per-file cache: each file's [`Summary`] keyed by its path, modification time and
//! length, stored as one file in the cache directory (the build script's `OUT_DIR`).
//!
//! One line per source file, in path order: `secs`, `nanos`, `len`, the leaf flag (`1` for a
//! `name.rs` without a `name/` directory, see the walk), `path`, then the summary as a prefix
//! encoding (kind, cfg list, item list), all fields separated by tabs, strings escaped. The
//! scan threads make the lines of the files they read ([`line`]); storing joins them.
//! Build scripts run unoptimised, so the format is one the standard library's optimised
//! byte search splits, with no general-purpose parser in the way.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::time::UNIX_EPOCH;

use super::cfg::Pred;
use super::summary::{Annotation, Args, Kind, ModDecl, Node, Summary};

/// The cache file's name in the cache directory.
const FILE_NAME: &str = "immperm-scan-cache.tsv";
/// The first line; changes whenever the format or the scanner's reading of sources changes.
const FORMAT: &str = concat!("immperm-scan/", env!("CARGO_PKG_VERSION"), "/1");

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

#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub(crate) stamp: Stamp,
    /// Whether the file was read as a leaf (see the walk), which changes its summary.
    pub(crate) leaf: bool,
    pub(crate) summary: Summary,
    /// The entry's line as loaded, written back as is when the file is unchanged.
    pub(crate) line: String,
}

#[derive(Debug, Default)]
pub(crate) struct Cache {
    /// Keyed by absolute path (UTF-8 paths only; others are not cached).
    pub(crate) files: BTreeMap<String, Entry>,
}

impl Cache {
    /// The cache in `dir`; empty when it is missing or of another format. Lines that do
    /// not decode are dropped (their files are read again).
    pub(crate) fn load(dir: &Path) -> Self {
        let mut files = BTreeMap::new();
        let Ok(text) = fs::read_to_string(dir.join(FILE_NAME)) else {
            return Self { files };
        };
        let mut lines = text.split('\n');
        if lines.next() != Some(FORMAT) {
            return Self { files };
        }
        for line in lines.filter(|line| !line.is_empty()) {
            if let Some((path, entry)) = decode(line) {
                files.insert(path, entry);
            }
        }
        Self { files }
    }

    /// The summary of `path` when the cache holds it for this stamp.
    #[cfg(test)]
    fn get(&self, path: &str, stamp: Stamp) -> Option<&Summary> {
        self.files
            .get(path)
            .filter(|entry| entry.stamp == stamp)
            .map(|entry| &entry.summary)
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
    if path.as_bytes().contains(&b'\t') || path.as_bytes().contains(&b'\n') {
        return None;
    }
    let Stamp { secs, nanos, len } = stamp;
    let mut out = String::with_capacity(path.len() + 48);
    let _ = write!(out, "{secs}\t{nanos}\t{len}\t{}", u8::from(leaf));
    push_field(&mut out, path);
    encode_summary(&mut out, summary);
    Some(out)
}

fn decode(line: &str) -> Option<(String, Entry)> {
    let mut fields = Fields(line.split('\t'));
    let stamp = Stamp {
        secs: fields.number()?,
        nanos: fields.number()?,
        len: fields.number()?,
    };
    let leaf = fields.flag()?;
    let path = fields.string()?;
    let summary = decode_summary(&mut fields)?;
    fields.0.next().is_none().then_some((
        path,
        Entry {
            stamp,
            leaf,
            summary,
            line: line.to_owned(),
        },
    ))
}

/// Appends `\t` and `text` escaped (`\\`, `\t`, `\n`).
fn push_field(out: &mut String, text: &str) {
    out.push('\t');
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
        Pred::Literal(true) => push_field(out, "T"),
        Pred::Literal(false) => push_field(out, "F"),
        Pred::Name(name) => {
            push_field(out, "n");
            push_field(out, name);
        }
        Pred::Value(key, value) => {
            push_field(out, "v");
            push_field(out, key);
            push_field(out, value);
        }
        Pred::All(all) => {
            push_field(out, "a");
            encode_preds(out, all);
        }
        Pred::Any(any) => {
            push_field(out, "y");
            encode_preds(out, any);
        }
        Pred::Not(inner) => {
            push_field(out, "!");
            encode_pred(out, inner);
        }
        Pred::Invalid(text) => {
            push_field(out, "?");
            push_field(out, text);
        }
    }
}

fn encode_option(out: &mut String, value: Option<&str>) {
    match value {
        None => push_field(out, "-"),
        Some(value) => {
            push_field(out, "=");
            push_field(out, value);
        }
    }
}

fn encode_nodes(out: &mut String, nodes: &[Node]) {
    push_number(out, nodes.len());
    for node in nodes {
        match node {
            Node::Mod(decl) => {
                push_field(out, "m");
                push_field(out, &decl.name);
                push_number(out, decl.line);
                push_number(out, decl.column);
                encode_preds(out, &decl.cfg);
                push_number(out, decl.paths.len());
                for (when, path) in &decl.paths {
                    encode_preds(out, when);
                    push_field(out, path);
                }
                match &decl.body {
                    None => push_field(out, "-"),
                    Some(body) => {
                        push_field(out, "+");
                        encode_nodes(out, body);
                    }
                }
            }
            Node::Annotation(annotation) => {
                push_field(out, "@");
                push_number(out, annotation.line);
                push_number(out, annotation.column);
                push_field(out, &annotation.function);
                encode_preds(out, &annotation.cfg);
                match &annotation.args {
                    Err(reason) => {
                        push_field(out, "E");
                        push_field(out, reason);
                    }
                    Ok(args) => {
                        push_field(out, "A");
                        push_field(out, &args.op);
                        push_number(out, usize::from(args.is_async));
                        match &args.saveas {
                            None => push_field(out, "-"),
                            Some(None) => push_field(out, "."),
                            Some(Some(target)) => {
                                push_field(out, "=");
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
        let raw = self.raw()?;
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
        for entry in loaded.files.values() {
            again.push_str(&entry.line);
            again.push('\n');
        }
        Cache::store(&dir, &again).unwrap();
        assert_eq!(std::fs::read(dir.join(FILE_NAME)).unwrap(), written);
        let reloaded = Cache::load(&dir);
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(reloaded.files.len(), 2);
        assert_eq!(reloaded.get("/crate/src/lib.rs", stamp), Some(&summary));
        assert_eq!(loaded.get("/crate/src/lib.rs", stamp), Some(&summary));
        assert_eq!(
            reloaded.get("/crate/src/other.rs", stamp),
            Some(&Summary::read())
        );
        assert!(
            loaded
                .files
                .get("/crate/src/other.rs")
                .is_some_and(|e| e.leaf)
        );
        assert_eq!(
            loaded.get("/crate/src/other.rs", stamp),
            Some(&Summary::read())
        );
        let later = Stamp { secs: 2, ..stamp };
        assert_eq!(loaded.get("/crate/src/lib.rs", later), None);
    }
}
