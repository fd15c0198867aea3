//! The summary of `credsite report`: per program, how many credentials stand how, how
//! many were issued each year and how many valid ones run out soon.
//!
//! Everything is read from the resolved [`Site`]: each credential's
//! [`status`](crate::site::Credential::status) and
//! [`valid_until`](crate::site::Credential::valid_until), worked out once in
//! [`crate::site::resolve`]; nothing here decides a status again.

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate};
use serde::Serialize;

use super::UnknownProgram;
use crate::site::{Credential, Site, Status};

/// The look-ahead windows of [`Expiring`], in days.
pub const HORIZONS: [u64; 3] = [30, 60, 90];

/// The report on the whole roster or one program, as of one day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The day statuses are computed for.
    pub as_of: NaiveDate,
    /// The program asked for with `--program`, if one was.
    pub program: Option<String>,
    /// One entry per program (or the one asked for), sorted by id.
    pub programs: Vec<ProgramSummary>,
    /// The sums over [`Summary::programs`].
    pub total: Counts,
}

/// One program's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProgramSummary {
    /// The program id, e.g. `cdpp`.
    pub id: String,
    /// The program's name.
    pub name: String,
    /// Its credentials' figures.
    #[serde(flatten)]
    pub counts: Counts,
}

/// How many credentials stand how. Every credential is counted in exactly one of
/// `active`, `expired`, `suspended`, `revoked`, `replaced` and `not_yet_valid`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Counts {
    /// All credentials.
    pub credentials: usize,
    /// Valid on the day.
    pub active: usize,
    /// Past their last valid day.
    pub expired: usize,
    /// Suspended on the day.
    pub suspended: usize,
    /// Revoked (revocation comes first: a revoked and replaced one counts here).
    pub revoked: usize,
    /// Renewed or corrected: another credential replaces it.
    pub replaced: usize,
    /// Issued with a date after the day.
    pub not_yet_valid: usize,
    /// `active` as a percentage of `credentials`, one decimal; `None` when there are
    /// no credentials.
    pub active_percent: Option<f64>,
    /// Active credentials whose last valid day comes soon.
    pub expiring: Expiring,
    /// Credentials issued each year (all of them, whatever their status now).
    pub issued_per_year: BTreeMap<i32, usize>,
}

/// Active credentials whose last valid day falls in `(as_of, as_of + N days]`; each
/// window includes the shorter ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Expiring {
    /// Within 30 days.
    pub within_30_days: usize,
    /// Within 60 days.
    pub within_60_days: usize,
    /// Within 90 days.
    pub within_90_days: usize,
}

impl Counts {
    fn add(&mut self, credential: &Credential, as_of: NaiveDate) {
        self.credentials += 1;
        match credential.status {
            Status::Valid => self.active += 1,
            Status::Expired => self.expired += 1,
            Status::Suspended => self.suspended += 1,
            Status::Revoked => self.revoked += 1,
            Status::Replaced => self.replaced += 1,
            Status::NotYetValid => self.not_yet_valid += 1,
        }
        *self
            .issued_per_year
            .entry(credential.record.issued.year())
            .or_default() += 1;
        if credential.status == Status::Valid
            && let Some(until) = credential.valid_until
            && until > as_of
        {
            let within = |days| {
                as_of
                    .checked_add_days(Days::new(days))
                    .is_none_or(|end| until <= end)
            };
            let [d30, d60, d90] = HORIZONS.map(within);
            self.expiring.within_30_days += usize::from(d30);
            self.expiring.within_60_days += usize::from(d60);
            self.expiring.within_90_days += usize::from(d90);
        }
    }

    fn merge(&mut self, other: &Counts) {
        self.credentials += other.credentials;
        self.active += other.active;
        self.expired += other.expired;
        self.suspended += other.suspended;
        self.revoked += other.revoked;
        self.replaced += other.replaced;
        self.not_yet_valid += other.not_yet_valid;
        self.expiring.within_30_days += other.expiring.within_30_days;
        self.expiring.within_60_days += other.expiring.within_60_days;
        self.expiring.within_90_days += other.expiring.within_90_days;
        for (year, n) in &other.issued_per_year {
            *self.issued_per_year.entry(*year).or_default() += n;
        }
    }

    fn finish(&mut self) {
        self.active_percent = percent(self.active, self.credentials);
    }
}

/// `part` of `whole` in percent, rounded to one decimal; `None` for an empty whole.
fn percent(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

/// The summary of every program of the site, as of the site's day.
pub fn summary(site: &Site) -> Summary {
    summarize(site, None)
}

/// The summary of one program (`Some`) or all of them (`None`); an error naming the
/// known programs for an id the site does not have.
pub fn summary_of(site: &Site, program: Option<&str>) -> Result<Summary, UnknownProgram> {
    if let Some(id) = program {
        super::check_program(site, id)?;
    }
    Ok(summarize(site, program))
}

fn summarize(site: &Site, only: Option<&str>) -> Summary {
    let mut per_program: BTreeMap<&str, Counts> = site
        .programs
        .keys()
        .filter(|id| only.is_none_or(|only| only == id.as_str()))
        .map(|id| (id.as_str(), Counts::default()))
        .collect();
    for credential in &site.credentials {
        if let Some(counts) = per_program.get_mut(credential.record.program.as_str()) {
            counts.add(credential, site.as_of);
        }
    }
    let mut total = Counts::default();
    let programs = per_program
        .into_iter()
        .map(|(id, mut counts)| {
            counts.finish();
            total.merge(&counts);
            ProgramSummary {
                id: id.to_string(),
                name: site.programs[id].name.clone(),
                counts,
            }
        })
        .collect();
    total.finish();
    Summary {
        as_of: site.as_of,
        program: only.map(str::to_string),
        programs,
        total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_never_divides_by_zero() {
        assert_eq!(percent(0, 0), None);
        assert_eq!(percent(1, 3), Some(33.3));
        assert_eq!(percent(2, 3), Some(66.7));
        assert_eq!(percent(5, 5), Some(100.0));
    }
}
