//! `feed.json`: a JSON Feed 1.1 of every credential, newest first, signed with the
//! same `eddsa-jcs-2022` proof as the credentials.

use anyhow::Result;
use rayon::prelude::*;
use serde_json::{Map, Value, json};

use super::credential::valid_until_time;
use super::texts::SignedTexts;
use crate::dates::date_time;
use crate::load::status::Event;
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
    let issued = credentials
        .par_iter()
        .map(|credential| item(site, credential, texts))
        .collect::<Result<Vec<Value>>>()?;
    // Status events, newest first, ahead of the issues: subscribers learn of a
    // revocation as of the day it took effect.
    let mut events: Vec<(&Credential, usize, &Event)> = site
        .credentials
        .iter()
        .flat_map(|c| {
            c.lifecycle
                .events
                .iter()
                .enumerate()
                .map(move |(i, e)| (c, i, e))
        })
        .collect();
    events.sort_by(|a, b| {
        b.2.date
            .cmp(&a.2.date)
            .then_with(|| a.0.id().cmp(b.0.id()))
            .then(a.1.cmp(&b.1))
    });
    let mut items = events
        .iter()
        .map(|(credential, n, event)| event_item(site, credential, *n, event, texts))
        .collect::<Result<Vec<Value>>>()?;
    items.extend(issued);
    items.sort_by(|a, b| {
        b["date_published"]
            .as_str()
            .cmp(&a["date_published"].as_str())
    });
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
    if let Some((old, _)) = &record.replaces {
        ext.insert(
            "replaces".into(),
            site.urls.absolute(&urls::credential_json(old)).into(),
        );
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

/// A status event's item.
fn event_item(
    site: &Site,
    credential: &Credential,
    n: usize,
    event: &Event,
    texts: &SignedTexts,
) -> Result<Value> {
    let program = site.program_of(credential);
    let date = event.date.to_string();
    let values = [
        ("holder", credential.record.holder_name.as_str()),
        ("program", &program.name),
        ("action", event.action.as_str()),
        ("date", &date),
        ("reason", &event.reason),
    ];
    Ok(json!({
        "id": format!("{}#event-{}", credential.page_url, n + 1),
        "url": credential.page_url,
        "title": texts.render("event_item_title", &values)?,
        "content_text": texts.render("event_item_text", &values)?,
        "date_published": date_time(event.date),
        "tags": [program.id, event.action.as_str()],
        "_credsite": {
            "credential": credential.json_url,
            "action": event.action.as_str(),
            "reason": event.reason,
        },
    }))
}

/// The proof's `created`: the newest issue or event date (never the clock), or none
/// for an empty feed.
pub fn created(site: &Site) -> Option<String> {
    site.credentials
        .iter()
        .map(|c| c.record.issued)
        .chain(
            site.credentials
                .iter()
                .flat_map(|c| c.lifecycle.events.iter().map(|e| e.date)),
        )
        .max()
        .map(date_time)
}
