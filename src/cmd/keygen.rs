//! `credsite keygen`: the issuer key pair, and key rotation with `--rotate`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, bail};
use chrono::NaiveDate;
use credsite::issuer::{DidWeb, encrypted, keylog, keys};
use credsite::state::{STATE_FILE, State};

use super::Global;

/// Creates the issuer key pair in keys/ and records it in the site state and the
/// signed key log (keys/did.jsonl).
#[derive(clap::Args)]
pub struct Args {
    /// Start a new signing key, active from --date: the old pair moves to
    /// keys/retired/ and stays in the key history, so credentials signed with it
    /// still verify.
    #[arg(long)]
    rotate: bool,
    /// The same as --rotate (kept for older scripts).
    #[arg(long, hide = true)]
    force: bool,
    /// The first day the new key signs (credentials issued from that day on)
    /// [default: $SOURCE_DATE_EPOCH if set, else today, UTC].
    #[arg(long, value_parser = super::parse_as_of)]
    date: Option<NaiveDate>,
    /// Encrypt the secret key with a passphrase (asked on the terminal, or
    /// CREDSITE_PASSPHRASE).
    #[arg(long)]
    encrypt: bool,
}

pub fn run(global: &Global, args: Args) -> Result<ExitCode> {
    let root = &global.root;
    let paths = keys::KeyPaths::new(root, None);
    let exists = paths.secret.exists() || paths.public.exists();
    if exists && !(args.rotate || args.force) {
        // Let write_key_pair say why, with its hint.
        keys::write_key_pair(&paths, &keys::generate()?)?;
    }
    let today = super::today()?;
    let date = args.date.unwrap_or(today);
    let key = keys::generate()?;
    let public = keys::encode_public(&key.verifying_key());
    let site = credsite::load::is_site(root);
    let mut state = State::load(root)?;
    if exists && site {
        if paths.public.exists() && state.keys.is_empty() {
            let old = keys::encode_public(&keys::read_public(&paths.public)?);
            state.record_key(&old, date);
        }
        state.rotate(&public, date)?;
    } else if site {
        if !state.keys.is_empty() {
            bail!(
                "{} lists issuer keys, but the key files in {} are missing: refusing to start a new issuer identity\n     hint: restore the key pair from your backup, then rotate with `credsite keygen --rotate`",
                root.join(STATE_FILE).display(),
                root.join("keys").display()
            );
        }
        state.record_key(&public, date);
    }
    let passphrase = if args.encrypt {
        Some(encrypted::passphrase(&paths.secret, true)?)
    } else {
        None
    };
    if exists {
        for moved in keys::retire(root, &paths, today)? {
            eprintln!("Moved the old key file to {}.", moved.display());
        }
    }
    keys::write_key_pair_sealed(&paths, &key, passphrase)?;
    if site {
        let event = if exists { "rotate" } else { "create" };
        append_log(root, &state, date, event, &key)?;
        state.save(root)?;
        eprintln!(
            "Recorded the new key in {} (active from {date}) and in the signed key log {}.",
            root.join(STATE_FILE).display(),
            root.join(keylog::KEY_LOG_FILE).display()
        );
    }
    eprintln!(
        "Wrote {} (public, commit it) and {} (secret, mode 0600{}: back it up and never commit it).",
        paths.public.display(),
        paths.secret.display(),
        if args.encrypt {
            ", encrypted with your passphrase"
        } else {
            ""
        }
    );
    eprintln!("Public key: {public}");
    if exists {
        eprintln!(
            "Credentials issued before {date} stay signed with the key that was active on their issue date (its secret key is kept in {}); the DID document lists every key, so copies signed with the old key still verify.",
            root.join(keys::RETIRED_DIR).display()
        );
        eprintln!(
            "Next: `credsite build`, then publish (add --resign all to re-sign every credential with the new key)."
        );
    } else {
        eprintln!("Next: `credsite build` signs every credential with it.");
    }
    Ok(ExitCode::SUCCESS)
}

/// Appends the state's key history to the key log, signed by `key`, the newest key.
pub fn append_log(
    root: &Path,
    state: &State,
    date: NaiveDate,
    event: &str,
    key: &ed25519_dalek::SigningKey,
) -> Result<()> {
    let config = credsite::config::Config::load(root)?;
    let did = DidWeb::from_base_url(&config.base_url).did;
    let path = root.join(keylog::KEY_LOG_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => {
            keylog::check(&text).map_err(|p| {
                anyhow::anyhow!(
                    "{}: the signed key log is broken: {p}\n     hint: restore it from version control before changing keys",
                    path.display()
                )
            })?;
            text
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
    };
    let text = keylog::append(&text, &did, &state.keys, date, event, key)?;
    std::fs::write(&path, text)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    Ok(())
}
