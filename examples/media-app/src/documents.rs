//! Document conversion.

use immperm::requires_imm;
use immperm::sdk::{BuildError, Endpoint, Object, Process, ProcessRequest, params};

/// The request converting `document` to one PNG per page under `pages/` of the output bucket.
#[requires_imm(op = "doc/convert", async, saveas = "media-out/pages/")]
pub(crate) fn convert_to_pages(
    endpoint: &Endpoint,
    document: &str,
) -> Result<ProcessRequest, BuildError> {
    let stem = document.rsplit_once('.').map_or(document, |(stem, _)| stem);
    Process::new(
        Object::new("media-in", document)?,
        params::DocConvert::to(params::DocTarget::Png),
    )
    .save_as(Object::new(
        "media-out",
        format!("pages/{stem}/{{index}}.png"),
    )?)
    .build_async(endpoint, &IMM)
}
