//! The public statistics page: per program, active holders and credentials issued per
//! year, as numbers and bar charts. Aggregates only, and no count below the site's
//! `[statistics] minimum` is shown: it reads "fewer than N", so that a small cohort
//! cannot be picked out.

use std::collections::BTreeMap;

use chrono::Datelike;
use serde::Serialize;

use crate::site::{Site, Status};
use crate::urls;

/// The height of the tallest bar, in SVG units.
const CHART_HEIGHT: u32 = 120;

/// A count as published: the number, or "fewer than N".
#[derive(Serialize)]
pub struct Count {
    /// The text shown.
    pub text: String,
    /// Whether the number itself is withheld.
    pub withheld: bool,
    /// The bar's height in the chart (0 when withheld).
    pub bar: u32,
}

/// One year's bar.
#[derive(Serialize)]
pub struct YearView {
    /// The year.
    pub year: i32,
    /// Credentials issued that year.
    pub issued: Count,
}

/// One program's statistics.
#[derive(Serialize)]
pub struct ProgramStatistics<'a> {
    /// Program id.
    pub id: &'a str,
    /// Program name.
    pub name: &'a str,
    /// The program page's folder, as a site path.
    pub path: String,
    /// Holders whose credential is valid today.
    pub active: Count,
    /// Credentials issued, per year, oldest first.
    pub years: Vec<YearView>,
    /// The chart's height.
    pub chart_height: u32,
}

/// The statistics of every program of `site`.
pub fn programs(site: &Site) -> Vec<ProgramStatistics<'_>> {
    let minimum = site.config.statistics.minimum;
    // One pass over the credentials (not one per program): per program, how many
    // were issued each year and how many are valid.
    let mut tallies: BTreeMap<&str, (BTreeMap<i32, u32>, u32)> = site
        .programs
        .keys()
        .map(|id| (id.as_str(), Default::default()))
        .collect();
    for c in &site.credentials {
        if let Some((per_year, active)) = tallies.get_mut(c.record.program.as_str()) {
            *per_year.entry(c.record.issued.year()).or_default() += 1;
            *active += u32::from(c.status == Status::Valid);
        }
    }
    site.programs
        .values()
        .map(|program| {
            let (per_year, active) = &tallies[program.id.as_str()];
            let active = *active;
            let highest = per_year.values().copied().max().unwrap_or(0);
            let years = match (per_year.keys().next(), per_year.keys().last()) {
                (Some(&first), Some(&last)) => (first..=last)
                    .map(|year| YearView {
                        year,
                        issued: count(per_year.get(&year).copied().unwrap_or(0), minimum, highest),
                    })
                    .collect(),
                _ => Vec::new(),
            };
            ProgramStatistics {
                id: &program.id,
                name: &program.name,
                path: urls::program_dir(&program.id),
                active: count(active, minimum, 0),
                years,
                chart_height: CHART_HEIGHT,
            }
        })
        .collect()
}

/// A count as published, with its bar scaled to `highest`. Zero is shown: it
/// identifies nobody.
fn count(n: u32, minimum: u32, highest: u32) -> Count {
    let withheld = n > 0 && n < minimum;
    Count {
        text: if withheld {
            format!("fewer than {minimum}")
        } else {
            n.to_string()
        },
        withheld,
        bar: if withheld || highest == 0 {
            0
        } else {
            (n * CHART_HEIGHT).div_ceil(highest)
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_counts_are_withheld() {
        let c = count(3, 5, 10);
        assert_eq!(
            (c.text.as_str(), c.withheld, c.bar),
            ("fewer than 5", true, 0)
        );
        let c = count(0, 5, 10);
        assert_eq!((c.text.as_str(), c.withheld, c.bar), ("0", false, 0));
        let c = count(10, 5, 10);
        assert_eq!(
            (c.text.as_str(), c.withheld, c.bar),
            ("10", false, CHART_HEIGHT)
        );
        let c = count(5, 5, 10);
        assert_eq!((c.text.as_str(), c.bar), ("5", CHART_HEIGHT / 2));
    }
}
