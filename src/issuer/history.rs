//! The issuer's key history: every key it has used, when each was active, and which
//! key signs a credential (issue 13, parts 5 and 6).
//!
//! The history is kept in the site state (public keys and dates) and checked against
//! the key files: `keys/issuer.pub` must be its last key. Retired secret keys stay in
//! `keys/retired/`, so that a build can still sign old credentials with the key that
//! was active on their issue date; when one is missing, the published signed copy is
//! kept as it is.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Result;
use chrono::NaiveDate;
use ed25519_dalek::{SigningKey, VerifyingKey};

use super::keys::{self, RETIRED_DIR};
use super::{Issuer, KeySource};
use crate::diag::{Diagnostic, Diagnostics};
use crate::state::{KeyState, STATE_FILE, State};

/// One key of the issuer's history.
#[derive(Clone)]
pub struct HistoryKey {
    /// Its place in the history, from 1.
    pub number: usize,
    /// The public key.
    pub public: VerifyingKey,
    /// The public key, multibase Multikey (`z6Mk…`).
    pub multibase: String,
    /// The first day it was active.
    pub active_from: NaiveDate,
    /// The last day it was active (None: the current key).
    pub active_to: Option<NaiveDate>,
    /// It may have been in other hands since this day (`credsite key compromised`).
    pub compromised_since: Option<NaiveDate>,
    /// The secret key, when this build has it (the current key, or a retired one
    /// found in `keys/retired/`).
    pub secret: Option<SigningKey>,
}

impl HistoryKey {
    /// The history entry as the site state keeps it.
    pub fn state(&self) -> KeyState {
        KeyState {
            active_from: self.active_from,
            active_to: self.active_to,
            compromised_since: self.compromised_since,
            public: self.multibase.clone(),
        }
    }
}

/// Which key signs a credential, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyChoice {
    /// Index into the history.
    pub index: usize,
    /// The credential was issued on or after the day its key was compromised, and
    /// nobody re-signed it yet: the manager must review it (`credsite key compromised`).
    pub under_review: bool,
}

/// The index of the key active on `date`: the last key active from that day or
/// before; the first key for earlier days (a site's first key signs the roster it
/// starts with, whatever the issue dates).
pub fn active_on(keys: &[KeyState], date: NaiveDate) -> usize {
    keys.iter()
        .rposition(|k| k.active_from <= date)
        .unwrap_or(0)
}

/// Was key `index` of `keys` active on `date`?
pub fn was_active(keys: &[KeyState], index: usize, date: NaiveDate) -> bool {
    !keys.is_empty() && active_on(keys, date) == index
}

impl Issuer {
    /// Attaches the key history of `state` and the retired secret keys found in
    /// `keys/retired/`. Refuses a history that disagrees with the key files: the
    /// current key must be the history's last key. A site without a history yet gets
    /// one key, active from `as_of`. A throwaway key (`check` without the secret key)
    /// has a history of its own key only.
    pub fn attach_history(&mut self, root: &Path, state: &State, as_of: NaiveDate) -> Result<()> {
        let current = keys::encode_public(&self.key.verifying_key());
        let throwaway = matches!(self.source, KeySource::Throwaway { .. });
        let listed = if throwaway || state.keys.is_empty() {
            vec![KeyState {
                active_from: as_of,
                active_to: None,
                compromised_since: None,
                public: current.clone(),
            }]
        } else {
            state.keys.clone()
        };
        let last = &listed[listed.len() - 1].public;
        if *last != current {
            return Err(disagreement(&listed, &current).into());
        }
        let retired = if throwaway {
            Vec::new()
        } else {
            retired_pairs(root)?
        };
        let mut history = Vec::with_capacity(listed.len());
        for (i, k) in listed.iter().enumerate() {
            let public = keys::decode_public(&k.public).map_err(|_| {
                Diagnostics(vec![
                    Diagnostic::new(
                        Path::new(STATE_FILE),
                        format!("key {} is not an Ed25519 Multikey", k.public),
                    )
                    .field(format!("keys[{i}].public"))
                    .hint("restore credsite.state.json from version control"),
                ])
            })?;
            let secret = if i + 1 == listed.len() {
                Some(self.key.clone())
            } else {
                match retired.iter().find(|(p, _, _)| *p == public) {
                    Some((_, _, key_file)) if key_file.exists() => {
                        let secret = keys::read_secret(key_file)?;
                        if secret.verifying_key() != public {
                            anyhow::bail!(
                                "the retired secret key {} does not belong to the public key beside it\n     hint: put back the matching pair from your backup",
                                key_file.display()
                            );
                        }
                        Some(secret)
                    }
                    _ => None,
                }
            };
            history.push(HistoryKey {
                number: i + 1,
                public,
                multibase: k.public.clone(),
                active_from: k.active_from,
                active_to: k.active_to,
                compromised_since: k.compromised_since,
                secret,
            });
        }
        self.history = history;
        Ok(())
    }

    /// The history as the site state keeps it.
    pub fn history_state(&self) -> Vec<KeyState> {
        self.history.iter().map(HistoryKey::state).collect()
    }

    /// The key that signs a credential issued on `issued`: the key it was re-signed
    /// with on request (`resigned`), else the key active on its issue date. A key
    /// compromised since a day signs nothing issued before that day any more: its
    /// successor does; what was issued on or after it stays with it, under review.
    pub fn key_for(&self, issued: NaiveDate, resigned: Option<&str>) -> KeyChoice {
        let listed = resigned.and_then(|pk| self.history.iter().position(|k| k.multibase == pk));
        // As `active_on`, without copying the history for every credential.
        let natural = listed.unwrap_or_else(|| {
            self.history
                .iter()
                .rposition(|k| k.active_from <= issued)
                .unwrap_or(0)
        });
        let mut index = natural;
        while let Some(since) = self.history[index].compromised_since {
            if index == natural && listed.is_none() && issued >= since {
                return KeyChoice {
                    index,
                    under_review: true,
                };
            }
            if index + 1 >= self.history.len() {
                break;
            }
            index += 1;
        }
        KeyChoice {
            index,
            under_review: false,
        }
    }
}

/// The retired key pairs in `keys/retired/`: (public key, its .pub file, the .key
/// file beside it, which may be missing).
pub fn retired_pairs(root: &Path) -> Result<Vec<(VerifyingKey, PathBuf, PathBuf)>> {
    let dir = root.join(RETIRED_DIR);
    let entries = match fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(anyhow::anyhow!("cannot read {}: {e}", dir.display())),
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pub"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|pub_file| {
            let public = keys::read_public(&pub_file)?;
            let key_file = pub_file.with_extension("key");
            Ok((public, pub_file, key_file))
        })
        .collect()
}

/// The key files hold a key that is not the key history's current key.
fn disagreement(listed: &[KeyState], current: &str) -> Diagnostics {
    let position = listed.iter().position(|k| k.public == current);
    let last = &listed[listed.len() - 1];
    let message = match position {
        Some(i) => format!(
            "{} holds key {} of the key history ({current}), which was retired on {}; the state's current key is {}",
            keys::PUBLIC_KEY_FILE,
            i + 1,
            listed[i].active_to.map_or("?".into(), |d| d.to_string()),
            last.public
        ),
        None => format!(
            "{} holds key {current}, which the key history in {STATE_FILE} does not list; its current key is {}",
            keys::PUBLIC_KEY_FILE,
            last.public
        ),
    };
    Diagnostics(vec![
        Diagnostic::new(Path::new(keys::PUBLIC_KEY_FILE), message)
            .field(format!("{STATE_FILE}: keys[{}].public", listed.len() - 1))
            .hint("put back the key pair of the history's current key (from your backup or keys/retired/); to start a new key, run `credsite keygen --rotate`, which records it in the history; never replace key files by hand"),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn key(public: &str, from: &str, to: Option<&str>) -> KeyState {
        KeyState {
            active_from: d(from),
            active_to: to.map(d),
            compromised_since: None,
            public: public.into(),
        }
    }

    #[test]
    fn the_key_active_on_a_date() {
        let keys = [
            key("a", "2026-11-24", Some("2027-02-28")),
            key("b", "2027-03-01", Some("2027-12-31")),
            key("c", "2028-01-01", None),
        ];
        assert_eq!(
            active_on(&keys, d("2019-01-01")),
            0,
            "the first key signs the past"
        );
        assert_eq!(active_on(&keys, d("2027-02-28")), 0);
        assert_eq!(active_on(&keys, d("2027-03-01")), 1);
        assert_eq!(active_on(&keys, d("2030-01-01")), 2);
        assert!(was_active(&keys, 1, d("2027-06-01")));
        assert!(!was_active(&keys, 2, d("2027-06-01")));
    }

    #[test]
    fn a_compromised_key_hands_the_past_to_its_successor() {
        let a = SigningKey::from_bytes(&[1; 32]);
        let b = SigningKey::from_bytes(&[2; 32]);
        let entry =
            |k: &SigningKey, n, from: &str, to: Option<&str>, since: Option<&str>| HistoryKey {
                number: n,
                public: k.verifying_key(),
                multibase: keys::encode_public(&k.verifying_key()),
                active_from: d(from),
                active_to: to.map(d),
                compromised_since: since.map(d),
                secret: Some(k.clone()),
            };
        let issuer = Issuer {
            key: b.clone(),
            source: KeySource::Existing,
            history: vec![
                entry(&a, 1, "2026-01-01", Some("2026-11-23"), Some("2026-10-01")),
                entry(&b, 2, "2026-11-24", None, None),
            ],
            key_log: None,
        };
        let before = issuer.key_for(d("2026-09-30"), None);
        assert_eq!((before.index, before.under_review), (1, false));
        let after = issuer.key_for(d("2026-10-01"), None);
        assert_eq!((after.index, after.under_review), (0, true));
        let reviewed = issuer.key_for(d("2026-10-01"), Some(&issuer.history[1].multibase));
        assert_eq!((reviewed.index, reviewed.under_review), (1, false));
        assert_eq!(issuer.key_for(d("2027-01-01"), None).index, 1);
    }
}
