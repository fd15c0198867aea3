//! `credsite key`: a compromised key, and passphrase encryption of a key file.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use chrono::NaiveDate;
use credsite::issuer::{encrypted, history, keys};
use credsite::state::{STATE_FILE, State};

use super::Global;

/// Key management beyond keygen.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: KeyCommand,
}

#[derive(clap::Subcommand)]
enum KeyCommand {
    /// The current key may be in other hands: makes a new key, marks the old one
    /// revoked in the DID document, re-signs (at the next build) every credential
    /// issued before --since with the new key, and lists those issued since for review.
    Compromised(CompromisedArgs),
    /// Encrypts a secret key file with a passphrase (age, scrypt).
    Encrypt(FileArgs),
    /// Decrypts a passphrase-encrypted secret key file in place (mode 0600).
    Decrypt(FileArgs),
}

#[derive(clap::Args)]
struct CompromisedArgs {
    /// The first day the key may have been in other hands (YYYY-MM-DD): credentials
    /// issued from that day on could be forgeries.
    #[arg(long, value_parser = super::parse_as_of)]
    since: NaiveDate,
    /// Encrypt the new secret key with a passphrase.
    #[arg(long)]
    encrypt: bool,
    /// Only record the compromise and make the new key; do not rebuild the site
    /// (the next `credsite build` re-signs).
    #[arg(long)]
    no_build: bool,
}

#[derive(clap::Args)]
struct FileArgs {
    /// The secret key file [default: <root>/keys/issuer.key].
    #[arg(long)]
    key: Option<PathBuf>,
}

pub fn run(global: &Global, args: Args) -> Result<ExitCode> {
    match args.command {
        KeyCommand::Compromised(args) => compromised(global, args),
        KeyCommand::Encrypt(args) => encrypt(global, args),
        KeyCommand::Decrypt(args) => decrypt(global, args),
    }
}

/// Says which credentials the next build re-signs, and lists (on standard output)
/// those to review.
fn list_credentials(
    since: NaiveDate,
    resign: &[&credsite::load::Record],
    review: &[&credsite::load::Record],
    rebuilt: bool,
) {
    eprintln!(
        "{} with the new key the {} credential(s) issued before {since} that the old key signed.",
        if rebuilt {
            "Re-signed"
        } else {
            "The next `credsite build` re-signs"
        },
        resign.len()
    );
    if review.is_empty() {
        eprintln!("No credential was issued with the old key on or after {since}.");
        return;
    }
    eprintln!(
        "Review these {} credential(s), issued on or after {since} and signed with the compromised key: an attacker could have forged them. They stay signed with the revoked key, so they fail verification, until you re-sign the genuine ones with `credsite build --resign ID` (and revoke or delete any you did not issue):",
        review.len()
    );
    let mut out = String::new();
    for r in review {
        out.push_str(&format!(
            "REVIEW {} ({}, {}, issued {}) {}:{}\n",
            r.id,
            r.holder_name,
            r.program,
            r.issued,
            r.origin.path.display(),
            r.origin.line
        ));
    }
    print!("{out}");
}

/// Builds the site with the new key; says so, or why not. True if it was built.
fn rebuild(root: &std::path::Path, today: NaiveDate) -> bool {
    let options = credsite::BuildOptions::new(root, today);
    match credsite::build(&options) {
        Ok(_) => {
            eprintln!(
                "Rebuilt {}: its DID document marks the old key revoked.",
                options.out_dir().display()
            );
            true
        }
        Err(e) => {
            eprintln!(
                "warning: the site was not rebuilt: {e}\n     hint: fix that and run `credsite build`: it re-signs with the new key"
            );
            false
        }
    }
}

fn secret_path(global: &Global, args: &FileArgs) -> PathBuf {
    keys::KeyPaths::new(&global.root, args.key.as_deref()).secret
}

fn encrypt(global: &Global, args: FileArgs) -> Result<ExitCode> {
    let path = secret_path(global, &args);
    let text = keys::read_secret_text(&path)?;
    if encrypted::is_encrypted(&text) {
        bail!("{} is already encrypted: nothing was done", path.display());
    }
    keys::decode_secret(&text).map_err(|_| {
        anyhow::anyhow!(
            "{} does not hold an issuer secret key: nothing was done",
            path.display()
        )
    })?;
    let sealed = encrypted::encrypt(&text, encrypted::passphrase(&path, true)?)?;
    keys::write_secret_file(&path, &sealed, true)?;
    eprintln!(
        "Encrypted {} with your passphrase (age, scrypt). credsite asks for it on the terminal, or reads {}, whenever it signs. Keep the passphrase apart from the key's backup: without it the key is lost.",
        path.display(),
        encrypted::PASSPHRASE_ENV
    );
    Ok(ExitCode::SUCCESS)
}

fn decrypt(global: &Global, args: FileArgs) -> Result<ExitCode> {
    let path = secret_path(global, &args);
    let text = keys::read_secret_text(&path)?;
    if !encrypted::is_encrypted(&text) {
        bail!("{} is not encrypted: nothing was done", path.display());
    }
    let plain = encrypted::decrypt(&path, &text, encrypted::passphrase(&path, false)?)?;
    keys::decode_secret(&plain).map_err(|_| {
        anyhow::anyhow!(
            "{} does not hold an issuer secret key: nothing was done",
            path.display()
        )
    })?;
    keys::write_secret_file(&path, &plain, true)?;
    eprintln!(
        "Decrypted {}: it is stored unencrypted again (mode 0600).",
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn compromised(global: &Global, args: CompromisedArgs) -> Result<ExitCode> {
    let root = &global.root;
    let today = super::today()?;
    let since = args.since;
    if since > today {
        bail!(
            "--since {since} is in the future (today is {today}): a key cannot have been compromised on a day that has not come\n     hint: give the first day the key may have been in other hands, today or earlier"
        );
    }
    let paths = keys::KeyPaths::new(root, None);
    let mut state = State::load(root)?;
    if !paths.public.exists() || state.keys.is_empty() {
        bail!(
            "there is no issuer key to mark compromised: {} or the key history in {} is missing\n     hint: run this in the site folder (--root DIR)",
            paths.public.display(),
            root.join(STATE_FILE).display()
        );
    }
    let old = keys::encode_public(&keys::read_public(&paths.public)?);
    let last = state.keys.len() - 1;
    if state.keys[last].public != old {
        bail!(
            "{} holds key {old}, but the current key of the history in {} (field `keys[{last}].public`) is {}\n     hint: put back the key pair of the history's current key first",
            paths.public.display(),
            STATE_FILE,
            state.keys[last].public
        );
    }
    // Which credentials the old key signs, before the history changes.
    // A roster that does not load never holds up revoking a key: the lists are then
    // left to the next build's warning.
    let before = state.keys.clone();
    let inputs =
        credsite::load::load(root).and_then(|inputs| Ok(credsite::load::validate(inputs, today)?));
    let (records, unlisted) = match &inputs {
        Ok(inputs) => (inputs.records.as_slice(), None),
        Err(e) => (&[][..], Some(e.to_string())),
    };
    let signed_by_old: Vec<_> = records
        .iter()
        .filter(|r| {
            let resigned = state.credentials.get(&r.id).and_then(|c| c.key.as_deref());
            match resigned {
                Some(key) => key == old,
                None => history::active_on(&before, r.issued) == last,
            }
        })
        .collect();

    let key = keys::generate()?;
    let public = keys::encode_public(&key.verifying_key());
    state.keys[last].compromised_since = Some(since);
    state.rotate(&public, today)?;
    let passphrase = if args.encrypt {
        Some(encrypted::passphrase(&paths.secret, true)?)
    } else {
        None
    };
    for moved in keys::retire(root, &paths, today)? {
        eprintln!("Moved the compromised key file to {}.", moved.display());
    }
    keys::write_key_pair_sealed(&paths, &key, passphrase)?;
    super::keygen::append_log(root, &state, today, "compromise", &key)?;
    state.save(root)?;

    let (resign, review): (Vec<_>, Vec<_>) =
        signed_by_old.into_iter().partition(|r| r.issued < since);
    eprintln!("Key {old} is marked compromised since {since}.");
    eprintln!(
        "New key {public} (active from {today}): {} (public, commit it), {} (secret, mode 0600: back it up, never commit it).",
        paths.public.display(),
        paths.secret.display()
    );
    eprintln!(
        "The DID document will mark the old key `revoked`: nothing it signed verifies any more, so that forgeries made with it are refused."
    );
    let rebuilt = match unlisted {
        Some(why) => {
            eprintln!(
                "warning: the credentials could not be listed, the site input has problems: {why}\n     hint: fix them; the next `credsite build` re-signs those issued before {since} and warns about those issued since"
            );
            false
        }
        None => {
            // Re-sign at once: the old key's signatures stop verifying as soon as the
            // new DID document is published.
            let rebuilt = !args.no_build && rebuild(root, today);
            list_credentials(since, &resign, &review, rebuilt);
            rebuilt
        }
    };
    eprintln!(
        "Recorded in {} and in the signed key log. Next: {}publish, and tell the holders and relying parties that credentials signed with the old key since {since} must not be trusted.",
        root.join(STATE_FILE).display(),
        if rebuilt { "" } else { "`credsite build`, " }
    );
    Ok(ExitCode::SUCCESS)
}
