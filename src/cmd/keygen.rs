//! `credsite keygen`: the issuer key pair, and key rotation with `--force`.

use std::process::ExitCode;

use anyhow::Result;
use credsite::issuer::keys;
use credsite::state::{STATE_FILE, State};

use super::Global;

/// Creates the issuer key pair in keys/ and records it in the site state.
#[derive(clap::Args)]
pub struct Args {
    /// Replace an existing key pair. The old pair is kept under keys/retired/.
    #[arg(long)]
    force: bool,
}

pub fn run(global: &Global, args: Args) -> Result<ExitCode> {
    let root = &global.root;
    let paths = keys::KeyPaths::new(root, None);
    let exists = paths.secret.exists() || paths.public.exists();
    if exists && !args.force {
        // Let write_key_pair say why, with its hint.
        keys::write_key_pair(&paths, &keys::generate()?)?;
    }
    let today = super::today()?;
    let mut state = State::load(root)?;
    let key = keys::generate()?;
    for moved in keys::retire(root, &paths, today)? {
        eprintln!("Moved the old key file to {}.", moved.display());
    }
    keys::write_key_pair(&paths, &key)?;
    let public = keys::encode_public(&key.verifying_key());
    if credsite::load::is_site(root) {
        state.record_key(&public, today);
        state.save(root)?;
        eprintln!(
            "Recorded the new key in {} (active from {today}).",
            root.join(STATE_FILE).display()
        );
    }
    eprintln!(
        "Wrote {} (public, commit it) and {} (secret, mode 0600: back it up and never commit it).",
        paths.public.display(),
        paths.secret.display()
    );
    eprintln!("Public key: {public}");
    eprintln!("Next: `credsite build` signs every credential with it.");
    Ok(ExitCode::SUCCESS)
}
