//! Reports for the certification body's staff, never published: `credsite report`.
//!
//! A report reads the site as a build does, up to the resolved model
//! ([`load_site`]: load → validate → resolve, nothing signed, rendered or saved), and
//! summarises it from each [`Credential`](crate::site::Credential)'s status and last
//! valid day ([`summary()`]), or lists the holders whose credentials expire soon
//! ([`expiring()`], optionally as an iCalendar file, [`ics`]). The expiring list holds
//! personal data (names, emails): it goes to the terminal or a file the manager
//! names, never into the public site.

pub mod exams;
pub mod expiring;
pub mod format;
pub mod ics;
pub mod summary;
pub mod table;
pub mod window;

use std::fmt;
use std::path::Path;

use chrono::NaiveDate;

pub use expiring::{Expiry, expiring};
pub use summary::{Counts, ProgramSummary, Summary, summary, summary_of};
pub use window::Window;

use crate::site::Site;
use crate::state::State;

/// Reads the site at `root` and resolves it as of `as_of`: load, validate, resolve.
/// The site state is read, and new credentials get their entries in memory only: a
/// report never writes the state or anything else.
pub fn load_site(root: &Path, as_of: NaiveDate) -> crate::Result<Site> {
    let inputs = crate::load::load(root)?;
    let inputs = crate::load::validate(inputs, as_of)?;
    let mut state = State::load(root)?;
    Ok(crate::site::resolve(inputs, &mut state, as_of)?)
}

/// A `--program` the site does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownProgram {
    /// The id asked for.
    pub id: String,
    /// The site's program ids, sorted.
    pub known: Vec<String>,
}

impl fmt::Display for UnknownProgram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown program \"{}\"", self.id)?;
        if self.known.is_empty() {
            write!(f, ": the site has no programs")
        } else {
            write!(f, "\n     hint: known programs: {}", self.known.join(", "))
        }
    }
}

impl std::error::Error for UnknownProgram {}

/// Checks that the site has a program `id`.
pub fn check_program(site: &Site, id: &str) -> Result<(), UnknownProgram> {
    if site.programs.contains_key(id) {
        Ok(())
    } else {
        Err(UnknownProgram {
            id: id.to_string(),
            known: site.programs.keys().cloned().collect(),
        })
    }
}
