//! Records in TOML files: `[[credential]]` tables.
//!
//! The `toml` crate parses one large document markedly slower than many small ones,
//! and deserializing into owned `toml::Value`s costs as much again (issue 8: 100,000
//! records took 3.4 times as long as the same records in CSV). So the file is cut
//! before each line that starts a `[[credential]]` table, the pieces are parsed in
//! parallel groups, and the parser's borrowed tree is read directly. Whenever a piece
//! is anything but `[[credential]]` tables (a header inside a multi-line string, a
//! top-level key, …) the whole file is parsed as one document instead, with the same
//! reading and the same diagnostics.

use std::path::Path;

use rayon::prelude::*;
use toml::de::{DeTable, DeValue};

use super::{OPTIONAL, Origin, REQUIRED, RawRecord, Record, check, known_field};
use crate::diag::{Diagnostic, LineIndex, toml_diagnostic};

/// The line that starts a record.
const HEADER: &str = "[[credential]]";
/// Pieces parsed by one task.
const GROUP: usize = 1024;

/// Reads the `[[credential]]` records in a TOML file's text.
pub fn parse_toml(text: &str, path: &Path) -> (Vec<Record>, Vec<Diagnostic>) {
    let lines = LineIndex::new(text);
    pieces(text)
        .and_then(|pieces| parse_pieces(text, &pieces, &lines, path))
        .unwrap_or_else(|| parse_whole(text, &lines, path))
}

/// Where each `[[credential]]` table starts, and the end of the text; none if anything
/// but blank lines and comments comes before the first table.
fn pieces(text: &str) -> Option<Vec<usize>> {
    let mut starts: Vec<usize> = text
        .match_indices(&format!("\n{HEADER}"))
        .map(|(i, _)| i + 1)
        .collect();
    if text.starts_with(HEADER) {
        starts.insert(0, 0);
    }
    let first = starts.first().copied().unwrap_or(text.len());
    let preamble_is_empty = text[..first].lines().all(|l| {
        let l = l.trim();
        l.is_empty() || l.starts_with('#')
    });
    preamble_is_empty.then(|| {
        starts.push(text.len());
        starts
    })
}

/// Parses each piece on its own, in parallel groups; none if a piece is not exactly
/// `[[credential]]` tables.
fn parse_pieces(
    text: &str,
    starts: &[usize],
    lines: &LineIndex,
    path: &Path,
) -> Option<(Vec<Record>, Vec<Diagnostic>)> {
    let bounds: Vec<(usize, usize)> = starts.windows(2).map(|w| (w[0], w[1])).collect();
    let groups: Vec<Option<Read>> = bounds
        .par_chunks(GROUP)
        .map(|group| {
            let mut read = Read::default();
            for &(start, end) in group {
                let doc = DeTable::parse(&text[start..end]).ok()?.into_inner();
                let entries = match (doc.len(), doc.get("credential").map(|v| v.get_ref())) {
                    (1, Some(DeValue::Array(entries))) => entries,
                    _ => return None,
                };
                for entry in entries.iter() {
                    let DeValue::Table(table) = entry.get_ref() else {
                        return None;
                    };
                    let at = |offset: usize| lines.line(start + offset);
                    read.entry(table, at(entry.span().start), at, path);
                }
            }
            Some(read)
        })
        .collect();
    let mut all = Read::default();
    for group in groups {
        let group = group?;
        all.records.extend(group.records);
        all.problems.extend(group.problems);
    }
    Some((all.records, all.problems))
}

/// Parses the text as one document.
fn parse_whole(text: &str, lines: &LineIndex, path: &Path) -> (Vec<Record>, Vec<Diagnostic>) {
    let doc = match DeTable::parse(text) {
        Ok(doc) => doc.into_inner(),
        Err(e) => return (Vec::new(), vec![toml_diagnostic(path, text, &e, 0)]),
    };
    let mut read = Read::default();
    let at = |offset: usize| lines.line(offset);
    for (key, value) in doc.iter() {
        let line = at(key.span().start);
        match (key.get_ref().as_ref(), value.get_ref()) {
            ("credential", DeValue::Array(entries)) => {
                for entry in entries.iter() {
                    match entry.get_ref() {
                        DeValue::Table(table) => {
                            read.entry(table, at(entry.span().start), at, path);
                        }
                        _ => read.problems.push(
                            Diagnostic::new(path, "expected a [[credential]] table")
                                .line(at(entry.span().start))
                                .field("credential"),
                        ),
                    }
                }
            }
            ("credential", _) => read.problems.push(
                Diagnostic::new(path, "expected [[credential]] tables")
                    .line(line)
                    .field("credential"),
            ),
            (other, _) => read.problems.push(
                Diagnostic::new(path, format!("unknown key \"{other}\""))
                    .line(line)
                    .field(other.to_string())
                    .hint("a records file holds only [[credential]] tables"),
            ),
        }
    }
    (read.records, read.problems)
}

/// Records and problems read so far.
#[derive(Default)]
struct Read {
    records: Vec<Record>,
    problems: Vec<Diagnostic>,
}

impl Read {
    /// Reads one `[[credential]]` table starting on `line`; `at` turns an offset of the
    /// parsed text into a line of the file.
    fn entry(
        &mut self,
        table: &DeTable<'_>,
        line: usize,
        at: impl Fn(usize) -> usize,
        path: &Path,
    ) {
        let mut fields = Vec::new();
        for (name, value) in table.iter() {
            let name = name.get_ref().as_ref();
            let field_line = at(value.span().start);
            let text = match value.get_ref() {
                DeValue::String(s) => s.trim().to_string(),
                DeValue::Datetime(d) => d.to_string(),
                DeValue::Boolean(b) => b.to_string(),
                DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
                    .map_or_else(|_| i.as_str().to_string(), |i| i.to_string()),
                DeValue::Float(f) => f
                    .as_str()
                    .parse::<f64>()
                    .map_or_else(|_| f.as_str().to_string(), |f| f.to_string()),
                _ => {
                    self.problems.push(
                        Diagnostic::new(path, "expected text, a number, a date or true/false")
                            .line(field_line)
                            .field(name),
                    );
                    continue;
                }
            };
            let Some(known) = known_field(name) else {
                self.problems.push(
                    Diagnostic::new(path, format!("unknown field \"{name}\""))
                        .line(field_line)
                        .field(name)
                        .hint(format!(
                            "the fields are {} (required) and {}",
                            REQUIRED.join(", "),
                            OPTIONAL.join(", ")
                        )),
                );
                continue;
            };
            if !text.is_empty() {
                fields.push((known, (text, field_line)));
            }
        }
        let raw = RawRecord {
            origin: Origin {
                path: std::sync::Arc::from(path),
                line,
            },
            fields,
        };
        match check(raw) {
            Ok(record) => self.records.push(record),
            Err(mut errs) => self.problems.append(&mut errs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Vec<Record>, Vec<String>) {
        let (records, problems) = parse_toml(text, Path::new("r.toml"));
        (records, problems.iter().map(ToString::to_string).collect())
    }

    const TWO: &str = "# roster\n\n[[credential]]\nid = \"a\"\nholder_name = \"A\"\nprogram = \"p\"\nissued = 2024-03-01\nevidence_exam = \"Lab\"\nevidence_score = 0x10\n\n[[credential]]\nid = \"b\"\nholder_name = \"B\"\nprogram = \"p\"\nissued = \"2024-13-01\"\n";

    #[test]
    fn the_fast_path_and_the_whole_document_agree() {
        let lines = LineIndex::new(TWO);
        let fast = parse_pieces(TWO, &pieces(TWO).unwrap(), &lines, Path::new("r.toml")).unwrap();
        let whole = parse_whole(TWO, &lines, Path::new("r.toml"));
        assert_eq!(fast.0.len(), 1);
        assert_eq!(fast.0[0].id, whole.0[0].id);
        assert_eq!(fast.0[0].origin, whole.0[0].origin);
        assert_eq!(
            fast.0[0].evidence.as_ref().unwrap().score.as_deref(),
            Some("16")
        );
        assert_eq!(fast.1, whole.1);
        assert!(
            fast.1[0]
                .to_string()
                .starts_with("r.toml:15: field `issued`: malformed date"),
            "{}",
            fast.1[0]
        );
    }

    #[test]
    fn a_header_inside_a_multiline_string_falls_back_to_the_whole_document() {
        let text = "[[credential]]\nid = \"a\"\nholder_name = \"\"\"A\n[[credential]]\nB\"\"\"\nprogram = \"p\"\nissued = 2024-03-01\n";
        let (records, problems) = read(text);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].holder_name, "A\n[[credential]]\nB");
    }

    #[test]
    fn top_level_keys_and_odd_shapes_are_reported() {
        let (_, problems) = read("title = \"x\"\n[[credential]]\nid = \"a\"\n");
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("r.toml:1: field `title`: unknown key \"title\"")),
            "{problems:?}"
        );
        let (_, problems) = read("credential = 3\n");
        assert!(
            problems[0].starts_with("r.toml:1: field `credential`: expected [[credential]] tables"),
            "{problems:?}"
        );
        let (_, problems) = read("[[credential]]\nid = \"a\"\nholder = \"A\"\n");
        assert!(
            problems[0].starts_with("r.toml:3: field `holder`: unknown field"),
            "{problems:?}"
        );
        let (_, problems) = read("[[credential]\n");
        assert!(problems[0].starts_with("r.toml:1:"), "{problems:?}");
    }
}
