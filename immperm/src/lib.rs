//! Least-privilege Alibaba Cloud RAM policies for IMM (Intelligent Media Management) used
//! through OSS, derived from the code that calls it and enforced by the compiler.
//!
//! See the README for the whole picture.
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

    /// One annotation the build script's scan saw, as the generated table lists it.
    #[derive(Clone, Copy, Debug)]
    pub struct Seen {
        /// The module path without the crate name (`media::thumbs`; empty at the root).
        pub module: &'static str,
        /// The function's name (for methods, without the type).
        pub function: &'static str,
        /// The operation as written.
        pub operation: &'static str,
        /// Whether `async` is declared.
        pub asynchronous: bool,
        /// The attribute's line.
        pub line: u32,
    }

    #[expect(
        clippy::indexing_slicing,
        reason = "bounded by the loop; const fn has no iterators"
    )]
    const fn eq(a: &str, b: &str) -> bool {
        let (a, b) = (a.as_bytes(), b.as_bytes());
        if a.len() != b.len() {
            return false;
        }
        let mut i = 0;
        while i < a.len() {
            if a[i] != b[i] {
                return false;
            }
            i += 1;
        }
        true
    }

    /// `module_path!()` without its first segment (the crate name).
    #[expect(
        clippy::indexing_slicing,
        reason = "bounded by the loop; const fn has no iterators"
    )]
    const fn strip_crate(path: &str) -> &str {
        let bytes = path.as_bytes();
        let mut i = 0;
        while i + 1 < bytes.len() {
            if bytes[i] == b':' && bytes[i + 1] == b':' {
                let (_, rest) = bytes.split_at(i + 2);
                return match core::str::from_utf8(rest) {
                    Ok(rest) => rest,
                    Err(_) => path,
                };
            }
            i += 1;
        }
        ""
    }

    /// Whether `table` lists the annotation; evaluated at compile time by every expansion.
    /// `table` is sorted by line (the generated one is): a binary search finds the entries of
    /// the line, so a crate of `n` annotations costs `n log n` steps of constant evaluation,
    /// not `n²`.
    #[expect(
        clippy::indexing_slicing,
        reason = "bounded by the loops; const fn has no iterators"
    )]
    pub const fn seen(
        table: &[Seen],
        module_path: &str,
        function: &str,
        operation: &str,
        asynchronous: bool,
        line: u32,
    ) -> bool {
        let module = strip_crate(module_path);
        let (mut low, mut high) = (0, table.len());
        while low < high {
            let middle = low + (high - low) / 2;
            if table[middle].line < line {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        let mut i = low;
        while i < table.len() && table[i].line == line {
            let entry = &table[i];
            if entry.asynchronous == asynchronous
                && eq(entry.function, function)
                && eq(entry.operation, operation)
                && eq(entry.module, module)
            {
                return true;
            }
            i += 1;
        }
        false
    }
}

/// A stand-in for the build script's export, for doctests and compile tests, which have no
/// build script: it defines the module `immperm_policies` with no policy and lets every
/// `#[requires_imm]` of the crate pass the check against the export's table. The crate's
/// annotations are then in no policy: never use it in a crate that ships.
#[macro_export]
macro_rules! policies_for_tests {
    () => {
        #[doc(hidden)]
        #[allow(dead_code, reason = "the expansion of `#[requires_imm]` reads it")]
        mod immperm_policies {
            pub(crate) const UNCHECKED: bool = true;
            pub(crate) const SEEN: &[::immperm::__private::Seen] = &[];
        }
    };
}

/// A table of seen annotations written by hand, `(module, function, operation, async,
/// line)` sorted by line, as the build script's export would generate it: for compile tests
/// of the check itself.
#[doc(hidden)]
#[macro_export]
macro_rules! __policies_seen {
    ($(($module:literal, $function:literal, $operation:literal, $asynchronous:literal, $line:literal)),* $(,)?) => {
        #[allow(dead_code, reason = "the expansion of `#[requires_imm]` reads it")]
        mod immperm_policies {
            pub(crate) const UNCHECKED: bool = false;
            pub(crate) const SEEN: &[::immperm::__private::Seen] = &[$(
                ::immperm::__private::Seen {
                    module: $module,
                    function: $function,
                    operation: $operation,
                    asynchronous: $asynchronous,
                    line: $line,
                }
            ),*];
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
