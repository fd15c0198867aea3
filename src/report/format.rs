//! The report in each output format: an aligned table for the terminal, CSV and JSON
//! for other tools, Markdown for documents. Each function returns the whole text.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::summary::{Counts, HORIZONS, Summary};
use super::table::Table;
use super::{Expiry, Window};

/// The status columns of the summary: heading, JSON field.
const STATUS_COLUMNS: [(&str, &str); 7] = [
    ("credentials", "credentials"),
    ("active", "active"),
    ("expired", "expired"),
    ("suspended", "suspended"),
    ("revoked", "revoked"),
    ("replaced", "replaced"),
    ("not yet valid", "not_yet_valid"),
];

fn status_cells(counts: &Counts) -> Vec<String> {
    [
        counts.credentials,
        counts.active,
        counts.expired,
        counts.suspended,
        counts.revoked,
        counts.replaced,
        counts.not_yet_valid,
    ]
    .iter()
    .map(usize::to_string)
    .collect()
}

fn expiring_cells(counts: &Counts) -> Vec<String> {
    let e = &counts.expiring;
    [e.within_30_days, e.within_60_days, e.within_90_days]
        .iter()
        .map(usize::to_string)
        .collect()
}

fn percent_cell(counts: &Counts) -> String {
    counts
        .active_percent
        .map_or_else(|| "-".to_string(), |p| format!("{p:.1}"))
}

/// Every year any credential of the summary was issued in, in order.
fn years(summary: &Summary) -> BTreeSet<i32> {
    summary.total.issued_per_year.keys().copied().collect()
}

/// The three tables of the summary: statuses, expiring soon, issued per year. A
/// total row `all` when there is more than one program.
fn tables(summary: &Summary, names: bool) -> [Table; 3] {
    let with_total = summary.programs.len() > 1;
    let rows = || {
        let programs = summary
            .programs
            .iter()
            .map(|p| (p.id.as_str(), p.name.as_str(), &p.counts));
        let total = with_total.then_some(("all", "", &summary.total));
        programs.chain(total)
    };
    let lead: &[&str] = if names {
        &["program", "name"]
    } else {
        &["program"]
    };
    let lead_cells = |id: &str, name: &str| {
        let mut cells = vec![id.to_string()];
        if names {
            cells.push(name.to_string());
        }
        cells
    };

    let mut statuses = Table::new(
        lead.iter()
            .copied()
            .chain(STATUS_COLUMNS.iter().map(|(h, _)| *h))
            .chain(["active %"]),
        lead.len(),
    );
    let mut expiring = Table::new(
        lead.iter()
            .map(|h| h.to_string())
            .chain(HORIZONS.iter().map(|d| format!("{d} days"))),
        lead.len(),
    );
    for (id, name, counts) in rows() {
        let mut cells = lead_cells(id, name);
        cells.extend(status_cells(counts));
        cells.push(percent_cell(counts));
        statuses.row(cells);
        let mut cells = lead_cells(id, name);
        cells.extend(expiring_cells(counts));
        expiring.row(cells);
    }

    let ids = summary.programs.iter().map(|p| p.id.clone());
    let total = with_total.then(|| "all".to_string());
    let mut issued = Table::new(
        std::iter::once("year".to_string()).chain(ids).chain(total),
        1,
    );
    for year in years(summary) {
        let count = |c: &Counts| {
            c.issued_per_year
                .get(&year)
                .copied()
                .unwrap_or(0)
                .to_string()
        };
        let mut cells = vec![year.to_string()];
        cells.extend(summary.programs.iter().map(|p| count(&p.counts)));
        if with_total {
            cells.push(count(&summary.total));
        }
        issued.row(cells);
    }
    [statuses, expiring, issued]
}

/// What to say of empty data, one sentence a line: an empty roster, programs without
/// holders, a site without programs.
fn notes(summary: &Summary) -> Vec<String> {
    if summary.programs.is_empty() {
        return vec!["The site has no programs (content/programs/ is empty).".into()];
    }
    if summary.total.credentials == 0 {
        return vec![match &summary.program {
            Some(id) => format!("Program {id} has no holders yet: no credential names it."),
            None => "The roster is empty: there are no credential records yet.".into(),
        }];
    }
    summary
        .programs
        .iter()
        .filter(|p| p.counts.credentials == 0)
        .map(|p| format!("Program {} has no holders yet.", p.id))
        .collect()
}

fn heading(summary: &Summary) -> String {
    let scope = match &summary.program {
        Some(id) => format!("program {id}"),
        None => format!(
            "{} program{}",
            summary.programs.len(),
            if summary.programs.len() == 1 { "" } else { "s" }
        ),
    };
    format!(
        "Credentials as of {}: {} in {scope}",
        summary.as_of, summary.total.credentials
    )
}

const EXPIRING_TITLE: &str = "Active credentials whose last valid day falls within the next";
const REPLACED_NOTE: &str = "replaced: renewed or corrected by a newer credential; a revoked credential counts as revoked even when replaced.";

/// The summary as aligned tables for a terminal.
pub fn summary_table(summary: &Summary) -> String {
    let [statuses, expiring, issued] = tables(summary, false);
    let mut out = format!("{}\n\n", heading(summary));
    let notes = notes(summary);
    if summary.total.credentials > 0 {
        out.push_str(&statuses.plain());
        out.push_str(&format!("({REPLACED_NOTE})\n\n"));
        out.push_str(&format!("{EXPIRING_TITLE} 30, 60 or 90 days:\n"));
        out.push_str(&expiring.plain());
        out.push_str("\nIssued per year:\n");
        out.push_str(&issued.plain());
        if !notes.is_empty() {
            out.push('\n');
        }
    }
    for note in notes {
        out.push_str(&note);
        out.push('\n');
    }
    out
}

/// The summary as Markdown: a heading, the three tables and any notes.
pub fn summary_markdown(summary: &Summary) -> String {
    let [statuses, expiring, issued] = tables(summary, true);
    let mut out = format!("# {}\n\n", heading(summary));
    let notes = notes(summary);
    if summary.total.credentials > 0 {
        out.push_str("## Status\n\n");
        out.push_str(&statuses.markdown());
        out.push_str(&format!(
            "\n{}{}\n\n",
            &REPLACED_NOTE[..1].to_uppercase(),
            &REPLACED_NOTE[1..]
        ));
        out.push_str("## Expiring soon\n\n");
        out.push_str(&format!("{EXPIRING_TITLE} 30, 60 or 90 days.\n\n"));
        out.push_str(&expiring.markdown());
        out.push_str("\n## Issued per year\n\n");
        out.push_str(&issued.markdown());
        if !notes.is_empty() {
            out.push('\n');
        }
    }
    for note in notes {
        out.push_str(&note);
        out.push_str("\n\n");
    }
    if out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// The summary as CSV: one row per program (no total row: tools sum), with the
/// status counts, `active_percent` (empty without credentials), the expiring counts
/// and one `issued_YYYY` column per year any credential was issued in.
pub fn summary_csv(summary: &Summary) -> String {
    let years = years(summary);
    let mut header: Vec<String> = ["program", "name"].map(String::from).to_vec();
    header.extend(STATUS_COLUMNS.iter().map(|(_, field)| field.to_string()));
    header.push("active_percent".into());
    header.extend(HORIZONS.iter().map(|d| format!("expiring_{d}d")));
    header.extend(years.iter().map(|y| format!("issued_{y}")));
    let mut rows = vec![header];
    for program in &summary.programs {
        let c = &program.counts;
        let mut row = vec![program.id.clone(), program.name.clone()];
        row.extend(status_cells(c));
        row.push(
            c.active_percent
                .map(|p| format!("{p:.1}"))
                .unwrap_or_default(),
        );
        row.extend(expiring_cells(c));
        row.extend(
            years
                .iter()
                .map(|y| c.issued_per_year.get(y).copied().unwrap_or(0).to_string()),
        );
        rows.push(row);
    }
    csv_text(rows)
}

/// The summary as pretty-printed JSON ([`Summary`]'s fields).
pub fn summary_json(summary: &Summary) -> String {
    let mut text = serde_json::to_string_pretty(summary).expect("a summary serializes");
    text.push('\n');
    text
}

/// The columns of the expiring list, in CSV and table order.
pub const EXPIRY_COLUMNS: [&str; 6] = [
    "id",
    "holder_name",
    "holder_email",
    "program",
    "valid_until",
    "days_left",
];

fn expiry_cells(e: &Expiry, no_email: &str) -> Vec<String> {
    vec![
        e.id.clone(),
        e.holder_name.clone(),
        e.holder_email
            .clone()
            .unwrap_or_else(|| no_email.to_string()),
        e.program.clone(),
        e.valid_until.to_string(),
        e.days_left.to_string(),
    ]
}

/// The expiring list as an aligned table with a one-line heading; a sentence when
/// nothing expires.
pub fn expiring_table(list: &[Expiry], as_of: NaiveDate, within: Window) -> String {
    let end = within.end(as_of);
    if list.is_empty() {
        return format!(
            "No active credential expires within {within} of {as_of} (last valid day up to {end}).\n"
        );
    }
    let mut table = Table::new(EXPIRY_COLUMNS, 4);
    for expiry in list {
        table.row(expiry_cells(expiry, "-"));
    }
    format!(
        "{} active credential{} expire{} within {within} of {as_of} (last valid day up to {end}):\n\n{}",
        list.len(),
        if list.len() == 1 { "" } else { "s" },
        if list.len() == 1 { "s" } else { "" },
        table.plain()
    )
}

/// The expiring list as CSV with [`EXPIRY_COLUMNS`] (an empty email stays empty): the
/// mail-merge list.
pub fn expiring_csv(list: &[Expiry]) -> String {
    let rows = std::iter::once(EXPIRY_COLUMNS.map(String::from).to_vec())
        .chain(list.iter().map(|e| expiry_cells(e, "")))
        .collect();
    csv_text(rows)
}

fn csv_text(rows: Vec<Vec<String>>) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer.write_record(&row).expect("writing to memory");
    }
    let bytes = writer.into_inner().expect("writing to memory");
    String::from_utf8(bytes).expect("CSV of strings is UTF-8")
}
