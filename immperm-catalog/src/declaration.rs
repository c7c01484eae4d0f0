//! What one `#[requires_imm(...)]` declares, in its one canonical form: the operation and
//! mode, the source bucket, where the result is saved, the notification topic and who runs
//! it. The attribute, the build script's scan and the generator all hold this same value
//! (the attribute and the scan read it with [`crate::grammar`]), so what compiled and what
//! the policy covers cannot disagree unnoticed: [`key`] names a function's declarations for
//! the compile-time check.

use std::fmt::{self, Write as _};
use std::path::{Component, Path};

use crate::{Mode, Operation, check, lookup, native, suggest};

/// Where `sys/saveas` writes: a bucket (the source bucket when `None`) and a key prefix.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SaveTarget {
    bucket: Option<String>,
    prefix: String,
}

impl SaveTarget {
    /// Anywhere in the source bucket.
    pub fn source_bucket() -> Self {
        Self {
            bucket: None,
            prefix: String::new(),
        }
    }

    /// Parses `bucket/prefix` (or `bucket`), as written in `saveas = "..."`.
    ///
    /// # Errors
    /// An invalid bucket name or prefix.
    pub fn parse(target: &str) -> Result<Self, DeclarationError> {
        let (bucket, prefix) = target.split_once('/').unwrap_or((target, ""));
        crate::validate_bucket(bucket).map_err(DeclarationError::InvalidBucket)?;
        crate::validate_prefix(prefix).map_err(DeclarationError::InvalidPrefix)?;
        Ok(Self {
            bucket: Some(bucket.to_owned()),
            prefix: prefix.to_owned(),
        })
    }

    /// The output bucket; `None` for the source bucket.
    pub fn bucket(&self) -> Option<&str> {
        self.bucket.as_deref()
    }

    /// The key prefix; empty for the whole bucket.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }
}

/// Who runs the operation besides the caller's own request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Runners {
    /// An IMM batch processor runs it.
    pub batch: bool,
    /// An IMM trigger runs it.
    pub trigger: bool,
}

/// One declared use of an IMM operation through OSS, valid by the catalog's rules.
///
/// Built from an attribute's tokens by [`crate::grammar::parse`], or step by step:
///
/// ```
/// use immperm_catalog::{Declaration, Mode, SaveTarget};
///
/// let thumbnails = Declaration::new("video/snapshots", Mode::Async)?
///     .saveas(SaveTarget::parse("media-out/thumbs/")?)?
///     .notify("jobs")?;
/// assert_eq!(
///     thumbnails.canonical(),
///     r#"op = "video/snapshots", async, saveas = "media-out/thumbs/", notify = "jobs""#
/// );
/// # Ok::<(), immperm_catalog::DeclarationError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Declaration {
    operation: &'static Operation,
    mode: Mode,
    bucket: Option<String>,
    /// `saveas` as written: `None` when not written.
    saveas: Option<SaveTarget>,
    notify: Option<String>,
    runners: Runners,
}

impl Declaration {
    /// The use of the operation named `name` in `mode`.
    ///
    /// Asynchronous uses of operations whose result is saved save into the source bucket
    /// until [`saveas`](Self::saveas) names another target.
    ///
    /// # Errors
    /// An unknown operation (with suggestions), or a mode the operation does not run in.
    pub fn new(name: &str, mode: Mode) -> Result<Self, DeclarationError> {
        let operation = lookup(name).ok_or_else(|| DeclarationError::unknown(name))?;
        Self::of(operation, mode)
    }

    /// The use of `operation` in `mode`.
    ///
    /// # Errors
    /// A mode the operation does not run in.
    pub fn of(operation: &'static Operation, mode: Mode) -> Result<Self, DeclarationError> {
        if let Some(violation) = check(operation, mode, false, false).first() {
            return Err(DeclarationError::Rule(violation.message(operation)));
        }
        Ok(Self {
            operation,
            mode,
            bucket: None,
            saveas: None,
            notify: None,
            runners: Runners::default(),
        })
    }

    /// Saves the result with `sys/saveas` into `target`.
    ///
    /// # Errors
    /// The operation produces nothing to save.
    pub fn saveas(mut self, target: SaveTarget) -> Result<Self, DeclarationError> {
        self.rule(true, false)?;
        self.saveas = Some(target);
        Ok(self)
    }

    /// Announces completion to the SMQ topic `topic`.
    ///
    /// # Errors
    /// An invalid topic name, a synchronous use, or an operation that sends no notices.
    pub fn notify(mut self, topic: &str) -> Result<Self, DeclarationError> {
        crate::validate_topic(topic).map_err(DeclarationError::InvalidTopic)?;
        self.rule(false, true)?;
        self.notify = Some(topic.to_owned());
        Ok(self)
    }

    /// Reads the source object from `bucket` rather than the crate's default buckets.
    ///
    /// # Errors
    /// An invalid bucket name.
    pub fn bucket(mut self, bucket: &str) -> Result<Self, DeclarationError> {
        crate::validate_bucket(bucket).map_err(DeclarationError::InvalidBucket)?;
        self.bucket = Some(bucket.to_owned());
        Ok(self)
    }

    /// Marks the use as run by an IMM batch processor and/or trigger.
    #[must_use]
    pub fn run_by(mut self, runners: Runners) -> Self {
        self.runners = runners;
        self
    }

    fn rule(&self, saveas: bool, notify: bool) -> Result<(), DeclarationError> {
        match check(self.operation, self.mode, saveas, notify).first() {
            Some(violation) => Err(DeclarationError::Rule(violation.message(self.operation))),
            None => Ok(()),
        }
    }

    /// The catalog row of the operation.
    pub fn operation(&self) -> &'static Operation {
        self.operation
    }

    /// The processing mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The source bucket, when the declaration names one.
    pub fn source_bucket(&self) -> Option<&str> {
        self.bucket.as_deref()
    }

    /// `saveas` as written, when it is.
    pub fn saveas_written(&self) -> Option<&SaveTarget> {
        self.saveas.as_ref()
    }

    /// Where the result is saved, when it is: the written target, or the source bucket for
    /// an asynchronous operation that saves without one.
    pub fn save_target(&self) -> Option<SaveTarget> {
        self.operation
            .saves(self.mode, self.saveas.is_some())
            .then(|| {
                self.saveas
                    .clone()
                    .unwrap_or_else(SaveTarget::source_bucket)
            })
    }

    /// Whether the request saves its result (and so needs `oss:PutObject` on the target).
    pub fn saves(&self) -> bool {
        self.operation.saves(self.mode, self.saveas.is_some())
    }

    /// The SMQ topic completion notices go to.
    pub fn notify_topic(&self) -> Option<&str> {
        self.notify.as_deref()
    }

    /// Who runs the operation besides the caller.
    pub fn runners(&self) -> Runners {
        self.runners
    }

    /// The declaration as the attribute's arguments, in the documented key order, with
    /// exactly what was declared: `op = "video/snapshots", async, notify = "jobs"`. Equal
    /// declarations have equal canonical forms, whatever order their keys were written in.
    pub fn canonical(&self) -> String {
        let mut text = format!("op = {:?}", self.operation.name);
        if self.mode == Mode::Async {
            text.push_str(", async");
        }
        match &self.saveas {
            Some(SaveTarget {
                bucket: Some(bucket),
                prefix,
            }) => {
                let _ = write!(text, ", saveas = {:?}", format!("{bucket}/{prefix}"));
            }
            Some(SaveTarget { bucket: None, .. }) => text.push_str(", saveas"),
            None => {}
        }
        if let Some(topic) = &self.notify {
            let _ = write!(text, ", notify = {topic:?}");
        }
        if let Some(bucket) = &self.bucket {
            let _ = write!(text, ", bucket = {bucket:?}");
        }
        if self.runners.batch {
            text.push_str(", batch");
        }
        if self.runners.trigger {
            text.push_str(", trigger");
        }
        text
    }
}

impl fmt::Display for Declaration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#[requires_imm({})]", self.canonical())
    }
}

/// A declaration that breaks a rule of the catalog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeclarationError {
    /// No catalog operation has this name.
    UnknownOperation {
        /// The name as given.
        name: String,
        /// The nearest catalog names.
        suggestions: Vec<&'static str>,
        /// Set when the name is an OSS-native operation that needs no IMM permission.
        native: Option<&'static str>,
    },
    /// A rule of the catalog (mode, saveas, notify), described.
    Rule(String),
    /// An invalid bucket name, described.
    InvalidBucket(String),
    /// An invalid key prefix, described.
    InvalidPrefix(String),
    /// An invalid SMQ topic name, described.
    InvalidTopic(String),
}

impl DeclarationError {
    pub(crate) fn unknown(name: &str) -> Self {
        Self::UnknownOperation {
            name: name.to_owned(),
            suggestions: suggest(name),
            native: native(name).map(|native| native.note),
        }
    }
}

impl fmt::Display for DeclarationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownOperation {
                name,
                suggestions,
                native,
            } => {
                write!(f, "unknown IMM operation `{name}`")?;
                if let [first, rest @ ..] = suggestions.as_slice() {
                    write!(f, "; did you mean `{first}`")?;
                    for other in rest {
                        write!(f, " or `{other}`")?;
                    }
                    f.write_str("?")?;
                }
                if let Some(note) = native {
                    write!(f, " ({note})")?;
                }
                Ok(())
            }
            Self::Rule(message)
            | Self::InvalidBucket(message)
            | Self::InvalidPrefix(message)
            | Self::InvalidTopic(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for DeclarationError {}

/// The name under which the build script's table lists a function's declarations and under
/// which the attribute's expansion looks them up: the function's name and a hash of the
/// file (its path within the package, `/`-separated), the function and every declaration's
/// canonical form, in the order written. Anything that changes the policy changes the key.
///
/// ```
/// use immperm_catalog::{Declaration, Mode, key};
///
/// let info = Declaration::new("video/info", Mode::Sync)?;
/// let key = key("src/probe.rs", "probe", &[&info]);
/// assert!(key.starts_with("probe__"));
/// assert_ne!(key, immperm_catalog::key("src/bin/other.rs", "probe", &[&info]));
/// # Ok::<(), immperm_catalog::DeclarationError>(())
/// ```
pub fn key(file: &str, function: &str, declarations: &[&Declaration]) -> String {
    // FNV-1a, 64 bits: stable across platforms and releases, which `std`'s hasher is not.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for byte in bytes {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        hash ^= 0xff;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    };
    feed(file.as_bytes());
    let function = function.strip_prefix("r#").unwrap_or(function);
    feed(function.as_bytes());
    for declaration in declarations {
        feed(declaration.canonical().as_bytes());
    }
    let name: String = function
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("{name}__{hash:016x}")
}

/// A source file's path within its package, as [`key`] takes it: relative to the package
/// directory, `/`-separated, with `.` and `..` resolved lexically (`src/thumbs.rs`;
/// `../shared/media.rs` for a file outside the package). Relative `file`s are taken from
/// `cwd` (the compiler's working directory, where cargo runs it from). The attribute and the
/// build script's scan both name files with this, so their keys agree.
pub fn package_path(package_dir: &Path, cwd: &Path, file: &Path) -> String {
    let absolute = |path: &Path| -> Vec<String> {
        let joined = if path.is_absolute() {
            path.to_path_buf()
        } else {
            cwd.join(path)
        };
        let mut parts: Vec<String> = Vec::new();
        for component in joined.components() {
            match component {
                Component::CurDir => {}
                Component::ParentDir => {
                    parts.pop();
                }
                Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
                Component::RootDir | Component::Prefix(_) => {
                    parts.push(component.as_os_str().to_string_lossy().into_owned());
                }
            }
        }
        parts
    };
    let base = absolute(package_dir);
    let target = absolute(file);
    let common = base.iter().zip(&target).take_while(|(a, b)| a == b).count();
    let ups = std::iter::repeat_n("..".to_owned(), base.len().saturating_sub(common));
    ups.chain(target.into_iter().skip(common))
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declaration(name: &str, mode: Mode) -> Declaration {
        Declaration::new(name, mode).unwrap_or_else(|e| unreachable!("{e}"))
    }

    #[test]
    fn asynchronous_media_saves_into_the_source_bucket() {
        let snapshots = declaration("video/snapshots", Mode::Async);
        assert_eq!(snapshots.save_target(), Some(SaveTarget::source_bucket()));
        assert_eq!(snapshots.saveas_written(), None);
        assert!(!declaration("video/info", Mode::Sync).saves());
    }

    #[test]
    fn construction_follows_the_catalogs_rules() {
        let err = Declaration::new("video/snapshot", Mode::Async).err();
        assert_eq!(
            err.map(|e| e.to_string()).as_deref(),
            Some(
                "unknown IMM operation `video/snapshot`; did you mean `video/snapshots`? \
                 (`video/snapshot` is OSS-native frame capture and needs no IMM permission; \
                 IMM frame capture is `video/snapshots` (asynchronous))"
            )
        );
        let err = Declaration::new("video/info", Mode::Async).err();
        assert!(
            matches!(err, Some(DeclarationError::Rule(m)) if m.contains("only runs synchronously"))
        );
        let err = declaration("video/info", Mode::Sync)
            .saveas(SaveTarget::source_bucket())
            .err();
        assert!(matches!(err, Some(DeclarationError::Rule(m)) if m.contains("nothing to save")));
        let err = declaration("doc/snapshot", Mode::Sync).notify("jobs").err();
        assert!(
            matches!(err, Some(DeclarationError::Rule(m)) if m.starts_with("`notify` only applies"))
        );
    }

    #[test]
    fn save_targets_parse_bucket_and_prefix() {
        let target = SaveTarget::parse("media-out/thumbs/").ok();
        assert_eq!(
            target.as_ref().and_then(SaveTarget::bucket),
            Some("media-out")
        );
        assert_eq!(target.as_ref().map(SaveTarget::prefix), Some("thumbs/"));
        assert!(matches!(
            SaveTarget::parse("Media/x"),
            Err(DeclarationError::InvalidBucket(_))
        ));
    }

    #[test]
    fn canonical_forms_hold_every_field_in_one_order() {
        let full = declaration("video/convert", Mode::Async)
            .bucket("media-in")
            .and_then(|d| d.notify("jobs"))
            .and_then(|d| d.saveas(SaveTarget::parse("media-out/mp4/")?))
            .map(|d| {
                d.run_by(Runners {
                    batch: true,
                    trigger: true,
                })
            });
        assert_eq!(
            full.map(|d| d.canonical()).ok().as_deref(),
            Some(
                r#"op = "video/convert", async, saveas = "media-out/mp4/", notify = "jobs", bucket = "media-in", batch, trigger"#
            )
        );
        let bare = declaration("doc/snapshot", Mode::Sync).saveas(SaveTarget::source_bucket());
        assert_eq!(
            bare.map(|d| d.canonical()).ok().as_deref(),
            Some(r#"op = "doc/snapshot", saveas"#)
        );
    }

    #[test]
    fn package_paths_are_relative_and_lexical() {
        let package = Path::new("/work/app");
        let cwd = Path::new("/work");
        assert_eq!(
            package_path(package, cwd, Path::new("app/src/./thumbs.rs")),
            "src/thumbs.rs"
        );
        assert_eq!(
            package_path(package, cwd, Path::new("/work/app/src/bin/../main.rs")),
            "src/main.rs"
        );
        assert_eq!(
            package_path(package, cwd, Path::new("/work/shared/media.rs")),
            "../shared/media.rs"
        );
    }

    #[test]
    fn keys_change_with_everything_that_changes_the_policy() {
        let info = declaration("video/info", Mode::Sync);
        let elsewhere = info
            .clone()
            .bucket("archive")
            .unwrap_or_else(|_| unreachable!());
        let base = key("src/main.rs", "probe", &[&info]);
        assert_eq!(base, key("src/main.rs", "r#probe", &[&info]));
        let others = [
            key("src/bin/probe.rs", "probe", &[&info]),
            key("src/main.rs", "probe_again", &[&info]),
            key("src/main.rs", "probe", &[&elsewhere]),
            key("src/main.rs", "probe", &[&info, &info]),
        ];
        for other in &others {
            assert_ne!(&base, other);
        }
        assert!(
            base.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "{base}"
        );
    }
}
