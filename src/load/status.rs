//! The status log, `content/status.csv`: one line per event in a credential's life
//! after it was issued (revoked, suspended, reinstated), with a public reason.
//!
//! The roster stays the record of what was issued; the log is its history, appended
//! to by `credsite revoke`, `suspend` and `reinstate` so that nobody edits it by hand.

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::records::Origin;
use super::table;
use crate::dates::parse_date;
use crate::diag::Diagnostic;
use crate::ids;

/// Where the status log lives, relative to the site root.
pub const STATUS_LOG: &str = "content/status.csv";
/// The log's columns, in order.
pub const COLUMNS: [&str; 4] = ["id", "date", "action", "reason"];

/// What happened to a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Withdrawn for good (misconduct, fraud, an error): final.
    Revoke,
    /// Withdrawn for now (an investigation, unpaid fees).
    Suspend,
    /// A suspension lifted.
    Reinstate,
}

impl Action {
    /// The word used in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Revoke => "revoke",
            Action::Suspend => "suspend",
            Action::Reinstate => "reinstate",
        }
    }

    fn parse(text: &str) -> Option<Action> {
        match text.trim().to_ascii_lowercase().as_str() {
            "revoke" => Some(Action::Revoke),
            "suspend" => Some(Action::Suspend),
            "reinstate" => Some(Action::Reinstate),
            _ => None,
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One line of the status log.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Event {
    /// The credential.
    pub id: String,
    /// The day it took effect.
    pub date: NaiveDate,
    /// What happened.
    pub action: Action,
    /// Why, in words published on the credential's page.
    pub reason: String,
    /// Where the line is.
    pub origin: Origin,
}

/// Reads the status log's text. `path` names the file in messages.
pub fn parse(text: &str, path: &Path) -> (Vec<Event>, Vec<Diagnostic>) {
    let mut problems = Vec::new();
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_string())
            .collect(),
        Err(e) => return (Vec::new(), vec![csv_problem(path, text, &e)]),
    };
    if headers != COLUMNS {
        return (
            Vec::new(),
            vec![
                Diagnostic::new(path, format!("the header is \"{}\"", headers.join(",")))
                    .line(1)
                    .hint(format!(
                        "the first line must be exactly: {}",
                        COLUMNS.join(",")
                    )),
            ],
        );
    }
    let mut events = Vec::new();
    let mut lines = table::Lines::new(text);
    for row in reader.records() {
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                problems.push(csv_problem(path, text, &e));
                continue;
            }
        };
        let line = row.position().map_or(0, |p| lines.of(p.byte()));
        let at =
            |field: &str, message: String| Diagnostic::new(path, message).line(line).field(field);
        let (id, date, action, reason) = (&row[0], &row[1], &row[2], &row[3]);
        let mut ok = true;
        if !ids::is_valid_id(id) {
            problems
                .push(at("id", format!("invalid credential id \"{id}\"")).hint(ids::id_rules()));
            ok = false;
        }
        let date = parse_date(date)
            .map_err(|m| problems.push(at("date", m)))
            .ok();
        let action = Action::parse(action);
        if action.is_none() {
            problems.push(
                at("action", format!("unknown action \"{}\"", &row[2]))
                    .hint("use revoke, suspend or reinstate"),
            );
        }
        if reason.is_empty() {
            problems.push(
                at("reason", "is required and empty".into())
                    .hint("say why, in words fit for the credential's public page"),
            );
            ok = false;
        }
        if let (true, Some(date), Some(action)) = (ok, date, action) {
            events.push(Event {
                id: id.to_string(),
                date,
                action,
                reason: reason.to_string(),
                origin: Origin {
                    path: std::sync::Arc::from(path),
                    line,
                },
            });
        }
    }
    (events, problems)
}

/// A row of the log that cannot be read: [`table::problem`], with this file's hint.
fn csv_problem(path: &Path, text: &str, e: &csv::Error) -> Diagnostic {
    table::problem(path, text, e)
        .hint("every line needs id, date, action and reason; quote a reason that contains commas")
}

/// One line of the log for `event`, CSV-quoted as needed, with its newline.
pub fn line(id: &str, date: NaiveDate, action: Action, reason: &str) -> String {
    let mut writer = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    writer
        .write_record([id, &date.to_string(), action.as_str(), reason])
        .expect("writing to memory");
    String::from_utf8(writer.into_inner().expect("writing to memory")).expect("UTF-8 in, UTF-8 out")
}

/// The log's path in the site at `root`.
pub fn path(root: &Path) -> PathBuf {
    root.join(STATUS_LOG)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_events_and_reports_bad_lines() {
        let text = "id,date,action,reason\na-1,2025-01-02,revoke,\"Fraud, proven\"\na-2,2025-13-01,suspend,x\na-3,2025-01-01,delete,x\na-4,2025-01-01,suspend,\n";
        let (events, problems) = parse(text, Path::new("s.csv"));
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].reason, "Fraud, proven");
        assert_eq!(events[0].action, Action::Revoke);
        assert_eq!(events[0].origin.line, 2);
        let problems: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert!(
            problems[0].starts_with("s.csv:3: field `date`"),
            "{problems:?}"
        );
        assert!(
            problems[1].starts_with("s.csv:4: field `action`: unknown action \"delete\""),
            "{problems:?}"
        );
        assert!(
            problems[2].starts_with("s.csv:5: field `reason`"),
            "{problems:?}"
        );
    }

    #[test]
    fn writes_lines_that_read_back() {
        let date = "2025-03-04".parse().unwrap();
        let line = line("a-1", date, Action::Suspend, "Fees unpaid, \"2nd\" notice");
        let (events, problems) = parse(
            &format!("id,date,action,reason\n{line}"),
            Path::new("s.csv"),
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(events[0].reason, "Fees unpaid, \"2nd\" notice");
        assert!(line.ends_with('\n'));
    }

    #[test]
    fn insists_on_the_header() {
        let (_, problems) = parse("id,when,action,reason\n", Path::new("s.csv"));
        assert!(
            problems[0]
                .to_string()
                .contains("the first line must be exactly")
        );
    }
}
