//! Stage 3, resolve: the site model that signing, pages, the feed and `verify` share.
//!
//! Every derived fact about a credential (its program, its last valid day, its status
//! on the build date, its URLs, its salt and status-list slot) is worked out once here,
//! in [`Credential`], and nowhere else.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use rayon::prelude::*;

use crate::config::Config;
use crate::issuer::DidWeb;
use crate::load::status::{Action, Event};
use crate::load::{Inputs, Program, Record};
use crate::render::theme::Theme;
use crate::state::State;
use crate::urls::{self, Urls};

/// A credential's standing on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Issued, not expired, not withdrawn.
    Valid,
    /// Its last valid day has passed.
    Expired,
    /// Issued with a date after the day asked about.
    NotYetValid,
    /// Withdrawn for now.
    Suspended,
    /// Withdrawn for good.
    Revoked,
    /// Renewed or corrected: another credential replaces it.
    Replaced,
}

impl Status {
    /// The status on `day` of a credential valid from `issued` through `valid_until`,
    /// from its dates alone.
    pub fn on(day: NaiveDate, issued: NaiveDate, valid_until: Option<NaiveDate>) -> Status {
        if issued > day {
            Status::NotYetValid
        } else if valid_until.is_some_and(|until| until < day) {
            Status::Expired
        } else {
            Status::Valid
        }
    }

    /// The keyword templates use in CSS classes, e.g. `valid`, `not-yet-valid`.
    pub fn keyword(self) -> &'static str {
        match self {
            Status::Valid => "valid",
            Status::Expired => "expired",
            Status::NotYetValid => "not-yet-valid",
            Status::Suspended => "suspended",
            Status::Revoked => "revoked",
            Status::Replaced => "replaced",
        }
    }

    /// The status in words.
    pub fn label(self) -> &'static str {
        match self {
            Status::Valid => "Valid",
            Status::Expired => "Expired",
            Status::NotYetValid => "Not yet valid",
            Status::Suspended => "Suspended",
            Status::Revoked => "Revoked",
            Status::Replaced => "Replaced",
        }
    }
}

/// What the status log says of one credential.
#[derive(Debug, Clone, Default, Hash)]
pub struct Lifecycle {
    /// Its events, oldest first.
    pub events: Vec<Event>,
    /// The revocation, if it was revoked (final).
    pub revoked: Option<Event>,
    /// The suspension in force, if it is suspended now (and not revoked).
    pub suspended: Option<Event>,
}

impl Lifecycle {
    fn of(events: Vec<Event>) -> Lifecycle {
        let revoked = events.iter().find(|e| e.action == Action::Revoke).cloned();
        let suspended = match (&revoked, events.last()) {
            (None, Some(last)) if last.action == Action::Suspend => Some(last.clone()),
            _ => None,
        };
        Lifecycle {
            events,
            revoked,
            suspended,
        }
    }
}

/// One credential with everything derived from its record, its program and the state.
#[derive(Debug, Hash)]
pub struct Credential {
    /// The record it was made from.
    pub record: Record,
    /// The last valid day: the record's `expires`, else issued + the program's validity.
    pub valid_until: Option<NaiveDate>,
    /// Its status on the build date: revoked, suspended, replaced, then by its dates.
    pub status: Status,
    /// Its events in the status log.
    pub lifecycle: Lifecycle,
    /// The credential that replaces it, if one does.
    pub replaced_by: Option<String>,
    /// Whether the holder appears in listings, search and the sitemap.
    pub listed: bool,
    /// The folder of its verification page (a site path), from the state: permanent.
    pub dir: String,
    /// Where credsite 0.1 published it, if it did: that folder redirects to `dir`.
    pub moved_from: Option<String>,
    /// Its status list (from 1) and slot, from the state.
    pub status_slot: (u32, u32),
}

impl Credential {
    /// The credential's id.
    pub fn id(&self) -> &str {
        &self.record.id
    }

    /// The absolute URL of its verification page (what the QR code holds). Made when
    /// asked for, not kept: a million of them are 100 MB.
    pub fn page_url(&self, urls: &Urls) -> String {
        urls.absolute(&self.dir)
    }

    /// The site path of its signed document: in its folder, or for a credential first
    /// published under credsite 0.1's layout, at its address there (which redirects).
    pub fn json_path(&self) -> String {
        urls::json_in(self.moved_from.as_deref().unwrap_or(&self.dir))
    }

    /// The absolute URL of its signed document: the credential's `id`.
    pub fn json_url(&self, urls: &Urls) -> String {
        urls.absolute(&self.json_path())
    }

    /// The holder's family name: the record's `family_name`, else the last word of the
    /// name (after a comma-less "First Last" convention).
    pub fn family_name(&self) -> &str {
        let record = &self.record;
        match &record.family_name {
            Some(family) => family,
            None => match record.holder_name.split_once(',') {
                Some((family, _)) => family.trim(),
                None => record
                    .holder_name
                    .split_whitespace()
                    .last()
                    .unwrap_or_default(),
            },
        }
    }
}

/// The resolved site: what the rest of the pipeline reads.
#[derive(Debug, Clone)]
pub struct Site {
    /// The site root folder.
    pub root: PathBuf,
    /// `credsite.toml`.
    pub config: Config,
    /// Programs by id.
    pub programs: BTreeMap<String, Program>,
    /// Credentials, sorted by id.
    /// (Shared, so that the preview server can make a site with a few credentials
    /// changed without copying the others.)
    pub credentials: Vec<Arc<Credential>>,
    /// The theme.
    pub theme: Arc<Theme>,
    /// The site's URLs.
    pub urls: Urls,
    /// The issuer's did:web identity.
    pub did: DidWeb,
    /// The issuer's home page: its own `url`, or the registry.
    pub issuer_url: String,
    /// The day statuses are computed for (never signed).
    pub as_of: NaiveDate,
    /// How many status lists of each purpose the site publishes.
    pub status_lists: u32,
}

impl Site {
    /// The program of a credential (present: validation checks every reference).
    pub fn program_of(&self, credential: &Credential) -> &Program {
        &self.programs[&credential.record.program]
    }

    /// The credential with id `id`, if there is one.
    pub fn credential(&self, id: &str) -> Option<&Credential> {
        let at = self.credentials.binary_search_by(|c| c.id().cmp(id)).ok()?;
        Some(&self.credentials[at])
    }
}

/// A credential's status on `as_of`: revoked, suspended, replaced, then by its dates.
fn status(
    lifecycle: &Lifecycle,
    replaced_by: &Option<String>,
    as_of: NaiveDate,
    issued: NaiveDate,
    valid_until: Option<NaiveDate>,
) -> Status {
    if lifecycle.revoked.is_some() {
        Status::Revoked
    } else if lifecycle.suspended.is_some() {
        Status::Suspended
    } else if replaced_by.is_some() {
        Status::Replaced
    } else {
        Status::on(as_of, issued, valid_until)
    }
}

impl Site {
    /// This site with the records of some credentials changed in place (same id, same
    /// place in the same file, same `replaces`): the preview server's quick rebuild
    /// after an edit of a few rows (issue 12). Each record replaces the credential of
    /// its id, resolved as [`resolve`] would: what comes from the state, the status log
    /// and the other records (folder, salt, slot, events, replacement) is kept. `None`
    /// if a record is not such an in-place change.
    pub fn with_changed_records(&self, records: Vec<Record>) -> Option<Site> {
        let mut site = self.clone();
        for record in records {
            let at = self
                .credentials
                .binary_search_by(|c| c.id().cmp(&record.id))
                .ok()?;
            let old = &self.credentials[at];
            let same_place = old.record.origin == record.origin
                && old.record.replaces.as_ref().map(|r| &r.0)
                    == record.replaces.as_ref().map(|r| &r.0);
            let program = self.programs.get(&record.program)?;
            // The status log's events are checked against the issue date.
            let same_events = old.lifecycle.events.is_empty() || old.record.issued == record.issued;
            if !same_place || !same_events {
                return None;
            }
            let valid_until = record
                .expires
                .or_else(|| program.validity.and_then(|v| v.expiry(record.issued)));
            let status = status(
                &old.lifecycle,
                &old.replaced_by,
                self.as_of,
                record.issued,
                valid_until,
            );
            site.credentials[at] = Arc::new(Credential {
                valid_until,
                status,
                lifecycle: old.lifecycle.clone(),
                replaced_by: old.replaced_by.clone(),
                listed: record.listed.unwrap_or(self.config.directory.listed),
                dir: old.dir.clone(),
                moved_from: old.moved_from.clone(),
                status_slot: old.status_slot,
                record,
            });
        }
        Some(site)
    }
}

/// Resolves validated inputs into the site model. New credentials get their salt and
/// status-list slot allocated in `state`.
pub fn resolve(inputs: Inputs, state: &mut State, as_of: NaiveDate) -> Result<Site> {
    allocate(&inputs, state)?;
    resolve_allocated(inputs, state, as_of)
}

/// Gives the credentials that `state` does not know yet their salt and status-list
/// slot; returns how many there were.
pub fn allocate(inputs: &Inputs, state: &mut State) -> Result<usize> {
    let listed_by_default = inputs.config.directory.listed;
    // The new ones, looked for in parallel (in the records' order).
    let new: Vec<(&str, bool)> = inputs
        .records
        .par_iter()
        .filter(|r| !state.credentials.contains_key(&r.id))
        .map(|r| (r.id.as_str(), r.listed.unwrap_or(listed_by_default)))
        .collect();
    state.allocate(new)
}

/// Does `state` lack an entry for one of the records (then [`allocate`] first)?
pub fn needs_allocation(inputs: &Inputs, state: &State) -> bool {
    inputs
        .records
        .iter()
        .any(|r| !state.credentials.contains_key(&r.id))
}

/// [`resolve`], for a `state` that has an entry for every record ([`allocate`]).
pub fn resolve_allocated(inputs: Inputs, state: &State, as_of: NaiveDate) -> Result<Site> {
    let Inputs {
        root,
        config,
        programs,
        records,
        events,
        theme,
        ..
    } = inputs;
    let listed_by_default = config.directory.listed;
    let urls = Urls::new(&config.base_url);
    let mut histories: HashMap<String, Vec<Event>> = HashMap::new();
    for event in events {
        histories.entry(event.id.clone()).or_default().push(event);
    }
    let replaced_by: HashMap<String, String> = records
        .iter()
        .filter_map(|r| Some((r.replaces.as_ref()?.0.clone(), r.id.clone())))
        .collect();
    // Per record, in parallel (100,000 records take a good part of a preview's rebuild).
    let credentials: Vec<Arc<Credential>> = records
        .into_par_iter()
        .map(|record| {
            let program = &programs[&record.program];
            let valid_until = record
                .expires
                .or_else(|| program.validity.and_then(|v| v.expiry(record.issued)));
            let fixed = state.credentials.get(&record.id).with_context(|| {
                format!("credential {} has no entry in the site state", record.id)
            })?;
            let dir = fixed.path.clone();
            let moved_from = fixed.moved_from.clone();
            let lifecycle = Lifecycle::of(histories.get(&record.id).cloned().unwrap_or_default());
            let replaced_by = replaced_by.get(&record.id).cloned();
            let status = status(&lifecycle, &replaced_by, as_of, record.issued, valid_until);
            Ok(Arc::new(Credential {
                valid_until,
                status,
                lifecycle,
                replaced_by,
                listed: record.listed.unwrap_or(listed_by_default),
                dir,
                moved_from,
                status_slot: (fixed.status_list, fixed.status_index),
                record,
            }))
        })
        .collect::<Result<_>>()?;
    Ok(Site {
        root,
        did: DidWeb::from_base_url(&config.base_url),
        issuer_url: config.issuer.url.clone().unwrap_or_else(|| urls.home()),
        urls,
        config,
        programs,
        credentials,
        theme: Arc::new(theme),
        as_of,
        status_lists: state
            .credentials
            .values()
            .map(|c| c.status_list)
            .max()
            .unwrap_or(1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn status_follows_dates() {
        let issued = d("2024-01-01");
        let until = Some(d("2025-01-01"));
        assert_eq!(Status::on(d("2024-06-01"), issued, until), Status::Valid);
        assert_eq!(Status::on(d("2025-01-01"), issued, until), Status::Valid);
        assert_eq!(Status::on(d("2025-01-02"), issued, until), Status::Expired);
        assert_eq!(Status::on(d("2099-01-01"), issued, None), Status::Valid);
        assert_eq!(
            Status::on(d("2023-12-31"), issued, None),
            Status::NotYetValid
        );
        assert_eq!(Status::NotYetValid.keyword(), "not-yet-valid");
    }
}
