//! Document previews, shared by the example services.

immperm::include_policies!();

use immperm::requires_imm;
use immperm::sdk::http::Request;
use immperm::sdk::{BuildError, Endpoint, Object, Process, params};

/// The request for a read-only online preview of `document` in `bucket`.
///
/// # Errors
/// An invalid bucket name or key.
#[requires_imm(op = "doc/preview", bucket = "media-docs")]
pub fn preview(endpoint: &Endpoint, document: &str) -> Result<Request<Vec<u8>>, BuildError> {
    Process::new(
        Object::new("media-docs", document)?,
        params::DocPreview::new()
            .print(false)
            .copy(false)
            .export(false),
    )
    .build_sync(endpoint, &IMM)
}
