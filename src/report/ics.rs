//! `report expiring --ics FILE`: the expiring credentials as an iCalendar file
//! (RFC 5545), one all-day event on each credential's last valid day.
//!
//! The file is reproducible: each event's `UID` is `<credential id>@<base_url host>`,
//! stable across runs, and `DTSTAMP` is the report's day at midnight UTC, never the
//! wall clock. The [`icalendar`] crate writes it (CRLF line ends, lines folded at 75
//! octets, text escaped).

use chrono::{Days, NaiveDate};
use icalendar::{Calendar, Class, Component, Event, EventLike, Property};

use super::Expiry;
use crate::site::Site;
use crate::urls;

/// The calendar's `PRODID`.
pub const PRODID: &str = "-//credsite//credsite report expiring//EN";

/// The `UID` of a credential's expiry event: `<id>@<host of base_url>`.
pub fn uid(site: &Site, id: &str) -> String {
    let host = site
        .config
        .base_url
        .host_str()
        .unwrap_or("credsite.invalid");
    format!("{id}@{host}")
}

/// The iCalendar text of `list`, one `VEVENT` per expiry. RFC 5545 wants at least
/// one component in a calendar: callers write no file for an empty list.
pub fn calendar(site: &Site, list: &[Expiry]) -> String {
    let stamp = site.as_of.and_time(chrono::NaiveTime::MIN).and_utc();
    let mut calendar = Calendar::empty();
    calendar
        .append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new("PRODID", PRODID))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        .append_property(Property::new("METHOD", "PUBLISH"))
        .name(&format!("{}: credential expiries", site.config.title));
    for expiry in list {
        let program = site
            .programs
            .get(&expiry.program)
            .map_or(expiry.program.as_str(), |p| p.name.as_str());
        let contact = expiry.holder_email.as_deref().map_or_else(
            || "no email on record".to_string(),
            |e| format!("email {e}"),
        );
        let event = Event::new()
            .uid(&uid(site, &expiry.id))
            .timestamp(stamp)
            .starts(expiry.valid_until)
            .ends(day_after(expiry.valid_until))
            .summary(&format!(
                "Last valid day: {} ({}, {})",
                expiry.holder_name, expiry.program, expiry.id
            ))
            .description(&format!(
                "The {program} credential {} of {} is valid through {}; it expires the day after unless renewed. Contact: {contact}.",
                expiry.id, expiry.holder_name, expiry.valid_until
            ))
            .url(&site.urls.absolute(&urls::credential_dir(&expiry.id)))
            .class(Class::Private)
            .add_property("TRANSP", "TRANSPARENT")
            .done();
        calendar.push(event);
    }
    calendar.done().to_string()
}

/// The non-inclusive end of an all-day event on `day`.
fn day_after(day: NaiveDate) -> NaiveDate {
    day.checked_add_days(Days::new(1)).unwrap_or(day)
}
