//! The `credsite` command line: parses arguments and runs one command from [`cmd`].
//!
//! Exit codes: 0 success, 1 invalid input or failed verification, 2 other errors.

#![forbid(unsafe_code)]

mod cmd;

use std::process::ExitCode;

use clap::Parser;

/// A build allocates and frees a few small strings and maps per credential, from
/// every core at once; mimalloc does that faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cmd::Cli::parse();
    match cmd::run(cli) {
        Ok(code) => code,
        Err(err) => {
            let err = credsite::Error::from(err);
            eprintln!("error: {err}");
            if let credsite::Error::Other(inner) = &err {
                for cause in inner.chain().skip(1) {
                    eprintln!("  caused by: {cause}");
                }
            }
            ExitCode::from(err.exit_code())
        }
    }
}
