//! Document previews, shared by the example services.

immperm::include_policies!();

use immperm::requires_imm;
use immperm::sdk::{BuildError, Endpoint, Object, Process, ProcessRequest, params};

/// The request for a read-only online preview of `document` in `bucket`.
///
/// # Errors
/// An invalid bucket name or key.
#[requires_imm(op = "doc/preview", bucket = "media-docs")]
pub fn preview(endpoint: &Endpoint, document: &str) -> Result<ProcessRequest, BuildError> {
    Process::new(
        Object::new("media-docs", document)?,
        params::DocPreview::new()
            .print(false)
            .copy(false)
            .export(false),
    )
    .build_sync(endpoint, &IMM)
}
