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
use chrono::NaiveDate;
use rayon::prelude::*;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::credential::valid_until_time;
use super::object;
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
pub fn items(site: &Site, texts: &SignedTexts, entries: &[Entry]) -> Result<Vec<Value>> {
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
#[derive(Debug, Clone)]
pub struct Link {
    /// Its absolute URL.
    pub url: String,
    /// `sha256:` + hex of the SHA-256 of its JCS form.
    pub digest: String,
}

/// The digest a page's successor holds: SHA-256 of the signed page's JCS form.
pub fn digest(signed: &Value) -> Result<String> {
    let canonical = super::jcs::to_vec(signed).map_err(anyhow::Error::msg)?;
    Ok(format!("sha256:{}", hex::encode(Sha256::digest(canonical))))
}

/// One unsigned page at site path `path` with `items` (oldest first; the page lists
/// them newest first), linking to the older page `next` and chained to `previous`.
pub fn page(
    site: &Site,
    texts: &SignedTexts,
    path: &str,
    mut items: Vec<Value>,
    next: Option<&str>,
    previous: Option<&Link>,
) -> Result<Value> {
    let config = &site.config;
    let mut feed = Map::new();
    feed.insert("version".into(), "https://jsonfeed.org/version/1.1".into());
    feed.insert(
        "title".into(),
        texts
            .render("feed_title", &[("site", &config.title)])?
            .into(),
    );
    feed.insert("home_page_url".into(), site.urls.home().into());
    feed.insert("feed_url".into(), site.urls.absolute(path).into());
    if let Some(next) = next {
        feed.insert("next_url".into(), site.urls.absolute(next).into());
    }
    if !config.description.is_empty() {
        feed.insert("description".into(), config.description.clone().into());
    }
    feed.insert(
        "authors".into(),
        json!([{"name": config.issuer.name, "url": site.issuer_url}]),
    );
    if let Some(previous) = previous {
        feed.insert(
            "_credsite".into(),
            json!({"previous": {"url": previous.url, "digest": previous.digest}}),
        );
    }
    items.reverse();
    feed.insert("items".into(), Value::Array(items));
    Ok(Value::Object(feed))
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
fn item(
    site: &Site,
    credential: &Credential,
    holder: &str,
    id: String,
    texts: &SignedTexts,
) -> Result<Value> {
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
    let mut ext = Map::with_capacity(5);
    ext.insert("credential".into(), id.clone().into());
    ext.insert(
        "program".into(),
        site.urls.absolute(&urls::program_dir(&program.id)).into(),
    );
    ext.insert("valid_from".into(), date_time(record.issued).into());
    if let Some(until) = credential.valid_until {
        ext.insert("valid_until".into(), valid_until_time(until).into());
    }
    if let Some(old) = record
        .replaces
        .as_ref()
        .and_then(|(old, _)| site.credential(old))
    {
        ext.insert("replaces".into(), old.json_url(&site.urls).into());
    }
    Ok(feed_item(
        id,
        credential.page_url(&site.urls),
        [
            texts.render("feed_item_title", &values)?,
            texts.render("feed_item_text", &values)?,
        ],
        record.issued,
        &[&program.id],
        Value::Object(ext),
    ))
}

/// A status event's item; `id` is [`Entry::id`].
fn event_item(
    site: &Site,
    credential: &Credential,
    holder: &str,
    id: String,
    event: &Event,
    texts: &SignedTexts,
) -> Result<Value> {
    let program = site.program_of(credential);
    let date = event.date.to_string();
    let values = [
        ("holder", holder),
        ("program", &program.name),
        ("action", event.action.as_str()),
        ("date", &date),
        ("reason", &event.reason),
    ];
    Ok(feed_item(
        id,
        credential.page_url(&site.urls),
        [
            texts.render("event_item_title", &values)?,
            texts.render("event_item_text", &values)?,
        ],
        event.date,
        &[&program.id, event.action.as_str()],
        object([
            ("credential", credential.json_url(&site.urls).into()),
            ("action", event.action.as_str().into()),
            ("reason", event.reason.as_str().into()),
        ]),
    ))
}

/// A JSON Feed item, its fields in the order every item has them: `title` and
/// `content_text` are `texts`, `_credsite` is `ext`.
fn feed_item(
    id: String,
    url: String,
    [title, text]: [String; 2],
    published: NaiveDate,
    tags: &[&str],
    ext: Value,
) -> Value {
    object([
        ("id", id.into()),
        ("url", url.into()),
        ("title", title.into()),
        ("content_text", text.into()),
        ("date_published", date_time(published).into()),
        (
            "tags",
            Value::Array(tags.iter().map(|tag| Value::from(*tag)).collect()),
        ),
        ("_credsite", ext),
    ])
}
