//! The signed feed: a JSON Feed 1.1 of every credential and status event, in pages.
//!
//! `feed.json` is the newest page; `next_url` leads to older pages, `feed/N.json`,
//! numbered from 1 (the oldest). An archive page holds exactly [`ITEMS_PER_PAGE`]
//! items, so it never changes once full, and is byte-identical from build to build.
//! Every page is signed with the same `eddsa-jcs-2022` proof as the credentials, and
//! every page but the first names the page before it with its SHA-256 (of its
//! JCS form, proof included) under `_credsite.previous`: a hash chain, so that
//! history cannot be rewritten without every later page changing. `credsite verify`
//! walks and checks the whole chain.
//!
//! Items name the holder only when the holder is listed; for the others the feed
//! says `[texts] unlisted_holder`.

use std::borrow::Cow;

use anyhow::Result;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::credential::valid_until_time;
use super::jcs;
use super::texts::SignedTexts;
use crate::dates::date_time;
use crate::load::status::Event;
use crate::site::{Credential, Site};
use crate::urls;

/// Items per page: about 700 KB of JSON, under the 1 MB a feed reader expects.
pub const ITEMS_PER_PAGE: usize = 1000;

/// One item of the feed, before it is made: a credential's issue, or one of its
/// status events.
pub struct Entry<'a> {
    date: chrono::NaiveDate,
    /// The credential's place in the site's list (for its input key, see [`Kept`]).
    index: u32,
    credential: &'a Credential,
    /// The status event (index into its lifecycle), or the issue.
    event: Option<usize>,
}

impl Entry<'_> {
    /// The item's `id`: a credential's document, or its page and the event's anchor.
    fn id(&self, urls: &urls::Urls) -> String {
        format!("{}{}", urls.absolute(self.id_folder()), self.id_end())
    }

    /// The site folder in the item's `id`, after the base URL.
    fn id_folder(&self) -> &str {
        let credential = self.credential;
        match self.event {
            None => credential.moved_from.as_deref().unwrap_or(&credential.dir),
            Some(_) => &credential.dir,
        }
    }

    /// What follows the folder in the item's `id`.
    fn id_end(&self) -> Cow<'static, str> {
        match self.event {
            None => Cow::Borrowed(urls::CREDENTIAL_FILE),
            Some(n) => Cow::Owned(format!("#event-{}", n + 1)),
        }
    }

    /// Orders two entries by date, then by `id` (as strings), without making the ids
    /// (a million of them are 100 MB): all ids start with the same base URL.
    fn order(&self, other: &Entry) -> std::cmp::Ordering {
        self.date.cmp(&other.date).then_with(|| {
            let (end, other_end) = (self.id_end(), other.id_end());
            let id = self.id_folder().bytes().chain(end.bytes());
            id.cmp(other.id_folder().bytes().chain(other_end.bytes()))
        })
    }
}

/// What the feed lists, oldest first: issues and status events, by date, then id.
/// Only this order is kept for the whole site; items are made a page at a time
/// ([`items`]), so that a site of a million credentials never holds them all.
pub fn entries(site: &Site) -> Vec<Entry<'_>> {
    let mut entries: Vec<Entry> = site
        .credentials
        .iter()
        .enumerate()
        .flat_map(|(index, credential)| {
            let index = index as u32;
            let issue = Entry {
                date: credential.record.issued,
                index,
                credential,
                event: None,
            };
            let events = credential
                .lifecycle
                .events
                .iter()
                .enumerate()
                .map(move |(n, event)| Entry {
                    date: event.date,
                    index,
                    credential,
                    event: Some(n),
                });
            std::iter::once(issue).chain(events)
        })
        .collect();
    // Dates are written `YYYY-MM-DDT00:00:00Z`: their order is the dates' order.
    entries.par_sort_unstable_by(Entry::order);
    entries
}

/// The items of `entries`, in the same order.
pub fn items<'a>(
    site: &'a Site,
    texts: &SignedTexts,
    entries: &[Entry<'a>],
) -> Result<Vec<Item<'a>>> {
    let unlisted = texts.render("unlisted_holder", &[])?;
    entries
        .par_iter()
        .map(|entry| {
            let credential = entry.credential;
            let holder = if credential.listed {
                credential.record.holder_name.as_str()
            } else {
                unlisted.as_str()
            };
            let id = entry.id(&site.urls);
            match entry.event {
                None => item(site, credential, holder, id, texts),
                Some(n) => {
                    let event = &credential.lifecycle.events[n];
                    event_item(site, credential, holder, id, event, texts)
                }
            }
        })
        .collect()
}

/// The page before another one in the chain: its URL and digest.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    /// Its absolute URL.
    pub url: String,
    /// `sha256:` + hex of the SHA-256 of its JCS form.
    pub digest: String,
}

/// The digest a page's successor holds: SHA-256 of the signed page's JCS form.
pub fn digest(signed: &Value) -> Result<String> {
    let canonical = super::jcs::to_vec(signed).map_err(anyhow::Error::msg)?;
    Ok(digest_of(&canonical))
}

/// `sha256:` + hex of the SHA-256 of `canonical`.
fn digest_of(canonical: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(canonical)))
}

/// A feed page, in its published order (JSON Feed 1.1 and credsite's `_credsite`);
/// [`Page::canonical`] writes its JCS form directly, without a `serde_json::Value`
/// of its thousand items.
#[derive(Debug, Serialize)]
pub struct Page<'a> {
    version: &'static str,
    title: String,
    home_page_url: String,
    feed_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    authors: [Author<'a>; 1],
    #[serde(rename = "_credsite", skip_serializing_if = "Option::is_none")]
    chain: Option<Chain>,
    items: Vec<Item<'a>>,
    /// The proof set, once signed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proof: Option<Vec<super::proof::Proof<'a>>>,
}

/// The feed's author: the issuer.
#[derive(Debug, Serialize)]
struct Author<'a> {
    name: &'a str,
    url: &'a str,
}

/// A page's link to the page before it.
#[derive(Debug, Serialize)]
struct Chain {
    previous: Link,
}

/// A JSON Feed item, its fields in the order every item has them.
#[derive(Debug, Serialize)]
pub struct Item<'a> {
    id: String,
    url: String,
    title: String,
    content_text: String,
    date_published: String,
    tags: Vec<&'a str>,
    #[serde(rename = "_credsite")]
    ext: Ext<'a>,
}

/// An item's `_credsite`: the credential, and the issue's dates (an issue) or the
/// action and its reason (a status event).
#[derive(Debug, Default, Serialize)]
struct Ext<'a> {
    credential: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    program: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    valid_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    valid_until: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    replaces: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

impl Page<'_> {
    /// The RFC 8785 (JCS) form of the page without its proof: what its proof signs.
    pub fn canonical(&self) -> Result<Vec<u8>> {
        self.canonical_form(false)
    }

    /// The digest of the signed page, which the next page holds ([`digest`]).
    pub fn digest(&self) -> Result<String> {
        Ok(digest_of(&self.canonical_form(true)?))
    }

    fn canonical_form(&self, with_proof: bool) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(1 << 20);
        if self.write_canonical(&mut out, with_proof) {
            return Ok(out);
        }
        // A value that is not a string or a small integer: the general path.
        let mut value = serde_json::to_value(self)?;
        if !with_proof && let Some(map) = value.as_object_mut() {
            map.remove("proof");
        }
        super::jcs::to_vec(&value).map_err(anyhow::Error::msg)
    }

    /// Writes the members in the order of their names (RFC 8785 §3.2.3); `false` if
    /// a value needs the general path.
    fn write_canonical(&self, out: &mut Vec<u8>, with_proof: bool) -> bool {
        let mut page = jcs::Object::new(out);
        if let Some(chain) = &self.chain {
            let mut credsite = jcs::Object::new(page.member("_credsite"));
            let mut previous = jcs::Object::new(credsite.member("previous"));
            previous.string("digest", &chain.previous.digest);
            previous.string("url", &chain.previous.url);
            previous.end();
            credsite.end();
        }
        page.array("authors", &self.authors, |author, out| {
            let mut object = jcs::Object::new(out);
            object.string("name", author.name);
            object.string("url", author.url);
            object.end();
        });
        if let Some(description) = self.description {
            page.string("description", description);
        }
        page.string("feed_url", &self.feed_url);
        page.string("home_page_url", &self.home_page_url);
        page.array("items", &self.items, Item::write_canonical);
        if let Some(next) = &self.next_url {
            page.string("next_url", next);
        }
        let mut exact = true;
        if with_proof && let Some(proof) = &self.proof {
            page.array("proof", proof, |proof, out| {
                exact &= proof.write_canonical(out);
            });
        }
        page.string("title", &self.title);
        page.string("version", self.version);
        page.end() && exact
    }
}

impl Item<'_> {
    fn write_canonical(&self, out: &mut Vec<u8>) {
        let mut item = jcs::Object::new(out);
        let ext = &self.ext;
        let mut credsite = jcs::Object::new(item.member("_credsite"));
        if let Some(action) = ext.action {
            credsite.string("action", action);
        }
        credsite.string("credential", &ext.credential);
        let optional = [
            ("program", ext.program.as_deref()),
            ("reason", ext.reason),
            ("replaces", ext.replaces.as_deref()),
            ("valid_from", ext.valid_from.as_deref()),
            ("valid_until", ext.valid_until.as_deref()),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                credsite.string(name, value);
            }
        }
        credsite.end();
        item.string("content_text", &self.content_text);
        item.string("date_published", &self.date_published);
        item.string("id", &self.id);
        item.strings("tags", &self.tags);
        item.string("title", &self.title);
        item.string("url", &self.url);
        item.end();
    }
}

/// One unsigned page at site path `path` with `items` (oldest first; the page lists
/// them newest first), linking to the older page `next` and chained to `previous`.
pub fn page<'a>(
    site: &'a Site,
    texts: &SignedTexts,
    path: &str,
    mut items: Vec<Item<'a>>,
    next: Option<&str>,
    previous: Option<&Link>,
) -> Result<Page<'a>> {
    let config = &site.config;
    items.reverse();
    Ok(Page {
        version: "https://jsonfeed.org/version/1.1",
        title: texts.render("feed_title", &[("site", &config.title)])?,
        home_page_url: site.urls.home(),
        feed_url: site.urls.absolute(path),
        next_url: next.map(|next| site.urls.absolute(next)),
        description: (!config.description.is_empty()).then_some(config.description.as_str()),
        authors: [Author {
            name: &config.issuer.name,
            url: &site.issuer_url,
        }],
        chain: previous.map(|previous| Chain {
            previous: previous.clone(),
        }),
        items,
        proof: None,
    })
}

/// The input key of each credential of the site, with its id, in the site's order.
pub type CredentialKeys = [(String, [u8; 32])];

/// What a build keeps of the feed pages the previous one signed (issue 12): the
/// incremental build's cache. A full archive page never changes, so that making and
/// signing them all again (about 3 s at 100,000 credentials) is wasted. Listing pages,
/// search shards and manifest parts are kept the same way, by the key of their inputs.
pub trait Kept: Sync {
    /// The key of everything site-wide that pages are made from, and the input key of
    /// each credential of the site, in the site's order (see [`crate::incremental`]);
    /// `None` if they were not made.
    fn input_keys(&self) -> Option<(&str, &CredentialKeys)>;
    /// The digest of the page at `path` that the previous build signed from the same
    /// inputs (`key`, see [`page_key`]), if that page is kept as it is.
    fn kept(&self, path: &str, key: &[u8; 32]) -> Option<String>;
    /// Notes a page signed now, with its key and digest.
    fn signed(&self, path: &str, key: &[u8; 32], digest: &str);
    /// Takes over the page at `path` (not a feed page: a listing page, a search
    /// shard, a manifest part) that the previous build made from the same inputs
    /// (`key`), and gives its hash and size; `None` if it did not, or the file is not
    /// as it left it.
    fn keep_page(&self, path: &str, key: &[u8; 32]) -> Option<crate::output::manifest::FileEntry>;
    /// Notes the key of a page made now (see [`Kept::keep_page`]).
    fn made_page(&self, path: &str, key: &[u8; 32]);
    /// Takes over every page that the previous build made from the inputs `key` (a
    /// group of pages made together, each noted with [`Kept::made_page`] under that
    /// key), and says whether it did: not if there were none, or if one of them is
    /// not as it left it (then none is taken over). By default, none is.
    fn keep_pages(&self, _key: &[u8; 32]) -> bool {
        false
    }
}

/// What one page and its proof are made of, without making it: the site-wide inputs,
/// the input key of each credential it lists (which covers its events), its place in
/// the chain, its proof date, and the signing key and method. Signed with the same
/// key, method and date, the same page gives the same bytes (Ed25519 is
/// deterministic).
pub struct PageInputs<'p> {
    /// The page's site path.
    pub path: &'p str,
    /// The older page it links to.
    pub next: Option<&'p str>,
    /// The older page's URL and digest (its chain link).
    pub previous: Option<&'p Link>,
    /// Its proof's `created`.
    pub created: Option<&'p str>,
    /// The public key and verification method that sign it.
    pub public_key: &'p [u8],
    pub method: &'p str,
}

/// The key of a page of `entries` (see [`PageInputs`]); `None` without input keys.
pub fn page_key(kept: &dyn Kept, page: &PageInputs, entries: &[Entry]) -> Option<[u8; 32]> {
    let (global, credentials) = kept.input_keys()?;
    let mut hasher = Sha256::new();
    let previous = page.previous.map(|l| (l.url.as_str(), l.digest.as_str()));
    hasher.update(format!(
        "credsite feed page\n{global}\n{}\n{:?}\n{previous:?}\n{:?}\n{}\n",
        page.path, page.next, page.created, page.method
    ));
    hasher.update(page.public_key);
    for entry in entries {
        let (_, key) = credentials.get(entry.index as usize)?;
        hasher.update(key);
        // The event's number, or none (the issue).
        hasher.update(entry.event.map_or(0, |n| n as u64 + 1).to_le_bytes());
    }
    Some(hasher.finalize().into())
}

/// A page's proof `created`: its newest item's date (never the clock), if any.
pub fn created(entries: &[Entry]) -> Option<String> {
    entries.iter().map(|e| e.date).max().map(date_time)
}

/// The site paths of the feed's pages for `items` items, oldest archive page first,
/// `feed.json` last.
pub fn page_paths(items: usize) -> Vec<String> {
    let mut paths: Vec<String> = (1..=items / ITEMS_PER_PAGE).map(urls::feed_page).collect();
    paths.push(urls::FEED.to_string());
    paths
}

/// A credential's issue's item; `id` is its document's URL ([`Entry::id`]).
fn item<'a>(
    site: &'a Site,
    credential: &'a Credential,
    holder: &str,
    id: String,
    texts: &SignedTexts,
) -> Result<Item<'a>> {
    let record = &credential.record;
    let program = site.program_of(credential);
    let issued = record.issued.to_string();
    let valid_until = credential
        .valid_until
        .map(|d| d.to_string())
        .unwrap_or_default();
    let values = [
        ("holder", holder),
        ("program", &program.name),
        ("issued", &issued),
        ("valid_until", &valid_until),
    ];
    let ext = Ext {
        credential: id.clone(),
        program: Some(site.urls.absolute(&urls::program_dir(&program.id))),
        valid_from: Some(date_time(record.issued)),
        valid_until: credential.valid_until.map(valid_until_time),
        replaces: record
            .replaces
            .as_ref()
            .and_then(|(old, _)| site.credential(old))
            .map(|old| old.json_url(&site.urls)),
        ..Ext::default()
    };
    Ok(Item {
        id,
        url: credential.page_url(&site.urls),
        title: texts.render("feed_item_title", &values)?,
        content_text: texts.render("feed_item_text", &values)?,
        date_published: date_time(record.issued),
        tags: vec![&program.id],
        ext,
    })
}

/// A status event's item; `id` is [`Entry::id`].
fn event_item<'a>(
    site: &'a Site,
    credential: &'a Credential,
    holder: &str,
    id: String,
    event: &'a Event,
    texts: &SignedTexts,
) -> Result<Item<'a>> {
    let program = site.program_of(credential);
    let date = event.date.to_string();
    let values = [
        ("holder", holder),
        ("program", &program.name),
        ("action", event.action.as_str()),
        ("date", &date),
        ("reason", &event.reason),
    ];
    Ok(Item {
        id,
        url: credential.page_url(&site.urls),
        title: texts.render("event_item_title", &values)?,
        content_text: texts.render("event_item_text", &values)?,
        date_published: date_time(event.date),
        tags: vec![&program.id, event.action.as_str()],
        ext: Ext {
            credential: credential.json_url(&site.urls),
            action: Some(event.action.as_str()),
            reason: Some(&event.reason),
            ..Ext::default()
        },
    })
}
