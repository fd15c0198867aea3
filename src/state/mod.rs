//! The site state: what must never change once a credential is issued.
//!
//! `credsite.state.json`, beside `credsite.toml`, is written only by credsite and
//! committed with the site. Per credential it keeps the values that were chosen once
//! and are then part of the published credential forever:
//! - the status-list slot (list number and index) of its revocation and suspension
//!   status, allocated at random among the free slots (W3C Bitstring Status List v1.0
//!   recommends random allocation, so that a slot says nothing about the holder);
//! - the salt of its hashed holder email (random; OB 3.0 publishes it beside the hash);
//! - its permanent folder on the site (`c/<shard>/<slug>/`, see [`crate::urls`]):
//!   the slug is the id of a listed holder's credential, and random for an unlisted
//!   one, so that unlisted pages cannot be found by counting through ids. Once
//!   published, a folder never changes, even if the holder is later (un)listed;
//! - the digest of its signed content, so that a later change of a program text or a
//!   record is caught instead of being signed silently (see [`crate::vc::sign`]).
//!
//! It also keeps the issuer key history: each public key and the day it became active.
//!
//! It holds no secret. It is JSON with sorted keys and one line per credential, so
//! that a diff shows exactly which credentials were added. Entries are never removed:
//! a status-list slot is never given to another credential.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::diag::{Diagnostic, Diagnostics};
use crate::load::Record;
use crate::urls;

mod keys;
pub mod recover;

use keys::{check_key_history, line_of};

/// The state file's name, at the site root.
pub const STATE_FILE: &str = "credsite.state.json";
/// Slots per status list: 131,072 bits, the 16 KiB minimum that W3C Bitstring Status
/// List v1.0 sets for herd privacy.
pub const STATUS_LIST_SIZE: u32 = 131_072;
/// How many credentials a status list takes before the next list is started: half its
/// slots, so that a list never gets crowded and a random free slot is always easy to
/// find, and each slot stays one among many possible ones.
pub const STATUS_LIST_FILL: u32 = STATUS_LIST_SIZE / 2;
/// The format version this code writes. Version 1 (credsite 0.1) had no folders: its
/// credentials were published under `credentials/<id>/`, and are moved (with
/// redirects from their old address) when it is read.
const VERSION: u32 = 2;
/// Random bytes in an unlisted credential's slug: 96 bits, which nobody can guess.
const SLUG_BYTES: usize = 12;
const ABOUT: &str = "credsite site state: written by credsite, commit it with the site, never edit it by hand. It holds no secrets.";

/// Values fixed forever for one credential. Fields are in alphabetical order, so the
/// file's keys are sorted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialState {
    /// SHA-256 of the credential's canonical signed content, once it was signed
    /// (written as hex; kept as bytes: a million hex strings are 90 MB).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "hex_digest")]
    pub digest: Option<[u8; 32]>,
    /// The public key (multibase) it was last re-signed with on request (`--resign`),
    /// when that is not the key active on its issue date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Where credsite 0.1 published it, when it was: its old folder redirects to
    /// `path`, and its signed `id` keeps the old address (an id never changes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_from: Option<String>,
    /// Its permanent folder, a site path such as `c/e8/cdpp-1/`.
    #[serde(default)]
    pub path: String,
    /// The salt of the hashed holder email: 16 random bytes, hex.
    pub salt: String,
    /// The credential's slot in its status list, from 0.
    pub status_index: u32,
    /// Which status list holds the slot, from 1.
    pub status_list: u32,
}

/// One issuer key and when it was active. Credentials are signed with the key that
/// was active on their issue date; the first key also signs every credential issued
/// before it became active (the roster a site starts with).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyState {
    /// The first day credentials were signed with it.
    pub active_from: NaiveDate,
    /// The last day it was active: the day before the next key became active. None
    /// for the current key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_to: Option<NaiveDate>,
    /// Set by `credsite key compromised --since DATE`: the key may have been in other
    /// hands since this day. The DID document marks it `revoked`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compromised_since: Option<NaiveDate>,
    /// The public key, multibase Multikey (`z6Mk…`).
    pub public: String,
}

/// The whole state file (read through [`RawState`]).
#[derive(Debug, Clone, Default, Serialize)]
pub struct State {
    about: String,
    /// Per credential id.
    pub credentials: BTreeMap<String, CredentialState>,
    /// The issuer keys, oldest first.
    pub keys: Vec<KeyState>,
    status_list_size: u32,
    version: u32,
}

/// The state file as it is first read: [`State`] with each credential's entry still
/// text, so that a hundred thousand entries are parsed in parallel.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawState<'a> {
    #[serde(default)]
    about: String,
    #[serde(default, borrow)]
    credentials: RawEntries<'a>,
    #[serde(default)]
    keys: Vec<KeyState>,
    #[serde(default = "default_list_size")]
    status_list_size: u32,
    #[serde(default)]
    version: u32,
}

/// The `credentials` object's members, in the file's order, their values unparsed.
#[derive(Default)]
struct RawEntries<'a>(Vec<(String, &'a serde_json::value::RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for RawEntries<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Members<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Members<'a> {
            type Value = RawEntries<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of credential entries")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> Result<Self::Value, M::Error> {
                let mut members = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some((id, entry)) = map.next_entry::<String, &'de _>()? {
                    members.push((id, entry));
                }
                Ok(RawEntries(members))
            }
        }
        deserializer.deserialize_map(Members(std::marker::PhantomData))
    }
}

fn default_list_size() -> u32 {
    STATUS_LIST_SIZE
}

impl State {
    /// An empty state, for a site that has never been built.
    pub fn new() -> Self {
        State {
            about: ABOUT.into(),
            status_list_size: STATUS_LIST_SIZE,
            version: VERSION,
            ..State::default()
        }
    }

    /// The path of a site's state file.
    pub fn path(root: &Path) -> PathBuf {
        root.join(STATE_FILE)
    }

    /// Reads the state of the site at `root`; a site without one starts empty.
    pub fn load(root: &Path) -> Result<State> {
        let path = State::path(root);
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(State::new()),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        State::parse(&text).map_err(|d| Diagnostics(vec![d]).into())
    }

    /// Parses and checks a state file's text.
    pub fn parse(text: &str) -> Result<State, Diagnostic> {
        let shown = Path::new(STATE_FILE);
        let hint = "restore the file from version control (git checkout credsite.state.json); if it is lost, see \"Site state\" in the README";
        let unreadable = |e: serde_json::Error, line: usize| {
            Diagnostic::new(shown, format!("cannot read the site state: {e}"))
                .line(line)
                .hint(hint)
        };
        let raw: RawState = serde_json::from_str(text).map_err(|e| {
            let line = e.line();
            unreadable(e, line)
        })?;
        // The entries, parsed in parallel; the first unreadable one in the file is
        // named, at its line in the file.
        let entries: Vec<_> = raw
            .credentials
            .0
            .into_par_iter()
            .map(|(id, entry)| match serde_json::from_str(entry.get()) {
                Ok(parsed) => Ok((id, parsed)),
                Err(e) => {
                    let at = entry.get().as_ptr() as usize - text.as_ptr() as usize;
                    let line = text[..at].matches('\n').count() + e.line();
                    Err(unreadable(e, line))
                }
            })
            .collect();
        let mut state = State {
            about: raw.about,
            // Sorted as written: the map is built in one go.
            credentials: entries.into_iter().collect::<Result<_, _>>()?,
            keys: raw.keys,
            status_list_size: raw.status_list_size,
            version: raw.version,
        };
        let problem = |message: String| Diagnostic::new(shown, message).hint(hint);
        if state.version == 1 {
            state.migrate_from_1();
        }
        if state.version != VERSION {
            return Err(problem(format!(
                "state format version {} is not the version {VERSION} this credsite reads",
                state.version
            )));
        }
        if state.status_list_size != STATUS_LIST_SIZE {
            return Err(problem(format!(
                "status lists of {} slots: this credsite makes lists of {STATUS_LIST_SIZE}",
                state.status_list_size
            )));
        }
        // A history written before keys had an end (`keygen --force`): each key was
        // active until the day before the next one.
        if state.keys.len() > 1 && state.keys.iter().all(|k| k.active_to.is_none()) {
            let starts: Vec<NaiveDate> = state.keys.iter().map(|k| k.active_from).collect();
            for (key, next) in state.keys.iter_mut().zip(&starts[1..]) {
                key.active_to = next.pred_opt();
            }
        }
        check_key_history(&state.keys, text)?;
        for (id, entry) in &state.credentials {
            if let Some(key) = &entry.key
                && !state.keys.iter().any(|k| &k.public == key)
            {
                return Err(Diagnostic::new(
                    shown,
                    format!("credential \"{id}\" was re-signed with key {key}, which the key history does not list"),
                )
                .line(line_of(text, &format!("\"{id}\":")))
                .field(format!("credentials.{id}.key"))
                .hint(hint));
            }
        }
        // Checked in parallel (a folder's name is a hash of its slug); the first
        // damaged entry in id order is named.
        let damaged = state.credentials.par_iter().find_first(|(_, entry)| {
            let salt_ok =
                entry.salt.len() == 32 && entry.salt.bytes().all(|b| b.is_ascii_hexdigit());
            let path_ok = urls::is_credential_dir(&entry.path);
            !salt_ok || !path_ok || entry.status_list == 0 || entry.status_index >= STATUS_LIST_SIZE
        });
        if let Some((id, _)) = damaged {
            return Err(problem(format!(
                "the entry of credential \"{id}\" is damaged"
            )));
        }
        let mut slots = rustc_hash::FxHashSet::default();
        slots.reserve(state.credentials.len());
        for (id, entry) in &state.credentials {
            if !slots.insert((entry.status_list, entry.status_index)) {
                return Err(problem(format!(
                    "credential \"{id}\" shares status list {} slot {} with another credential",
                    entry.status_list, entry.status_index
                )));
            }
        }
        Ok(state)
    }

    /// Gives every credential of a version 1 state its permanent folder, and notes
    /// the `credentials/<id>/` folder it was published in, which now redirects.
    fn migrate_from_1(&mut self) {
        for (id, entry) in &mut self.credentials {
            entry.path = urls::credential_dir(id);
            entry.moved_from = Some(urls::legacy_credential_dir(id));
        }
        self.version = VERSION;
    }

    /// Refuses to allocate anew for a credential that has no entry but is already
    /// published in `out` (the state was lost or replaced): its salt and status slot
    /// are in the published credential, and a new allocation would silently change it.
    pub fn refuse_unrecorded(&self, records: &[Record], out: &Path) -> Result<(), Diagnostics> {
        // Without either credential folder nothing is published (a first build): no
        // need to look for each new record's files, 200,000 failed lookups at 100,000
        // records, a twentieth of a first build's time.
        if !out.join(urls::CREDENTIALS_DIR).is_dir()
            && !out.join(urls::LEGACY_CREDENTIALS_DIR).is_dir()
        {
            return Ok(());
        }
        let problems: Vec<Diagnostic> = records
            .par_iter()
            .filter(|r| !self.credentials.contains_key(&r.id))
            .filter(|r| {
                out.join(urls::credential_json(&r.id)).is_file()
                    || out.join(urls::json_in(&urls::legacy_credential_dir(&r.id))).is_file()
            })
            .map(|r| {
                Diagnostic::new(
                    &r.origin.path,
                    format!(
                        "credential \"{}\" is published in {} but {STATE_FILE} has no entry for it",
                        r.id,
                        out.display()
                    ),
                )
                .line(r.origin.line)
                .hint(format!(
                    "restore {STATE_FILE} from version control, or rebuild it from the published site with `credsite recover-state`; credsite never gives a published credential a new status slot"
                ))
            })
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Diagnostics(problems))
        }
    }

    /// Gives every credential in `ids` that has no entry yet its folder, salt and
    /// status-list slot; each comes with whether its holder is listed (an unlisted
    /// one gets a random slug). Returns how many entries were added.
    pub fn allocate<'a>(
        &mut self,
        ids: impl IntoIterator<Item = (&'a str, bool)>,
    ) -> Result<usize> {
        let new: Vec<(&str, bool)> = ids
            .into_iter()
            .filter(|(id, _)| !self.credentials.contains_key(*id))
            .collect();
        if new.is_empty() {
            return Ok(0);
        }
        let mut salts = vec![0u8; 16 * new.len()];
        random(&mut salts)?;
        let unlisted = new.iter().filter(|(_, listed)| !listed).count();
        let mut slugs = vec![0u8; SLUG_BYTES * unlisted];
        random(&mut slugs)?;
        let mut slugs = slugs.chunks_exact(SLUG_BYTES);
        let mut list = self
            .credentials
            .values()
            .map(|c| c.status_list)
            .max()
            .unwrap_or(1);
        // Each new id's status list and slot, in order; then its entry, in parallel (a
        // first build of 100,000 credentials makes 100,000).
        let mut placed: Vec<(u32, u32)> = Vec::with_capacity(new.len());
        while placed.len() < new.len() {
            let slots = self.free_slots(list, new.len() - placed.len())?;
            placed.extend(slots.into_iter().map(|index| (list, index)));
            list += 1;
        }
        // A random slug for each unlisted id (`None`: listed, its id is its slug).
        let mut slugs_of_unlisted = Vec::with_capacity(new.len());
        for (_, listed) in &new {
            slugs_of_unlisted
                .push((!*listed).then(|| slugs.next().expect("one slug per unlisted id")));
        }
        let mut added: Vec<(String, CredentialState)> = new
            .par_iter()
            .zip(placed)
            .zip(salts.par_chunks_exact(16))
            .zip(slugs_of_unlisted)
            .map(|((((id, _), (status_list, status_index)), salt), slug)| {
                let slug = match slug {
                    Some(random) => hex::encode(random),
                    None => (*id).to_string(),
                };
                let entry = CredentialState {
                    digest: None,
                    key: None,
                    moved_from: None,
                    path: urls::credential_dir(&slug),
                    salt: hex::encode(salt),
                    status_index,
                    status_list,
                };
                ((*id).to_string(), entry)
            })
            .collect();
        if self.credentials.is_empty() {
            // A new site: the map built at once from the sorted entries, not grown one
            // insertion at a time.
            added.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
            self.credentials = added.into_iter().collect();
        } else {
            self.credentials.extend(added);
        }
        Ok(new.len())
    }

    /// Up to `wanted` free slots of status list `list`, in random order, without
    /// filling the list beyond [`STATUS_LIST_FILL`].
    fn free_slots(&self, list: u32, wanted: usize) -> Result<Vec<u32>> {
        let mut used = vec![false; STATUS_LIST_SIZE as usize];
        let mut taken = 0;
        for entry in self.credentials.values().filter(|c| c.status_list == list) {
            used[entry.status_index as usize] = true;
            taken += 1;
        }
        let mut free: Vec<u32> = (0..STATUS_LIST_SIZE)
            .filter(|&i| !used[i as usize])
            .collect();
        let room = (STATUS_LIST_FILL as usize).saturating_sub(taken);
        let take = wanted.min(room);
        // A partial Fisher-Yates shuffle: the first `take` slots are a uniform random pick.
        let mut rolls = vec![0u8; 8 * take];
        random(&mut rolls)?;
        for (i, roll) in rolls.chunks_exact(8).enumerate() {
            let roll = u64::from_le_bytes(roll.try_into().expect("8 bytes"));
            let j = i + (roll % (free.len() - i) as u64) as usize;
            free.swap(i, j);
        }
        free.truncate(take);
        Ok(free)
    }

    /// Records the content digests of what a run signed, and the keys of what it
    /// re-signed on request; returns how many credentials had a digest before (were
    /// re-issued).
    pub fn record_signed(&mut self, signed: crate::vc::sign::Signed) -> usize {
        let mut reissued = 0;
        for (id, digest) in signed.digests {
            if let Some(entry) = self.credentials.get_mut(&id) {
                reissued += usize::from(entry.digest.is_some());
                entry.digest = Some(digest);
            }
        }
        for (id, key) in signed.resigned {
            if let Some(entry) = self.credentials.get_mut(&id) {
                entry.key = key;
            }
        }
        reissued
    }

    /// Records a key rotation: `public` becomes active on `date`, and the current key
    /// is active until the day before. Refuses a date before the last rotation, and a
    /// day on which two keys would be active.
    pub fn rotate(&mut self, public: &str, date: NaiveDate) -> Result<()> {
        if self.keys.iter().any(|k| k.public == public) {
            bail!("key {public} is already in the key history");
        }
        let first = self.keys.len() == 1;
        let index = self.keys.len().saturating_sub(1);
        if let Some(last) = self.keys.last_mut() {
            if date < last.active_from || (date == last.active_from && !first) {
                bail!(
                    "a rotation dated {date} is not after the last rotation: the current key {} became active on {} ({STATE_FILE}, field `keys[{index}].active_from`); nothing was changed\n     hint: give a later --date (a rotation dated before the last one would make two keys active on one day)",
                    last.public,
                    last.active_from
                );
            }
            last.active_to = date.pred_opt();
        }
        self.keys.push(KeyState {
            active_from: date,
            active_to: None,
            compromised_since: None,
            public: public.to_string(),
        });
        Ok(())
    }

    /// Records the day a public key became active, unless it is already in the history.
    /// Returns true if it was new.
    pub fn record_key(&mut self, public: &str, active_from: NaiveDate) -> bool {
        if self.keys.iter().any(|k| k.public == public) {
            return false;
        }
        self.keys.push(KeyState {
            active_from,
            active_to: None,
            compromised_since: None,
            public: public.to_string(),
        });
        true
    }

    /// Writes the state to `root` atomically: a temporary file beside it, synced, then
    /// renamed over the old one, so a crash leaves either the old or the new state.
    pub fn save(&self, root: &Path) -> Result<()> {
        let path = State::path(root);
        let tmp = root.join(format!(".{STATE_FILE}.tmp"));
        let file =
            fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        self.write_to(&mut out)
            .and_then(|()| Ok(out.into_inner().map_err(|e| e.into_error())?))
            .and_then(|file| Ok(file.sync_all()?))
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        fs::rename(&tmp, &path).with_context(|| format!("cannot replace {}", path.display()))
    }

    /// The file's text: sorted keys, one line per credential and per key.
    pub fn to_text(&self) -> Result<String> {
        let mut out = Vec::with_capacity(64 + 140 * self.credentials.len());
        self.write_to(&mut out)?;
        Ok(String::from_utf8(out)?)
    }

    /// Writes the file's text ([`State::to_text`]) to `out`, a line at a time: the
    /// state of a million credentials is 200 MB of text.
    pub fn write_to(&self, out: &mut impl std::io::Write) -> Result<()> {
        if self.credentials.len() > u32::MAX as usize {
            bail!("too many credentials");
        }
        writeln!(out, "{{\n  \"about\": {},", json(ABOUT)?)?;
        out.write_all(b"  \"credentials\": {")?;
        // The state of 100,000 credentials takes 0.2 s to write a line after the other.
        let credentials: Vec<(&String, &CredentialState)> = self.credentials.iter().collect();
        crate::lines::write_lines(out, &credentials, |text, i, (id, entry)| {
            let sep = if i == 0 { "" } else { "," };
            write!(text, "{sep}\n    {}: {}", json(id)?, json(entry)?)?;
            Ok(())
        })?;
        out.write_all(if self.credentials.is_empty() {
            b"},\n"
        } else {
            b"\n  },\n"
        })?;
        out.write_all(b"  \"keys\": [")?;
        for (i, key) in self.keys.iter().enumerate() {
            let sep = if i == 0 { "" } else { "," };
            write!(out, "{sep}\n    {}", json(key)?)?;
        }
        out.write_all(if self.keys.is_empty() {
            b"],\n"
        } else {
            b"\n  ],\n"
        })?;
        writeln!(
            out,
            "  \"status_list_size\": {STATUS_LIST_SIZE},\n  \"version\": {VERSION}\n}}"
        )?;
        Ok(())
    }
}

/// A SHA-256 in the state file: 64 hex digits.
mod hex_digest {
    use serde::de::{Error, Visitor};
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(digest: &Option<[u8; 32]>, s: S) -> Result<S::Ok, S::Error> {
        match digest {
            Some(digest) => {
                let mut digits = [0; 64];
                hex::encode_to_slice(digest, &mut digits).expect("64 digits for 32 bytes");
                s.serialize_str(std::str::from_utf8(&digits).expect("hex is ASCII"))
            }
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<[u8; 32]>, D::Error> {
        d.deserialize_option(Digest)
    }

    /// Reads the digits where they are, without a `String` of their own.
    struct Digest;

    impl<'de> Visitor<'de> for Digest {
        type Value = Option<[u8; 32]>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a SHA-256 (64 hex digits) or null")
        }

        fn visit_none<E: Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_str(self)
        }

        fn visit_str<E: Error>(self, text: &str) -> Result<Self::Value, E> {
            let mut digest = [0; 32];
            hex::decode_to_slice(text, &mut digest).map_err(|_| {
                E::custom(format!(
                    "digest {text:?} is not a SHA-256 (64 hex digits): restore credsite.state.json from version control"
                ))
            })?;
            Ok(Some(digest))
        }
    }
}

/// One-line JSON of a value.
fn json<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    Ok(serde_json::to_string(value)?)
}

fn random(bytes: &mut [u8]) -> Result<()> {
    getrandom::fill(bytes).map_err(|e| anyhow::anyhow!("cannot get random bytes: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn listed<'a>(ids: impl IntoIterator<Item = &'a str>) -> impl Iterator<Item = (&'a str, bool)> {
        ids.into_iter().map(|id| (id, true))
    }

    #[test]
    fn listed_credentials_are_found_by_id_and_unlisted_ones_by_a_random_slug() {
        let mut state = State::new();
        state
            .allocate([("a-1", true), ("a-2", false), ("a-3", false)])
            .unwrap();
        assert_eq!(state.credentials["a-1"].path, urls::credential_dir("a-1"));
        let hidden = &state.credentials["a-2"].path;
        assert!(!hidden.contains("a-2"), "{hidden}");
        let json = urls::json_in(hidden);
        let slug = urls::credential_slug_of(&json).unwrap();
        assert_eq!(slug.len(), 2 * SLUG_BYTES);
        assert_ne!(hidden, &state.credentials["a-3"].path);
        assert!(State::parse(&state.to_text().unwrap()).is_ok());
    }

    #[test]
    fn an_unreadable_entry_is_named_at_its_line_in_the_file() {
        let mut state = State::new();
        state.allocate(listed(["a-1", "a-2", "a-3"])).unwrap();
        let text = state.to_text().unwrap();
        let back = State::parse(&text).unwrap();
        assert_eq!(back.credentials, state.credentials);
        let line = text.lines().position(|l| l.contains("\"a-2\"")).unwrap() + 1;
        for (from, to) in [
            ("\"status_list\"", "\"status_lists\""),
            (":1}", ":\"one\"}"),
        ] {
            let lines: Vec<String> = text
                .lines()
                .map(|l| {
                    if l.contains("\"a-2\"") {
                        l.replacen(from, to, 1)
                    } else {
                        l.to_string()
                    }
                })
                .collect();
            let broken = lines.join("\n");
            let err = State::parse(&broken).unwrap_err();
            assert_eq!(err.line, Some(line), "{from}: {}", err.message);
            assert!(
                err.message.starts_with("cannot read the site state"),
                "{}",
                err.message
            );
        }
        // Outside the entries, the parser's own line.
        let broken = text.replacen("\"keys\"", "\"keyz\"", 1);
        let line = text.lines().position(|l| l.contains("\"keys\"")).unwrap() + 1;
        assert_eq!(State::parse(&broken).unwrap_err().line, Some(line));
    }

    #[test]
    fn a_version_1_state_moves_its_credentials_and_remembers_where_they_were() {
        let v1 = format!(
            "{{\"credentials\": {{\"cdpp-1\": {{\"salt\": \"{}\", \"status_index\": 7, \"status_list\": 1}}}}, \"keys\": [], \"status_list_size\": {STATUS_LIST_SIZE}, \"version\": 1}}",
            "ab".repeat(16)
        );
        let state = State::parse(&v1).unwrap();
        let entry = &state.credentials["cdpp-1"];
        assert_eq!(entry.path, urls::credential_dir("cdpp-1"));
        assert_eq!(entry.moved_from.as_deref(), Some("credentials/cdpp-1/"));
        assert_eq!(entry.status_index, 7);
        let text = state.to_text().unwrap();
        assert!(text.contains("\"version\": 2"), "{text}");
        assert_eq!(State::parse(&text).unwrap().credentials, state.credentials);
    }

    #[test]
    fn a_folder_outside_the_scheme_is_refused() {
        let mut state = State::new();
        state.allocate(listed(["a"])).unwrap();
        state.credentials.get_mut("a").unwrap().path = "../../etc/".into();
        let err = State::parse(&state.to_text().unwrap()).unwrap_err();
        assert!(err.to_string().contains("is damaged"), "{err}");
    }

    #[test]
    fn allocates_each_credential_once_and_keeps_it() {
        let mut state = State::new();
        assert_eq!(state.allocate(listed(["a", "b", "c"])).unwrap(), 3);
        let before = state.credentials.clone();
        assert_eq!(state.allocate(listed(["c", "b", "a", "d"])).unwrap(), 1);
        for (id, entry) in &before {
            assert_eq!(&state.credentials[id], entry, "{id} changed");
        }
        let slots: HashSet<_> = state
            .credentials
            .values()
            .map(|c| (c.status_list, c.status_index))
            .collect();
        assert_eq!(slots.len(), 4, "every credential has its own slot");
        let salts: HashSet<_> = state.credentials.values().map(|c| &c.salt).collect();
        assert_eq!(salts.len(), 4);
    }

    #[test]
    fn a_list_half_full_continues_in_the_next_one() {
        let mut state = State::new();
        let ids: Vec<String> = (0..STATUS_LIST_FILL + 5).map(|i| format!("c{i}")).collect();
        state
            .allocate(listed(ids.iter().map(String::as_str)))
            .unwrap();
        let second = state
            .credentials
            .values()
            .filter(|c| c.status_list == 2)
            .count();
        assert_eq!(second, 5);
        let more: Vec<String> = (0..3).map(|i| format!("d{i}")).collect();
        state
            .allocate(listed(more.iter().map(String::as_str)))
            .unwrap();
        assert!(more.iter().all(|id| state.credentials[id].status_list == 2));
        assert!(State::parse(&state.to_text().unwrap()).is_ok());
    }

    #[test]
    fn a_large_state_written_in_parallel_batches_reads_back_the_same() {
        let ids: Vec<String> = (0..70_000).map(|n| format!("c-{n:05}")).collect();
        let mut state = State::new();
        state
            .allocate(listed(ids.iter().map(String::as_str)))
            .unwrap();
        let text = state.to_text().unwrap();
        assert_eq!(
            text.lines().filter(|l| l.starts_with("    \"c-")).count(),
            70_000
        );
        let back = State::parse(&text).unwrap();
        assert_eq!(back.credentials, state.credentials);
        assert_eq!(back.to_text().unwrap(), text);
    }

    #[test]
    fn a_digest_that_is_not_a_sha256_is_refused_by_name() {
        let mut state = State::new();
        state.allocate(listed(["a"])).unwrap();
        state.credentials.get_mut("a").unwrap().digest = Some([0xab; 32]);
        let text = state.to_text().unwrap();
        assert!(text.contains(&"ab".repeat(32)), "{text}");
        assert_eq!(
            State::parse(&text).unwrap().credentials["a"].digest,
            Some([0xab; 32])
        );
        let err = State::parse(&text.replace(&"ab".repeat(32), "abz")).unwrap_err();
        assert!(format!("{err}").contains("is not a SHA-256"), "{err}");
    }

    #[test]
    fn round_trips_one_line_per_credential() {
        let mut state = State::new();
        state.allocate(listed(["b", "a"])).unwrap();
        state.credentials.get_mut("a").unwrap().digest = Some([0; 32]);
        assert!(state.record_key("z6MkOne", d("2026-01-01")));
        assert!(!state.record_key("z6MkOne", d("2026-02-01")));
        let text = state.to_text().unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[3].starts_with("    \"a\": {\"digest\":"), "{text}");
        assert!(lines[4].starts_with("    \"b\": {\"path\":"), "{text}");
        let back = State::parse(&text).unwrap();
        assert_eq!(back.credentials, state.credentials);
        assert_eq!(back.keys, state.keys);
        assert_eq!(back.to_text().unwrap(), text, "stable text");
        assert!(State::parse(&State::new().to_text().unwrap()).is_ok());
    }

    #[test]
    fn a_key_history_without_ends_gets_them() {
        let text = State::new().to_text().unwrap().replace(
            "\"keys\": []",
            "\"keys\": [\n    {\"active_from\":\"2026-11-24\",\"public\":\"z6MkA\"},\n    {\"active_from\":\"2026-12-01\",\"public\":\"z6MkB\"}\n  ]",
        );
        let state = State::parse(&text).unwrap();
        assert_eq!(state.keys[0].active_to, Some(d("2026-11-30")));
        assert_eq!(state.keys[1].active_to, None);
        let overlapping = text.replace(
            "{\"active_from\":\"2026-11-24\",",
            "{\"active_from\":\"2026-11-24\",\"active_to\":\"2026-12-01\",",
        );
        let err = State::parse(&overlapping).unwrap_err().to_string();
        assert!(
            err.starts_with("credsite.state.json:5: field `keys[0].active_to`: two keys are active on 2026-12-01"),
            "{err}"
        );
    }

    #[test]
    fn refuses_a_damaged_state() {
        let mut state = State::new();
        state.allocate(listed(["a", "b"])).unwrap();
        let b = state.credentials["b"].clone();
        let a = state.credentials.get_mut("a").unwrap();
        a.status_index = b.status_index;
        let err = State::parse(&state.to_text().unwrap()).unwrap_err();
        assert!(err.to_string().contains("shares status list"), "{err}");
        let err = State::parse("{\"version\": 1,\n \"keys\": 3}").unwrap_err();
        assert!(
            err.to_string().starts_with("credsite.state.json:2:"),
            "{err}"
        );
    }

    #[test]
    fn saves_atomically_and_loads_back() {
        let dir = tempfile::tempdir().unwrap();
        assert!(State::load(dir.path()).unwrap().credentials.is_empty());
        let mut state = State::new();
        state.allocate(listed(["x"])).unwrap();
        state.save(dir.path()).unwrap();
        assert_eq!(
            State::load(dir.path()).unwrap().credentials,
            state.credentials
        );
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [STATE_FILE], "no temporary file left");
    }
}
