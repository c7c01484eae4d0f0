//! The catalog of IMM operations invoked through OSS: which RAM actions each needs, in which
//! processing modes it runs, whether its result can be saved with `sys/saveas` or announced
//! with `notify`, and how well each fact is documented.
//!
//! This crate is an implementation detail shared by `immperm` and `immperm-macros` so that the
//! facts have exactly one home. Depend on `immperm`, which re-exports it as `immperm::catalog`.

pub mod declaration;
#[cfg(feature = "grammar")]
pub mod grammar;
pub mod grants;
mod known;
mod names;
mod rules;
mod table;

pub use declaration::{Declaration, DeclarationError, Runners, SaveTarget, key, package_path};
pub use known::KNOWN_ACTIONS;
pub use names::{suggest, suggest_among, validate_bucket, validate_prefix, validate_topic};
pub use rules::{Violation, check};

/// The documentation date this catalog follows: the "last updated" date of Alibaba Cloud's
/// "OSS › Permissions for IMM data processing" page the table was checked against.
pub const CATALOG_VERSION: &str = "2026-03-20";

/// The file in the build script's `OUT_DIR` that `immperm::include_policies!()` includes.
pub const TABLE_FILE: &str = "immperm.rs";
/// The file in the build script's `OUT_DIR` that tells the attribute which crate roots lack
/// `include_policies!()`: one target a line, `<root>\t<the key that reports it>\t<keys>`.
pub const MISSING_INCLUDE_FILE: &str = "immperm-missing-include.txt";

/// The IMM service role IMM uses when a project names none.
pub const DEFAULT_SERVICE_ROLE: &str = "AliyunIMMDefaultRole";
/// The system policy attached to [`DEFAULT_SERVICE_ROLE`].
pub const DEFAULT_SERVICE_ROLE_POLICY: &str = "AliyunIMMRolePolicy";
/// The role IMM batch processors and triggers run as by default.
pub const DEFAULT_BATCH_TRIGGER_ROLE: &str = "AliyunIMMBatchTriggerRole";
/// The principal IMM's service roles trust.
pub const IMM_SERVICE_PRINCIPAL: &str = "imm.aliyuncs.com";
/// The action a role's trust policy grants to the principals that may assume it.
pub const STS_ASSUME_ROLE: &str = "sts:AssumeRole";
/// The OSS actions the role of IMM batch processors and triggers needs, on `*`: the
/// permissions page's reference content, verbatim (its wildcards included; the system policy
/// of [`DEFAULT_BATCH_TRIGGER_ROLE`] is not published, so this is the only documented list).
pub const BATCH_TRIGGER_ROLE_ACTIONS: &[&str] = &[
    "oss:Get*",
    "oss:List*",
    "oss:Process*",
    "oss:PostProcess*",
    "oss:Put*",
    "oss:PutBucketInventory",
    "oss:GetBucketInventory",
    "oss:ListBucketInventory",
    "oss:DeleteBucketInventory",
    "oss:PutBucketNotification",
    "oss:DeleteBucketNotification",
    "oss:StartEventRecord",
    "oss:StopEventRecord",
    "oss:GetEventRecordStatus",
];

/// The OSS actions every IMM call through OSS needs, on the source object.
pub const OSS_ALWAYS: [&str; 2] = ["oss:GetObject", "oss:ProcessImm"];
/// The OSS action a `POST` processing request needs on the source object: every asynchronous
/// request, and every synchronous one that saves with `sys/saveas`.
pub const OSS_POST_PROCESS: &str = "oss:PostProcessTask";
/// The OSS action `sys/saveas` needs on the destination object.
pub const OSS_SAVE: &str = "oss:PutObject";
/// The action that lets the caller hand IMM its service role.
pub const RAM_PASS_ROLE: &str = "ram:PassRole";
/// The action IMM's service role needs to publish completion notices.
pub const MNS_PUBLISH: &str = "mns:PublishMessage";
/// The action a caller needs to create an IMM batch processor.
pub const IMM_CREATE_BATCH: &str = "imm:CreateBatch";
/// The action a caller needs to create an IMM trigger.
pub const IMM_CREATE_TRIGGER: &str = "imm:CreateTrigger";
/// The retired 2017 action that stale examples still show for `doc/preview`/`doc/edit`.
/// Never emitted; [`legacy_replacement`] names what replaced it.
pub const LEGACY_WEBOFFICE_ACTION: &str = "imm:GetWebofficeURL";

/// How well a fact is documented.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Evidence {
    /// Stated in Alibaba Cloud's OSS page "Permissions for IMM data processing".
    PermissionsPage,
    /// Stated in another Alibaba Cloud document.
    Documented,
    /// Reasoned from adjacent facts; not stated by any document found.
    Inferred,
}

impl Evidence {
    /// The lowercase name used in listings.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::PermissionsPage => "permissions-page",
            Self::Documented => "documented",
            Self::Inferred => "inferred",
        }
    }
}

/// How a request invokes an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    /// `x-oss-process`: a `GET`, or a `POST` when the result is saved with `sys/saveas`.
    Sync,
    /// `x-oss-async-process`: always a `POST`; the result is saved or announced, never returned.
    Async,
}

impl Mode {
    /// `sync` or `async`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sync => "sync",
            Self::Async => "async",
        }
    }

    /// The OSS query parameter that selects this mode.
    pub const fn parameter(self) -> &'static str {
        match self {
            Self::Sync => "x-oss-process",
            Self::Async => "x-oss-async-process",
        }
    }
}

/// The processing modes an operation supports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Modes {
    /// Only `x-oss-process`.
    Sync,
    /// Only `x-oss-async-process`.
    Async,
    /// Both (e.g. `pointcloud/compress`: synchronous for small files, asynchronous above).
    Both,
}

impl Modes {
    /// Whether `mode` is one of these.
    pub const fn supports(self, mode: Mode) -> bool {
        matches!(
            (self, mode),
            (Self::Both, _) | (Self::Sync, Mode::Sync) | (Self::Async, Mode::Async)
        )
    }

    /// `sync`, `async` or `sync+async`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sync => "sync",
            Self::Async => "async",
            Self::Both => "sync+async",
        }
    }
}

/// Whether an operation's result can be saved with `sys/saveas`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SaveAs {
    /// The operation returns data (JSON, a token) or a notification; there is nothing to save.
    None,
    /// Saving is possible (a synchronous `POST`) and always happens when run asynchronously.
    Optional,
    /// The operation runs asynchronously and its result is always saved.
    Required,
}

impl SaveAs {
    /// `none`, `optional` or `required`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Optional => "optional",
            Self::Required => "required",
        }
    }
}

/// One IMM operation as written in `x-oss-process`/`x-oss-async-process`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Operation {
    /// The name as written in the request, e.g. `video/snapshots`.
    pub name: &'static str,
    /// The name of its marker type in `immperm::op`, e.g. `VideoSnapshots`.
    pub marker: &'static str,
    /// The IMM RAM actions the caller needs.
    pub actions: &'static [&'static str],
    /// The modes it runs in.
    pub modes: Modes,
    /// Whether the result can be saved with `sys/saveas`.
    pub saveas: SaveAs,
    /// Whether completion can be announced to an SMQ topic (asynchronous mode only).
    pub notify: bool,
    /// How well the action mapping is documented.
    pub evidence: Evidence,
    /// How well the supported modes are documented.
    pub modes_evidence: Evidence,
    /// Where the facts come from.
    pub source: &'static str,
    /// A caveat worth showing next to the operation; empty when there is none.
    pub note: &'static str,
}

impl Operation {
    /// Whether a request in `mode` saves its result: always for asynchronous operations whose
    /// result is saved, and when the caller asks for `sys/saveas` otherwise.
    pub const fn saves(&self, mode: Mode, saveas_requested: bool) -> bool {
        match (self.saveas, mode) {
            (SaveAs::None, _) => false,
            (SaveAs::Required | SaveAs::Optional, Mode::Async) => true,
            (SaveAs::Required | SaveAs::Optional, Mode::Sync) => saveas_requested,
        }
    }

    /// The OSS actions the caller needs on the source object for a request in `mode` that
    /// saves (`saves`) or not: `oss:GetObject` and `oss:ProcessImm` always, and
    /// `oss:PostProcessTask` for every `POST` (asynchronous, or synchronous with `sys/saveas`).
    /// `oss:PutObject` on the destination is separate: see [`OSS_SAVE`].
    pub fn caller_source_actions(mode: Mode, saves: bool) -> &'static [&'static str] {
        const GET: [&str; 2] = OSS_ALWAYS;
        const POST: [&str; 3] = ["oss:GetObject", "oss:PostProcessTask", "oss:ProcessImm"];
        if matches!(mode, Mode::Async) || saves {
            &POST
        } else {
            &GET
        }
    }

    /// The other operations that any of this operation's actions also unlock.
    pub fn collateral(&self) -> impl Iterator<Item = &'static Operation> + '_ {
        OPERATIONS.iter().filter(move |other| {
            other.name != self.name && other.actions.iter().any(|a| self.actions.contains(a))
        })
    }
}

macro_rules! __rows_to_entries {
    ($(
        $marker:ident {
            name: $name:literal, actions: [$($action:literal),+ $(,)?],
            modes: $modes:ident, saveas: $saveas:ident, notify: $notify:literal,
            evidence: $evidence:ident, modes_evidence: $modes_evidence:ident,
            source: $source:literal,
            note: $note:literal $(,)?
        }
    ),+ $(,)?) => {
        /// Every operation, one named constant each (named after its marker type).
        #[allow(non_upper_case_globals, reason = "named after the marker types")]
        pub mod entries {
            use super::{Evidence, Modes, Operation, SaveAs};
            $(
                #[doc = concat!("`", $name, "`")]
                pub const $marker: Operation = Operation {
                    name: $name,
                    marker: stringify!($marker),
                    actions: &[$($action),+],
                    modes: __rows_to_entries!(@modes $modes),
                    saveas: __rows_to_entries!(@saveas $saveas),
                    notify: $notify,
                    evidence: Evidence::$evidence,
                    modes_evidence: Evidence::$modes_evidence,
                    source: $source,
                    note: $note,
                };
            )+
        }

        /// Every operation of the catalog, in table order.
        pub const OPERATIONS: &[Operation] = &[$(entries::$marker),+];
    };
    (@modes sync) => { Modes::Sync };
    (@modes async) => { Modes::Async };
    (@modes both) => { Modes::Both };
    (@saveas none) => { SaveAs::None };
    (@saveas optional) => { SaveAs::Optional };
    (@saveas required) => { SaveAs::Required };
}

__for_each_operation!(__rows_to_entries);

/// An operation name that OSS serves itself, without IMM, and that is easily mistaken for an
/// IMM operation.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct NativeOperation {
    /// The name as written in `x-oss-process`.
    pub name: &'static str,
    /// What it is and which IMM operation may have been meant.
    pub note: &'static str,
}

/// OSS-native processing names that need no IMM permission.
pub const OSS_NATIVE: &[NativeOperation] = &[
    NativeOperation {
        name: "video/snapshot",
        note: "`video/snapshot` is OSS-native frame capture and needs no IMM permission; \
               IMM frame capture is `video/snapshots` (asynchronous)",
    },
    NativeOperation {
        name: "image/crop",
        note: "`image/crop` is OSS-native image processing and needs no IMM permission; \
               IMM smart cropping is `image/cropping`",
    },
    NativeOperation {
        name: "image/info",
        note: "`image/info` is OSS-native image processing and needs no IMM permission",
    },
    NativeOperation {
        name: "image/resize",
        note: "`image/resize` is OSS-native image processing and needs no IMM permission",
    },
    NativeOperation {
        name: "image/watermark",
        note: "`image/watermark` is OSS-native image processing and needs no IMM permission; \
               IMM blind watermarks are `image/blindwatermark`",
    },
];

/// Whether an IMM action can be scoped to a project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ImmResource {
    /// `acs:imm:<region>:<account>:project/<name>` (the `*Project` resource type).
    Project,
    /// Only `*`.
    Any,
}

/// What the catalog knows about one IMM action that an operation needs.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ImmAction {
    /// e.g. `imm:CreateMediaConvertTask`.
    pub name: &'static str,
    /// The resource it is granted on.
    pub resource: ImmResource,
    /// How well the resource type is documented.
    pub evidence: Evidence,
    /// A caveat; empty when there is none.
    pub note: &'static str,
}

const fn project_scoped(name: &'static str, evidence: Evidence) -> ImmAction {
    ImmAction {
        name,
        resource: ImmResource::Project,
        evidence,
        note: "",
    }
}

/// The IMM actions of [`OPERATIONS`] and of batch/trigger use, sorted by name.
pub const IMM_ACTIONS: &[ImmAction] = &[
    project_scoped("imm:CreateBatch", Evidence::Documented),
    project_scoped("imm:CreateCompressPointCloudTask", Evidence::Documented),
    project_scoped("imm:CreateDecodeBlindWatermarkTask", Evidence::Documented),
    project_scoped("imm:CreateMediaConvertTask", Evidence::Documented),
    project_scoped("imm:CreateOfficeConversionTask", Evidence::Inferred),
    project_scoped("imm:CreateTrigger", Evidence::Documented),
    project_scoped("imm:DetectImageBodies", Evidence::Inferred),
    project_scoped("imm:DetectImageCars", Evidence::Documented),
    project_scoped("imm:DetectImageCodes", Evidence::Inferred),
    project_scoped("imm:DetectImageCropping", Evidence::Inferred),
    project_scoped("imm:DetectImageFaces", Evidence::Inferred),
    project_scoped("imm:DetectImageLabels", Evidence::Inferred),
    project_scoped("imm:DetectImageScore", Evidence::Inferred),
    project_scoped("imm:DetectMediaMeta", Evidence::Inferred),
    project_scoped("imm:EncodeBlindWatermark", Evidence::Inferred),
    project_scoped("imm:GenerateVideoPlaylist", Evidence::Documented),
    ImmAction {
        name: "imm:GenerateWebofficeToken",
        resource: ImmResource::Any,
        evidence: Evidence::Inferred,
        note: "the API reference lists the *Project resource type, but users report that RAM \
               denies any resource other than `*`; `*` is granted so document preview and edit \
               do not fail",
    },
    project_scoped("imm:LiveTranscoding", Evidence::Inferred),
];

/// Looks up an operation by its request name (`video/snapshots`).
pub fn lookup(name: &str) -> Option<&'static Operation> {
    OPERATIONS.iter().find(|op| op.name == name)
}

/// Looks up an OSS-native processing name (`video/snapshot`).
pub fn native(name: &str) -> Option<&'static NativeOperation> {
    OSS_NATIVE.iter().find(|op| op.name == name)
}

/// Looks up what the catalog knows about an IMM action (case-insensitively, as RAM matches
/// actions).
pub fn imm_action(name: &str) -> Option<&'static ImmAction> {
    IMM_ACTIONS
        .iter()
        .find(|action| action.name.eq_ignore_ascii_case(name))
}

/// The operations an action unlocks: granting `imm:CreateMediaConvertTask` for
/// `video/snapshots` also allows `video/convert`, `audio/concat` and the rest.
pub fn unlocked_by(action: &str) -> impl Iterator<Item = &'static Operation> + '_ {
    OPERATIONS.iter().filter(move |op| {
        op.actions
            .iter()
            .any(|candidate| candidate.eq_ignore_ascii_case(action))
    })
}

/// The current action that replaced a retired one, for actions stale examples still show.
pub fn legacy_replacement(action: &str) -> Option<&'static str> {
    action
        .eq_ignore_ascii_case(LEGACY_WEBOFFICE_ACTION)
        .then_some("imm:GenerateWebofficeToken")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    const PERMISSIONS_PAGE: [(&str, &str); 18] = [
        ("image/cropping", "imm:DetectImageCropping"),
        ("image/faces", "imm:DetectImageFaces"),
        ("video/convert", "imm:CreateMediaConvertTask"),
        ("video/animation", "imm:CreateMediaConvertTask"),
        ("video/sprite", "imm:CreateMediaConvertTask"),
        ("video/snapshots", "imm:CreateMediaConvertTask"),
        ("video/concat", "imm:CreateMediaConvertTask"),
        ("video/info", "imm:DetectMediaMeta"),
        ("audio/convert", "imm:CreateMediaConvertTask"),
        ("audio/concat", "imm:CreateMediaConvertTask"),
        ("audio/info", "imm:DetectMediaMeta"),
        ("doc/convert", "imm:CreateOfficeConversionTask"),
        ("doc/edit", "imm:GenerateWebofficeToken"),
        ("doc/preview", "imm:GenerateWebofficeToken"),
        ("doc/snapshot", "imm:CreateOfficeConversionTask"),
        ("pointcloud/compress", "imm:CreateCompressPointCloudTask"),
        ("hls/m3u8", "imm:GenerateVideoPlaylist"),
        ("hls/ts", "imm:LiveTranscoding"),
    ];

    #[test]
    fn every_operation_of_the_permissions_page_maps_to_its_action() {
        for (name, action) in PERMISSIONS_PAGE {
            let op = lookup(name).unwrap_or_else(|| panic!("{name} missing"));
            assert_eq!(op.actions, [action], "{name}");
            assert_eq!(op.evidence, Evidence::PermissionsPage, "{name}");
        }
        let from_page = OPERATIONS
            .iter()
            .filter(|op| op.evidence == Evidence::PermissionsPage)
            .count();
        assert_eq!(from_page, PERMISSIONS_PAGE.len());
    }

    #[test]
    fn operations_outside_the_page_are_marked_inferred() {
        for name in [
            "image/bodies",
            "image/cars",
            "image/codes",
            "image/labels",
            "image/score",
            "image/blindwatermark",
            "image/deblindwatermark",
        ] {
            let op = lookup(name).unwrap_or_else(|| panic!("{name} missing"));
            assert_eq!(op.evidence, Evidence::Inferred, "{name}");
            assert!(!op.note.is_empty(), "{name} explains its inference");
        }
    }

    #[test]
    fn names_and_markers_are_unique() {
        let names: BTreeSet<_> = OPERATIONS.iter().map(|op| op.name).collect();
        let markers: BTreeSet<_> = OPERATIONS.iter().map(|op| op.marker).collect();
        assert_eq!(names.len(), OPERATIONS.len());
        assert_eq!(markers.len(), OPERATIONS.len());
    }

    #[test]
    fn every_action_is_described_and_the_legacy_one_is_never_used() {
        for op in OPERATIONS {
            for action in op.actions {
                assert!(imm_action(action).is_some(), "{action} of {}", op.name);
                assert_ne!(*action, LEGACY_WEBOFFICE_ACTION);
                assert!(!action.contains('*'), "{action} is a wildcard");
            }
        }
        let sorted: Vec<_> = IMM_ACTIONS.iter().map(|a| a.name).collect();
        let mut expected = sorted.clone();
        expected.sort_unstable();
        assert_eq!(sorted, expected);
        assert_eq!(
            legacy_replacement("imm:GetWebofficeURL"),
            Some("imm:GenerateWebofficeToken")
        );
    }

    #[test]
    fn video_snapshot_is_native_not_imm() {
        assert!(lookup("video/snapshot").is_none());
        assert!(native("video/snapshot").is_some());
        assert!(OSS_NATIVE.iter().all(|n| lookup(n.name).is_none()));
    }

    #[test]
    fn media_convert_unlocks_the_seven_media_operations() {
        let unlocked: Vec<_> = unlocked_by("imm:createmediaconverttask")
            .map(|op| op.name)
            .collect();
        assert_eq!(
            unlocked,
            [
                "video/convert",
                "video/animation",
                "video/sprite",
                "video/snapshots",
                "video/concat",
                "audio/convert",
                "audio/concat"
            ]
        );
        let snapshots = lookup("video/snapshots").map(|op| op.collateral().count());
        assert_eq!(snapshots, Some(6));
    }

    #[test]
    fn post_requests_need_post_process_task() {
        let sync = Operation::caller_source_actions(Mode::Sync, false);
        assert_eq!(sync, ["oss:GetObject", "oss:ProcessImm"]);
        for (mode, saves) in [
            (Mode::Async, true),
            (Mode::Async, false),
            (Mode::Sync, true),
        ] {
            assert!(Operation::caller_source_actions(mode, saves).contains(&OSS_POST_PROCESS));
        }
    }

    #[test]
    fn saving_follows_the_mode() {
        let snapshots = lookup("video/snapshots").map(|op| op.saves(Mode::Async, false));
        assert_eq!(snapshots, Some(true));
        let info = lookup("video/info").map(|op| op.saves(Mode::Sync, true));
        assert_eq!(info, Some(false));
        let doc_snapshot = lookup("doc/snapshot");
        assert_eq!(
            doc_snapshot.map(|op| op.saves(Mode::Sync, false)),
            Some(false)
        );
        assert_eq!(
            doc_snapshot.map(|op| op.saves(Mode::Sync, true)),
            Some(true)
        );
        for op in OPERATIONS {
            if op.saveas == SaveAs::Required {
                assert_eq!(op.modes, Modes::Async, "{}", op.name);
            }
        }
    }
}

/// The name under which the build script's table lists an annotation, and under which the
/// attribute's expansion looks it up: the function, the operation, the mode, and the file name
/// and line of the attribute, as one identifier
/// (`make_thumbnails__video_snapshots__async__thumbs_rs_31`).
///
/// Both sides know these without I/O: the scan from the source, the attribute from its
/// tokens and its span. The file name is the last path component only, because the path the
/// compiler reports and the path the scan walks are spelled differently.
pub fn seen_key(
    file: &str,
    line: usize,
    function: &str,
    operation: &str,
    asynchronous: bool,
) -> String {
    let name = file.rsplit(['/', '\\']).next().unwrap_or(file);
    let ident = |text: &str| -> String {
        text.chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect()
    };
    let function = function.rsplit("::").next().unwrap_or(function);
    let function = function.strip_prefix("r#").unwrap_or(function);
    let mode = if asynchronous { "async" } else { "sync" };
    format!(
        "{}__{}__{mode}__{}_{line}",
        ident(function),
        ident(operation),
        ident(name)
    )
}

#[cfg(test)]
mod seen_key_tests {
    use super::seen_key;

    #[test]
    fn keys_are_identifiers_of_the_annotation() {
        assert_eq!(
            seen_key(
                "src/media/thumbs.rs",
                31,
                "make_thumbnails",
                "video/snapshots",
                true
            ),
            "make_thumbnails__video_snapshots__async__thumbs_rs_31"
        );
        assert_eq!(
            seen_key(
                "C:\\crate\\src\\lib.rs",
                4,
                "Probe::r#type",
                "video/info",
                false
            ),
            "type__video_info__sync__lib_rs_4"
        );
    }
}
