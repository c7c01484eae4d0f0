//! The operation table: the only place the facts about IMM operations invoked through OSS live.
//!
//! Each row is read three ways from this one macro: as `const` data (this crate), as marker
//! types with their mode impls (`immperm::op`), and by the attribute (through this crate's data).
//!
//! Row grammar:
//! `Marker { name, actions: [..], modes: sync|async|both, saveas: none|optional|required,
//!   notify: bool, evidence: Level, modes_evidence: Level, source: "..", note: ".." }`
//!
//! Sources are the ones listed in the reference fact sheet; `permissions page` is Alibaba
//! Cloud's "OSS › Permissions for IMM data processing" (updated 2026-03-20).

/// Calls `$callback! { rows }` with every row of the operation table.
#[doc(hidden)]
#[macro_export]
macro_rules! __for_each_operation {
    ($callback:path) => {
        $callback! {
            ImageCropping {
                name: "image/cropping", actions: ["imm:DetectImageCropping"],
                modes: sync, saveas: none, notify: false,
                evidence: PermissionsPage, modes_evidence: Documented,
                source: "permissions page; OSS synchronous processing (image/* is x-oss-process)",
                note: "returns JSON; nothing to save",
            },
            ImageFaces {
                name: "image/faces", actions: ["imm:DetectImageFaces"],
                modes: sync, saveas: none, notify: false,
                evidence: PermissionsPage, modes_evidence: Documented,
                source: "permissions page; IMM image intelligence (synchronous)",
                note: "returns JSON; nothing to save",
            },
            ImageBodies {
                name: "image/bodies", actions: ["imm:DetectImageBodies"],
                modes: sync, saveas: none, notify: false,
                evidence: Inferred, modes_evidence: Documented,
                source: "IMM image intelligence lists the operation; the action is named after the DetectImageBodies API",
                note: "action inferred from the API name; not in the permissions page",
            },
            ImageCars {
                name: "image/cars", actions: ["imm:DetectImageCars"],
                modes: sync, saveas: none, notify: false,
                evidence: Inferred, modes_evidence: Documented,
                source: "IMM image intelligence lists the operation; DetectImageCars API (resource *Project)",
                note: "action inferred from the API name; not in the permissions page",
            },
            ImageCodes {
                name: "image/codes", actions: ["imm:DetectImageCodes"],
                modes: sync, saveas: none, notify: false,
                evidence: Inferred, modes_evidence: Documented,
                source: "IMM image intelligence lists the operation; the action is named after the DetectImageCodes API",
                note: "action inferred from the API name; not in the permissions page",
            },
            ImageLabels {
                name: "image/labels", actions: ["imm:DetectImageLabels"],
                modes: sync, saveas: none, notify: false,
                evidence: Inferred, modes_evidence: Documented,
                source: "IMM image intelligence lists the operation; the action is named after the DetectImageLabels API",
                note: "action inferred from the API name; not in the permissions page",
            },
            ImageScore {
                name: "image/score", actions: ["imm:DetectImageScore"],
                modes: sync, saveas: none, notify: false,
                evidence: Inferred, modes_evidence: Documented,
                source: "IMM image intelligence lists the operation; no API page found",
                note: "action name not found in any Alibaba document: inferred from the operation's name",
            },
            ImageBlindWatermark {
                name: "image/blindwatermark", actions: ["imm:EncodeBlindWatermark"],
                modes: sync, saveas: optional, notify: false,
                evidence: Inferred, modes_evidence: Documented,
                source: "OSS blind watermark page (adding is x-oss-process; the result may be saved)",
                note: "action inferred from the EncodeBlindWatermark API name",
            },
            ImageDeblindWatermark {
                name: "image/deblindwatermark", actions: ["imm:CreateDecodeBlindWatermarkTask"],
                modes: async, saveas: none, notify: true,
                evidence: Inferred, modes_evidence: Documented,
                source: "OSS blind watermark page (decoding is x-oss-async-process); CreateDecodeBlindWatermarkTask API",
                note: "the decoded text arrives in the notification, nothing is saved; action inferred from the API name",
            },
            VideoConvert {
                name: "video/convert", actions: ["imm:CreateMediaConvertTask"],
                modes: async, saveas: required, notify: true,
                evidence: PermissionsPage, modes_evidence: Documented,
                source: "permissions page; OSS asynchronous processing",
                note: "",
            },
            VideoAnimation {
                name: "video/animation", actions: ["imm:CreateMediaConvertTask"],
                modes: async, saveas: required, notify: true,
                evidence: PermissionsPage, modes_evidence: Documented,
                source: "permissions page; OSS asynchronous processing",
                note: "",
            },
            VideoSprite {
                name: "video/sprite", actions: ["imm:CreateMediaConvertTask"],
                modes: async, saveas: required, notify: true,
                evidence: PermissionsPage, modes_evidence: Documented,
                source: "permissions page; OSS asynchronous processing",
                note: "",
            },
            VideoSnapshots {
                name: "video/snapshots", actions: ["imm:CreateMediaConvertTask"],
                modes: async, saveas: required, notify: true,
                evidence: PermissionsPage, modes_evidence: Documented,
                source: "permissions page; OSS asynchronous processing",
                note: "not `video/snapshot`, which is OSS-native frame capture",
            },
            VideoConcat {
                name: "video/concat", actions: ["imm:CreateMediaConvertTask"],
                modes: async, saveas: required, notify: true,
                evidence: PermissionsPage, modes_evidence: Documented,
                source: "permissions page; OSS asynchronous processing",
                note: "",
            },
            VideoInfo {
                name: "video/info", actions: ["imm:DetectMediaMeta"],
                modes: sync, saveas: none, notify: false,
                evidence: PermissionsPage, modes_evidence: Documented,
                source: "permissions page; OSS synchronous processing",
                note: "returns JSON; nothing to save",
            },
            AudioConvert {
                name: "audio/convert", actions: ["imm:CreateMediaConvertTask"],
                modes: async, saveas: required, notify: true,
                evidence: PermissionsPage, modes_evidence: Documented,
                source: "permissions page; OSS asynchronous processing",
                note: "",
            },
            AudioConcat {
                name: "audio/concat", actions: ["imm:CreateMediaConvertTask"],
                modes: async, saveas: required, notify: true,
                evidence: PermissionsPage, modes_evidence: Documented,
                source: "permissions page; OSS asynchronous processing",
                note: "",
            },
            AudioInfo {
                name: "audio/info", actions: ["imm:DetectMediaMeta"],
                modes: sync, saveas: none, notify: false,
                evidence: PermissionsPage, modes_evidence: Documented,
                source: "permissions page; OSS synchronous processing",
                note: "returns JSON; nothing to save",
            },
            DocConvert {
                name: "doc/convert", actions: ["imm:CreateOfficeConversionTask"],
                modes: async, saveas: required, notify: true,
                evidence: PermissionsPage, modes_evidence: Documented,
                source: "permissions page; OSS asynchronous processing and message notification examples",
                note: "",
            },
            DocEdit {
                name: "doc/edit", actions: ["imm:GenerateWebofficeToken"],
                modes: sync, saveas: none, notify: false,
                evidence: PermissionsPage, modes_evidence: Documented,
                source: "permissions page; OSS action list",
                note: "the permissions page's document example still shows the retired imm:GetWebofficeURL (2017 API); it is never emitted",
            },
            DocPreview {
                name: "doc/preview", actions: ["imm:GenerateWebofficeToken"],
                modes: sync, saveas: none, notify: false,
                evidence: PermissionsPage, modes_evidence: Documented,
                source: "permissions page; OSS action list",
                note: "the permissions page's document example still shows the retired imm:GetWebofficeURL (2017 API); it is never emitted",
            },
            DocSnapshot {
                name: "doc/snapshot", actions: ["imm:CreateOfficeConversionTask"],
                modes: sync, saveas: optional, notify: false,
                evidence: PermissionsPage, modes_evidence: Documented,
                source: "permissions page; OSS action list (CreateOfficeConversionTask covers conversion and snapshots)",
                note: "saving the thumbnail with sys/saveas (a POST) is inferred",
            },
            PointcloudCompress {
                name: "pointcloud/compress", actions: ["imm:CreateCompressPointCloudTask"],
                modes: both, saveas: optional, notify: true,
                evidence: PermissionsPage, modes_evidence: Documented,
                source: "permissions page; OSS file processing (synchronous up to 20 MB, asynchronous above)",
                note: "notify only in the asynchronous mode",
            },
            HlsM3u8 {
                name: "hls/m3u8", actions: ["imm:GenerateVideoPlaylist"],
                modes: sync, saveas: optional, notify: false,
                evidence: PermissionsPage, modes_evidence: Inferred,
                source: "permissions page; OSS live transcoding playlist page",
                note: "sent as a synchronous request whose playlist may be saved: reported by third parties, not documented",
            },
            HlsTs {
                name: "hls/ts", actions: ["imm:LiveTranscoding"],
                modes: sync, saveas: none, notify: false,
                evidence: PermissionsPage, modes_evidence: Inferred,
                source: "permissions page; third-party reports of synchronous segment fetches",
                note: "the mode is reported by third parties, not documented",
            },
        }
    };
}
