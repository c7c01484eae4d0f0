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

/// The bounds of the request builders: one trait per operation and mode, implemented by a
/// capability that declares it, so that a compile error names the operation and mode as the
/// attribute writes them (`` `video/convert` (async) is not declared for this function ``).
pub mod proof {
    immperm_macros::__operation_proofs!();
}

/// The catalog of IMM operations invoked through OSS: actions, modes, evidence.
pub use immperm_catalog as catalog;

pub use capability::Has;
#[doc(hidden)]
pub use immperm_macros::__policies_seen;
pub use immperm_macros::{include_policies, requires_imm};

/// What `#[requires_imm]` expands to refers to; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use crate::capability::{Declared, Has, Save, Sealed};
    pub use crate::mode::{self, ProcessingMode};
    pub use crate::op::{self, RunsIn};
}

/// A stand-in for the build script's export, for doctests and compile tests, which have no
/// build script: it defines the module `immperm_policies` with no policy, lets every
/// `#[requires_imm]` of the crate pass the check against the export's table, and lets its
/// capabilities read from any bucket. The crate's annotations are then in no policy: never
/// use it in a crate that ships.
#[macro_export]
macro_rules! policies_for_tests {
    () => {
        #[doc(hidden)]
        #[allow(dead_code)]
        mod immperm_policies {
            macro_rules! __immperm_doc {
                ($key:ident) => {
                    "\n# IMM permissions\n\nIn no policy: this code has no build-script export (`immperm::policies_for_tests!()`).\n"
                };
            }
            pub(crate) use __immperm_doc as doc;
            macro_rules! __immperm_check {
                ($key:ident) => {
                    ()
                };
            }
            pub(crate) use __immperm_check as check;
            pub(crate) const BUCKETS: &[&str] = &[];
        }
    };
}
