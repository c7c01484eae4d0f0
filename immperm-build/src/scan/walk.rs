//! The module-tree walk: a work queue of module files shared by the scan threads. Each file
//! is summarised (from the cache when its stamp matches), its summary evaluated against the
//! cfg set, and the files of the modules it declares are queued.

use std::ffi::{OsStr, OsString};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};

use super::cache::{self, Cache, Stamp};
use super::cfg::{CfgSet, Pred};
use super::parse;
use super::summary::{Annotation, Kind, ModDecl, Node, Summary};
use super::{
    Found, Provenance, Saveas, Scan, ScanError, ScanOptions, ScanStats, Unresolved, display_path,
};
use crate::catalog::Mode;

/// Where the files of a module's declarations are looked up (rustc's "directory
/// ownership"): `#[path]` relative to `dir`, `mod name;` in `base`, which is `dir` for
/// `mod.rs`, crate roots and `#[path]` files, and `dir/<name>` for a `name.rs` file.
#[derive(Clone, Debug)]
struct Owner {
    dir: PathBuf,
    base: PathBuf,
}

impl Owner {
    /// The owner of the modules a file declares.
    fn of(file: &Path, flat: bool) -> Self {
        let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
        let base = match file.file_stem() {
            Some(name) if flat => dir.join(name),
            _ => dir.clone(),
        };
        Self { dir, base }
    }

    /// The owner of an inline module's declarations.
    fn inline(dir: PathBuf) -> Self {
        Self {
            base: dir.clone(),
            dir,
        }
    }
}

/// A module file to read.
#[derive(Debug)]
struct Job {
    file: PathBuf,
    module: String,
    /// A `name.rs` module file, whose modules are in `name/` (see [`Owner`]); the owner is
    /// made from the file when the file declares modules.
    flat: bool,
    /// Whether every cfg on the way here holds.
    active: bool,
    /// The cfg predicates on the way here.
    cfg: Vec<Pred>,
    /// The files of the enclosing modules, to refuse circular `#[path]`s.
    ancestors: Option<Arc<Ancestor>>,
    /// A `name.rs` module file without a `name/` directory: without `#[path]` it cannot
    /// declare file modules, which lets the prefilter skip most of its search.
    leaf: bool,
    /// For `mod name;` without `#[path]`, where it is declared: `file` is then `name.rs`,
    /// and whether the module is that file or `name/mod.rs` is decided when the job is
    /// processed (see [`locate`]).
    site: Option<Site>,
    /// The file's bytes and stamp, when a batch of leaves read them already.
    read: Option<(Option<Stamp>, Vec<u8>)>,
}

/// Where a module is declared, for the errors about its file: a line and column of the
/// declaring file, which is the job's nearest ancestor (its name is only made into the
/// reported form when there is an error).
#[derive(Clone, Debug)]
struct Site {
    line: usize,
    column: usize,
    /// The declaring directory's listing has `name/` and `name.rs` (a file, or a link to
    /// one).
    flat_listed: bool,
}

impl Job {
    /// An error at the declaration of this module.
    fn error_at_site(&self, site: &Site, manifest_dir: &Path, message: String) -> ScanError {
        let file = self
            .ancestors
            .as_ref()
            .map(|declaring| display_path(&declaring.file, manifest_dir))
            .unwrap_or_default();
        ScanError::new(file, Some((site.line, site.column)), message)
    }

    fn new(file: PathBuf, module: String, active: bool, cfg: Vec<Pred>) -> Self {
        Self {
            file,
            module,
            flat: false,
            active,
            cfg,
            ancestors: None,
            leaf: false,
            site: None,
            read: None,
        }
    }
}

/// Work for a scan thread: a module file, or a batch of leaf modules.
#[derive(Debug)]
enum Task {
    Module(Job),
    Leaves(Leaves),
}

/// The most leaves in one batch: batches are what threads share.
const LEAF_BATCH: usize = 16;

/// Leaf modules (`name.rs` files without a `name/` directory) declared in one scope of a
/// file. Most are only read: a batch reads and classifies them in one loop, without the
/// job, module path and outcome each would cost at the build script's opt-level 0; a leaf
/// that needs more (a parse, a declaration, an error, a cache entry) becomes a job.
#[derive(Debug)]
struct Leaves {
    scope: Arc<Scope>,
    items: Vec<Leaf>,
}

/// What the leaves of one scope share.
#[derive(Debug)]
struct Scope {
    /// The module path of the scope.
    module: String,
    /// The directory of the leaves' files.
    base: PathBuf,
    /// The cfg predicates on the way to the scope.
    cfg: Vec<Pred>,
    /// The declaring file and its ancestors.
    ancestors: Arc<Ancestor>,
}

/// One `mod name;` of a [`Leaves`] batch.
#[derive(Debug)]
struct Leaf {
    name: String,
    line: usize,
    column: usize,
    /// Whether every cfg on the way here, the declaration's own included, holds.
    active: bool,
    /// The declaration's own cfg predicates.
    cfg: Vec<Pred>,
}

impl Scope {
    fn file(&self, name: &str) -> PathBuf {
        // Sized once: `join` and `push` would each reallocate.
        let mut file = PathBuf::from(OsString::with_capacity(
            self.base.as_os_str().len() + name.len() + 4,
        ));
        file.push(&self.base);
        file.push(name);
        file.as_mut_os_string().push(".rs");
        file
    }

    /// The job of a leaf that needs more than reading.
    fn job(&self, leaf: Leaf, file: PathBuf, read: Option<(Option<Stamp>, Vec<u8>)>) -> Job {
        let mut module = String::with_capacity(self.module.len() + 2 + leaf.name.len());
        module.push_str(&self.module);
        module.push_str("::");
        module.push_str(&leaf.name);
        let mut cfg = self.cfg.clone();
        cfg.extend(leaf.cfg);
        Job {
            file,
            module,
            flat: true,
            active: leaf.active,
            cfg,
            ancestors: Some(Arc::clone(&self.ancestors)),
            leaf: true,
            site: Some(Site {
                line: leaf.line,
                column: leaf.column,
                // A leaf has no `name/` (and `locate` does not look).
                flat_listed: false,
            }),
            read,
        }
    }
}

/// Reads the files of a batch of leaves, or takes them from the cache when unchanged;
/// returns the jobs of those that need more.
fn read_leaves(leaves: Leaves, shared: &Shared<'_>, gathered: &mut Gathered) -> Vec<Job> {
    let Leaves { scope, items } = leaves;
    let mut jobs = Vec::new();
    let stamp = shared.options.cache_dir.is_some();
    // The leaves of a scope are mostly in path order, so are their cache lines.
    let mut near = 0;
    for leaf in items {
        let file = scope.file(&leaf.name);
        let key = file.to_str();
        if let Some(entry) = key.and_then(|key| shared.cache.entry(key, &mut near)) {
            if !(entry.leaf && entry.is_read()) {
                // The job takes the summary from the cache, or reads the file.
                jobs.push(scope.job(leaf, file, None));
                continue;
            }
            let unchanged = std::fs::metadata(&file)
                .ok()
                .and_then(|metadata| Stamp::of(&metadata))
                == Some(entry.stamp);
            if unchanged {
                gathered.stats.cached += 1;
                let line = Some(entry.line.to_owned());
                gathered.files.push((file, line));
                continue;
            }
        }
        // An error is reported by the job, which reads the file again.
        let Ok((stamp, bytes)) = read_into(&file, stamp, &mut gathered.buffer) else {
            jobs.push(scope.job(leaf, file, None));
            continue;
        };
        if parse::kind_of(bytes, true) != Kind::Read {
            let read = Some((stamp, bytes.to_vec()));
            jobs.push(scope.job(leaf, file, read));
            continue;
        }
        gathered.stats.read += 1;
        let line = match (stamp, key) {
            (Some(stamp), Some(key)) => {
                gathered.fresh += 1;
                cache::line(key, stamp, true, &Summary::read())
            }
            _ => None,
        };
        gathered.files.push((file, line));
    }
    jobs
}

/// What reading one file produced.
#[derive(Default)]
struct Outcome {
    found: Vec<Found>,
    excluded: Vec<Found>,
    unresolved: Vec<Unresolved>,
    children: Vec<Task>,
    errors: Vec<ScanError>,
    /// The file's line in the next cache: new when it was read, the entry's when that was
    /// used (`cached`).
    line: Option<String>,
    cached: bool,
    kind: Option<Kind>,
    /// The module's file does not exist (so it is not among the files read).
    absent: bool,
}

struct Shared<'a> {
    options: &'a ScanOptions,
    cache: Cache,
    queue: Mutex<Queue>,
    ready: Condvar,
    /// How many threads wait for work.
    hungry: AtomicUsize,
}

impl Shared<'_> {
    /// Gives `task` to the queue when a thread waits for work (it is then counted as
    /// pending there); otherwise gives it back. Lets a thread reading a file that declares
    /// many modules share their batches as it makes them, rather than when it is done.
    fn offer(&self, task: Task) -> Option<Task> {
        if self.hungry.load(Ordering::Relaxed) == 0 {
            return Some(task);
        }
        let mut state = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        state.pending += 1;
        state.jobs.push(task);
        drop(state);
        self.ready.notify_one();
        None
    }
}

struct Queue {
    jobs: Vec<Task>,
    /// Jobs queued or being processed.
    pending: usize,
}

/// What one scan thread gathered from the files it read.
#[derive(Default)]
struct Gathered {
    found: Vec<Found>,
    excluded: Vec<Found>,
    unresolved: Vec<Unresolved>,
    errors: Vec<ScanError>,
    /// Files read, each with its line in the next cache (none when there is no cache, or
    /// its path cannot be cached).
    files: Vec<(PathBuf, Option<String>)>,
    /// How many of those lines are new.
    fresh: usize,
    stats: ScanStats,
    /// Where leaves are read (see `read_into`).
    buffer: Vec<u8>,
}

impl Gathered {
    fn add(&mut self, file: PathBuf, outcome: Outcome) {
        if !outcome.absent {
            if outcome.line.is_some() && !outcome.cached {
                self.fresh += 1;
            }
            self.files.push((file, outcome.line));
        }
        // Most files contribute none of these: at opt-level 0 even an empty `extend` shows.
        if !outcome.found.is_empty() {
            self.found.extend(outcome.found);
        }
        if !outcome.excluded.is_empty() {
            self.excluded.extend(outcome.excluded);
        }
        if !outcome.unresolved.is_empty() {
            self.unresolved.extend(outcome.unresolved);
        }
        if !outcome.errors.is_empty() {
            self.errors.extend(outcome.errors);
        }
        let stats = &mut self.stats;
        match (outcome.cached, outcome.kind) {
            (true, _) => stats.cached += 1,
            (false, Some(Kind::Full)) => stats.parsed += 1,
            (false, Some(Kind::Light)) => stats.token_scanned += 1,
            (false, Some(Kind::Read)) => stats.read += 1,
            (false, None) => {}
        }
    }

    fn merge(&mut self, other: Self) {
        self.found.extend(other.found);
        self.excluded.extend(other.excluded);
        self.unresolved.extend(other.unresolved);
        self.errors.extend(other.errors);
        self.fresh += other.fresh;
        self.files.extend(other.files);
        self.stats.parsed += other.stats.parsed;
        self.stats.token_scanned += other.stats.token_scanned;
        self.stats.read += other.stats.read;
        self.stats.cached += other.stats.cached;
    }
}

pub(super) fn scan(options: &ScanOptions) -> Result<Scan, ScanError> {
    let manifest_dir = normalize(&options.manifest_dir);
    let roots = roots(options, &manifest_dir)?;
    let shared = Shared {
        options,
        cache: options
            .cache_dir
            .as_deref()
            .map(Cache::load)
            .unwrap_or_default(),
        queue: Mutex::new(Queue {
            pending: roots.len(),
            jobs: roots,
        }),
        ready: Condvar::new(),
        hungry: AtomicUsize::new(0),
    };
    let mut gathered = Gathered::default();
    std::thread::scope(|scope| {
        let threads: Vec<_> = (0..options.threads.max(1))
            .map(|_| scope.spawn(|| work(&shared, &manifest_dir)))
            .collect();
        for thread in threads {
            // A thread that panicked lost its files (and released the others, see
            // `Release`): report it rather than a smaller scan.
            match thread.join() {
                Ok(part) => gathered.merge(part),
                Err(_) => gathered.errors.push(ScanError::new(
                    String::new(),
                    None,
                    "a scan thread failed; please report this".to_owned(),
                )),
            }
        }
    });
    let Gathered {
        found,
        excluded,
        unresolved,
        mut errors,
        mut files,
        fresh,
        stats,
        buffer: _,
    } = gathered;
    errors.sort_by(|a, b| (&a.file, a.location).cmp(&(&b.file, b.location)));
    if let Some(error) = errors.into_iter().next() {
        return Err(error);
    }
    // Each thread sorted its own files (see `work`): the stable sort finds those runs and
    // merges them in linear time.
    files.sort_by(|a, b| bytes(&a.0).cmp(bytes(&b.0)));
    // By bytes: `Path`'s own equality compares components, several times slower here.
    files.dedup_by(|a, b| bytes(&a.0) == bytes(&b.0));
    // The cache keeps the lines of the files read, in path order; it is written when a line
    // is new or an entry went unused.
    let mut files_read = Vec::with_capacity(files.len());
    let mut cache_text = String::new();
    let mut lines = 0;
    for (file, line) in files {
        if let Some(line) = line {
            cache_text.push_str(&line);
            cache_text.push('\n');
            lines += 1;
        }
        files_read.push(file);
    }
    if let Some(dir) = &options.cache_dir
        && (fresh > 0 || lines != shared.cache.len())
    {
        // A cache that cannot be written only costs the next run its speed.
        let _ = Cache::store(dir, &cache_text);
    }
    let mut scan = Scan {
        found,
        excluded,
        unresolved,
        files_read,
        stats,
    };
    let order = |a: &Found, b: &Found| {
        let (a, b) = (&a.provenance, &b.provenance);
        (&a.file, a.line, a.column, &a.module_path).cmp(&(
            &b.file,
            b.line,
            b.column,
            &b.module_path,
        ))
    };
    scan.found.sort_by(order);
    scan.excluded.sort_by(order);
    scan.unresolved
        .sort_by(|a, b| a.provenance.cmp(&b.provenance));
    Ok(scan)
}

fn bytes(path: &Path) -> &[u8] {
    path.as_os_str().as_encoded_bytes()
}

fn roots(options: &ScanOptions, manifest_dir: &Path) -> Result<Vec<Task>, ScanError> {
    let paths: Vec<PathBuf> = if options.roots.is_empty() {
        let found: Vec<PathBuf> = ["src/lib.rs", "src/main.rs"]
            .iter()
            .map(|root| manifest_dir.join(root))
            .filter(|root| root.is_file())
            .collect();
        if found.is_empty() {
            return Err(ScanError::new(
                String::new(),
                None,
                format!(
                    "no crate root in `{}`: neither `src/lib.rs` nor `src/main.rs` exists; name the root explicitly",
                    manifest_dir.display()
                ),
            ));
        }
        found
    } else {
        options
            .roots
            .iter()
            .map(|root| normalize(&manifest_dir.join(root)))
            .collect()
    };
    Ok(paths
        .into_iter()
        .map(|file| Task::Module(Job::new(file, "crate".to_owned(), true, Vec::new())))
        .collect())
}

/// Works through the module tree depth first from the thread's own stack of jobs: the
/// children of a file are pushed there, so most jobs are done (and their memory freed) by
/// the thread that made them, near the files it just read. A thread that runs out takes a
/// few jobs from the shared queue or waits; a thread with work gives half of it to the
/// queue when another is waiting (`hungry`), checked once per file without the lock.
fn work(shared: &Shared<'_>, manifest_dir: &Path) -> Gathered {
    let Shared {
        queue,
        ready,
        hungry,
        ..
    } = shared;
    let mut gathered = Gathered::default();
    let mut local: Vec<Task> = Vec::new();
    let mut created = 0;
    let mut done = 0;
    let threads = shared.options.threads.max(1);
    let _release = Release { queue, ready };
    loop {
        {
            let mut state = queue.lock().unwrap_or_else(PoisonError::into_inner);
            // Saturating: a thread that panicked (see `Release`) zeroed the count.
            state.pending = (state.pending + created).saturating_sub(done);
            (created, done) = (0, 0);
            if hungry.load(Ordering::Relaxed) > 0 && local.len() > 1 {
                // The oldest jobs are the nearest the root: the most work per job given.
                state.jobs.extend(local.drain(..local.len() / 2));
                ready.notify_all();
            }
            while local.is_empty() {
                if !state.jobs.is_empty() {
                    let take = (state.jobs.len() / threads).clamp(1, BATCH);
                    let from = state.jobs.len() - take;
                    local.extend(state.jobs.drain(from..));
                    break;
                }
                if state.pending == 0 {
                    ready.notify_all();
                    drop(state);
                    // Sorted here, in parallel, for `scan` to merge. A stable sort: a thread
                    // reads depth first in declaration order, so its files come in long
                    // sorted runs, which it finds and merges (an unstable sort compared
                    // and moved each path about log n times: 4% of a first build).
                    gathered.files.sort_by(|a, b| bytes(&a.0).cmp(bytes(&b.0)));
                    return gathered;
                }
                hungry.fetch_add(1, Ordering::Relaxed);
                state = ready.wait(state).unwrap_or_else(PoisonError::into_inner);
                hungry.fetch_sub(1, Ordering::Relaxed);
            }
        }
        for _ in 0..BATCH {
            let job = match local.pop() {
                None => break,
                Some(Task::Module(job)) => job,
                Some(Task::Leaves(leaves)) => {
                    let jobs = read_leaves(leaves, shared, &mut gathered);
                    created += jobs.len();
                    local.extend(jobs.into_iter().rev().map(Task::Module));
                    done += 1;
                    if hungry.load(Ordering::Relaxed) > 0 {
                        break;
                    }
                    continue;
                }
            };
            let (file, mut outcome) = process(job, shared, manifest_dir);
            if !outcome.cached && matches!(outcome.kind, Some(Kind::Light | Kind::Full)) {
                // Spans of tokenized files are no longer needed; free proc-macro2's source map.
                proc_macro2::extra::invalidate_current_thread_spans();
            }
            created += outcome.children.len();
            // The first declared on top: modules are read in declaration order.
            outcome.children.reverse();
            local.append(&mut outcome.children);
            gathered.add(file, outcome);
            done += 1;
            if hungry.load(Ordering::Relaxed) > 0 {
                break;
            }
        }
    }
}

/// Empties the queue and wakes the other threads when a scan thread unwinds: they would
/// otherwise wait forever for the modules it held, and the scan would hang instead of failing.
struct Release<'q> {
    queue: &'q Mutex<Queue>,
    ready: &'q Condvar,
}

impl Drop for Release<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let mut state = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
            state.jobs.clear();
            state.pending = 0;
            self.ready.notify_all();
        }
    }
}

/// The most jobs a thread takes from the queue at once, and does between two looks at it.
const BATCH: usize = 16;

/// Reads the file of `job`; returns the file (for `mod name;`, the one it turned out to be).
fn process(job: Job, shared: &Shared<'_>, manifest_dir: &Path) -> (PathBuf, Outcome) {
    let mut outcome = Outcome::default();
    let mut job = match locate(job, manifest_dir) {
        Ok(job) => job,
        Err((file, error, absent)) => {
            outcome.errors.extend(error);
            outcome.absent = absent;
            return (file, outcome);
        }
    };
    let read = job.read.take();
    summarize(&job, read, shared, manifest_dir, &mut outcome);
    (job.file, outcome)
}

/// Decides which file a `mod name;` module is, the way rustc does: `name.rs`, or
/// `name/mod.rs`, but not both. Without a `name/` directory (a leaf, known from the
/// declaring directory's listing) the module is `name.rs`, and reading it finds out whether
/// it exists. With one, the listing tells whether `name.rs` is there (a `stat` when it is
/// not listed, for file systems that match names without case): if it is not, the module
/// is `name/mod.rs`, and reading finds out; if it is, one `stat` makes sure `name/mod.rs`
/// is not. The error, when the module is active, is reported at the declaration.
fn locate(mut job: Job, manifest_dir: &Path) -> Result<Job, (PathBuf, Option<ScanError>, bool)> {
    let Some(site) = job.site.as_ref().filter(|_| !job.leaf) else {
        return Ok(job);
    };
    let nested = job.file.with_extension("").join("mod.rs");
    if !(site.flat_listed || job.file.is_file()) {
        job.file = nested;
        job.flat = false;
        return Ok(job);
    }
    if !nested.is_file() {
        return Ok(job);
    }
    let name = job.module.rsplit("::").next().unwrap_or_default();
    let message = format!(
        "module `{name}` is both `{}` and `{}`; delete one of them",
        display_path(&job.file, manifest_dir),
        display_path(&nested, manifest_dir)
    );
    let error = job
        .active
        .then(|| job.error_at_site(site, manifest_dir, message));
    Err((job.file, error, false))
}

/// The two files a `mod name;` module can be, `name.rs` and `name/mod.rs`, as reported.
fn candidates(job: &Job, manifest_dir: &Path) -> (String, String) {
    let (flat, nested) = if job.flat {
        (job.file.clone(), job.file.with_extension("").join("mod.rs"))
    } else {
        let dir = job.file.parent().unwrap_or(&job.file);
        (dir.with_extension("rs"), job.file.clone())
    };
    (
        display_path(&flat, manifest_dir),
        display_path(&nested, manifest_dir),
    )
}

fn missing(name: &str, flat: &str, nested: &str) -> String {
    format!("file not found for module `{name}`: `{flat}` or `{nested}`")
}

/// Reads (or takes from the cache) the summary of the file of `job` and evaluates it;
/// `read` is the file's bytes and stamp when they were read already.
fn summarize(
    job: &Job,
    read: Option<(Option<Stamp>, Vec<u8>)>,
    shared: &Shared<'_>,
    manifest_dir: &Path,
    outcome: &mut Outcome,
) {
    let key = job.file.to_str();
    // With a cache entry, a `stat` decides; otherwise the file is read (and stamped from
    // the open file).
    let cached = key
        .and_then(|key| shared.cache.entry(key, &mut 0))
        .filter(|entry| entry.leaf == job.leaf)
        .filter(|entry| {
            std::fs::metadata(&job.file)
                .ok()
                .and_then(|metadata| Stamp::of(&metadata))
                == Some(entry.stamp)
        })
        .and_then(|entry| Some((entry.stamp, entry.summary()?, entry.line)));
    let (stamp, summary, cached_line) = if let Some((stamp, summary, line)) = cached {
        outcome.cached = true;
        (Some(stamp), summary, Some(line))
    } else {
        let Some((stamp, summary)) = read_summary(job, read, shared, manifest_dir, outcome) else {
            return;
        };
        (stamp, summary, None)
    };
    outcome.kind = Some(summary.kind);
    if !summary.items.is_empty() {
        let mut eval = Eval {
            chain: None,
            listing: None,
            shared,
            cfg: &shared.options.cfg,
            manifest_dir,
            job,
            shown: None,
            outcome,
        };
        let active = job.active && eval.cfg.holds_all(&summary.cfg);
        let mut conditions = job.cfg.clone();
        conditions.extend(summary.cfg.iter().cloned());
        let owner = Owner::of(&job.file, job.flat);
        eval.nodes(&summary.items, &job.module, &owner, active, &conditions);
    }
    outcome.line = match (cached_line, stamp, key) {
        (Some(line), _, _) => Some(line.to_owned()),
        (None, Some(stamp), Some(key)) => cache::line(key, stamp, job.leaf, &summary),
        _ => None,
    };
}

/// Reads the file of `job` (unless `read` has it already) and summarizes it; `None` when it
/// cannot be read or parsed, with the error in `outcome` when the module is active.
fn read_summary(
    job: &Job,
    read: Option<(Option<Stamp>, Vec<u8>)>,
    shared: &Shared<'_>,
    manifest_dir: &Path,
    outcome: &mut Outcome,
) -> Option<(Option<Stamp>, Summary)> {
    let shown = || display_path(&job.file, manifest_dir);
    let read = read.map_or_else(
        || self::read(&job.file, shared.options.cache_dir.is_some()),
        Ok,
    );
    let (stamp, text) = match read {
        Ok(read) => read,
        Err(err) => {
            outcome.absent = err.kind() == std::io::ErrorKind::NotFound;
            if job.active {
                outcome.errors.push(match &job.site {
                    // Neither `name.rs` nor `name/mod.rs` (see `locate`).
                    Some(site) if err.kind() == std::io::ErrorKind::NotFound => {
                        let name = job.module.rsplit("::").next().unwrap_or_default();
                        let (flat, nested) = candidates(job, manifest_dir);
                        job.error_at_site(site, manifest_dir, missing(name, &flat, &nested))
                    }
                    _ => ScanError::new(shown(), None, format!("cannot read the file: {err}")),
                });
            }
            return None;
        }
    };
    match parse::summarize(&text, job.leaf) {
        Ok(summary) => Some((stamp, summary)),
        Err(failure) => {
            // A file under a false cfg is not compiled, so it need not parse.
            if job.active {
                outcome.errors.push(ScanError::new(
                    shown(),
                    Some((failure.line, failure.column)),
                    format!("cannot parse this file: {}", failure.message),
                ));
            }
            None
        }
    }
}

/// The bytes of a file, and its stamp when `stamp` is asked for. `fs::read` rather than a
/// `Read` loop when there is no stamp: its body is compiled once, optimised, in the standard
/// library, while generic readers would be compiled here at the build script's opt-level 0.
/// With a stamp, [`read_into`] a buffer of its own: the system calls of `fs::read` (the
/// `stat` of the open file gives the stamp too) through `File` methods, which are compiled
/// there as well. Only the files that are parsed are checked for UTF-8 (see
/// `parse::summarize`).
fn read(path: &Path, stamp: bool) -> std::io::Result<(Option<Stamp>, Vec<u8>)> {
    if !stamp {
        return Ok((None, std::fs::read(path)?));
    }
    let mut buffer = Vec::new();
    let (stamp, bytes) = read_into(path, true, &mut buffer)?;
    let len = bytes.len();
    buffer.truncate(len);
    Ok((stamp, buffer))
}

/// Reads a file into `buffer` and returns its bytes, and its stamp when `stamp` is asked
/// for: the system calls of `fs::read`, without an allocation per file. The buffer grows
/// to the largest file read and is not cleared between files (a read overwrites what it
/// returns), so most files cost neither an allocation nor zeroing.
fn read_into<'b>(
    path: &Path,
    stamp: bool,
    buffer: &'b mut Vec<u8>,
) -> std::io::Result<(Option<Stamp>, &'b [u8])> {
    use std::io::Read as _;
    let mut file = std::fs::File::open(path)?;
    let metadata = file.metadata()?;
    let len = usize::try_from(metadata.len()).unwrap_or(usize::MAX);
    // Room for the whole file and one byte more, for a file that grew since the `stat`.
    if buffer.len() <= len {
        *buffer = vec![0; len.saturating_add(1)];
    }
    let mut filled = 0;
    loop {
        if filled == buffer.len() {
            // The file grew since the `stat`.
            buffer.resize(buffer.len().saturating_mul(2), 0);
        }
        match file.read(buffer.get_mut(filled..).unwrap_or_default()) {
            Ok(0) => break,
            // The length the stamp records: no further read to find the end. A file that
            // grew since is as if it grew after the read, and changes the stamp the next
            // build compares (and cargo's `rerun-if-changed` reruns the build script).
            Ok(read) if filled + read == len => {
                filled = len;
                break;
            }
            Ok(read) => filled += read,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    let stamp = if stamp { Stamp::of(&metadata) } else { None };
    Ok((stamp, buffer.get(..filled).unwrap_or_default()))
}

/// What the module lookups need of a directory's listing: the names of its subdirectories,
/// and which of those also have a `<name>.rs` file, each sorted.
#[derive(Default)]
struct Listing {
    dirs: Vec<OsString>,
    with_file: Vec<OsString>,
}

impl Listing {
    /// Lists `dir`; symbolic links count as what they point to. The entries' types come with
    /// the listing, so only links cost a `stat`.
    fn of(dir: &Path) -> Self {
        let mut listing = Self::default();
        let Ok(entries) = std::fs::read_dir(dir) else {
            return listing;
        };
        // The files' names are only looked at when there are subdirectories.
        let mut files = Vec::new();
        for entry in entries {
            let Ok(entry) = entry else { continue };
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let (is_dir, is_file) = if kind.is_symlink() {
                match std::fs::metadata(entry.path()) {
                    Ok(target) => (target.is_dir(), target.is_file()),
                    Err(_) => (false, false),
                }
            } else {
                (kind.is_dir(), kind.is_file())
            };
            if is_dir {
                listing.dirs.push(entry.file_name());
            } else if is_file {
                files.push(entry);
            }
        }
        listing.dirs.sort_unstable();
        if !listing.dirs.is_empty() {
            for file in files {
                let name = PathBuf::from(file.file_name());
                if let (Some(stem), Some("rs")) =
                    (name.file_stem(), name.extension().and_then(OsStr::to_str))
                    && listed(&listing.dirs, stem)
                {
                    listing.with_file.push(stem.to_os_string());
                }
            }
            listing.with_file.sort_unstable();
        }
        listing
    }
}

fn listed(names: &[OsString], name: &OsStr) -> bool {
    names
        .binary_search_by(|entry| entry.as_os_str().cmp(name))
        .is_ok()
}

/// A chain of enclosing module files.
#[derive(Debug)]
struct Ancestor {
    file: PathBuf,
    parent: Option<Arc<Ancestor>>,
}

impl Ancestor {
    fn contains(&self, file: &Path) -> bool {
        let mut link = Some(self);
        while let Some(ancestor) = link {
            if ancestor.file == file {
                return true;
            }
            link = ancestor.parent.as_deref();
        }
        false
    }
}

struct Eval<'a> {
    /// This file as an ancestor of the modules it declares, made when first needed.
    chain: Option<Arc<Ancestor>>,
    /// The directory modules were last looked up in and its listing: the declarations of
    /// one file share it, so one listing replaces `stat`s per module.
    listing: Option<(PathBuf, Listing)>,
    shared: &'a Shared<'a>,
    cfg: &'a CfgSet,
    manifest_dir: &'a Path,
    job: &'a Job,
    /// The file as reported, computed when first needed.
    shown: Option<Arc<str>>,
    outcome: &'a mut Outcome,
}

impl Eval<'_> {
    fn nodes(&mut self, nodes: &[Node], module: &str, owner: &Owner, active: bool, cfg: &[Pred]) {
        // The scope's leaves, in batches of `LEAF_BATCH` as they come.
        let mut scope = None;
        let mut batch = Vec::new();
        for node in nodes {
            match node {
                Node::Mod(decl) => {
                    let Some(leaf) = self.module(decl, module, owner, active, cfg) else {
                        continue;
                    };
                    batch.push(leaf);
                    if batch.len() == LEAF_BATCH {
                        let items = std::mem::take(&mut batch);
                        self.batch(&mut scope, items, module, owner, cfg);
                    }
                }
                Node::Annotation(annotation) => self.annotation(annotation, module, active, cfg),
            }
        }
        if !batch.is_empty() {
            self.batch(&mut scope, batch, module, owner, cfg);
        }
    }

    /// Queues a batch of the leaves of a scope, made when its first batch is.
    fn batch(
        &mut self,
        scope: &mut Option<Arc<Scope>>,
        items: Vec<Leaf>,
        module: &str,
        owner: &Owner,
        cfg: &[Pred],
    ) {
        let scope = if let Some(scope) = scope {
            Arc::clone(scope)
        } else {
            let made = Arc::new(Scope {
                module: module.to_owned(),
                base: owner.base.clone(),
                cfg: cfg.to_vec(),
                ancestors: self.chain(),
            });
            Arc::clone(scope.insert(made))
        };
        // Shared at once with a waiting thread: a file declaring many modules keeps the
        // other threads busy while it is evaluated.
        if let Some(task) = self.shared.offer(Task::Leaves(Leaves { scope, items })) {
            self.outcome.children.push(task);
        }
    }

    /// Evaluates a module declaration; a leaf (`mod name;` without a `name/` directory) is
    /// returned, for the batch of its scope.
    fn module(
        &mut self,
        decl: &ModDecl,
        parent: &str,
        owner: &Owner,
        active: bool,
        cfg: &[Pred],
    ) -> Option<Leaf> {
        let active = active && self.cfg.holds_all(&decl.cfg);
        let path = decl
            .paths
            .iter()
            .find(|(when, _)| self.cfg.holds_all(when))
            .map(|(_, path)| path);
        let mut flat_listed = false;
        if decl.body.is_none() && path.is_none() {
            let nested_dir;
            (nested_dir, flat_listed) = self.look_up(&owner.base, &decl.name);
            if !nested_dir {
                return Some(Leaf {
                    name: decl.name.clone(),
                    line: decl.line,
                    column: decl.column,
                    active,
                    cfg: decl.cfg.clone(),
                });
            }
        }
        let mut conditions = cfg.to_vec();
        conditions.extend(decl.cfg.iter().cloned());
        let mut module = String::with_capacity(parent.len() + 2 + decl.name.len());
        module.push_str(parent);
        module.push_str("::");
        module.push_str(&decl.name);
        match (&decl.body, path) {
            (Some(body), Some(path)) => {
                // For historical reasons, `#[path]` on an inline module names its directory.
                let owner = Owner::inline(normalize(&owner.dir.join(path)));
                self.nodes(body, &module, &owner, active, &conditions);
            }
            (Some(body), None) => {
                let owner = Owner::inline(owner.base.join(&decl.name));
                self.nodes(body, &module, &owner, active, &conditions);
            }
            (None, Some(path)) => {
                // `#[path]` files own their directory, like `mod.rs` files.
                let file = normalize(&owner.dir.join(path));
                if !file.is_file() {
                    self.missing(decl, active, &format!("`{path}` (from `#[path]`)"));
                    return None;
                }
                self.queue(Job::new(file, module, active, conditions), true);
            }
            (None, None) => {
                // A `name/` directory: `name.rs` or `name/mod.rs`, decided when the module
                // is processed.
                // Sized once: `join` and `push` would each reallocate.
                let mut file = PathBuf::from(OsString::with_capacity(
                    owner.base.as_os_str().len() + decl.name.len() + 4,
                ));
                file.push(&owner.base);
                file.push(&decl.name);
                file.as_mut_os_string().push(".rs");
                let mut job = Job::new(file, module, active, conditions);
                job.flat = true;
                job.site = Some(Site {
                    line: decl.line,
                    column: decl.column,
                    flat_listed,
                });
                self.queue(job, false);
            }
        }
        None
    }

    /// Whether `base` has a subdirectory `name`, and if so whether it has a file `name.rs`.
    fn look_up(&mut self, base: &Path, name: &str) -> (bool, bool) {
        if self.listing.as_ref().is_none_or(|(dir, _)| dir != base) {
            self.listing = Some((base.to_path_buf(), Listing::of(base)));
        }
        let Some((_, listing)) = &self.listing else {
            return (false, false);
        };
        let name = OsStr::new(name);
        let dir = listed(&listing.dirs, name);
        (dir, dir && listed(&listing.with_file, name))
    }

    fn shown(&mut self) -> Arc<str> {
        Arc::clone(
            self.shown
                .get_or_insert_with(|| display_path(&self.job.file, self.manifest_dir).into()),
        )
    }

    fn missing(&mut self, decl: &ModDecl, active: bool, candidates: &str) {
        if active {
            let message = format!("file not found for module `{}`: {candidates}", decl.name);
            self.error(decl, message);
        }
    }

    fn error(&mut self, decl: &ModDecl, message: String) {
        let file = self.shown().to_string();
        self.outcome.errors.push(ScanError::new(
            file,
            Some((decl.line, decl.column)),
            message,
        ));
    }

    /// This file as the nearest ancestor of the modules it declares.
    fn chain(&mut self) -> Arc<Ancestor> {
        Arc::clone(self.chain.get_or_insert_with(|| {
            Arc::new(Ancestor {
                file: self.job.file.clone(),
                parent: self.job.ancestors.clone(),
            })
        }))
    }

    /// Queues `child`, a module of this file; `via_path` when `#[path]` named it.
    fn queue(&mut self, mut child: Job, via_path: bool) {
        let ancestors = self.chain();
        // Only `#[path]` can lead back to an enclosing file.
        if via_path && ancestors.contains(&child.file) {
            if child.active {
                let shown = self.shown().to_string();
                self.outcome.errors.push(ScanError::new(
                    shown,
                    None,
                    format!(
                        "circular modules: `{}` includes a file that includes it",
                        child.module
                    ),
                ));
            }
            return;
        }
        child.ancestors = Some(ancestors);
        self.outcome.children.push(Task::Module(child));
    }

    fn annotation(&mut self, annotation: &Annotation, module: &str, active: bool, cfg: &[Pred]) {
        let active = active && self.cfg.holds_all(&annotation.cfg);
        let provenance = Provenance {
            file: self.shown().to_string(),
            line: annotation.line,
            column: annotation.column,
            module_path: module.to_owned(),
            function: annotation.function.clone(),
        };
        let args = match &annotation.args {
            Ok(args) => args,
            Err(reason) => {
                if active {
                    self.outcome.unresolved.push(Unresolved {
                        provenance,
                        reason: reason.clone(),
                    });
                }
                return;
            }
        };
        let mut conditions = cfg.to_vec();
        conditions.extend(annotation.cfg.iter().cloned());
        let found = Found {
            operation: args.op.clone(),
            mode: if args.is_async {
                Mode::Async
            } else {
                Mode::Sync
            },
            saveas: args.saveas.as_ref().map(|target| match target {
                Some(target) => Saveas::Target(target.clone()),
                None => Saveas::SourceBucket,
            }),
            notify: args.notify.clone(),
            bucket: args.bucket.clone(),
            batch: args.batch,
            trigger: args.trigger,
            provenance,
            cfg: Pred::conjunction(&conditions).map(|p| p.to_string()),
        };
        if active {
            self.outcome.found.push(found);
        } else {
            self.outcome.excluded.push(found);
        }
    }
}

/// `path` with `.` and `..` components resolved lexically.
fn normalize(path: &Path) -> PathBuf {
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

#[cfg(test)]
mod release_tests {
    use super::{Queue, Release};
    use std::sync::{Condvar, Mutex};

    #[test]
    fn a_panicking_thread_releases_the_waiting_ones() {
        let queue = Mutex::new(Queue {
            jobs: Vec::new(),
            pending: 1,
        });
        let ready = Condvar::new();
        std::thread::scope(|scope| {
            let waiter = scope.spawn(|| {
                let mut state = queue.lock().unwrap();
                while state.pending > 0 {
                    state = ready.wait(state).unwrap();
                }
            });
            let failing = scope.spawn(|| {
                let _release = Release {
                    queue: &queue,
                    ready: &ready,
                };
                panic!("a bug in the scan");
            });
            assert!(failing.join().is_err());
            assert!(waiter.join().is_ok());
        });
    }
}
