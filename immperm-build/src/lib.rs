//! The build engine of immperm: from a package's `#[requires_imm]` annotations to the RAM
//! policies of every principal involved, the lock file, and the table the attribute checks
//! itself against at compile time.
//!
//! Build scripts call [`export`]; the `immperm` command line uses [`Analysis`] and the
//! modules below. Applications depend on `immperm` (the attribute and the SDK), never on this
//! crate outside `[build-dependencies]`.
//!
//! # The four grants
//!
//! Code that calls IMM through OSS needs four grants across two principals (Alibaba Cloud's
//! "Permissions for IMM data processing"); [`generate`] derives each from the requirements:
//!
//! | grant | principal | what | generated as |
//! |---|---|---|---|
//! | 1. OSS | caller (RAM user or role) | `oss:GetObject`, `oss:ProcessImm` on the source objects; `oss:PostProcessTask` for every `POST` (asynchronous, or synchronous with `sys/saveas`); `oss:PutObject` on the save target | `caller.json` |
//! | 2. IMM | caller | each operation's IMM action, on the project (or `*`); `ram:PassRole` on the service role, always | `caller.json` |
//! | 3. IMM → OSS, SMQ | IMM service role | `oss:GetObject` on inputs, `oss:PutObject` on outputs, `mns:PublishMessage` on notification topics | `service-role.json` and `service-role-trust.json` for a custom role; nothing for `AliyunIMMDefaultRole`, whose `AliyunIMMRolePolicy` covers it |
//! | 4. batch, triggers | batch/trigger role | the permissions page's reference content; the caller also gets `imm:CreateBatch`/`imm:CreateTrigger` and `ram:PassRole` on the role | `batch-trigger-role.json`, only when batch processors or triggers run the work |
//!
//! No action is a wildcard except in the fourth grant's reference content; actions needed on
//! the same resources share a statement; the same requirements in any order give
//! byte-identical JSON. The types hold the rules: a mode an operation does not run in does
//! not compile, and a [`generate::CallerPolicy`] always grants `ram:PassRole` and, for
//! asynchronous requirements, `oss:PostProcessTask`.
//!
//! # Example
//!
//! ```
//! use immperm_build::generate::{self, ServiceRolePolicy};
//! use immperm_build::{mode, op, Requirement, SaveTarget, Scope};
//!
//! // What the code does: frame capture saved under `media-out/thumbs/`, and video metadata.
//! let requirements = [
//!     immperm_build::requirement::of::<op::VideoSnapshots, mode::Async>()
//!         .saveas(SaveTarget::parse("media-out/thumbs/")?)?,
//!     immperm_build::requirement::of::<op::VideoInfo, mode::Sync>(),
//! ];
//! // Where: the account, the region, the IMM project bound to the source bucket `media-in`.
//! let scope = Scope {
//!     account: "1234567890123456".into(),
//!     region: "cn-hangzhou".into(),
//!     project: Some("media".into()),
//!     buckets: vec!["media-in".into()],
//!     ..Scope::default()
//! };
//! let policies = generate::generate(&requirements, &scope)?;
//! assert_eq!(
//!     policies.caller().to_json_pretty(),
//!     r#"{
//!   "Version": "1",
//!   "Statement": [
//!     {
//!       "Effect": "Allow",
//!       "Action": [
//!         "imm:CreateMediaConvertTask",
//!         "imm:DetectMediaMeta"
//!       ],
//!       "Resource": "acs:imm:cn-hangzhou:1234567890123456:project/media"
//!     },
//!     {
//!       "Effect": "Allow",
//!       "Action": [
//!         "oss:GetObject",
//!         "oss:PostProcessTask",
//!         "oss:ProcessImm"
//!       ],
//!       "Resource": "acs:oss:*:*:media-in/*"
//!     },
//!     {
//!       "Effect": "Allow",
//!       "Action": "oss:PutObject",
//!       "Resource": "acs:oss:*:*:media-out/thumbs/*"
//!     },
//!     {
//!       "Effect": "Allow",
//!       "Action": "ram:PassRole",
//!       "Resource": "acs:ram:*:1234567890123456:role/aliyunimmdefaultrole"
//!     }
//!   ]
//! }
//! "#
//! );
//! // The default service role needs no document of its own.
//! assert!(matches!(policies.service_role(), ServiceRolePolicy::Default { .. }));
//! // Every grant traces back to the requirements behind it.
//! let put = policies.needs().needs.iter().find(|n| n.action == "oss:PutObject");
//! assert_eq!(put.map(|n| n.because.as_slice()), Some(&[0][..]));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod analysis;
pub mod audit;
pub mod config;
pub mod docs;
mod export;
pub mod generate;
pub mod lock;
pub mod project;
pub mod requirement;
pub mod scan;

/// The marker types of operations and modes, from the runtime crate.
pub use immperm::{mode, op};
/// The catalog of IMM operations invoked through OSS: actions, modes, evidence.
pub use immperm_catalog as catalog;

pub use analysis::{Analysis, AnalysisError};
pub use export::{
    BuildError, CHECK_VAR, Committed, EXPORT_DIR, LOCK_FILE, MISSING_INCLUDE_FILE, RUST_FILE,
    export,
};
pub use requirement::{Requirement, RequirementError, Runners, SaveTarget, Scope};
