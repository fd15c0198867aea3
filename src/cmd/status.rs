//! `credsite revoke`, `suspend` and `reinstate`: record a credential's status event
//! in the status log (`content/status.csv`), so that nobody edits it by hand.
//!
//! The event is checked with the whole site, as the next build will check it (known
//! id, dates in order, revocation final, only a suspended credential reinstated),
//! and only then appended as one line. On any problem the log is left untouched.

use std::fs::{self, OpenOptions};
use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use credsite::load::records::Origin;
use credsite::load::status::{self, Action, COLUMNS, Event, STATUS_LOG};

use super::Global;

/// A status event: which credential, why, and from which day.
#[derive(clap::Args)]
pub struct Args {
    /// The credential id, e.g. cdpp-2024-0002.
    id: String,
    /// Why, in words fit for the credential's public page (required).
    #[arg(long, value_parser = parse_reason)]
    reason: String,
    /// The day it takes effect (YYYY-MM-DD)
    /// [default: $SOURCE_DATE_EPOCH if set, else today, UTC].
    #[arg(long, value_parser = super::parse_as_of)]
    date: Option<NaiveDate>,
}

/// A reason is one line of text: the log is one line per event, and the reason is
/// published as written (trimmed, as the log is read).
fn parse_reason(text: &str) -> Result<String, String> {
    let reason = text.trim();
    if reason.is_empty() {
        return Err(
            "a reason is required: say why, in words fit for the credential's public page".into(),
        );
    }
    if reason.chars().any(char::is_control) {
        return Err("the reason must be one line of text, without line breaks or tabs".into());
    }
    Ok(reason.to_string())
}

/// Checks the event `action` of `args` with the whole site and appends it to the
/// status log.
pub fn run(global: &Global, args: Args, action: Action) -> Result<ExitCode> {
    let root = &global.root;
    let today = super::today()?;
    let date = args.date.unwrap_or(today);
    let log = status::path(root);
    let before = match fs::read(&log) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", log.display())),
    };
    let addition = addition(before.as_deref(), &args.id, date, action, &args.reason)?;

    let mut inputs = credsite::load::load(root)?;
    if before.as_deref() == Some(&[]) {
        // An empty log gets its header now; its lack is no problem.
        inputs.problems.retain(|p| p.path != Path::new(STATUS_LOG));
    }
    inputs.events.push(Event {
        id: args.id.clone(),
        date,
        action,
        reason: args.reason.clone(),
        origin: Origin {
            path: std::sync::Arc::from(Path::new(STATUS_LOG)),
            line: addition.line,
        },
    });
    // As the next build checks it: an event dated after today would stop every
    // build until that day, so the log is checked as of today.
    credsite::load::validate(inputs, today)?;

    append(&log, before.as_deref(), &addition.text)?;
    eprintln!(
        "Recorded in {} (line {}): {} {} on {date}: {}",
        log.display(),
        addition.line,
        past_tense(action),
        args.id,
        args.reason
    );
    eprintln!(
        "Next: run `credsite build` to publish it (pages, feed and status lists), then commit {STATUS_LOG}."
    );
    Ok(ExitCode::SUCCESS)
}

fn past_tense(action: Action) -> &'static str {
    match action {
        Action::Revoke => "revoked",
        Action::Suspend => "suspended",
        Action::Reinstate => "reinstated",
    }
}

/// What to append to the log, and the line number the event will have.
struct Addition {
    text: String,
    line: usize,
}

/// The bytes to append to a log whose content is `before` (`None`: no log yet):
/// the header line for a new log, a newline if the last line has none, then the
/// event's line, in the log's line ending.
fn addition(
    before: Option<&[u8]>,
    id: &str,
    date: NaiveDate,
    action: Action,
    reason: &str,
) -> Result<Addition> {
    let crlf = before.is_some_and(|b| b.windows(2).any(|w| w == b"\r\n"));
    let newline = if crlf { "\r\n" } else { "\n" };
    let mut text = String::new();
    let line = match before {
        None | Some([]) => {
            text.push_str(&COLUMNS.join(","));
            text.push_str(newline);
            2
        }
        Some(bytes) => {
            if !bytes.ends_with(b"\n") {
                text.push_str(newline);
            }
            // The line the event starts on: one after the log's last line (a quoted
            // field may span lines; the count is of line breaks).
            bytes.iter().filter(|&&b| b == b'\n').count() + usize::from(!bytes.ends_with(b"\n")) + 1
        }
    };
    let event = status::line(id, date, action, reason);
    // What is written must read back as the same event.
    let header = COLUMNS.join(",");
    let (read, problems) = status::parse(&format!("{header}\n{event}"), Path::new(STATUS_LOG));
    let same = problems.is_empty()
        && read.len() == 1
        && read[0].id == id
        && read[0].date == date
        && read[0].action == action
        && read[0].reason == reason;
    if !same {
        bail!("cannot record {id}: the line {event:?} would not read back as written");
    }
    text.push_str(event.trim_end_matches('\n'));
    text.push_str(newline);
    Ok(Addition { text, line })
}

/// Appends `text` to the log, after checking that it did not change since it was
/// read as `before`.
fn append(log: &Path, before: Option<&[u8]>, text: &str) -> Result<()> {
    let now = match fs::read(log) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", log.display())),
    };
    if now.as_deref() != before {
        bail!(
            "{} changed while the event was being checked: nothing was recorded; run the command again",
            log.display()
        );
    }
    if let Some(dir) = log.parent() {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .with_context(|| format!("cannot open {}", log.display()))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write to {}", log.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_new_log_starts_with_its_header() {
        let a = addition(
            None,
            "a-1",
            d("2025-01-02"),
            Action::Revoke,
            "Fraud, \"proven\"",
        )
        .unwrap();
        assert_eq!(
            a.text,
            "id,date,action,reason\na-1,2025-01-02,revoke,\"Fraud, \"\"proven\"\"\"\n"
        );
        assert_eq!(a.line, 2);
    }

    #[test]
    fn appends_after_the_last_line() {
        let log = b"id,date,action,reason\na-1,2025-01-02,suspend,x";
        let a = addition(Some(log), "a-1", d("2025-02-01"), Action::Reinstate, "ok").unwrap();
        assert_eq!(a.text, "\na-1,2025-02-01,reinstate,ok\n");
        assert_eq!(a.line, 3);
        let log = b"id,date,action,reason\r\na-1,2025-01-02,suspend,x\r\n";
        let a = addition(Some(log), "a-1", d("2025-02-01"), Action::Reinstate, "ok").unwrap();
        assert_eq!(a.text, "a-1,2025-02-01,reinstate,ok\r\n");
        assert_eq!(a.line, 3);
    }

    #[test]
    fn reasons_are_one_line_of_text() {
        assert_eq!(parse_reason("  Fees unpaid ").unwrap(), "Fees unpaid");
        assert!(parse_reason("   ").is_err());
        assert!(parse_reason("a\nb").is_err());
    }
}
