//! Stage 2, validate: check the loaded files against each other and report every
//! problem at once, each with its file, line and field.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use url::Url;

use super::status::{Action, Event, STATUS_LOG};
use super::{Inputs, PROGRAMS_DIR, Record};
use crate::config::CONFIG_FILE;
use crate::diag::{Diagnostic, Diagnostics};

/// Checks `inputs` as a whole: the problems found while loading, duplicate ids,
/// record → program references, renewals, the status log (as of `as_of`), and file
/// references into `static/`. Returns the inputs with records sorted by id, or every
/// problem found.
pub fn validate(mut inputs: Inputs, as_of: NaiveDate) -> Result<Inputs, Diagnostics> {
    let mut problems = std::mem::take(&mut inputs.problems);
    for (path, id) in &inputs.duplicate_programs {
        let first = &inputs.programs[id].path;
        problems.push(
            Diagnostic::new(
                path,
                format!(
                    "duplicate program id \"{id}\", also used by {}",
                    first.display()
                ),
            )
            .field("id"),
        );
    }
    check_credential_ids(&inputs.records, &mut problems);
    check_program_references(&inputs, &mut problems);
    let by_id: FxHashMap<&str, &Record> =
        inputs.records.iter().map(|r| (r.id.as_str(), r)).collect();
    check_replaces(&inputs.records, &by_id, &mut problems);
    check_events(&inputs.events, &by_id, as_of, &mut problems);
    check_file_references(&inputs, &mut problems);
    if !problems.is_empty() {
        problems.sort_by(|a, b| a.path.cmp(&b.path).then(a.line.cmp(&b.line)));
        return Err(Diagnostics(problems));
    }
    inputs.records.par_sort_by(|a, b| a.id.cmp(&b.id));
    Ok(inputs)
}

/// Ids become folder names: ids that differ only in letter case would overwrite each
/// other on case-insensitive file systems and hosts, so they count as equal.
fn check_credential_ids(records: &[Record], problems: &mut Vec<Diagnostic>) {
    let mut in_file_order: Vec<&Record> = records.iter().collect();
    in_file_order.par_sort_by(|a, b| {
        a.origin
            .path
            .cmp(&b.origin.path)
            .then(a.origin.line.cmp(&b.origin.line))
    });
    let mut seen: FxHashMap<Cow<str>, &Record> = FxHashMap::default();
    seen.reserve(records.len());
    for record in in_file_order {
        // Most ids have no capital letter: no lowercase copy for them.
        let folded = if record.id.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(record.id.to_ascii_lowercase())
        } else {
            Cow::Borrowed(record.id.as_str())
        };
        let first = match seen.entry(folded) {
            Entry::Occupied(first) => *first.get(),
            Entry::Vacant(place) => {
                place.insert(record);
                continue;
            }
        };
        let what = if first.id == record.id {
            format!("duplicate credential id \"{}\"", record.id)
        } else {
            format!(
                "credential id \"{}\" differs only in letter case from \"{}\"",
                record.id, first.id
            )
        };
        problems.push(
            Diagnostic::new(
                &record.origin.path,
                format!(
                    "{what}, first used at {}:{}",
                    first.origin.path.display(),
                    first.origin.line
                ),
            )
            .line(record.origin.line)
            .field("id")
            .hint("every credential needs its own id; it is part of the credential's URL"),
        );
    }
}

fn check_program_references(inputs: &Inputs, problems: &mut Vec<Diagnostic>) {
    for record in &inputs.records {
        if inputs.programs.contains_key(&record.program) {
            continue;
        }
        let known: Vec<&str> = inputs.programs.keys().map(String::as_str).collect();
        problems.push(
            Diagnostic::new(
                &record.origin.path,
                format!("unknown program id \"{}\"", record.program),
            )
            .line(record.origin.line)
            .field("program")
            .hint(if known.is_empty() {
                format!("add the program as {PROGRAMS_DIR}/{}.md", record.program)
            } else {
                format!(
                    "known programs: {}; or add {PROGRAMS_DIR}/{}.md",
                    known.join(", "),
                    record.program
                )
            }),
        );
    }
}

/// `replaces` names another credential of the roster, each credential is replaced at
/// most once, and no chain of replacements loops.
fn check_replaces(
    records: &[Record],
    by_id: &FxHashMap<&str, &Record>,
    problems: &mut Vec<Diagnostic>,
) {
    let mut replaced_by: HashMap<&str, &Record> = HashMap::new();
    for record in records {
        let Some((old, line)) = &record.replaces else {
            continue;
        };
        let at = |message: String| {
            Diagnostic::new(&record.origin.path, message)
                .line(*line)
                .field("replaces")
        };
        if old == &record.id {
            problems.push(at(format!("credential \"{old}\" cannot replace itself")));
        } else if !by_id.contains_key(old.as_str()) {
            problems.push(
                at(format!("unknown credential id \"{old}\""))
                    .hint("name the id of the credential this one renews or corrects"),
            );
        } else if let Some(first) = replaced_by.get(old.as_str()) {
            problems.push(
                at(format!(
                    "credential \"{old}\" is already replaced by \"{}\" ({}:{})",
                    first.id,
                    first.origin.path.display(),
                    first.origin.line
                ))
                .hint("a credential is replaced once; renew the newest one instead"),
            );
        } else {
            replaced_by.insert(old, record);
        }
    }
    // Follow each chain; coming back to where it started is a loop.
    for record in records {
        let mut seen = vec![record.id.as_str()];
        let mut next = record.replaces.as_ref().map(|(old, _)| old.as_str());
        while let Some(id) = next {
            if id == record.id {
                problems.push(
                    Diagnostic::new(
                        &record.origin.path,
                        format!("replacements loop: {} -> {id}", seen.join(" -> ")),
                    )
                    .line(record.replaces.as_ref().map_or(record.origin.line, |r| r.1))
                    .field("replaces")
                    .hint("each credential replaces an older one; remove one `replaces`"),
                );
                break;
            }
            if seen.contains(&id) {
                break;
            }
            seen.push(id);
            next = by_id
                .get(id)
                .and_then(|r| r.replaces.as_ref())
                .map(|(old, _)| old.as_str());
        }
    }
}

/// The status log: known ids, dates from issue to `as_of` in order, and the life of a
/// credential: revocation is final, only a suspended credential is reinstated.
fn check_events(
    events: &[Event],
    by_id: &FxHashMap<&str, &Record>,
    as_of: NaiveDate,
    problems: &mut Vec<Diagnostic>,
) {
    let mut history: BTreeMap<&str, Vec<&Event>> = BTreeMap::new();
    for event in events {
        let at = |field: &str, message: String| {
            Diagnostic::new(&event.origin.path, message)
                .line(event.origin.line)
                .field(field)
        };
        let Some(record) = by_id.get(event.id.as_str()) else {
            problems.push(
                at("id", format!("unknown credential id \"{}\"", event.id))
                    .hint("the log refers to credentials of the roster (content/credentials/)"),
            );
            continue;
        };
        if event.date < record.issued {
            problems.push(at(
                "date",
                format!(
                    "{} is before the credential was issued ({})",
                    event.date, record.issued
                ),
            ));
            continue;
        }
        if event.date > as_of {
            problems.push(
                at(
                    "date",
                    format!("{} is after the build date {as_of}", event.date),
                )
                .hint("record an event when it takes effect, or build with a later --as-of"),
            );
            continue;
        }
        let earlier = history.entry(event.id.as_str()).or_default();
        if let Some(last) = earlier.last()
            && event.date < last.date
        {
            problems.push(
                at(
                    "date",
                    format!(
                        "{} is before the previous event of \"{}\" ({}, line {})",
                        event.date, event.id, last.date, last.origin.line
                    ),
                )
                .hint(format!("keep the lines of {STATUS_LOG} in date order")),
            );
            continue;
        }
        let revoked = earlier.iter().find(|e| e.action == Action::Revoke);
        let suspended = earlier.last().is_some_and(|e| e.action == Action::Suspend);
        let refused = match (event.action, revoked) {
            (_, Some(revocation)) => Some(format!(
                "\"{}\" was revoked on {} (line {}): revocation is final",
                event.id, revocation.date, revocation.origin.line
            )),
            (Action::Suspend, None) if suspended => {
                Some(format!("\"{}\" is already suspended", event.id))
            }
            (Action::Reinstate, None) if !suspended => Some(format!(
                "\"{}\" is not suspended: only a suspended credential can be reinstated",
                event.id
            )),
            _ => None,
        };
        match refused {
            Some(message) => problems.push(at("action", message)),
            None => earlier.push(event),
        }
    }
}

/// A file reference must name a file that the site publishes from `static/` (its own
/// or the theme's), by a plain relative path.
fn check_file_references(inputs: &Inputs, problems: &mut Vec<Diagnostic>) {
    let Some(logo) = &inputs.config.issuer.logo else {
        return;
    };
    let mut d = Diagnostic::new(CONFIG_FILE.as_ref(), "").field("issuer.logo");
    if let Some(line) = inputs.config.logo_line {
        d = d.line(line);
    }
    if let Err(why) = file_reference(logo) {
        d.message = why;
        problems.push(d.hint("name a file under static/, e.g. logo = \"logo.svg\""));
    } else if !inputs.theme.static_files.contains_key(logo.as_str()) {
        d.message = format!("\"{logo}\" is not a file under static/ or the theme's static/");
        problems.push(d.hint(format!("put the file at static/{logo}")));
    }
}

/// Checks a file reference's shape: relative, '/'-separated, no `.` or `..` parts.
pub fn file_reference(path: &str) -> Result<(), String> {
    let bad = path.is_empty()
        || path.starts_with('/')
        || path.contains('\\')
        || path.contains(':')
        || path
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..");
    if bad {
        Err(format!(
            "\"{path}\" is not a plain relative path inside static/ (no '..', no leading '/', no URL)"
        ))
    } else {
        Ok(())
    }
}

/// Checks a link that goes into pages and signed credentials: https, or http for a
/// server on this machine (for previews). Anything else (`javascript:`, `data:`, a
/// relative path) is refused.
pub fn web_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| format!("\"{text}\" is not an absolute URL: {e}"))?;
    let local = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    match url.scheme() {
        "https" => {}
        "http" if local => {}
        scheme => {
            return Err(format!(
                "\"{text}\" has the scheme \"{scheme}\": only https links are allowed (http only for localhost)"
            ));
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("\"{text}\" has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "\"{text}\" must not contain a user name or password"
        ));
    }
    Ok(url)
}

/// Checks that `text` looks like an email address (one '@', a dot in the domain, no
/// spaces or characters that would break a `mailto:` link).
pub fn email(text: &str) -> Result<(), String> {
    let plausible = text
        .split_once('@')
        .is_some_and(|(user, host)| !user.is_empty() && host.contains('.') && !host.contains('@'));
    let clean = !text
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '?' | '&'));
    if plausible && clean {
        Ok(())
    } else {
        Err(format!("\"{text}\" is not an email address"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_only_https_links() {
        assert!(web_url("https://example.org/a?b#c").is_ok());
        assert!(web_url("http://localhost:1111/").is_ok());
        assert!(web_url("http://127.0.0.1/").is_ok());
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,x",
            "http://example.org/",
            "ftp://example.org/",
            "/relative",
            "example.org",
            "https://user:pw@example.org/",
            "vbscript:x",
        ] {
            assert!(web_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn file_references_stay_inside_static() {
        assert!(file_reference("logo.svg").is_ok());
        assert!(file_reference("img/logo.png").is_ok());
        for bad in [
            "../../x",
            "/etc/passwd",
            "a/../../b",
            "./x",
            "",
            "C:\\x",
            "https://evil.example/x.svg",
            "a//b",
        ] {
            assert!(file_reference(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn checks_email_shape() {
        assert!(email("registry@example.org").is_ok());
        for bad in [
            "x",
            "@example.org",
            "a@b",
            "a b@example.org",
            "a@b.org?subject=x",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }
}
