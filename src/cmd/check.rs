//! `credsite check`: everything `build` does, without writing anything.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use credsite::issuer::{KeySource, keys};

use super::{AsOf, Global};

/// Loads, validates, signs and renders everything without writing (no secret key needed).
#[derive(clap::Args)]
pub struct Args {
    /// Read the secret key from this file [default: <root>/keys/issuer.key].
    #[arg(long, env = "CREDSITE_SECRET_KEY")]
    key: Option<PathBuf>,
    #[command(flatten)]
    as_of: AsOf,
}

pub fn run(global: &Global, args: Args) -> Result<ExitCode> {
    let options = super::options(&global.root, args.key, &args.as_of)?;
    let report = credsite::check(&options)?;
    match report.key {
        KeySource::Throwaway { published: true } => eprintln!(
            "note: the secret key is not here; checked with a throwaway key (the site's public key {} was not used to sign).",
            global.root.join(keys::PUBLIC_KEY_FILE).display()
        ),
        KeySource::Throwaway { published: false } => eprintln!(
            "note: the site has no issuer key yet; checked with a throwaway key (`credsite build` creates the real one)."
        ),
        _ => {}
    }
    super::summary(&report, options.as_of, global.verbose);
    if report.new > 0 {
        eprintln!(
            "{} credentials are new: the next build issues them.",
            report.new
        );
    }
    eprintln!("Check passed: {} files would be written.", report.files);
    Ok(ExitCode::SUCCESS)
}
