//! The `socialcare` binary.

use std::process::ExitCode;

fn main() -> ExitCode {
    socialcare_api::cli::main()
}
