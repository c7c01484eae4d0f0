//! The per-file cache: each file's [`Summary`] under its path, length and modification time,
//! in one text file in the cache directory (the build script's `OUT_DIR`), so that a re-run
//! tokenizes only the files that changed.
//!
//! Build scripts run at opt-level 0, where `serde_json` takes about as long to read a cache of
//! a large crate as the scan it saves; the format is lines of tab-separated fields instead,
//! one block per file in path order: a header (`path`, length, modification time, how it
//! was read, the size of the lines that follow), then one line per cfg
//! predicate, module, function and annotation of its summary, each starting with a tab.
//! Loading reads the headers; a block is decoded only when its file is unchanged, and
//! written back as it was read.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::Metadata;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::UNIX_EPOCH;

use super::cfg::Pred;
use super::items::{Annotation, FunctionDecl, ModuleDecl, Node, Summary};

/// The cache file's name in the cache directory.
const FILE_NAME: &str = "immperm-scan.cache";
/// The first line; changes whenever the format or the scanner's reading of sources changes.
const FORMAT: &str = concat!("immperm-scan ", env!("CARGO_PKG_VERSION"), " 1");

/// What identifies a file's content without reading it: its length and its modification
/// time, the seconds and nanoseconds in one number (exact until the year 2514).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stamp {
    len: u64,
    modified: u64,
}

impl Stamp {
    pub(crate) fn of(metadata: &Metadata) -> Option<Self> {
        let modified = metadata.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
        let secs = modified.as_secs().checked_mul(1 << 30)?;
        Some(Self {
            len: metadata.len(),
            modified: secs | u64::from(modified.subsec_nanos()),
        })
    }
}

/// How a file was read: as a leaf (no search for `mod name;` without `#[path]`), as a crate
/// root (`include_policies!` looked for). A summary serves only the same reading.
pub(crate) type Reading = (bool, bool);

/// One file's block in the loaded cache.
struct Block {
    path: Range<usize>,
    stamp: Stamp,
    reading: Reading,
    text: Range<usize>,
    /// Its summary, once this run used it.
    used: Option<Rc<Summary>>,
}

pub(crate) struct Cache {
    dir: Option<PathBuf>,
    /// The cache file as loaded.
    text: String,
    /// Its blocks, by path.
    blocks: Vec<Block>,
    /// The summary of the files that contribute nothing (most): one for all.
    empty: Rc<Summary>,
    /// The files this run read, by path.
    read: BTreeMap<String, (Option<Stamp>, Reading, Rc<Summary>)>,
    /// Files read that have no entry: not UTF-8 paths, or files that do not tokenize.
    others: Vec<PathBuf>,
    /// The block after the last one looked up: the files of a directory come in path order.
    next: usize,
    /// The predicates decoded so far, by text.
    predicates: BTreeMap<String, Pred>,
}

impl Cache {
    /// The cache in `dir`; empty when there is none, or it is of another format.
    pub(crate) fn load(dir: Option<&Path>) -> Self {
        let text = dir
            .and_then(|dir| std::fs::read_to_string(dir.join(FILE_NAME)).ok())
            .filter(|text| text.lines().next() == Some(FORMAT))
            .unwrap_or_default();
        // Each header says how long the lines of its summary are: loading reads headers only.
        let mut blocks: Vec<Block> = Vec::new();
        let mut offset = FORMAT.len() + 1;
        while let Some(rest) = text.get(offset..).filter(|rest| !rest.is_empty()) {
            let Some((line, _)) = rest.split_once('\n') else {
                break;
            };
            let Some((path, stamp, reading, size)) = header(line) else {
                blocks.clear();
                break;
            };
            let end = offset + line.len() + 1 + size;
            blocks.push(Block {
                path: offset..offset + path,
                stamp,
                reading,
                text: offset..end,
                used: None,
            });
            offset = end;
        }
        let key = |block: &Block| text.get(block.path.clone()).unwrap_or("");
        if !blocks.is_sorted_by(|a, b| key(a) <= key(b)) {
            blocks.sort_by(|a, b| key(a).cmp(key(b)));
        }
        Self {
            dir: dir.map(Path::to_path_buf),
            text,
            blocks,
            empty: Rc::default(),
            read: BTreeMap::new(),
            others: Vec::new(),
            next: 0,
            predicates: BTreeMap::new(),
        }
    }

    /// The summary of `path` read this run, or cached under the same stamp and reading.
    pub(crate) fn get(
        &mut self,
        path: &Path,
        stamp: Option<Stamp>,
        reading: Reading,
    ) -> Option<Rc<Summary>> {
        let key = path.to_str()?;
        if let Some((read_stamp, read_reading, summary)) = self.read.get(key) {
            return (*read_reading == reading && *read_stamp == stamp).then(|| Rc::clone(summary));
        }
        let text = self.text.as_str();
        let path_of = |block: &Block| text.get(block.path.clone()).unwrap_or("");
        let found = match self.blocks.get(self.next) {
            Some(block) if path_of(block) == key => self.next,
            _ => self.blocks.binary_search_by(|b| path_of(b).cmp(key)).ok()?,
        };
        self.next = found + 1;
        let block = self.blocks.get_mut(found)?;
        if (Some(block.stamp), block.reading) != (stamp, reading) {
            return None;
        }
        if let Some(summary) = &block.used {
            return Some(Rc::clone(summary));
        }
        let lines = text.get(block.text.clone())?.split_once('\n')?.1;
        let summary = if lines.is_empty() {
            Rc::clone(&self.empty)
        } else {
            Rc::new(decode(lines, &mut self.predicates)?)
        };
        block.used = Some(Rc::clone(&summary));
        Some(summary)
    }

    /// Records the summary of `path` as read this run.
    pub(crate) fn put(
        &mut self,
        path: &Path,
        stamp: Option<Stamp>,
        reading: Reading,
        summary: Summary,
    ) -> Rc<Summary> {
        let summary = if summary == Summary::default() {
            Rc::clone(&self.empty)
        } else {
            Rc::new(summary)
        };
        match path.to_str() {
            Some(path) => {
                let entry = (stamp, reading, Rc::clone(&summary));
                self.read.insert(path.to_owned(), entry);
            }
            None => self.note(path),
        }
        summary
    }

    /// Records a file read that has no summary.
    pub(crate) fn note(&mut self, path: &Path) {
        self.others.push(path.to_path_buf());
    }

    /// Every file this run read or took from the cache, sorted (by bytes).
    pub(crate) fn files(&self) -> Vec<PathBuf> {
        let mut used = self
            .blocks
            .iter()
            .filter(|block| block.used.is_some())
            .map(|block| self.text.get(block.path.clone()).unwrap_or(""))
            .peekable();
        let mut read = self.read.keys().map(String::as_str).peekable();
        let mut files = Vec::with_capacity(self.blocks.len() + self.read.len());
        // Both are in path order: merged.
        while let Some(next) = match (used.peek(), read.peek()) {
            (Some(a), Some(b)) if a == b => read.next().and(used.next()),
            (Some(a), Some(b)) if a < b => used.next(),
            (Some(_), None) => used.next(),
            _ => read.next(),
        } {
            files.push(PathBuf::from(next));
        }
        if !self.others.is_empty() {
            files.extend(self.others.iter().cloned());
            files.sort_by(|a, b| bytes(a).cmp(bytes(b)));
            files.dedup_by(|a, b| bytes(a) == bytes(b));
        }
        files
    }

    /// Writes the entries of this run's files, when they differ from the loaded ones: the
    /// blocks used as they were, the files read encoded. A cache that cannot be written only
    /// costs the next run its speed.
    pub(crate) fn store(&self) {
        let Some(dir) = &self.dir else { return };
        let mut out = format!("{FORMAT}\n");
        let mut read = self.read.iter().peekable();
        let write =
            |out: &mut String, path: &str, entry: &(Option<Stamp>, Reading, Rc<Summary>)| {
                let (stamp, reading, summary) = entry;
                // A path with a line break or a tab cannot be a header's field.
                if let Some(stamp) = stamp
                    && !path.contains('\t')
                    && !path.contains('\n')
                {
                    encode(out, path, *stamp, *reading, summary);
                }
            };
        for block in self.blocks.iter().filter(|block| block.used.is_some()) {
            let path = self.text.get(block.path.clone()).unwrap_or("");
            while let Some((file, entry)) = read.next_if(|(file, _)| file.as_str() < path) {
                write(&mut out, file, entry);
            }
            // A file read again this run is written from its new reading.
            if read.peek().is_none_or(|(file, _)| file.as_str() != path) {
                out.push_str(self.text.get(block.text.clone()).unwrap_or(""));
            }
        }
        for (file, entry) in read {
            write(&mut out, file, entry);
        }
        if out != self.text {
            let _ = std::fs::create_dir_all(dir);
            let _ = std::fs::write(dir.join(FILE_NAME), out);
        }
    }
}

fn bytes(path: &Path) -> &[u8] {
    path.as_os_str().as_encoded_bytes()
}

/// The path's length, the stamp, the reading and the summary's size of a header line.
fn header(line: &str) -> Option<(usize, Stamp, Reading, usize)> {
    let (path, rest) = line.split_once('\t')?;
    let (len, rest) = rest.split_once('\t')?;
    let (modified, rest) = rest.split_once('\t')?;
    let (reading, size) = rest.split_once('\t')?;
    let reading = match reading {
        "0" => (false, false),
        "1" => (true, false),
        "2" => (false, true),
        _ => return None,
    };
    let stamp = Stamp {
        len: len.parse().ok()?,
        modified: modified.parse().ok()?,
    };
    Some((path.len(), stamp, reading, size.parse().ok()?))
}

fn encode(out: &mut String, path: &str, stamp: Stamp, reading: Reading, summary: &Summary) {
    let reading = match reading {
        (true, _) => 1,
        (false, true) => 2,
        (false, false) => 0,
    };
    let mut lines = String::new();
    let out_header = out;
    let out = &mut lines;
    let line = |out: &mut String, fields: &[&str]| {
        for field in fields {
            out.push('\t');
            out.push_str(&escape(field));
        }
        out.push('\n');
    };
    let predicates = |out: &mut String, tag: &str, cfg: &[Pred]| {
        for predicate in cfg {
            line(out, &[tag, &predicate.to_string()]);
        }
    };
    predicates(out, "c", &summary.cfg);
    if summary.includes_policies {
        line(out, &["i"]);
    }
    for node in &summary.nodes {
        let parent =
            |parent: Option<usize>| parent.map_or_else(|| "-".to_owned(), |p| p.to_string());
        match node {
            Node::Module(decl) => {
                let (at, column) = (decl.line.to_string(), decl.column.to_string());
                let inline = if decl.inline { "1" } else { "0" };
                line(
                    out,
                    &["m", &parent(decl.parent), &at, &column, inline, &decl.name],
                );
                predicates(out, "+c", &decl.cfg);
                for (when, path) in &decl.paths {
                    let when: Vec<String> = when.iter().map(ToString::to_string).collect();
                    let mut fields = vec!["+p", path.as_str()];
                    fields.extend(when.iter().map(String::as_str));
                    line(out, &fields);
                }
            }
            Node::Function(decl) => {
                let body = if decl.has_body { "1" } else { "0" };
                let owner = decl.owner.as_deref().unwrap_or("");
                line(out, &["f", &parent(decl.parent), body, &decl.name, owner]);
                predicates(out, "+c", &decl.cfg);
                for annotation in &decl.annotations {
                    let (at, column) = (annotation.line.to_string(), annotation.column.to_string());
                    let when: Vec<String> =
                        annotation.cfg.iter().map(ToString::to_string).collect();
                    let mut fields = vec!["+a", &at, &column, annotation.args.as_str()];
                    fields.extend(when.iter().map(String::as_str));
                    line(out, &fields);
                }
            }
        }
    }
    let (len, modified, size) = (stamp.len, stamp.modified, lines.len());
    let _ = writeln!(out_header, "{path}\t{len}\t{modified}\t{reading}\t{size}");
    out_header.push_str(&lines);
}

/// The summary of a block's lines; `None` when a line is not one [`encode`] writes.
fn decode(block: &str, predicates: &mut BTreeMap<String, Pred>) -> Option<Summary> {
    let escaped = block.contains('\\');
    let text = |field: &str| {
        if escaped {
            unescape(field).into_owned()
        } else {
            field.to_owned()
        }
    };
    let mut predicate = |field: &str| {
        if let Some(predicate) = predicates.get(field) {
            return Some(predicate.clone());
        }
        let predicate = Pred::parse_text(&text(field))?;
        predicates.insert(field.to_owned(), predicate.clone());
        Some(predicate)
    };
    let mut summary = Summary::default();
    for line in block.split_terminator('\n') {
        let mut fields = line.strip_prefix('\t')?.split('\t');
        let tag = fields.next()?;
        match (tag, summary.nodes.last_mut()) {
            ("c", _) => summary.cfg.push(predicate(fields.next()?)?),
            ("i", _) => summary.includes_policies = true,
            ("m", _) => {
                let parent = parent(fields.next()?, summary.nodes.len()).ok()?;
                let (line, column) = (number(&mut fields)?, number(&mut fields)?);
                let inline = fields.next()? == "1";
                summary.nodes.push(Node::Module(ModuleDecl {
                    parent,
                    name: text(fields.next()?),
                    line,
                    column,
                    cfg: Vec::new(),
                    paths: Vec::new(),
                    inline,
                }));
            }
            ("f", _) => {
                let parent = parent(fields.next()?, summary.nodes.len()).ok()?;
                let has_body = fields.next()? == "1";
                let name = text(fields.next()?);
                let owner = Some(text(fields.next()?)).filter(|o| !o.is_empty());
                summary.nodes.push(Node::Function(FunctionDecl {
                    parent,
                    name,
                    owner,
                    has_body,
                    cfg: Vec::new(),
                    annotations: Vec::new(),
                }));
            }
            (
                "+c",
                Some(
                    Node::Module(ModuleDecl { cfg, .. }) | Node::Function(FunctionDecl { cfg, .. }),
                ),
            ) => {
                cfg.push(predicate(fields.next()?)?);
            }
            ("+p", Some(Node::Module(decl))) => {
                let path = text(fields.next()?);
                let when = fields.map(&mut predicate).collect::<Option<_>>()?;
                decl.paths.push((when, path));
            }
            ("+a", Some(Node::Function(decl))) => {
                let (line, column) = (number(&mut fields)?, number(&mut fields)?);
                let args = text(fields.next()?);
                let cfg = fields.map(&mut predicate).collect::<Option<_>>()?;
                decl.annotations.push(Annotation {
                    line,
                    column,
                    cfg,
                    args,
                });
            }
            _ => return None,
        }
    }
    Some(summary)
}

fn number<'a>(fields: &mut impl Iterator<Item = &'a str>) -> Option<usize> {
    fields.next()?.parse().ok()
}

/// A node's parent: `-`, or an earlier node; `Err` for anything else.
fn parent(field: &str, count: usize) -> Result<Option<usize>, ()> {
    match field {
        "-" => Ok(None),
        index => index
            .parse()
            .ok()
            .filter(|p| *p < count)
            .map(Some)
            .ok_or(()),
    }
}

/// `text` with `\`, tab, newline and carriage return escaped, so that it fits in a field.
fn escape(text: &str) -> Cow<'_, str> {
    if !text
        .bytes()
        .any(|b| matches!(b, b'\\' | b'\t' | b'\n' | b'\r'))
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn unescape(field: &str) -> Cow<'_, str> {
    if !field.contains('\\') {
        return Cow::Borrowed(field);
    }
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        out.push(match c {
            '\\' => match chars.next() {
                Some('t') => '\t',
                Some('n') => '\n',
                Some('r') => '\r',
                Some(other) => other,
                None => '\\',
            },
            c => c,
        });
    }
    Cow::Owned(out)
}
