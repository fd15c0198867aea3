//! The issuer: its signing key, where the key came from, and its `did:web` identity.

pub mod did;
pub mod encrypted;
pub mod history;
pub mod keylog;
pub mod keys;

use std::path::Path;

use anyhow::Result;
use ed25519_dalek::SigningKey;

pub use did::DidWeb;
pub use history::HistoryKey;

/// How the issuer key was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// From the site's key files.
    Existing,
    /// Created by this build (the first build of a site).
    Created,
    /// `check` without the secret key: a throwaway key, nothing written. `published`
    /// says whether the site has a public key (whose secret is kept elsewhere, as on a
    /// CI runner).
    Throwaway {
        /// `keys/issuer.pub` exists.
        published: bool,
    },
}

/// What a run may do when the secret key is not there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingKey {
    /// `build`: create a key pair on a new site, refuse when only the public key is there.
    Create,
    /// `check`: sign with a throwaway key and write nothing.
    Throwaway,
}

/// The issuer's signing key and identity.
pub struct Issuer {
    /// The Ed25519 signing key.
    pub key: SigningKey,
    /// Where it came from.
    pub source: KeySource,
    /// Every key the issuer has used, oldest first, with when each was active (see
    /// [`Issuer::attach_history`]); the last is `key`. Empty until attached.
    pub history: Vec<HistoryKey>,
    /// The signed key log (`did.jsonl`) to publish beside the DID document, and
    /// whether this run made it (to be saved in `keys/`).
    pub key_log: Option<(String, bool)>,
}

impl Issuer {
    /// Loads the key of the site at `root` (`secret` overrides the secret key's path).
    pub fn load(root: &Path, secret: Option<&Path>, missing: MissingKey) -> Result<Issuer> {
        let paths = keys::KeyPaths::new(root, secret);
        let has_public = paths.public.exists();
        let throwaway = missing == MissingKey::Throwaway && !paths.secret.exists();
        if throwaway {
            return Ok(Issuer {
                key: keys::generate()?,
                source: KeySource::Throwaway {
                    published: has_public,
                },
                history: Vec::new(),
                key_log: None,
            });
        }
        let (key, source) = match keys::load(&paths, missing == MissingKey::Create)? {
            keys::Loaded::Existing(key) => (key, KeySource::Existing),
            keys::Loaded::Created(key) => (key, KeySource::Created),
            keys::Loaded::Missing => (
                keys::generate()?,
                KeySource::Throwaway {
                    published: has_public,
                },
            ),
        };
        Ok(Issuer {
            key,
            source,
            history: Vec::new(),
            key_log: None,
        })
    }

    /// Does `bytes` hold a secret key of the issuer (the current one or a retired
    /// one), in its key-file form or as raw bytes? Used to refuse publishing a stray
    /// key file.
    pub fn appears_in(&self, bytes: &[u8]) -> bool {
        let retired = self.history.iter().filter_map(|k| k.secret.as_ref());
        std::iter::once(&self.key).chain(retired).any(|key| {
            let text = keys::encode_secret(key);
            let raw = key.to_bytes();
            bytes.windows(text.len()).any(|w| w == text.as_bytes())
                || bytes.windows(raw.len()).any(|w| w == raw)
        })
    }

    /// The public key in multibase Multikey form.
    pub fn public_multibase(&self) -> String {
        keys::encode_public(&self.key.verifying_key())
    }
}
