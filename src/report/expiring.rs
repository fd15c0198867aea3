//! The list of `credsite report expiring`: the holders whose valid credentials run out
//! within a window, with their contact emails from the records (a mail-merge list).
//!
//! It holds personal data (names and email addresses): it is printed or written to a
//! file the manager names, never into the public site.

use chrono::NaiveDate;
use serde::Serialize;

use super::{UnknownProgram, Window};
use crate::site::{Site, Status};

/// One credential that expires within the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expiry {
    /// The credential id.
    pub id: String,
    /// The holder's name.
    pub holder_name: String,
    /// The holder's email, when the record has one.
    pub holder_email: Option<String>,
    /// The program id.
    pub program: String,
    /// The credential's last valid day.
    pub valid_until: NaiveDate,
    /// Days from the report's day to `valid_until` (at least 1).
    pub days_left: i64,
}

/// The active credentials (status valid on the site's day) whose last valid day falls
/// in `(as_of, within.end(as_of)]`, of one program or all, soonest first (then by id).
pub fn expiring(
    site: &Site,
    within: Window,
    program: Option<&str>,
) -> Result<Vec<Expiry>, UnknownProgram> {
    if let Some(id) = program {
        super::check_program(site, id)?;
    }
    let as_of = site.as_of;
    let end = within.end(as_of);
    let mut list: Vec<Expiry> = site
        .credentials
        .iter()
        .filter(|c| c.status == Status::Valid)
        .filter(|c| program.is_none_or(|p| p == c.record.program))
        .filter_map(|c| {
            let until = c.valid_until.filter(|u| *u > as_of && *u <= end)?;
            Some(Expiry {
                id: c.record.id.clone(),
                holder_name: c.record.holder_name.clone(),
                holder_email: c.record.holder_email.clone(),
                program: c.record.program.clone(),
                valid_until: until,
                days_left: (until - as_of).num_days(),
            })
        })
        .collect();
    list.sort_by(|a, b| (a.valid_until, &a.id).cmp(&(b.valid_until, &b.id)));
    Ok(list)
}
