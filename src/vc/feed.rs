//! `feed.json`: a JSON Feed 1.1 of every credential, newest first, signed with the
//! same `eddsa-jcs-2022` proof as the credentials.

use anyhow::Result;
use rayon::prelude::*;
use serde_json::{Map, Value, json};

use super::credential::valid_until_time;
use super::texts::SignedTexts;
use crate::dates::date_time;
use crate::site::{Credential, Site};
use crate::urls;

/// The unsigned feed. Items are ordered by issue date, newest first, then by id.
pub fn unsigned(site: &Site, texts: &SignedTexts) -> Result<Value> {
    let config = &site.config;
    let mut credentials: Vec<&Credential> = site.credentials.iter().collect();
    credentials.sort_by(|a, b| {
        b.record
            .issued
            .cmp(&a.record.issued)
            .then_with(|| a.id().cmp(b.id()))
    });
    let items = credentials
        .par_iter()
        .map(|credential| item(site, credential, texts))
        .collect::<Result<Vec<Value>>>()?;
    let mut feed = Map::new();
    feed.insert("version".into(), "https://jsonfeed.org/version/1.1".into());
    feed.insert(
        "title".into(),
        texts
            .render("feed_title", &[("site", &config.title)])?
            .into(),
    );
    feed.insert("home_page_url".into(), site.urls.home().into());
    feed.insert("feed_url".into(), site.urls.absolute(urls::FEED).into());
    if !config.description.is_empty() {
        feed.insert("description".into(), config.description.clone().into());
    }
    feed.insert(
        "authors".into(),
        json!([{"name": config.issuer.name, "url": site.issuer_url}]),
    );
    feed.insert("items".into(), Value::Array(items));
    Ok(Value::Object(feed))
}

fn item(site: &Site, credential: &Credential, texts: &SignedTexts) -> Result<Value> {
    let record = &credential.record;
    let program = site.program_of(credential);
    let issued = record.issued.to_string();
    let valid_until = credential
        .valid_until
        .map(|d| d.to_string())
        .unwrap_or_default();
    let values = [
        ("holder", record.holder_name.as_str()),
        ("program", &program.name),
        ("issued", &issued),
        ("valid_until", &valid_until),
    ];
    let mut ext = Map::new();
    ext.insert("credential".into(), credential.json_url.clone().into());
    ext.insert(
        "program".into(),
        site.urls.absolute(&urls::program_dir(&program.id)).into(),
    );
    ext.insert("valid_from".into(), date_time(record.issued).into());
    if let Some(until) = credential.valid_until {
        ext.insert("valid_until".into(), valid_until_time(until).into());
    }
    Ok(json!({
        "id": credential.json_url,
        "url": credential.page_url,
        "title": texts.render("feed_item_title", &values)?,
        "content_text": texts.render("feed_item_text", &values)?,
        "date_published": date_time(record.issued),
        "tags": [program.id],
        "_credsite": ext,
    }))
}

/// The proof's `created`: the newest issue date (never the clock), or none for an empty feed.
pub fn created(site: &Site) -> Option<String> {
    site.credentials
        .iter()
        .map(|c| c.record.issued)
        .max()
        .map(date_time)
}
