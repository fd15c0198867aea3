//! Passphrase-encrypted secret key files (issue 13, part 7).
//!
//! An encrypted key file is an ASCII-armored [age](https://age-encryption.org/v1)
//! file, encrypted with a passphrase (age's scrypt recipient), whose plaintext is the
//! key's usual one-line Multikey form. `age --decrypt` reads it too. The passphrase
//! comes from `CREDSITE_PASSPHRASE`, else from a prompt on the terminal.
//!
//! Nothing here ever puts the secret key, or the passphrase, into an error message.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::Mutex;

use age::secrecy::SecretString;
use anyhow::{Context, Result, bail};

/// The environment variable a passphrase is read from.
pub const PASSPHRASE_ENV: &str = "CREDSITE_PASSPHRASE";

const ARMOR_BEGIN: &str = "-----BEGIN AGE ENCRYPTED FILE-----";

/// Is this key file's text an encrypted key?
pub fn is_encrypted(text: &str) -> bool {
    text.trim_start().starts_with(ARMOR_BEGIN)
}

/// The passphrase given for this run: asked once, then kept, so that a build that
/// reads a current and a retired encrypted key asks only once.
static GIVEN: Mutex<Option<String>> = Mutex::new(None);

/// The passphrase: `CREDSITE_PASSPHRASE`, else asked on the terminal (`confirm`: asked
/// twice, for a new encryption). `path` is named in the prompt.
pub fn passphrase(path: &Path, confirm: bool) -> Result<SecretString> {
    if let Ok(text) = std::env::var(PASSPHRASE_ENV) {
        if text.is_empty() {
            bail!(
                "{PASSPHRASE_ENV} is set but empty: a key cannot be encrypted with an empty passphrase"
            );
        }
        return Ok(SecretString::from(text));
    }
    let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
    if !confirm && let Some(text) = given.as_ref() {
        return Ok(SecretString::from(text.clone()));
    }
    let no_passphrase = || {
        let what = if confirm {
            "a passphrase is needed to encrypt"
        } else {
            "no passphrase was given for the encrypted key"
        };
        anyhow::anyhow!(
            "{what} {}\n     hint: run in a terminal to be asked for it, or set {PASSPHRASE_ENV}",
            path.display()
        )
    };
    // Ask only someone at a terminal: a script or CI job without the variable stops
    // with an error instead of waiting for a prompt nobody sees.
    if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        return Err(no_passphrase());
    }
    let prompt = format!("Passphrase for {}: ", path.display());
    let text = rpassword::prompt_password(&prompt).map_err(|_| no_passphrase())?;
    if text.is_empty() {
        bail!("an empty passphrase: nothing was done");
    }
    if confirm {
        let again = rpassword::prompt_password("The same passphrase again: ")
            .map_err(|_| anyhow::anyhow!("cannot read the passphrase from the terminal"))?;
        if again != text {
            bail!("the two passphrases differ: nothing was done");
        }
    }
    *given = Some(text.clone());
    Ok(SecretString::from(text))
}

/// Encrypts a key file's text with `passphrase`, as an armored age file.
pub fn encrypt(plaintext: &str, passphrase: SecretString) -> Result<String> {
    let encryptor = age::Encryptor::with_user_passphrase(passphrase);
    let mut out = Vec::new();
    let armor = age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor)
        .context("cannot encrypt the secret key")?;
    let mut writer = encryptor
        .wrap_output(armor)
        .context("cannot encrypt the secret key")?;
    writer
        .write_all(plaintext.as_bytes())
        .context("cannot encrypt the secret key")?;
    writer
        .finish()
        .and_then(|armor| armor.finish())
        .context("cannot encrypt the secret key")?;
    String::from_utf8(out).context("the armored file is not text")
}

/// Decrypts an encrypted key file's text. A wrong passphrase is an error that says
/// so; the error never holds key material.
pub fn decrypt(path: &Path, text: &str, passphrase: SecretString) -> Result<String> {
    let armored = age::armor::ArmoredReader::new(text.as_bytes());
    let decryptor = age::Decryptor::new(armored).map_err(|e| {
        anyhow::anyhow!(
            "{} is not a readable encrypted key file ({e})\n     hint: restore it from your backup",
            path.display()
        )
    })?;
    if !decryptor.is_scrypt() {
        bail!(
            "{} is an age file, but not encrypted with a passphrase: credsite reads only passphrase-encrypted keys",
            path.display()
        );
    }
    let identity = age::scrypt::Identity::new(passphrase);
    let mut reader = match decryptor.decrypt(std::iter::once(&identity as &dyn age::Identity)) {
        Ok(reader) => reader,
        Err(age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys) => bail!(
            "wrong passphrase for the secret key {}\n     hint: check {PASSPHRASE_ENV} (or what you typed); the file itself is left as it was",
            path.display()
        ),
        Err(e) => bail!(
            "cannot decrypt the secret key {}: {e}\n     hint: check the passphrase, or restore the file from your backup",
            path.display()
        ),
    };
    let mut plain = String::new();
    reader.read_to_string(&mut plain).map_err(|_| {
        anyhow::anyhow!(
            "cannot decrypt the secret key {}: the file is damaged\n     hint: restore it from your backup",
            path.display()
        )
    })?;
    Ok(plain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_a_wrong_passphrase() {
        let text = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq\n";
        let sealed = encrypt(text, SecretString::from("correct horse".to_string())).unwrap();
        assert!(is_encrypted(&sealed));
        assert!(!sealed.contains("z3u2"));
        let path = Path::new("keys/issuer.key");
        let back = decrypt(
            path,
            &sealed,
            SecretString::from("correct horse".to_string()),
        )
        .unwrap();
        assert_eq!(back, text);
        let err = decrypt(path, &sealed, SecretString::from("wrong".to_string()))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("wrong passphrase for the secret key keys/issuer.key"),
            "{err}"
        );
        let damaged = sealed.replace('A', "B");
        assert!(
            decrypt(
                path,
                &damaged,
                SecretString::from("correct horse".to_string())
            )
            .is_err()
        );
    }
}
