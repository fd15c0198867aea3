//! `credsite recover-state`: rebuilds a lost `credsite.state.json` from the published site.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use credsite::config::Config;
use credsite::state::{STATE_FILE, State, recover};

use super::{AsOf, Global};

/// Rebuilds a lost credsite.state.json from the published site (salts, digests, keys).
#[derive(clap::Args)]
pub struct Args {
    /// The published site to read [default: <root>/public].
    #[arg(long)]
    from: Option<PathBuf>,
    #[command(flatten)]
    as_of: AsOf,
}

pub fn run(global: &Global, args: Args) -> Result<ExitCode> {
    let root = &global.root;
    let path = State::path(root);
    if path.exists() {
        bail!(
            "{} exists: not replacing it\n     hint: recovery is for a lost state; move the file away first if you really mean to rebuild it",
            path.display()
        );
    }
    let config = Config::load(root)?;
    let public = args.from.unwrap_or_else(|| root.join("public"));
    let did_document = credsite::urls::did_document(&config.base_url);
    let recovered = recover::recover(&public, did_document, args.as_of.date()?)?;
    recovered.state.save(root)?;
    eprintln!(
        "Recovered {} credentials and {} issuer keys from {} into {}.",
        recovered.credentials,
        recovered.keys,
        public.display(),
        root.join(STATE_FILE).display()
    );
    eprintln!("Next: `credsite check`, then commit {STATE_FILE}.");
    Ok(ExitCode::SUCCESS)
}
