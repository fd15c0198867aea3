//! The issuer's Ed25519 key pair: Multikey encodings, key files and their permissions.
//!
//! The public key lives in `keys/issuer.pub` (committed, published in the DID
//! document); the secret key in `keys/issuer.key` (mode 0600, never committed, never
//! published). Both files hold one line: the key's multibase form as in the W3C
//! Multikey format (`z6Mk…` for the public key, `z3u2…` for the secret key).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use age::secrecy::SecretString;
use anyhow::{Context, Result, bail};
use chrono::NaiveDate;

use super::encrypted;
use ed25519_dalek::{SigningKey, VerifyingKey};

/// Where the public key is kept, relative to the site root.
pub const PUBLIC_KEY_FILE: &str = "keys/issuer.pub";
/// Where the secret key is kept by default, relative to the site root.
pub const SECRET_KEY_FILE: &str = "keys/issuer.key";

/// Multicodec prefix of an Ed25519 public key (0xed, as an unsigned varint).
const ED25519_PUB: [u8; 2] = [0xed, 0x01];
/// Multicodec prefix of an Ed25519 secret key (0x1300, as an unsigned varint).
const ED25519_PRIV: [u8; 2] = [0x80, 0x26];

/// The multibase (base58btc, `z`) Multikey form of a public key.
pub fn encode_public(key: &VerifyingKey) -> String {
    multibase(&ED25519_PUB, key.as_bytes())
}

/// The multibase Multikey form of a secret key.
pub fn encode_secret(key: &SigningKey) -> String {
    multibase(&ED25519_PRIV, &key.to_bytes())
}

/// Reads a public key in multibase Multikey form.
pub fn decode_public(text: &str) -> Result<VerifyingKey> {
    let bytes = demultibase(&ED25519_PUB, text).context("not an Ed25519 Multikey public key")?;
    VerifyingKey::from_bytes(&bytes).context("not a valid Ed25519 public key")
}

/// Reads a secret key in multibase Multikey form. The error never quotes the text.
pub fn decode_secret(text: &str) -> Result<SigningKey> {
    let bytes = demultibase(&ED25519_PRIV, text)
        .map_err(|_| anyhow::anyhow!("not an Ed25519 Multikey secret key"))?;
    Ok(SigningKey::from_bytes(&bytes))
}

fn multibase(prefix: &[u8; 2], key: &[u8; 32]) -> String {
    let mut bytes = Vec::with_capacity(34);
    bytes.extend_from_slice(prefix);
    bytes.extend_from_slice(key);
    format!("z{}", bs58::encode(bytes).into_string())
}

fn demultibase(prefix: &[u8; 2], text: &str) -> Result<[u8; 32]> {
    let Some(b58) = text.trim().strip_prefix('z') else {
        bail!("expected a base58btc multibase string starting with 'z'");
    };
    let bytes = bs58::decode(b58).into_vec().context("invalid base58btc")?;
    match bytes.strip_prefix(prefix.as_slice()) {
        Some(key) if key.len() == 32 => Ok(key.try_into().expect("length checked")),
        _ => bail!("wrong multicodec prefix or length"),
    }
}

/// A fresh key pair from the operating system's random source.
pub fn generate() -> Result<SigningKey> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("cannot get random bytes: {e}"))?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Paths of a site's key files.
#[derive(Debug, Clone)]
pub struct KeyPaths {
    /// The public key file.
    pub public: PathBuf,
    /// The secret key file.
    pub secret: PathBuf,
}

impl KeyPaths {
    /// The key files of the site at `root`; `secret` overrides where the secret key is read.
    pub fn new(root: &Path, secret: Option<&Path>) -> KeyPaths {
        KeyPaths {
            public: root.join(PUBLIC_KEY_FILE),
            secret: secret.map_or_else(|| root.join(SECRET_KEY_FILE), Path::to_path_buf),
        }
    }
}

/// Where retired key pairs are kept, relative to the site root.
pub const RETIRED_DIR: &str = "keys/retired";

/// Moves the current key files into `keys/retired/`, named by `date` (the secret key
/// keeps its 0600 mode). Returns the new paths of the files that were there. Nothing is
/// deleted: a retired secret key is still needed to prove old signatures, and its
/// public half stays in the site state's key history.
pub fn retire(root: &Path, paths: &KeyPaths, date: NaiveDate) -> Result<Vec<PathBuf>> {
    let dir = root.join(RETIRED_DIR);
    let mut moved = Vec::new();
    for path in [&paths.secret, &paths.public] {
        if !path.exists() {
            continue;
        }
        fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let mut target = dir.join(format!("{date}-{name}"));
        let mut n = 1;
        while target.exists() {
            n += 1;
            target = dir.join(format!("{date}-{n}-{name}"));
        }
        fs::rename(path, &target)
            .with_context(|| format!("cannot move {} to {}", path.display(), target.display()))?;
        moved.push(target);
    }
    Ok(moved)
}

/// Writes a new key pair. Refuses to replace an existing key: [`retire`] it first.
pub fn write_key_pair(paths: &KeyPaths, key: &SigningKey) -> Result<()> {
    write_key_pair_sealed(paths, key, None)
}

/// [`write_key_pair`], the secret key encrypted with `passphrase` when one is given.
pub fn write_key_pair_sealed(
    paths: &KeyPaths,
    key: &SigningKey,
    passphrase: Option<SecretString>,
) -> Result<()> {
    for path in [&paths.secret, &paths.public] {
        if path.exists() {
            bail!(
                "{} already exists: keeping the issuer's key pair\n     hint: credentials signed with the old key will stop verifying if you replace it; to start a new key, run `credsite keygen --rotate` (it keeps the old pair in {RETIRED_DIR}/)",
                path.display()
            );
        }
    }
    if let Some(dir) = paths.public.parent() {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let text = format!("{}\n", encode_secret(key));
    let text = match passphrase {
        Some(passphrase) => encrypted::encrypt(&text, passphrase)?,
        None => text,
    };
    write_secret_file(&paths.secret, &text, false)?;
    fs::write(
        &paths.public,
        format!("{}\n", encode_public(&key.verifying_key())),
    )
    .with_context(|| format!("cannot write {}", paths.public.display()))?;
    Ok(())
}

/// Writes a secret key file with mode 0600: a new file, or (`replace`) a temporary
/// file renamed over the old one, so that a crash leaves one whole key file.
pub fn write_secret_file(path: &Path, text: &str, replace: bool) -> Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let target = if replace {
        // Still a `*.key` name, which a site's .gitignore keeps out of git.
        path.with_extension("tmp.key")
    } else {
        path.to_path_buf()
    };
    if replace {
        let _ = fs::remove_file(&target);
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&target)
        .with_context(|| format!("cannot create {}", target.display()))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", target.display()))?;
    if replace {
        fs::rename(&target, path).with_context(|| format!("cannot replace {}", path.display()))?;
    }
    Ok(())
}

/// The text of a secret key file, after the permission check.
pub fn read_secret_text(path: &Path) -> Result<String> {
    let meta = fs::metadata(path)
        .with_context(|| format!("cannot read the secret key {}", path.display()))?;
    if !meta.is_file() {
        bail!(
            "cannot read the secret key {}: it is not a regular file",
            path.display()
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            bail!(
                "the secret key {} can be read by other users (mode {mode:03o}): refusing to use it\n     hint: run `chmod 600 {}`, and consider the key exposed if others could log in",
                path.display(),
                path.display()
            );
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    fs::read_to_string(path)
        .with_context(|| format!("cannot read the secret key {}", path.display()))
}

/// Is the secret key file at `path` passphrase-encrypted?
pub fn is_sealed(path: &Path) -> Result<bool> {
    Ok(encrypted::is_encrypted(&read_secret_text(path)?))
}

/// Reads the secret key, refusing a file that other users can read. An encrypted key
/// is decrypted with the passphrase ([`encrypted::passphrase`]).
pub fn read_secret(path: &Path) -> Result<SigningKey> {
    let mut text = read_secret_text(path)?;
    if encrypted::is_encrypted(&text) {
        let passphrase = encrypted::passphrase(path, false)?;
        text = encrypted::decrypt(path, &text, passphrase)?;
    }
    // Never the decoding error's detail: it could quote the file.
    decode_secret(&text).map_err(|_| {
        anyhow::anyhow!(
            "{} does not hold an issuer secret key (a one-line Multikey z3u2…)",
            path.display()
        )
    })
}

/// Reads the public key file.
pub fn read_public(path: &Path) -> Result<VerifyingKey> {
    let text = fs::read_to_string(path)
        .with_context(|| format!("cannot read the public key {}", path.display()))?;
    decode_public(&text)
        .with_context(|| format!("{} does not hold an issuer public key", path.display()))
}

/// What [`load`] found.
pub enum Loaded {
    /// Both key files were there and match.
    Existing(SigningKey),
    /// There was no key pair; a new one was written.
    Created(SigningKey),
    /// There was no key pair and none was to be created.
    Missing,
}

/// Loads the issuer key pair and checks that its two halves match. When neither file
/// exists, writes a new pair if `create`. A public key without its secret key is an
/// error: the issuer's identity is never replaced silently.
pub fn load(paths: &KeyPaths, create: bool) -> Result<Loaded> {
    match (paths.public.exists(), paths.secret.exists()) {
        (false, false) if create => {
            let key = generate()?;
            write_key_pair(paths, &key)?;
            Ok(Loaded::Created(key))
        }
        (false, false) => Ok(Loaded::Missing),
        (true, false) => bail!(
            "the issuer public key {} exists but its secret key {} is missing: refusing to create a new issuer identity\n     hint: restore the secret key from your backup (or pass --key PATH); only if it is lost for good, run `credsite keygen --force` and re-issue every credential",
            paths.public.display(),
            paths.secret.display()
        ),
        (has_public, true) => {
            let key = read_secret(&paths.secret)?;
            if has_public {
                let public = read_public(&paths.public)?;
                if public != key.verifying_key() {
                    bail!(
                        "the secret key {} does not belong to the public key {}\n     hint: put back the matching pair; credentials are checked against the published public key",
                        paths.secret.display(),
                        paths.public.display()
                    );
                }
            } else {
                fs::write(
                    &paths.public,
                    format!("{}\n", encode_public(&key.verifying_key())),
                )
                .with_context(|| format!("cannot write {}", paths.public.display()))?;
            }
            Ok(Loaded::Existing(key))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multikey_round_trips_w3c_key_pair() {
        // keyPair.json of the W3C vc-di-eddsa test vectors.
        let public = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
        let secret = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq";
        let sk = decode_secret(secret).unwrap();
        assert_eq!(encode_public(&sk.verifying_key()), public);
        assert_eq!(encode_secret(&sk), secret);
        assert_eq!(decode_public(public).unwrap(), sk.verifying_key());
    }

    #[test]
    fn rejects_swapped_or_damaged_keys() {
        assert!(decode_public("z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq").is_err());
        assert!(decode_secret("z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2").is_err());
        assert!(decode_public("6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2").is_err());
        assert!(decode_public("z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn writes_secret_key_0600_and_refuses_world_readable() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let paths = KeyPaths::new(dir.path(), None);
        let key = generate().unwrap();
        write_key_pair(&paths, &key).unwrap();
        let mode = fs::metadata(&paths.secret).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert!(
            write_key_pair(&paths, &key).is_err(),
            "must not overwrite an existing key"
        );
        assert!(matches!(load(&paths, false).unwrap(), Loaded::Existing(_)));
        fs::set_permissions(&paths.secret, fs::Permissions::from_mode(0o644)).unwrap();
        let err = load(&paths, false).err().unwrap().to_string();
        assert!(
            err.contains("can be read by other users (mode 644)"),
            "{err}"
        );
    }

    #[test]
    fn refuses_public_key_without_secret() {
        let dir = tempfile::tempdir().unwrap();
        let paths = KeyPaths::new(dir.path(), None);
        write_key_pair(&paths, &generate().unwrap()).unwrap();
        fs::remove_file(&paths.secret).unwrap();
        let err = load(&paths, true).err().unwrap().to_string();
        assert!(
            err.contains("secret key") && err.contains("is missing"),
            "{err}"
        );
        assert!(!paths.secret.exists(), "no new key may be created");
    }

    #[test]
    fn retiring_keeps_the_old_pair_under_a_dated_name() {
        let dir = tempfile::tempdir().unwrap();
        let paths = KeyPaths::new(dir.path(), None);
        let old = generate().unwrap();
        write_key_pair(&paths, &old).unwrap();
        let date: NaiveDate = "2026-11-24".parse().unwrap();
        let moved = retire(dir.path(), &paths, date).unwrap();
        assert_eq!(
            moved,
            [
                dir.path().join("keys/retired/2026-11-24-issuer.key"),
                dir.path().join("keys/retired/2026-11-24-issuer.pub"),
            ]
        );
        assert_eq!(read_secret(&moved[0]).unwrap().to_bytes(), old.to_bytes());
        assert!(!paths.secret.exists() && !paths.public.exists());
        write_key_pair(&paths, &generate().unwrap()).unwrap();
        let again = retire(dir.path(), &paths, date).unwrap();
        assert_eq!(
            again[0],
            dir.path().join("keys/retired/2026-11-24-2-issuer.key"),
            "a second rotation on the same day never overwrites the first"
        );
    }
}
