//! Least-privilege Alibaba Cloud RAM policies for IMM (Intelligent Media Management) used
//! through OSS, derived from the code that calls it and enforced by the compiler.
//!
//! # In an application
//!
//! Mark each function that invokes IMM through OSS with [`requires_imm`], run the export from
//! `build.rs` (feature `build`: `immperm::build::export()`), and include what it generates
//! once at the crate root. Every build then writes `policy/*.json` and `immperm.lock`, and
//! the request builders of the SDK layer (feature `sdk`) only compile where their operation
//! is declared:
//!
//! ```
//! # immperm::policies_for_tests!(); // in a crate with the export: `immperm::include_policies!();`
//! use immperm::requires_imm;
//!
//! /// Thumbnails of `video`, saved under `media-out/thumbs/`, announced on `jobs`.
//! #[requires_imm(op = "video/snapshots", async, saveas = "media-out/thumbs/", notify = "jobs")]
//! fn make_thumbnails(video: &str) -> String {
//!     // `IMM` is this function's capability: proof for request builders that
//!     // `video/snapshots` (async) is declared here.
//!     fn declared(_: &impl immperm::Has<immperm::op::VideoSnapshots, immperm::mode::Async>) {}
//!     declared(&IMM);
//!     format!("{video}?x-oss-async-process")
//! }
//! # fn main() { assert!(make_thumbnails("a.mp4").ends_with("process")); }
//! ```
//!
//! The `immperm` command line (`immperm policy`, `explain`, `lock --check`, `check`,
//! `catalog`) reads the same annotations; the README shows the whole set-up.
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
//! use immperm::generate::{self, ServiceRolePolicy};
//! use immperm::{mode, op, Requirement, SaveTarget, Scope};
//!
//! // What the code does: frame capture saved under `media-out/thumbs/`, and video metadata.
//! let requirements = [
//!     Requirement::of::<op::VideoSnapshots, mode::Async>()
//!         .saveas(SaveTarget::parse("media-out/thumbs/")?)?,
//!     Requirement::of::<op::VideoInfo, mode::Sync>(),
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

pub mod audit;
#[cfg(feature = "build")]
pub mod build;
pub mod capability;
pub mod config;
pub mod eval;
pub mod generate;
pub mod lock;
pub mod mode;
pub mod op;
pub mod policy;
pub mod requirement;
#[cfg(feature = "build")]
pub mod scan;
#[cfg(feature = "sdk")]
pub mod sdk;

/// The catalog of IMM operations invoked through OSS: actions, modes, evidence.
pub use immperm_catalog as catalog;

pub use capability::Has;
pub use immperm_macros::requires_imm;
pub use requirement::{Requirement, RequirementError, Runners, SaveTarget, Scope};

/// What `#[requires_imm]` expands to refers to; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use crate::capability::Has;
    pub use crate::mode::{self, ProcessingMode};
    pub use crate::op::{self, RunsIn};
}

/// A stand-in for the build script's export, for doctests and compile tests, which have no
/// build script: it defines the module `immperm_policies` with no policy and lets every
/// `#[requires_imm]` of the crate pass the check against the export's table. The crate's
/// annotations are then in no policy: never use it in a crate that ships.
#[macro_export]
macro_rules! policies_for_tests {
    () => {
        #[doc(hidden)]
        mod immperm_policies {
            macro_rules! __immperm_check {
                ($key:ident) => {
                    ()
                };
            }
            pub(crate) use __immperm_check as check;
        }
    };
}

/// A table of seen annotations written by hand, by key (`immperm::catalog::seen_key`), as the
/// build script's export would generate it: for compile tests of the check itself.
#[doc(hidden)]
#[macro_export]
#[expect(
    clippy::crate_in_macro_def,
    reason = "the table is the calling crate's, at its root, like the generated one"
)]
macro_rules! __policies_seen {
    ($($key:ident),* $(,)?) => {
        mod immperm_policies {
            #[allow(non_camel_case_types, dead_code, reason = "named after the annotations")]
            pub(crate) mod seen_by_build_script {
                $(pub(crate) struct $key;)*
            }
            macro_rules! __immperm_check {
                ($k:ident) => {
                    crate::immperm_policies::seen_by_build_script::$k
                };
            }
            pub(crate) use __immperm_check as check;
        }
    };
}

/// Includes what the build script's export (`immperm::build::export`, feature `build`) generated: the module
/// `immperm_policies` with the policy documents as constants (`CALLER`, `SERVICE_ROLE`,
/// `SERVICE_ROLE_TRUST`, `BATCH_TRIGGER_ROLE`, `LOCK`) and the table of annotations every
/// `#[requires_imm]` checks itself against. Call it once, at the crate root.
#[macro_export]
macro_rules! include_policies {
    () => {
        include!(concat!(env!("OUT_DIR"), "/immperm.rs"));
    };
}
