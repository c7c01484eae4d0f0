//! Exports this crate's `#[requires_imm]` annotations to its policy and lock file.

fn main() {
    if let Err(error) = immperm_build::export() {
        eprintln!("{error}");
        std::process::exit(1);
    }
}
