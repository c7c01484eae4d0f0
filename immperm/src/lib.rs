//! Least-privilege Alibaba Cloud RAM policies for IMM (Intelligent Media Management) used
//! through OSS, derived from the code that calls it and enforced by the compiler.
//!
//! # In an application
//!
//! Mark each function that invokes IMM through OSS with [`requires_imm`], run the export from
//! `build.rs` (`immperm_build::export()`, from the `immperm-build` build dependency), and
//! include what it generates once at the crate root with [`include_policies!`]. The request
//! builders of the SDK layer (feature `sdk`) only compile where their operation is declared:
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
//! The policies themselves are derived by the build engine (`immperm-build`) and the
//! `immperm` command line (`immperm policy`, `explain`, `lock --check`, `check`, `catalog`);
//! the README shows the whole set-up. This crate is what applications link: the attribute,
//! the capability and its markers, and the SDK; nothing of the build engine.

pub mod capability;
pub mod mode;
pub mod op;
#[cfg(feature = "sdk")]
pub mod sdk;

/// The catalog of IMM operations invoked through OSS: actions, modes, evidence.
pub use immperm_catalog as catalog;

pub use capability::Has;
pub use immperm_macros::requires_imm;
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

/// Includes what the build script's export (`immperm_build::export`) generated: the module
/// `immperm_policies` with the policy documents as constants (`CALLER`, `SERVICE_ROLE`,
/// `SERVICE_ROLE_TRUST`, `BATCH_TRIGGER_ROLE`, `LOCK`) and the table of annotations every
/// `#[requires_imm]` checks itself against. Call it once, at the crate root.
#[macro_export]
macro_rules! include_policies {
    () => {
        include!(concat!(env!("OUT_DIR"), "/immperm.rs"));
    };
}
