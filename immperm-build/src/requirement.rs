//! What code needs: one declared use of an IMM operation ([`Requirement`]) and where the
//! policies apply ([`Scope`]).

use std::fmt;

use crate::catalog::{self, Mode};
use immperm::mode::ProcessingMode;
use immperm::op::RunsIn;

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
    pub fn parse(target: &str) -> Result<Self, RequirementError> {
        let (bucket, prefix) = target.split_once('/').unwrap_or((target, ""));
        catalog::validate_bucket(bucket).map_err(RequirementError::InvalidBucket)?;
        catalog::validate_prefix(prefix).map_err(RequirementError::InvalidPrefix)?;
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

/// Who runs the operation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Runners {
    /// An IMM batch processor runs it (`imm:CreateBatch`).
    pub batch: bool,
    /// An IMM trigger runs it (`imm:CreateTrigger`).
    pub trigger: bool,
}

/// One declared use of an IMM operation through OSS.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Requirement {
    operation: &'static catalog::Operation,
    mode: Mode,
    bucket: Option<String>,
    saveas: Option<SaveTarget>,
    notify: Option<String>,
    runners: Runners,
}

impl Requirement {
    /// The use of operation `O` in mode `M`, checked by the compiler: an asynchronous use of a
    /// synchronous-only operation, or the reverse, does not compile.
    ///
    /// Asynchronous uses of operations whose result is saved save into the source bucket
    /// until [`saveas`](Self::saveas) names another target.
    ///
    /// ```
    /// use immperm_build::{mode, op, Requirement};
    /// let thumbnails = Requirement::of::<op::VideoSnapshots, mode::Async>();
    /// assert_eq!(thumbnails.operation().name, "video/snapshots");
    /// assert!(thumbnails.saves());
    /// ```
    pub fn of<O: RunsIn<M>, M: ProcessingMode>() -> Self {
        Self::unchecked(O::ENTRY, M::MODE)
    }

    /// The use of the operation named `name` in `mode`, checked at run time (for names read
    /// from source code or configuration).
    ///
    /// # Errors
    /// An unknown operation (with suggestions), or a mode the operation does not run in.
    pub fn new(name: &str, mode: Mode) -> Result<Self, RequirementError> {
        let operation = catalog::lookup(name).ok_or_else(|| RequirementError::unknown(name))?;
        if let Some(violation) = catalog::check(operation, mode, false, false).first() {
            return Err(RequirementError::Rule(violation.message(operation)));
        }
        Ok(Self::unchecked(operation, mode))
    }

    fn unchecked(operation: &'static catalog::Operation, mode: Mode) -> Self {
        let saveas = operation.saves(mode, false).then(SaveTarget::source_bucket);
        Self {
            operation,
            mode,
            bucket: None,
            saveas,
            notify: None,
            runners: Runners::default(),
        }
    }

    /// Saves the result with `sys/saveas` into `target`.
    ///
    /// # Errors
    /// The operation produces nothing to save.
    pub fn saveas(mut self, target: SaveTarget) -> Result<Self, RequirementError> {
        self.rule(true, false)?;
        self.saveas = Some(target);
        Ok(self)
    }

    /// Announces completion to the SMQ topic `topic`.
    ///
    /// # Errors
    /// An invalid topic name, a synchronous use, or an operation that sends no notices.
    pub fn notify(mut self, topic: &str) -> Result<Self, RequirementError> {
        catalog::validate_topic(topic).map_err(RequirementError::InvalidTopic)?;
        self.rule(false, true)?;
        self.notify = Some(topic.to_owned());
        Ok(self)
    }

    /// Reads the source object from `bucket` rather than the scope's default buckets.
    ///
    /// # Errors
    /// An invalid bucket name.
    pub fn bucket(mut self, bucket: &str) -> Result<Self, RequirementError> {
        catalog::validate_bucket(bucket).map_err(RequirementError::InvalidBucket)?;
        self.bucket = Some(bucket.to_owned());
        Ok(self)
    }

    /// Marks the use as run by an IMM batch processor and/or trigger.
    #[must_use]
    pub fn run_by(mut self, runners: Runners) -> Self {
        self.runners = runners;
        self
    }

    fn rule(&self, saveas: bool, notify: bool) -> Result<(), RequirementError> {
        match catalog::check(self.operation, self.mode, saveas, notify).first() {
            Some(violation) => Err(RequirementError::Rule(violation.message(self.operation))),
            None => Ok(()),
        }
    }

    /// The catalog row of the operation.
    pub fn operation(&self) -> &'static catalog::Operation {
        self.operation
    }

    /// The processing mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The source bucket, when the requirement names one.
    pub fn source_bucket(&self) -> Option<&str> {
        self.bucket.as_deref()
    }

    /// Where the result is saved, when it is.
    pub fn save_target(&self) -> Option<&SaveTarget> {
        self.saveas.as_ref()
    }

    /// Whether the request saves its result (and so needs `oss:PutObject` on the target).
    pub fn saves(&self) -> bool {
        self.saveas.is_some()
    }

    /// The SMQ topic completion notices go to.
    pub fn notify_topic(&self) -> Option<&str> {
        self.notify.as_deref()
    }

    /// Who runs the operation besides the caller.
    pub fn runners(&self) -> Runners {
        self.runners
    }
}

/// A requirement that breaks a rule of the catalog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequirementError {
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

impl RequirementError {
    fn unknown(name: &str) -> Self {
        Self::UnknownOperation {
            name: name.to_owned(),
            suggestions: catalog::suggest(name),
            native: catalog::native(name).map(|native| native.note),
        }
    }
}

impl fmt::Display for RequirementError {
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

impl std::error::Error for RequirementError {}

/// Where the generated policies apply. Every field defaults to the choice of Alibaba Cloud's
/// permissions page: any account and region, IMM resource `*`, the role
/// `AliyunIMMDefaultRole`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Scope {
    /// The account id (`1234567890123456`), or `*`.
    pub account: String,
    /// The region id (`cn-hangzhou`), or `*`.
    pub region: String,
    /// The IMM project bound to the buckets; `None` grants IMM actions on `*`.
    pub project: Option<String>,
    /// The IMM service role of the project.
    pub service_role: String,
    /// The role IMM batch processors and triggers run as.
    pub batch_trigger_role: String,
    /// The source buckets of requirements that name none. Empty means any bucket
    /// (`acs:oss:*:*:*`), which the generator reports.
    pub buckets: Vec<String>,
}

impl Default for Scope {
    fn default() -> Self {
        Self {
            account: "*".to_owned(),
            region: "*".to_owned(),
            project: None,
            service_role: catalog::DEFAULT_SERVICE_ROLE.to_owned(),
            batch_trigger_role: catalog::DEFAULT_BATCH_TRIGGER_ROLE.to_owned(),
            buckets: Vec::new(),
        }
    }
}

impl Scope {
    /// Whether the service role is IMM's default one, whose system policy
    /// (`AliyunIMMRolePolicy`) already covers what IMM needs.
    pub fn uses_default_service_role(&self) -> bool {
        self.service_role
            .eq_ignore_ascii_case(catalog::DEFAULT_SERVICE_ROLE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{mode, op};

    #[test]
    fn asynchronous_media_saves_into_the_source_bucket() {
        let req = Requirement::of::<op::VideoSnapshots, mode::Async>();
        assert_eq!(req.save_target(), Some(&SaveTarget::source_bucket()));
        let info = Requirement::of::<op::VideoInfo, mode::Sync>();
        assert!(!info.saves());
    }

    #[test]
    fn runtime_construction_follows_the_same_rules() {
        let err = Requirement::new("video/snapshot", Mode::Async).err();
        assert_eq!(
            err.map(|e| e.to_string()).as_deref(),
            Some(
                "unknown IMM operation `video/snapshot`; did you mean `video/snapshots`? \
                 (`video/snapshot` is OSS-native frame capture and needs no IMM permission; \
                 IMM frame capture is `video/snapshots` (asynchronous))"
            )
        );
        let err = Requirement::new("video/info", Mode::Async).err();
        assert!(
            matches!(err, Some(RequirementError::Rule(m)) if m.contains("only runs synchronously"))
        );
        let err = Requirement::of::<op::VideoInfo, mode::Sync>()
            .saveas(SaveTarget::source_bucket())
            .err();
        assert!(matches!(err, Some(RequirementError::Rule(m)) if m.contains("nothing to save")));
        let err = Requirement::of::<op::DocSnapshot, mode::Sync>()
            .notify("jobs")
            .err();
        assert!(
            matches!(err, Some(RequirementError::Rule(m)) if m.starts_with("`notify` only applies"))
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
            Err(RequirementError::InvalidBucket(_))
        ));
    }
}
