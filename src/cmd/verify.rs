//! `credsite verify`: checks published credentials offline.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use super::{AsOf, Global};

/// Verifies a credential.json, or every credential and the feed of a built site.
#[derive(clap::Args)]
pub struct Args {
    /// A credential.json file or a built site folder.
    path: PathBuf,
    /// The issuer's DID document [default: found in the site].
    #[arg(long)]
    did: Option<PathBuf>,
    #[command(flatten)]
    as_of: AsOf,
}

pub fn run(_global: &Global, args: Args) -> Result<ExitCode> {
    let as_of = args.as_of.date()?;
    let report = credsite::vc::verify::verify_path(&args.path, args.did.as_deref(), as_of)?;
    for (file, why) in &report.failures {
        println!("FAILED {}: {why}", file.display());
    }
    let expired = report.expired.len();
    if args.path.is_file() && expired > 0 {
        println!(
            "note: {} is authentic but expired as of {as_of} (its validUntil has passed)",
            args.path.display()
        );
    }
    println!(
        "{} verified ({expired} of them expired as of {as_of}), {} failed; issuer {} (keys from {})",
        report.verified.len(),
        report.failures.len(),
        report.issuer,
        report.did_document.display()
    );
    Ok(if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
