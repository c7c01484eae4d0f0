//! Least-privilege Alibaba Cloud RAM policies for IMM (Intelligent Media Management) used
//! through OSS, derived from the code that calls it and enforced by the compiler.
//!
//! See the README for the whole picture.

pub mod capability;
pub mod mode;
pub mod op;
pub mod requirement;

/// The catalog of IMM operations invoked through OSS: actions, modes, evidence.
pub use immperm_catalog as catalog;

pub use capability::Has;
pub use requirement::{Requirement, RequirementError, Runners, SaveTarget, Scope};
