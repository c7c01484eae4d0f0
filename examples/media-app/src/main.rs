//! An example media service. Each function that invokes IMM through OSS declares it with
//! `#[requires_imm]` and builds its request with the capability the declaration gives it, so
//! the policies in `policy/` (regenerated on every build) cover every request it can send.
//!
//! `cargo run -p media-app -- <video> <document>` prints the requests it would send.

immperm::include_policies!();

mod documents;
mod probe;
mod thumbs;

use immperm::sdk::Endpoint;
use immperm::sdk::ProcessRequest;

fn show(what: &str, request: &ProcessRequest) {
    println!("{what}: {} {}", request.method(), request.uri());
    if !request.body().is_empty() {
        println!("  {}", String::from_utf8_lossy(request.body()));
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let video = args
        .next()
        .unwrap_or_else(|| "uploads/holiday.mp4".to_owned());
    let document = args.next().unwrap_or_else(|| "reports/q3.docx".to_owned());
    let endpoint = Endpoint::region("cn-hangzhou")?;
    show("probe", &probe::probe_video(&endpoint, &video)?);
    show("thumbnails", &thumbs::make_thumbnails(&endpoint, &video)?);
    show("pages", &documents::convert_to_pages(&endpoint, &document)?);
    show("preview", &media_kit::preview(&endpoint, &document)?);
    if let Some(caller) = immperm_policies::CALLER {
        println!("\ncaller policy:\n{caller}");
    }
    Ok(())
}
