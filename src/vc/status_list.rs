//! W3C Bitstring Status List v1.0 (W3C Recommendation, 2025-05-15): the revocation
//! and suspension lists the site publishes, and the entries credentials carry.
//!
//! A list is a `BitstringStatusListCredential` whose `encodedList` is the multibase
//! `u` (base64url, no padding) of the GZIP-compressed bitstring. Index 0 is the
//! left-most bit of the first byte. Every list has 131,072 entries. The gzip header's
//! time is 0 and the compression level fixed, so the same statuses give the same bytes.

use std::io::{Read, Write};

use anyhow::{Context, Result, bail};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Days;
use flate2::{Compression, GzBuilder};
use serde_json::{Value, json};

use crate::dates::date_time;
use crate::site::{Credential, Site};
use crate::state::STATUS_LIST_SIZE;
use crate::urls;

/// What a list says of the credentials in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Withdrawn for good.
    Revocation,
    /// Withdrawn for now.
    Suspension,
}

impl Purpose {
    /// Both purposes, in the order credentials list their entries.
    pub const ALL: [Purpose; 2] = [Purpose::Revocation, Purpose::Suspension];

    /// The `statusPurpose` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Revocation => "revocation",
            Purpose::Suspension => "suspension",
        }
    }

    /// Is this purpose's bit set for `credential`?
    pub fn is_set(self, credential: &Credential) -> bool {
        match self {
            Purpose::Revocation => credential.lifecycle.revoked.is_some(),
            Purpose::Suspension => credential.lifecycle.suspended.is_some(),
        }
    }
}

/// The `credentialStatus` of a credential: one entry per purpose, pointing at its
/// fixed slot. It depends only on the state, never on the status itself, so that a
/// change of status changes no signed credential.
pub fn entries(site: &Site, credential: &Credential) -> [Entry; Purpose::ALL.len()] {
    let (list, index) = credential.status_slot;
    let index = index.to_string();
    Purpose::ALL.map(|purpose| {
        let list = site
            .urls
            .absolute(&urls::status_list(purpose.as_str(), list));
        Entry {
            id: format!("{list}#{index}"),
            kind: "BitstringStatusListEntry",
            purpose: purpose.as_str(),
            index: index.clone(),
            list,
        }
    })
}

/// A `BitstringStatusListEntry`, in its published order.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Entry {
    id: String,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "statusPurpose")]
    purpose: &'static str,
    #[serde(rename = "statusListIndex")]
    index: String,
    #[serde(rename = "statusListCredential")]
    list: String,
}

impl Entry {
    /// Writes its JCS form (members in the order of their names).
    pub(crate) fn write_canonical(&self, out: &mut Vec<u8>) {
        let mut object = super::jcs::Object::new(out);
        object.string("id", &self.id);
        object.string("statusListCredential", &self.list);
        object.string("statusListIndex", &self.index);
        object.string("statusPurpose", self.purpose);
        object.string("type", self.kind);
        object.end();
    }
}

/// The unsigned status list credential of `purpose`, list number `list`.
pub fn unsigned(site: &Site, purpose: Purpose, list: u32) -> Result<Value> {
    let mut bits = vec![0u8; STATUS_LIST_SIZE as usize / 8];
    for credential in &site.credentials {
        let (in_list, index) = credential.status_slot;
        if in_list == list && purpose.is_set(credential) {
            set(&mut bits, index as usize);
        }
    }
    let url = site
        .urls
        .absolute(&urls::status_list(purpose.as_str(), list));
    let ttl = site.config.status_list.ttl_days;
    let until = site
        .as_of
        .checked_add_days(Days::new(u64::from(ttl)))
        .context("the status list's validUntil is out of range")?;
    Ok(json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": site.did.did,
        "validFrom": date_time(site.as_of),
        "validUntil": date_time(until),
        "credentialSubject": {
            "id": format!("{url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": purpose.as_str(),
            "encodedList": encode(&bits)?,
            "ttl": u64::from(ttl) * 24 * 60 * 60 * 1000,
        },
    }))
}

/// Sets bit `index` (0 is the left-most bit of the first byte).
pub fn set(bits: &mut [u8], index: usize) {
    bits[index / 8] |= 0x80 >> (index % 8);
}

/// Reads bit `index`.
pub fn get(bits: &[u8], index: usize) -> Option<bool> {
    bits.get(index / 8).map(|b| b & (0x80 >> (index % 8)) != 0)
}

/// `u` + base64url (no padding) of the GZIP-compressed bitstring.
pub fn encode(bits: &[u8]) -> Result<String> {
    let mut gz = GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), Compression::new(9));
    gz.write_all(bits)?;
    Ok(format!("u{}", URL_SAFE_NO_PAD.encode(gz.finish()?)))
}

/// The bitstring of an `encodedList`.
pub fn decode(encoded: &str) -> Result<Vec<u8>> {
    let Some(b64) = encoded.strip_prefix('u') else {
        bail!("encodedList is not multibase base64url (it must start with 'u')");
    };
    let gzipped = URL_SAFE_NO_PAD
        .decode(b64)
        .context("encodedList is not base64url without padding")?;
    let mut bits = Vec::new();
    flate2::read::GzDecoder::new(gzipped.as_slice())
        .take(16 * 1024 * 1024)
        .read_to_end(&mut bits)
        .context("encodedList is not GZIP-compressed")?;
    Ok(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_zero_is_the_leftmost_bit() {
        let mut bits = vec![0u8; 2];
        set(&mut bits, 0);
        set(&mut bits, 9);
        assert_eq!(bits, [0b1000_0000, 0b0100_0000]);
        assert_eq!(get(&bits, 9), Some(true));
        assert_eq!(get(&bits, 8), Some(false));
        assert_eq!(get(&bits, 16), None);
    }

    #[test]
    fn encodes_reproducibly_and_round_trips() {
        let mut bits = vec![0u8; STATUS_LIST_SIZE as usize / 8];
        set(&mut bits, 12345);
        let one = encode(&bits).unwrap();
        assert_eq!(one, encode(&bits).unwrap(), "no time in the gzip header");
        assert!(one.starts_with('u') && !one.contains('=') && !one.contains('+'));
        let back = decode(&one).unwrap();
        assert_eq!(back.len() * 8, STATUS_LIST_SIZE as usize);
        assert_eq!(get(&back, 12345), Some(true));
        // The gzip header: magic, deflate, no flags, mtime 0.
        let gz = URL_SAFE_NO_PAD.decode(&one[1..]).unwrap();
        assert_eq!(&gz[..8], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0]);
        assert!(decode("zabc").is_err());
    }
}
