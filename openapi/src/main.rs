//! Regenerates `openapi/openapi.json` from the code, or checks that it is current.
//!
//! - `cargo run -p socialcare-openapi` writes the file;
//! - `cargo run -p socialcare-openapi -- --check` exits 1 when the committed file is stale.

use std::path::PathBuf;
use std::process::ExitCode;

/// Where the committed contract lives.
fn contract_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openapi.json")
}

fn main() -> ExitCode {
    let check = std::env::args().skip(1).any(|a| a == "--check");
    let fresh = socialcare_api::openapi::document_text();
    let path = contract_path();
    if check {
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed == fresh {
            eprintln!("{} is up to date", path.display());
            ExitCode::SUCCESS
        } else {
            eprintln!(
                "{} is stale: regenerate it with `cargo run -p socialcare-openapi` and commit it",
                path.display()
            );
            ExitCode::FAILURE
        }
    } else {
        match std::fs::write(&path, fresh) {
            Ok(()) => {
                eprintln!("wrote {}", path.display());
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("cannot write {}: {error}", path.display());
                ExitCode::FAILURE
            }
        }
    }
}
