//! The module tree of each target, walked from its root the way the compiler loads modules,
//! and the evaluation of each file's summary against the cfg set.

use std::collections::BTreeMap;
use std::fs::Metadata;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;
use std::str::FromStr as _;

use proc_macro2::TokenStream;

use super::cache::{Cache, Stamp};
use super::cfg::{CfgSet, Pred};
use super::items::{self, FunctionDecl, ModuleDecl, Node, Summary};
use super::{Attribute, Function, Root, Scan, ScanError, ScanOptions, Target, bytes};

/// Where the modules a file or an inline module declares are looked for (rustc's
/// "directory ownership"): `#[path]` relative to `dir`, `mod name;` in `base`, which is
/// `dir` for crate roots, `mod.rs` and `#[path]` files and `dir/<name>` for a `name.rs` file.
#[derive(Clone, Debug)]
struct Owner {
    dir: PathBuf,
    base: PathBuf,
}

impl Owner {
    /// The owner of the modules of an inline module whose directory is `dir`.
    fn inline(dir: PathBuf) -> Self {
        Self {
            base: dir.clone(),
            dir,
        }
    }

    /// The owner of the modules `file` declares; `owns_dir` for a crate root, a `mod.rs`
    /// or a `#[path]` file.
    fn of(file: &Path, owns_dir: bool) -> Self {
        let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
        if owns_dir {
            Self::inline(dir)
        } else {
            Self {
                base: file.with_extension(""),
                dir,
            }
        }
    }
}

/// A module, as far as the modules and functions it contains need it.
#[derive(Clone, Debug)]
struct Context {
    module: String,
    owner: Rc<Owner>,
    /// Whether every cfg on the way here holds, without and with `test`.
    compiled: (bool, bool),
    /// The cfg predicates on the way here.
    cfg: Vec<Pred>,
}

impl Context {
    /// The context one level in, under `cfg`.
    fn enter(&self, set: &CfgSet, cfg: &[Pred]) -> (bool, bool, Vec<Pred>) {
        let (deployed, tests) = set.holds_all(cfg);
        let mut all = self.cfg.clone();
        all.extend_from_slice(cfg);
        (self.compiled.0 && deployed, self.compiled.1 && tests, all)
    }
}

/// A module file to read.
struct Job {
    file: PathBuf,
    module: String,
    compiled: (bool, bool),
    cfg: Vec<Pred>,
    /// A crate root, a `mod.rs` or a `#[path]` file: its `mod name;` files are its siblings.
    owns_dir: bool,
    /// A `name.rs` file without a `name/` directory: without `#[path]` it cannot declare
    /// file modules, which lets the prefilter skip most of its search.
    leaf: bool,
    root: bool,
    /// The enclosing module files, to refuse circular `#[path]`s.
    ancestors: Option<Rc<Ancestor>>,
    /// The file's metadata, when finding it took it.
    metadata: Option<Metadata>,
}

/// A chain of enclosing module files.
struct Ancestor {
    file: PathBuf,
    parent: Option<Rc<Ancestor>>,
}

struct Walker<'a> {
    options: &'a ScanOptions,
    package_dir: &'a Path,
    cache: &'a mut Cache,
    target: &'a Target,
    scan: &'a mut Scan,
    /// The arguments tokenized so far, by text: annotations often repeat a declaration,
    /// and a token stream is shared by cloning it.
    arguments: &'a mut BTreeMap<String, TokenStream>,
}

pub(super) fn scan(options: &ScanOptions) -> Result<Scan, ScanError> {
    let package_dir = normalize(&std::path::absolute(&options.package_dir).map_err(|e| {
        ScanError::new(
            options.package_dir.display().to_string(),
            None,
            format!("cannot find the package directory: {e}"),
        )
    })?);
    let mut cache = Cache::load(options.cache_dir.as_deref());
    let mut scan = Scan::default();
    let mut arguments = BTreeMap::new();
    let mut targets: Vec<&Target> = options.targets.iter().collect();
    targets.sort_by(|a, b| (&a.name, a.kind).cmp(&(&b.name, b.kind)));
    for target in targets {
        let mut walker = Walker {
            options,
            package_dir: &package_dir,
            cache: &mut cache,
            target,
            scan: &mut scan,
            arguments: &mut arguments,
        };
        walker.target()?;
    }
    cache.store();
    scan.files_read = cache.files();
    scan.functions.sort_by(|a, b| {
        (&a.target, a.kind, &a.file, a.line, a.column, &a.module_path).cmp(&(
            &b.target,
            b.kind,
            &b.file,
            b.line,
            b.column,
            &b.module_path,
        ))
    });
    Ok(scan)
}

impl Walker<'_> {
    /// Walks the module tree of the target, depth first in declaration order.
    fn target(&mut self) -> Result<(), ScanError> {
        let root = normalize(&self.package_dir.join(&self.target.root));
        let mut stack = vec![Job {
            file: root.clone(),
            module: "crate".to_owned(),
            compiled: (true, true),
            cfg: Vec::new(),
            owns_dir: true,
            leaf: false,
            root: true,
            ancestors: None,
            metadata: None,
        }];
        let mut includes_policies = false;
        while let Some(job) = stack.pop() {
            let Some(summary) = self.summary(&job)? else {
                continue;
            };
            includes_policies |= job.root && summary.includes_policies;
            let mut children = self.evaluate(&job, &summary)?;
            children.reverse();
            stack.append(&mut children);
        }
        self.scan.roots.push(Root {
            target: self.target.name.clone(),
            kind: self.target.kind,
            file: self.shown(&root),
            includes_policies,
        });
        Ok(())
    }

    /// The file as reported: relative to the package directory.
    fn shown(&self, file: &Path) -> String {
        relative(file, self.package_dir)
    }

    /// The summary of the file of `job`, from the cache when its stamp matches; `None` when
    /// the module is not compiled and its file cannot be read.
    fn summary(&mut self, job: &Job) -> Result<Option<Rc<Summary>>, ScanError> {
        let required = job.compiled.0;
        let metadata = match &job.metadata {
            Some(metadata) => Ok(metadata.clone()),
            None => std::fs::metadata(&job.file),
        };
        let stamp = metadata.as_ref().ok().and_then(Stamp::of);
        let reading = (job.leaf, job.root);
        if let Some(summary) = self.cache.get(&job.file, stamp, reading) {
            return Ok(Some(summary));
        }
        let bytes = match std::fs::read(&job.file) {
            Ok(bytes) => bytes,
            Err(_) if !required => return Ok(None),
            Err(error) => {
                return Err(ScanError::new(
                    self.shown(&job.file),
                    None,
                    format!("cannot read this file: {error}"),
                ));
            }
        };
        let summary = if job.root || bytes::needs_tokens(&bytes, job.leaf) {
            items::summarize(&bytes, job.root)
        } else {
            Ok(Summary::default())
        };
        match summary {
            Ok(summary) => Ok(Some(self.cache.put(&job.file, stamp, reading, summary))),
            // A module that is not compiled need not tokenize; it contributes nothing.
            Err(_) if !required => {
                self.cache.note(&job.file);
                Ok(Some(Rc::default()))
            }
            Err(failure) => Err(ScanError::new(
                self.shown(&job.file),
                Some((failure.line, failure.column)),
                failure.message,
            )),
        }
    }

    /// Evaluates a file's summary: records its functions, returns the files of its modules.
    fn evaluate(&mut self, job: &Job, summary: &Summary) -> Result<Vec<Job>, ScanError> {
        if summary.nodes.is_empty() {
            return Ok(Vec::new());
        }
        let cfg = &self.options.cfg;
        let (deployed, tests) = cfg.holds_all(&summary.cfg);
        let mut all = job.cfg.clone();
        all.extend_from_slice(&summary.cfg);
        let top = Context {
            module: job.module.clone(),
            owner: Rc::new(Owner::of(&job.file, job.owns_dir)),
            compiled: (job.compiled.0 && deployed, job.compiled.1 && tests),
            cfg: all,
        };
        // The contexts of inline modules, by node.
        let mut inline: Vec<Option<Context>> = vec![None; summary.nodes.len()];
        let mut children = Vec::new();
        let mut ancestors = None;
        let mut shown = None;
        for (index, node) in summary.nodes.iter().enumerate() {
            let parent = match node {
                Node::Module(ModuleDecl { parent, .. })
                | Node::Function(FunctionDecl { parent, .. }) => parent,
            };
            let parent = parent.and_then(|p| inline.get(p)?.as_ref()).unwrap_or(&top);
            match node {
                Node::Module(decl) => {
                    let (deployed, tests, all) = parent.enter(cfg, &decl.cfg);
                    let path = |test| {
                        let chosen = decl.paths.iter().find(|(when, _)| {
                            let held = cfg.holds_all(when);
                            if test { held.1 } else { held.0 }
                        });
                        chosen.map(|(_, path)| path.as_str())
                    };
                    let context = Context {
                        module: format!("{}::{}", parent.module, decl.name),
                        owner: Rc::clone(&parent.owner),
                        compiled: (deployed, tests),
                        cfg: all,
                    };
                    if decl.inline {
                        // `#[path]` on an inline module names its directory.
                        let dir = match path(false) {
                            Some(path) => normalize(&parent.owner.dir.join(path)),
                            None => parent.owner.base.join(&decl.name),
                        };
                        let owner = Rc::new(Owner::inline(dir));
                        if let Some(slot) = inline.get_mut(index) {
                            *slot = Some(Context { owner, ..context });
                        }
                        continue;
                    }
                    let ancestors = ancestors.get_or_insert_with(|| {
                        Rc::new(Ancestor {
                            file: job.file.clone(),
                            parent: job.ancestors.clone(),
                        })
                    });
                    // `cfg_attr(test, path = ...)`: the deployed build and the tests load
                    // different files.
                    let declared = (job, decl);
                    let (deployed, tests) = (path(false), path(true));
                    if deployed == tests {
                        if let Some(job) = self.locate(declared, context, deployed, ancestors)? {
                            children.push(job);
                        }
                    } else {
                        let (held, held_in_tests) = context.compiled;
                        let only = |compiled| Context {
                            compiled,
                            ..context.clone()
                        };
                        let first = only((held, false));
                        children.extend(self.locate(declared, first, deployed, ancestors)?);
                        let second = only((false, held_in_tests));
                        children.extend(self.locate(declared, second, tests, ancestors)?);
                    }
                }
                Node::Function(decl) => {
                    let file = shown.get_or_insert_with(|| self.shown(&job.file)).clone();
                    self.function(file, parent, decl)?;
                }
            }
        }
        Ok(children)
    }

    /// Finds the file of a module declared with `mod name;` (`(job, decl)`), the way rustc
    /// does: the `#[path]` file, or `name.rs` or `name/mod.rs` but not both. When the module
    /// is compiled, a missing or ambiguous file is an error at the declaration; otherwise the
    /// module is skipped. `context.owner` is the declaring module's.
    fn locate(
        &self,
        (job, decl): (&Job, &ModuleDecl),
        context: Context,
        path: Option<&str>,
        ancestors: &Rc<Ancestor>,
    ) -> Result<Option<Job>, ScanError> {
        let required = context.compiled.0;
        let error = |message: String| {
            Err(ScanError::new(
                self.shown(&job.file),
                Some((decl.line, decl.column)),
                message,
            ))
        };
        let name = &decl.name;
        let is_file = |path: &Path| std::fs::metadata(path).ok().filter(Metadata::is_file);
        let (file, owns_dir, leaf, metadata) = if let Some(path) = path {
            let file = normalize(&context.owner.dir.join(path));
            let mut link = Some(ancestors);
            while let Some(ancestor) = link {
                if ancestor.file == file {
                    let message = format!(
                        "circular modules: `{}` is `{path}`, a file that declares it",
                        context.module
                    );
                    return if required { error(message) } else { Ok(None) };
                }
                link = ancestor.parent.as_ref();
            }
            match is_file(&file) {
                Some(metadata) => (file, true, false, metadata),
                None if required => {
                    return error(format!(
                        "file not found for module `{name}`: `{}` (from `#[path]`)",
                        self.shown(&file)
                    ));
                }
                None => return Ok(None),
            }
        } else {
            // `base/name`, then `base/name.rs`; `base/name/mod.rs` only when `base/name/` is
            // a directory.
            let base = &context.owner.base;
            let mut path = PathBuf::with_capacity(base.as_os_str().len() + name.len() + 8);
            path.push(base);
            path.push(name);
            let nested = std::fs::metadata(&path)
                .is_ok_and(|m| m.is_dir())
                .then(|| path.join("mod.rs"));
            let nested_file = nested.as_deref().and_then(is_file);
            path.as_mut_os_string().push(".rs");
            match (is_file(&path), nested_file, nested) {
                (Some(_), Some(_), Some(nested)) if required => {
                    return error(format!(
                        "module `{name}` is both `{}` and `{}`; delete one of them",
                        self.shown(&path),
                        self.shown(&nested)
                    ));
                }
                (Some(metadata), None, nested) => (path, false, nested.is_none(), metadata),
                (None, Some(metadata), Some(nested)) => (nested, true, false, metadata),
                (None, None, _) if required => {
                    return error(format!(
                        "file not found for module `{name}`: `{}` or `{}`",
                        self.shown(&path),
                        self.shown(&path.with_extension("").join("mod.rs"))
                    ));
                }
                _ => return Ok(None),
            }
        };
        Ok(Some(Job {
            file,
            module: context.module,
            compiled: context.compiled,
            cfg: context.cfg,
            owns_dir,
            leaf,
            root: false,
            ancestors: Some(Rc::clone(ancestors)),
            metadata: Some(metadata),
        }))
    }

    /// Records an annotated function declared in `parent`.
    fn function(
        &mut self,
        file: String,
        parent: &Context,
        decl: &FunctionDecl,
    ) -> Result<(), ScanError> {
        let cfg = &self.options.cfg;
        let (deployed, tests, all) = parent.enter(cfg, &decl.cfg);
        let mut attributes = Vec::with_capacity(decl.annotations.len());
        for annotation in &decl.annotations {
            let (held, held_in_tests) = cfg.holds_all(&annotation.cfg);
            let mut conditions = all.clone();
            conditions.extend_from_slice(&annotation.cfg);
            let args = if let Some(args) = self.arguments.get(&annotation.args) {
                args.clone()
            } else {
                // The text was one group's contents, so it tokenizes, unless a cache was
                // edited.
                let args = TokenStream::from_str(&annotation.args).map_err(|_| {
                    ScanError::new(
                        file.clone(),
                        Some((annotation.line, annotation.column)),
                        "the attribute's arguments do not tokenize; delete the scan cache (the build's `OUT_DIR`) and build again".to_owned(),
                    )
                })?;
                let text = annotation.args.clone();
                self.arguments.insert(text, args.clone());
                args
            };
            attributes.push(Attribute {
                line: annotation.line,
                column: annotation.column,
                args,
                compiled: deployed && held,
                compiled_in_tests: tests && held_in_tests,
                cfg: Pred::conjunction(&conditions).map(|p| p.to_string()),
            });
        }
        let (line, column) = decl
            .annotations
            .first()
            .map_or((0, 0), |a| (a.line, a.column));
        self.scan.functions.push(Function {
            target: self.target.name.clone(),
            kind: self.target.kind,
            file,
            line,
            column,
            module_path: parent.module.clone(),
            name: decl.name.clone(),
            owner: decl.owner.clone(),
            has_body: decl.has_body,
            attributes,
        });
        Ok(())
    }
}

/// `path` with `.` and `..` components resolved lexically.
pub(super) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// `path` relative to `base` (both normalised), with `/` separators: `src/lib.rs`, or
/// `../shared/x.rs` outside `base`.
pub(super) fn relative(path: &Path, base: &Path) -> String {
    let mut path_parts = path.components().peekable();
    let mut base_parts = base.components().peekable();
    while let (Some(a), Some(b)) = (path_parts.peek(), base_parts.peek()) {
        if a != b {
            break;
        }
        path_parts.next();
        base_parts.next();
    }
    let ups = base_parts.map(|_| "..".to_owned());
    let rest = path_parts.map(|c| c.as_os_str().to_string_lossy().into_owned());
    ups.chain(rest).collect::<Vec<_>>().join("/")
}
