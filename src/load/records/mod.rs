//! Credential records: CSV files (spreadsheet exports) and TOML files under
//! `content/credentials/`. Both use the same field names.

use std::path::Path;

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::dates::parse_date;
use crate::diag::Diagnostic;
use crate::ids;
use crate::load::table;

/// Fields every record must have.
pub const REQUIRED: [&str; 4] = ["id", "holder_name", "program", "issued"];
/// Fields a record may have.
pub const OPTIONAL: [&str; 8] = [
    "replaces",
    "listed",
    "family_name",
    "holder_email",
    "expires",
    "evidence_exam",
    "evidence_score",
    "evidence_date",
];

/// A credential record: who holds which program's credential, and since when.
#[derive(Debug, Clone, Hash)]
pub struct Record {
    /// The credential's identifier; also its folder name when the holder is listed.
    pub id: String,
    /// The holder's name as it appears on the credential.
    pub holder_name: String,
    /// The holder's family name, for alphabetical listings and lookup by id and last
    /// name, when the last word of `holder_name` is not it (e.g. "Wang Fang").
    pub family_name: Option<String>,
    /// Whether the holder appears in listings, search and the sitemap; unset takes the
    /// site's `[directory] listed` default.
    pub listed: Option<bool>,
    /// The holder's email; only a salted hash of it is published.
    pub holder_email: Option<String>,
    /// The id of the program this credential certifies.
    pub program: String,
    /// The day the credential was issued.
    pub issued: NaiveDate,
    /// The last day of validity, when the record sets one.
    pub expires: Option<NaiveDate>,
    /// The assessment behind the credential.
    pub evidence: Option<Evidence>,
    /// The credential this one renews or replaces, with where it is named.
    pub replaces: Option<(String, usize)>,
    /// Where the record is written.
    pub origin: Origin,
}

/// The assessment behind a credential.
#[derive(Debug, Clone, Hash)]
pub struct Evidence {
    /// The exam or assessment, e.g. "Written exam, form B".
    pub exam: String,
    /// The result, e.g. "87/100".
    pub score: Option<String>,
    /// The day of the assessment.
    pub date: Option<NaiveDate>,
}

/// A place in an input file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    /// The file (shared by the records it holds).
    pub path: std::sync::Arc<Path>,
    /// The 1-based line the record starts on.
    pub line: usize,
}

mod toml_file;

pub use toml_file::parse_toml;

/// A record's fields as read, before checking: (name, (value, line)), non-empty values
/// of known fields only.
struct RawRecord {
    origin: Origin,
    fields: Vec<(&'static str, (String, usize))>,
}

/// A field's name as [`REQUIRED`] or [`OPTIONAL`] spells it, if it is one of them.
fn known_field(name: &str) -> Option<&'static str> {
    REQUIRED
        .iter()
        .chain(&OPTIONAL)
        .copied()
        .find(|known| *known == name)
}

/// How much of a CSV file one thread reads at a time (see [`table::rows_in_pieces`]).
const PIECE: usize = 256 * 1024;

/// Reads the records in a CSV file's text.
pub fn parse_csv(text: &str, path: &Path) -> (Vec<Record>, Vec<Diagnostic>) {
    let mut problems = Vec::new();
    let mut reader = table::reader(text);
    let headers = match table::headers(&mut reader) {
        Ok(headers) => headers,
        Err(e) => return (Vec::new(), vec![table::problem(path, text, &e)]),
    };
    for column in &headers {
        if known_field(column).is_none() {
            problems.push(
                Diagnostic::new(path, format!("unknown column \"{column}\""))
                    .line(1)
                    .field(column.clone())
                    .hint(format!(
                        "the columns are {} (required) and {}",
                        REQUIRED.join(", "),
                        OPTIONAL.join(", ")
                    )),
            );
        }
    }
    for column in REQUIRED {
        if !headers.iter().any(|h| h == column) {
            problems.push(
                Diagnostic::new(path, format!("missing required column \"{column}\""))
                    .line(1)
                    .field(column)
                    .hint(format!("the header row must name {}", REQUIRED.join(", "))),
            );
        }
    }
    if !problems.is_empty() {
        return (Vec::new(), problems);
    }
    // Rows are read (in parallel pieces when they can be), then checked in parallel (a
    // roster of 100,000 records is read on every save in `credsite serve`).
    let header_end = reader.position().byte() as usize;
    let rows: Vec<Result<(usize, csv::StringRecord), Diagnostic>> =
        match table::rows_in_pieces(text, header_end, PIECE) {
            Some(rows) => rows.into_iter().map(Ok).collect(),
            None => {
                let mut rows =
                    Vec::with_capacity(memchr::memchr_iter(b'\n', text.as_bytes()).count());
                let mut lines = table::Lines::new(text);
                for row in reader.records() {
                    rows.push(match row {
                        Ok(row) => Ok((row.position().map_or(0, |p| lines.of(p.byte())), row)),
                        Err(e) => Err(table::problem(path, text, &e)),
                    });
                }
                rows
            }
        };
    let shared: std::sync::Arc<Path> = std::sync::Arc::from(path);
    let names: Vec<&'static str> = headers
        .iter()
        .map(|h| known_field(h).expect("unknown columns were refused above"))
        .collect();
    let checked: Vec<Result<Record, Vec<Diagnostic>>> = rows
        .into_par_iter()
        .map(|row| {
            let (line, row) = row.map_err(|problem| vec![problem])?;
            let fields = names
                .iter()
                .zip(row.iter())
                .filter(|(_, v)| !v.is_empty())
                .map(|(name, v)| (*name, (v.to_string(), line)))
                .collect();
            check(RawRecord {
                origin: Origin {
                    path: shared.clone(),
                    line,
                },
                fields,
            })
        })
        .collect();
    let mut records = Vec::with_capacity(checked.len());
    for row in checked {
        match row {
            Ok(record) => records.push(record),
            Err(mut errs) => problems.append(&mut errs),
        }
    }
    (records, problems)
}

/// The records of the rows that an edit of a CSV file from `old` to `new` changed in
/// place, when that is all it did: the header is untouched, the changed lines are as
/// many as before and hold the same ids on the same lines, and no quote is near (a
/// quoted field may span lines). `None` otherwise, or when a changed row has a
/// problem: then the whole site is loaded again, which reports it. The preview
/// server's quick rebuild after a save (issue 12).
pub fn edited_rows(old: &str, new: &str, path: &Path) -> Option<Vec<Record>> {
    let (o, n) = (old.as_bytes(), new.as_bytes());
    let prefix = o.iter().zip(n).take_while(|(a, b)| a == b).count();
    let room = o.len().min(n.len()) - prefix;
    let suffix = o
        .iter()
        .rev()
        .zip(n.iter().rev())
        .take(room)
        .take_while(|(a, b)| a == b)
        .count();
    // Whole lines: from the start of the first changed line to the end of the last.
    let start = o[..prefix].iter().rposition(|&b| b == b'\n')? + 1;
    let (old_end, new_end) = (o.len() - suffix, n.len() - suffix);
    let at_line_end = |t: &[u8], end: usize| end == start || t[end - 1] == b'\n';
    let more = if at_line_end(o, old_end) && at_line_end(n, new_end) {
        0
    } else {
        o[old_end..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(o.len() - old_end, |at| at + 1)
    };
    let (old_lines, new_lines) = (&old[start..old_end + more], &new[start..new_end + more]);
    let lines = |t: &str| t.bytes().filter(|&b| b == b'\n').count();
    let plain = |t: &str| !t.contains(['"', '\r']);
    if lines(old_lines) != lines(new_lines) || !plain(old_lines) || !plain(new_lines) {
        return None;
    }
    let header = &new[..new.find('\n')? + 1];
    let first_line = 1 + lines(&old[..start]);
    let rows = |text: &str| {
        let (mut records, problems) = parse_csv(&format!("{header}{text}"), path);
        if !problems.is_empty() {
            return None;
        }
        for record in &mut records {
            // Lines of the header and these rows → lines of the file.
            record.origin.line = record.origin.line + first_line - 2;
            if let Some((_, line)) = &mut record.replaces {
                *line = *line + first_line - 2;
            }
        }
        Some(records)
    };
    let (before, after) = (rows(old_lines)?, rows(new_lines)?);
    let same_rows = before.len() == after.len()
        && before
            .iter()
            .zip(&after)
            .all(|(b, a)| b.id == a.id && b.origin == a.origin);
    same_rows.then_some(after)
}

/// Checks one record's fields on their own (references are checked with the whole site).
fn check(mut raw: RawRecord) -> Result<Record, Vec<Diagnostic>> {
    let path = raw.origin.path.clone();
    let record_line = raw.origin.line;
    let mut problems = Vec::new();
    // The last of a field given twice (a repeated column), as a map would keep.
    let mut take = |name: &str| {
        let at = raw.fields.iter().rposition(|(field, _)| *field == name)?;
        Some(raw.fields.swap_remove(at).1)
    };
    let mut required = |name: &'static str, problems: &mut Vec<Diagnostic>| match take(name) {
        Some(v) => Some(v),
        None => {
            problems.push(
                Diagnostic::new(&path, "is required and empty")
                    .line(record_line)
                    .field(name),
            );
            None
        }
    };
    let id = required("id", &mut problems);
    let holder_name = required("holder_name", &mut problems);
    let program = required("program", &mut problems);
    let issued = required("issued", &mut problems);
    let holder_email = take("holder_email");
    let family_name = take("family_name");
    let listed = take("listed");
    let replaces = take("replaces");
    let expires = take("expires");
    let expires_line = expires.as_ref().map(|(_, line)| *line);
    let exam = take("evidence_exam");
    let score = take("evidence_score");
    let evidence_date = take("evidence_date");

    let date = |name: &str, field: Option<(String, usize)>, problems: &mut Vec<Diagnostic>| {
        let (value, line) = field?;
        parse_date(&value)
            .map_err(|m| problems.push(Diagnostic::new(&path, m).line(line).field(name)))
            .ok()
    };
    let issued_date = date("issued", issued, &mut problems);
    let expires_date = date("expires", expires, &mut problems);
    let evidence_date = date("evidence_date", evidence_date, &mut problems);

    for (field, kind, value) in [
        ("id", "credential", &id),
        ("program", "program", &program),
        ("replaces", "credential", &replaces),
    ] {
        if let Some((value, line)) = value
            && !ids::is_valid_id(value)
        {
            problems.push(
                Diagnostic::new(&path, format!("invalid {kind} id \"{value}\""))
                    .line(*line)
                    .field(field)
                    .hint(ids::id_rules()),
            );
        }
    }
    if let Some((email, line)) = &holder_email
        && let Err(message) = crate::load::validate::email(email)
    {
        problems.push(
            Diagnostic::new(&path, message)
                .line(*line)
                .field("holder_email"),
        );
    }
    if let (Some(issued), Some(expires)) = (issued_date, expires_date)
        && expires < issued
    {
        let line = expires_line.unwrap_or(record_line);
        problems.push(
            Diagnostic::new(
                &path,
                format!("expires {expires} is before issued {issued}"),
            )
            .line(line)
            .field("expires"),
        );
    }
    if exam.is_none() && (score.is_some() || evidence_date.is_some()) {
        problems.push(
            Diagnostic::new(&path, "evidence_score or evidence_date needs evidence_exam")
                .line(record_line)
                .field("evidence_exam")
                .hint("name the exam or assessment, e.g. \"Written exam\""),
        );
    }
    let listed = listed.and_then(|(value, line)| {
        parse_yes_no(&value)
            .ok_or_else(|| {
                problems.push(
                    Diagnostic::new(&path, format!("\"{value}\" is not yes or no"))
                        .line(line)
                        .field("listed")
                        .hint("write true or false (yes/no and 1/0 are read too), or leave it empty for the site's default"),
                )
            })
            .ok()
    });
    if !problems.is_empty() {
        return Err(problems);
    }
    let (Some((id, _)), Some((holder_name, _)), Some((program, _)), Some(issued)) =
        (id, holder_name, program, issued_date)
    else {
        unreachable!("missing fields were reported above");
    };
    Ok(Record {
        id,
        holder_name,
        holder_email: holder_email.map(|(e, _)| e),
        family_name: family_name.map(|(f, _)| f),
        listed,
        program,
        issued,
        expires: expires_date,
        evidence: exam.map(|(exam, _)| Evidence {
            exam,
            score: score.map(|(s, _)| s),
            date: evidence_date,
        }),
        replaces,
        origin: raw.origin,
    })
}

/// Reads a yes/no field: true/false, yes/no, 1/0, in any case.
fn parse_yes_no(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Some(true),
        "false" | "no" | "0" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(text: &str) -> (Vec<Record>, Vec<String>) {
        let (records, problems) = parse_csv(text, Path::new("r.csv"));
        (records, problems.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn reads_csv_records() {
        let (records, problems) = csv(
            "id,holder_name,holder_email,program,issued,expires,evidence_exam,evidence_score\n\
             a-1,\"Doe, Jane\",jane@example.org,cdpe,2024-01-05,,Written exam,91\n",
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(records[0].holder_name, "Doe, Jane");
        assert_eq!(records[0].origin.line, 2);
        assert_eq!(
            records[0].evidence.as_ref().unwrap().score.as_deref(),
            Some("91")
        );
        assert_eq!(records[0].expires, None);
    }

    #[test]
    fn reads_semicolon_separated_exports() {
        let (records, problems) =
            csv("id;holder_name;program;issued\nb-1;\"Roe; Rich\";p;2024-01-05\n");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(records[0].holder_name, "Roe; Rich");
        assert_eq!(records[0].program, "p");
    }

    #[test]
    fn names_file_line_and_field_of_bad_values() {
        let (_, problems) =
            csv("id,holder_name,program,issued\nok-1,A,p,2024-01-01\nbad/1,B,p,2024-02-30\n");
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[0].starts_with("r.csv:3: field `issued`: malformed date \"2024-02-30\""),
            "{}",
            problems[0]
        );
        assert!(
            problems[1].starts_with("r.csv:3: field `id`: invalid credential id \"bad/1\""),
            "{}",
            problems[1]
        );
    }

    #[test]
    fn names_the_line_of_a_row_in_a_windows_export_and_after_an_empty_line() {
        let (_, problems) = csv(
            "id,holder_name,program,issued\r\nok-1,A,p,2024-01-01\r\n\r\nbad-1,B,p,2024-02-30\r\n",
        );
        assert!(
            problems[0].starts_with("r.csv:4: field `issued`"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_large_roster_reads_as_one_reader_reads_it() {
        // Over two pieces: read in parallel, with each row on its line.
        let mut text = String::from("id,holder_name,program,issued\n");
        let rows = 2 * PIECE / 20;
        for i in 0..rows {
            text.push_str(&format!("r-{i},Holder {i},p,2024-01-01\n"));
            if i % 1000 == 0 {
                text.push('\n');
            }
        }
        text.push_str("bad-1,B,p,2024-02-30\n");
        let (records, problems) = csv(&text);
        assert_eq!(records.len(), rows);
        let last = &records[rows - 1];
        assert_eq!(last.id, format!("r-{}", rows - 1));
        assert_eq!(last.origin.line, 1 + rows + rows.div_ceil(1000));
        assert!(
            problems[0].starts_with(&format!("r.csv:{}: field `issued`", last.origin.line + 1)),
            "{problems:?}"
        );
    }

    #[test]
    fn reports_missing_and_unknown_columns() {
        let (_, problems) = csv("id,holder_name,issued,expiry\nx,A,2024-01-01,2025-01-01\n");
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("r.csv:1: field `expiry`: unknown column")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("r.csv:1: field `program`: missing required column")),
            "{problems:?}"
        );
    }

    #[test]
    fn reports_empty_required_fields_and_ragged_rows() {
        let (_, problems) = csv("id,holder_name,program,issued\nx,,p,2024-01-01\ny,A,p\n");
        assert!(
            problems[0].starts_with("r.csv:2: field `holder_name`: is required"),
            "{problems:?}"
        );
        assert!(
            problems[1].starts_with("r.csv:3: cannot read CSV"),
            "{problems:?}"
        );
    }

    #[test]
    fn reads_toml_records_with_dates_and_numbers() {
        let text = "[[credential]]\nid = \"t-1\"\nholder_name = \"A\"\nprogram = \"p\"\nissued = 2024-03-01\nevidence_exam = \"Lab\"\nevidence_score = 88\n\n[[credential]]\nid = \"t-2\"\nholder_name = \"B\"\nprogram = \"p\"\nissued = \"2024-13-01\"\n";
        let (records, problems) = parse_toml(text, Path::new("r.toml"));
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].issued.to_string(), "2024-03-01");
        assert_eq!(
            records[0].evidence.as_ref().unwrap().score.as_deref(),
            Some("88")
        );
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0]
                .to_string()
                .starts_with("r.toml:13: field `issued`: malformed date"),
            "{}",
            problems[0]
        );
    }

    #[test]
    fn reports_unknown_toml_fields() {
        let text = "[[credential]]\nid = \"t-1\"\nholder = \"A\"\n";
        let (_, problems) = parse_toml(text, Path::new("r.toml"));
        assert!(
            problems[0]
                .to_string()
                .starts_with("r.toml:3: field `holder`: unknown field"),
            "{}",
            problems[0]
        );
    }
}
