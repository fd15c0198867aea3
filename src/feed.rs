//! `feed.json`: a JSON Feed 1.1 of every credential, newest first, signed with the
//! same `eddsa-jcs-2022` proof as the credentials.

use serde_json::{Map, Value, json};

use crate::credential::{page_path, program_path, valid_until_time};
use crate::dates::date_time;
use crate::records::Record;
use crate::site::Site;

/// The unsigned feed. Items are ordered by issue date, newest first, then by id.
pub fn unsigned(site: &Site) -> Value {
    let config = &site.config;
    let mut records: Vec<&Record> = site.records.iter().collect();
    records.sort_by(|a, b| b.issued.cmp(&a.issued).then_with(|| a.id.cmp(&b.id)));
    let items: Vec<Value> = records
        .iter()
        .map(|record| {
            let program = site.program_of(record);
            let page = config.url_for(&page_path(&record.id));
            let valid_until = site.valid_until(record);
            let mut text = format!(
                "{} was awarded the {} on {}",
                record.holder_name, program.name, record.issued
            );
            match valid_until {
                Some(until) => text.push_str(&format!(", valid until {until}.")),
                None => text.push_str(", with no expiry."),
            }
            let mut ext = Map::new();
            ext.insert("credential".into(), format!("{page}credential.json").into());
            ext.insert(
                "program".into(),
                config.url_for(&program_path(&program.id)).into(),
            );
            ext.insert("valid_from".into(), date_time(record.issued).into());
            if let Some(until) = valid_until {
                ext.insert("valid_until".into(), valid_until_time(until).into());
            }
            json!({
                "id": format!("{page}credential.json"),
                "url": page,
                "title": format!("{}: {}", record.holder_name, program.name),
                "content_text": text,
                "date_published": date_time(record.issued),
                "tags": [program.id],
                "_credsite": ext,
            })
        })
        .collect();
    let mut feed = Map::new();
    feed.insert("version".into(), "https://jsonfeed.org/version/1.1".into());
    feed.insert(
        "title".into(),
        format!("{}: credentials", config.title).into(),
    );
    feed.insert("home_page_url".into(), config.url_for("").into());
    feed.insert("feed_url".into(), config.url_for("feed.json").into());
    if !config.description.is_empty() {
        feed.insert("description".into(), config.description.clone().into());
    }
    feed.insert(
        "authors".into(),
        json!([{"name": config.issuer.name, "url": config.issuer_url()}]),
    );
    feed.insert("items".into(), Value::Array(items));
    Value::Object(feed)
}

/// The proof's `created`: the newest issue date (never the clock), or none for an empty feed.
pub fn created(site: &Site) -> Option<String> {
    site.records.iter().map(|r| r.issued).max().map(date_time)
}
