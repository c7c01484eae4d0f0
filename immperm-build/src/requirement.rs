//! What code needs: one declared use of an IMM operation ([`Requirement`], the catalog's
//! canonical [`Declaration`](immperm_catalog::Declaration)) and where the policies apply
//! ([`Scope`]).

use crate::catalog;
use immperm::mode::ProcessingMode;
use immperm::op::RunsIn;

pub use immperm_catalog::{
    Declaration as Requirement, DeclarationError as RequirementError, Runners, SaveTarget,
};

/// The use of operation `O` in mode `M`, checked by the compiler: an asynchronous use of a
/// synchronous-only operation, or the reverse, does not compile.
///
/// ```
/// use immperm_build::{mode, op, requirement};
/// let thumbnails = requirement::of::<op::VideoSnapshots, mode::Async>();
/// assert_eq!(thumbnails.operation().name, "video/snapshots");
/// assert!(thumbnails.saves());
/// ```
pub fn of<O: RunsIn<M>, M: ProcessingMode>() -> Requirement {
    Requirement::of(O::ENTRY, M::MODE)
        .unwrap_or_else(|_| unreachable!("`RunsIn<M>` holds only for the modes the catalog lists"))
}

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
