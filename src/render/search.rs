//! The directory's static search index, in `search/`: no server, no full list.
//!
//! **Name search** (`search/n/<first 4 hex digits of key>/<key>.json`, see
//! [`urls::search_names`]): every word of a listed holder's name, folded by
//! [`crate::names`], files the holder under the word's first two characters. A shard
//! that would exceed [`SHARD_BYTES`] is split by one more character: it then says
//! `"split": true` and keeps only the holders with a word equal to its key, and the
//! browser asks for the longer key once the visitor has typed one more letter. So
//! each keystroke downloads at most one shard, and a shard stays small at a million
//! holders. Only listed holders are in it. A shard that
//! cannot be split further (thousands of holders sharing one word, "maria") keeps
//! the first holders that fit and says how many it left out (`"more"`); the search
//! script then narrows with the shard of another word of the query.
//!
//! **Lookup by credential id and last name** (`search/l/<hex>.json`), for every
//! credential, listed or not, the way ISC2 and PMI verify: the key is the SHA-256 of
//! the folded id and last name, and the credential's folder is encrypted (AES-256-GCM)
//! with another SHA-256 of the same two values. Whoever knows both finds the page;
//! reading every shard in bulk gives random-looking tags and ciphertexts, and no
//! name, id or address. It gives no more protection than the secrecy of an id and
//! last name pair: it is a lookup, not an access control.

use std::collections::BTreeMap;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use anyhow::{Result, anyhow};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::Page;
use crate::names;
use crate::site::{Credential, Site};
use crate::urls;
use crate::vc::feed::Kept;

/// The largest a name shard grows before it is split (about 50 KB).
pub const SHARD_BYTES: usize = 48 * 1024;
/// Characters in the shortest shard key.
pub const FIRST_KEY_CHARS: usize = 2;
/// Keys are not split beyond this length (a shard of thousands of identical names).
const LONGEST_KEY_CHARS: usize = 12;
/// Lookup entries per shard, at most on average, up to [`LOOKUP_MAX_DIGITS`].
const LOOKUP_PER_SHARD: usize = 256;
/// The most hex digits in a lookup shard's name. `search/l/` is one folder: 4 digits
/// would make 65,536 files there, over credsite's own limit of 10,000 entries per
/// folder and Netlify's 54,000. Past about 1,050,000 entries (a million holders with
/// some double-barrelled names) the 4,096 shards grow instead: about 27 KB each at
/// 1.1 million entries.
const LOOKUP_MAX_DIGITS: usize = 3;

/// The name shards of the listed credentials and the lookup shards of all of them.
/// `program_index` gives each credential's program its position in the home page's
/// list (the shards name programs by number, to stay small).
/// An incremental build (`kept`) keeps the shards made from the same entries.
/// `lookup_digits` is [`lookup_digits`] of the site.
pub fn index(
    site: &Site,
    program_index: &BTreeMap<&str, usize>,
    lookup_digits: usize,
    kept: Option<&dyn Kept>,
) -> Result<Vec<Page>> {
    let mut pages = name_shards(site, program_index, kept)?;
    pages.extend(lookup_shards(site, lookup_digits, kept)?);
    Ok(pages)
}

/// The site-wide key and each credential's input key, in the site's order, when an
/// incremental build made them: a shard is kept by the keys of its entries'
/// credentials, which cover every value an entry shows.
fn input_keys<'k>(
    site: &Site,
    kept: Option<&'k dyn Kept>,
) -> Option<(&'k str, &'k crate::vc::feed::CredentialKeys)> {
    let (global, keys) = kept?.input_keys()?;
    (keys.len() == site.credentials.len()).then_some((global, keys))
}

/// A credential's folder under `c/`, as the shards give it.
fn folder(credential: &Credential) -> &str {
    credential
        .dir
        .strip_prefix(urls::CREDENTIALS_DIR)
        .unwrap_or(&credential.dir)
}

/// One holder in a name shard: `[name, program number, folder under c/]`.
fn entry(credential: &Credential, program: usize) -> (&str, usize, &str) {
    (&credential.record.holder_name, program, folder(credential))
}

fn name_shards(
    site: &Site,
    program_index: &BTreeMap<&str, usize>,
    kept: Option<&dyn Kept>,
) -> Result<Vec<Page>> {
    // Each listed name folded once, with its credential; its words are borrowed from it.
    let folded: Vec<(usize, String)> = site
        .credentials
        .par_iter()
        .enumerate()
        .filter(|(_, c)| c.listed)
        .map(|(i, c)| (i, names::fold(&c.record.holder_name)))
        .collect();
    // (word, credential) for every word of every listed name.
    let mut words: Vec<(&str, usize)> = folded
        .par_iter()
        .flat_map_iter(|(i, folded)| {
            let mut words: Vec<&str> = names::words_of_folded(folded).collect();
            words.sort_unstable();
            words.dedup();
            words.into_iter().map(move |w| (w, *i))
        })
        .collect();
    words.par_sort_unstable();
    let input_keys = input_keys(site, kept);
    // Each credential's program number, looked up once.
    let programs: Vec<usize> = site
        .credentials
        .par_iter()
        .map(|c| program_index[c.record.program.as_str()])
        .collect();
    let entry_of = |i: usize| entry(&site.credentials[i], programs[i]);
    // The words of each first key, made in parallel. An incremental build keeps the
    // shards of a key made from the same words and holders: one shard, or all the
    // pages it was split into.
    let groups: Vec<&[(&str, usize)]> = words
        .chunk_by(|a, b| names::prefix(a.0, FIRST_KEY_CHARS) == names::prefix(b.0, FIRST_KEY_CHARS))
        .collect();
    let pages: Vec<Vec<Page>> = groups
        .into_par_iter()
        .map(|group| -> Result<Vec<Page>> {
            let path = urls::search_names(names::prefix(group[0].0, FIRST_KEY_CHARS));
            // The shard's inputs: its words, and the input key of each holder's
            // credential, which covers all that the holder's entry shows.
            let key = input_keys.map(|(global, keys)| {
                let mut hasher =
                    Sha256::new().chain_update(format!("credsite name shard\n{global}\n{path}\n"));
                for (word, i) in group {
                    hasher.update((word.len() as u64).to_le_bytes());
                    hasher.update(word.as_bytes());
                    hasher.update(keys[*i].1);
                }
                <[u8; 32]>::from(hasher.finalize())
            });
            if let (Some(kept), Some(key)) = (kept, &key)
                && kept.keep_pages(key)
            {
                return Ok(Vec::new());
            }
            let mut pages = Vec::new();
            shard(&entry_of, group, "", FIRST_KEY_CHARS, &mut pages)?;
            if let (Some(kept), Some(key)) = (kept, &key) {
                for page in &pages {
                    kept.made_page(&page.path, key);
                }
            }
            Ok(pages)
        })
        .collect::<Result<_>>()?;
    Ok(pages.into_iter().flatten().collect())
}

/// Files `words` (sorted; each with the credential it names, whose shard entry
/// `entry_of` gives) under keys of `chars` characters starting with `parent`.
fn shard<E: Serialize>(
    entry_of: &dyn Fn(usize) -> E,
    words: &[(&str, usize)],
    parent: &str,
    chars: usize,
    pages: &mut Vec<Page>,
) -> Result<()> {
    let mut start = 0;
    while start < words.len() {
        let key = names::prefix(words[start].0, chars).to_string();
        let end = start
            + words[start..]
                .iter()
                .take_while(|(w, _)| names::prefix(w, chars) == key)
                .count();
        let group = &words[start..end];
        start = end;
        if key == parent {
            continue; // words equal to the parent's key stay in the parent
        }
        // Too big is decided on what the group holds, not on the document, which
        // keeps only what fits.
        let (doc, more) = shard_doc(entry_of, group.iter().map(|(_, i)| *i), false)?;
        let too_big = more > 0 && chars < LONGEST_KEY_CHARS;
        if too_big && group.iter().any(|(w, _)| *w != key) {
            let exact = group.iter().filter(|(w, _)| *w == key).map(|(_, i)| *i);
            pages.push(Page::new(
                urls::search_names(&key),
                shard_doc(entry_of, exact, true)?.0,
            ));
            shard(entry_of, group, &key, chars + 1, pages)?;
        } else {
            pages.push(Page::new(urls::search_names(&key), doc));
        }
    }
    Ok(())
}

/// A shard's JSON: its holders (at most [`SHARD_BYTES`] of them; `more` says how
/// many did not fit), and whether longer keys hold the rest. Also returns `more`.
fn shard_doc<E: Serialize>(
    entry_of: &dyn Fn(usize) -> E,
    credentials: impl Iterator<Item = usize>,
    split: bool,
) -> Result<(Vec<u8>, usize)> {
    let mut credentials: Vec<usize> = credentials.collect();
    credentials.sort_unstable();
    credentials.dedup();
    // Each entry is written once, as its text, which says its size too.
    let mut holders = Vec::with_capacity(credentials.len());
    let mut size = 64;
    for &i in &credentials {
        let entry = serde_json::value::to_raw_value(&entry_of(i))?;
        size += entry.get().len() + 1;
        if size > SHARD_BYTES {
            break;
        }
        holders.push(entry);
    }
    let more = credentials.len() - holders.len();
    #[derive(Serialize)]
    struct Shard {
        split: bool,
        more: usize,
        holders: Vec<Box<serde_json::value::RawValue>>,
    }
    let mut doc = serde_json::to_vec(&Shard {
        split,
        more,
        holders,
    })?;
    doc.push(b'\n');
    Ok((doc, more))
}

/// The secret-free key of a lookup: SHA-256 over a label, the folded id and the
/// folded last name.
fn lookup_hash(label: &str, id: &str, last_name: &str) -> [u8; 32] {
    let id = id.trim();
    // Ids are ASCII, and mostly lowercase already: no copy for those.
    let id: std::borrow::Cow<str> = if id.is_ascii() && !id.bytes().any(|b| b.is_ascii_uppercase())
    {
        id.into()
    } else {
        id.to_lowercase().into()
    };
    Sha256::new()
        .chain_update(label.as_bytes())
        .chain_update(b"\n")
        .chain_update(id.as_bytes())
        .chain_update(b"\n")
        .chain_update(names::joined(last_name).as_bytes())
        .finalize()
        .into()
}

/// The last names a credential can be looked up with: the family name, and each of
/// its words when it has several ("Hoffmann-Šimić", "Hoffmann", "Šimić").
fn last_names(credential: &Credential) -> Vec<String> {
    let family = credential.family_name();
    let mut all = vec![family.to_string()];
    let words = names::words(family);
    if each_word_too(words.len()) {
        all.extend(words);
    }
    all
}

/// Whether a family name of `words` words is also looked up by each of its words.
fn each_word_too(words: usize) -> bool {
    words > 1
}

/// A lookup entry: its tag (hex of the key's SHA-256, 32 digits) and the credential's
/// folder under `c/`, encrypted.
pub fn lookup_entry(id: &str, last_name: &str, folder: &str) -> Result<(String, String)> {
    let tag = hex::encode(&lookup_hash("credsite lookup", id, last_name)[..16]);
    let key = lookup_hash("credsite lookup key", id, last_name);
    let cipher = Aes256Gcm::new_from_slice(&key).map_err(|e| anyhow!("lookup key: {e}"))?;
    // Each key encrypts one message only, so a fixed nonce is safe.
    let sealed = cipher
        .encrypt(&Nonce::from([0u8; 12]), folder.as_bytes())
        .map_err(|e| anyhow!("cannot encrypt a lookup entry: {e}"))?;
    Ok((tag, URL_SAFE_NO_PAD.encode(sealed)))
}

/// Hex digits in the names of the lookup shards: enough for about
/// [`LOOKUP_PER_SHARD`] entries per shard, at most [`LOOKUP_MAX_DIGITS`].
pub fn lookup_digits(site: &Site) -> usize {
    let entries: usize = site
        .credentials
        .par_iter()
        .map(|c| {
            // As many as `last_names` lists, without making them.
            let words = names::word_count(c.family_name());
            1 + if each_word_too(words) { words } else { 0 }
        })
        .sum();
    digits_for(entries)
}

/// [`lookup_digits`] for a number of lookup entries.
fn digits_for(entries: usize) -> usize {
    let mut digits = 1;
    while entries / 16usize.pow(digits as u32) > LOOKUP_PER_SHARD && digits < LOOKUP_MAX_DIGITS {
        digits += 1;
    }
    digits
}

/// One lookup entry, as the shards are sorted: its tag (the first 16 bytes of the
/// lookup hash), the credential (its place in the site) and which of its last names.
/// 24 bytes; the sealed folders are made only for the shards written.
type LookupSlot = ([u8; 16], u32, u8);

fn lookup_shards(site: &Site, digits: usize, kept: Option<&dyn Kept>) -> Result<Vec<Page>> {
    let input_keys = input_keys(site, kept);
    let mut slots: Vec<LookupSlot> = site
        .credentials
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, c)| {
            last_names(c).into_iter().enumerate().map(move |(n, name)| {
                let hash = lookup_hash("credsite lookup", c.id(), &name);
                let tag: [u8; 16] = hash[..16].try_into().expect("16 of 32 bytes");
                (tag, i as u32, n as u8)
            })
        })
        .collect();
    debug_assert_eq!(digits, digits_for(slots.len()));
    // By tag; of entries with the same tag (ids that fold alike), the last one made.
    slots.par_sort_unstable();
    slots.dedup_by(|later, earlier| {
        let same = later.0 == earlier.0;
        if same {
            *earlier = *later;
        }
        same
    });
    // A shard's name is the tag's first `digits` hex digits (at most 3).
    let prefix = |tag: &[u8; 16]| {
        u32::from_be_bytes(tag[..4].try_into().expect("4 bytes")) >> (32 - 4 * digits)
    };
    let shards: Vec<&[LookupSlot]> = slots
        .chunk_by(|a, b| prefix(&a.0) == prefix(&b.0))
        .collect();
    let pages: Vec<Option<Page>> = shards
        .into_par_iter()
        .map(|shard| -> Result<Option<Page>> {
            let path = urls::search_lookup(&hex::encode(shard[0].0)[..digits]);
            // The shard's inputs: each entry's tag and last name, and the input key of
            // its credential (its id, last names and folder make the sealed folder).
            let key = input_keys.map(|(global, keys)| {
                let mut hasher = Sha256::new()
                    .chain_update(format!("credsite lookup shard\n{global}\n{path}\n"));
                for &(tag, i, n) in shard {
                    hasher.update(tag);
                    hasher.update([n]);
                    hasher.update(keys[i as usize].1);
                }
                <[u8; 32]>::from(hasher.finalize())
            });
            if let (Some(kept), Some(key)) = (kept, &key)
                && kept.keep_page(&path, key).is_some()
            {
                return Ok(None);
            }
            let mut entries = BTreeMap::new();
            for &(_, i, n) in shard {
                let credential = &site.credentials[i as usize];
                let name = &last_names(credential)[n as usize];
                let (tag, sealed) = lookup_entry(credential.id(), name, folder(credential))?;
                entries.insert(tag, sealed);
            }
            #[derive(Serialize)]
            struct Lookup {
                entries: BTreeMap<String, String>,
            }
            let mut doc = serde_json::to_vec(&Lookup { entries })?;
            doc.push(b'\n');
            if let (Some(kept), Some(key)) = (kept, &key) {
                kept.made_page(&path, key);
            }
            Ok(Some(Page::new(path, doc)))
        })
        .collect::<Result<_>>()?;
    Ok(pages.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aes_gcm::aead::Aead;
    use serde_json::{Value, json};

    /// The holders search.js finds for `word` in `docs` (path -> shard), and whether a
    /// shard on the way left some out: from the shard of the word's first two
    /// characters, one character more for each split shard, as far as the word goes.
    fn found(docs: &BTreeMap<String, Value>, word: &str) -> (Vec<Value>, bool) {
        let mut n = FIRST_KEY_CHARS;
        let (mut holders, mut partial) = (Vec::new(), false);
        while let Some(doc) = docs.get(&urls::search_names(names::prefix(word, n))) {
            holders.extend(doc["holders"].as_array().unwrap().iter().cloned());
            partial |= doc["more"].as_u64().unwrap() > 0;
            if !doc["split"].as_bool().unwrap() || word.chars().count() <= n {
                break;
            }
            n += 1;
        }
        (holders, partial)
    }

    #[test]
    fn a_shard_too_big_splits_until_every_holder_is_found() {
        // 6,000 holders under the key "ma" (216 different words, about 240 KB of
        // entries), and 1,500 more who share one word, too many for one shard.
        let syllables = ["ra", "ri", "ro", "tin", "ka", "lo"];
        let mut words: Vec<(String, usize)> = (0..6000)
            .map(|i| {
                let s = |k: usize| syllables[k % syllables.len()];
                (format!("ma{}{}{}", s(i), s(i / 6), s(i / 36)), i)
            })
            .chain((6000..7500).map(|i| ("maria".to_string(), i)))
            .collect();
        words.sort();
        let entry_of = |i: usize| json!([format!("Holder {i:05}"), 0, format!("ab/h-{i:05}/")]);
        let mut pages = Vec::new();
        let words: Vec<(&str, usize)> = words.iter().map(|(w, i)| (w.as_str(), *i)).collect();
        shard(&entry_of, &words, "", FIRST_KEY_CHARS, &mut pages).unwrap();
        let docs: BTreeMap<String, Value> = pages
            .iter()
            .map(|p| (p.path.clone(), serde_json::from_slice(&p.bytes).unwrap()))
            .collect();
        assert_eq!(docs.len(), pages.len(), "one page per key");
        assert!(
            docs.len() > 10,
            "the shard of \"ma\" split: {:?}",
            docs.keys()
        );
        assert_eq!(docs[&urls::search_names("ma")]["split"], true);
        for page in &pages {
            assert!(page.bytes.len() <= SHARD_BYTES, "{}", page.path);
        }
        // Every holder of a word that fits is found by that word, completely.
        for (word, i) in words.iter().filter(|(w, _)| *w != "maria") {
            let (holders, partial) = found(&docs, word);
            assert!(!partial, "{word}");
            assert!(
                holders.contains(&entry_of(*i)),
                "{word}: holder {i} not found"
            );
        }
        // A word shared by more holders than fit keeps the first ones and says how
        // many it left out.
        let maria = &docs[&urls::search_names("maria")];
        let kept = maria["holders"].as_array().unwrap();
        assert!(kept.len() > 500);
        assert_eq!(kept.len() as u64 + maria["more"].as_u64().unwrap(), 1500);
        assert_eq!(kept[0], entry_of(6000));
        assert!(found(&docs, "maria").1);
    }

    #[test]
    fn lookup_shards_stay_within_one_folder_of_4096_files() {
        assert_eq!(digits_for(0), 1);
        assert_eq!(digits_for(16 * 256), 1);
        assert_eq!(digits_for(16 * 256 + 16), 2);
        assert_eq!(digits_for(1_000_000), 3);
        // A million holders, some with a double-barrelled family name (each of its
        // words is a last name too): 16^4 shards would be 65,536 files in search/l/.
        assert_eq!(digits_for(1_100_000), 3);
        assert_eq!(digits_for(50_000_000), 3);
    }

    #[test]
    fn a_lookup_entry_opens_only_with_the_id_and_the_last_name() {
        let (tag, sealed) = lookup_entry("CDPP-1 ", "Hoffmann-Šimić", "e8/cdpp-1/").unwrap();
        let (same, _) = lookup_entry("cdpp-1", "hoffmann simic", "e8/cdpp-1/").unwrap();
        assert_eq!(tag, same, "case, accents and spaces do not matter");
        let (other, _) = lookup_entry("cdpp-2", "Hoffmann-Šimić", "e8/cdpp-1/").unwrap();
        assert_ne!(tag, other);
        assert_eq!(tag.len(), 32);
        let key = lookup_hash("credsite lookup key", "cdpp-1", "Hoffmann Simic");
        let opened = Aes256Gcm::new_from_slice(&key)
            .unwrap()
            .decrypt(
                &Nonce::from([0u8; 12]),
                URL_SAFE_NO_PAD.decode(&sealed).unwrap().as_slice(),
            )
            .unwrap();
        assert_eq!(opened, b"e8/cdpp-1/");
        let wrong = lookup_hash("credsite lookup key", "cdpp-1", "Hoffmann");
        assert!(
            Aes256Gcm::new_from_slice(&wrong)
                .unwrap()
                .decrypt(
                    &Nonce::from([0u8; 12]),
                    URL_SAFE_NO_PAD.decode(&sealed).unwrap().as_slice()
                )
                .is_err()
        );
        assert!(!sealed.contains("cdpp"));
    }
}
