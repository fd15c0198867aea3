//! What the CSV inputs (records, exam results) share: the text as UTF-8, the reader
//! that takes spreadsheet exports as they come, and the diagnostic of a broken row.

use std::path::Path;

use crate::diag::{Diagnostic, line_of};

/// The text of a file's bytes; if they are not UTF-8, the problem names the line of the
/// first bad byte and how to save the file right.
pub fn utf8(bytes: Vec<u8>, shown: &Path) -> Result<String, Diagnostic> {
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let line = line_of(&String::from_utf8_lossy(&e.as_bytes()[..valid]), valid);
        Diagnostic::new(shown, "the file is not UTF-8 text")
            .line(line)
            .hint("save it as UTF-8 (in a spreadsheet: \"CSV UTF-8\")")
    })
}

/// A CSV reader of `text`, fields trimmed. Spreadsheets in many locales export with
/// ';' because ',' is their decimal mark: a header with ';' and no ',' means ';'.
pub fn reader(text: &str) -> csv::Reader<&[u8]> {
    let header = text.lines().next().unwrap_or_default();
    let delimiter = if header.contains(';') && !header.contains(',') {
        b';'
    } else {
        b','
    };
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes())
}

/// The header row's column names, without the byte-order mark some exports start with.
pub fn headers(reader: &mut csv::Reader<&[u8]>) -> Result<Vec<String>, csv::Error> {
    Ok(reader
        .headers()?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect())
}

/// A row that cannot be read, at its line.
pub fn problem(path: &Path, e: &csv::Error) -> Diagnostic {
    let mut d = Diagnostic::new(path, format!("cannot read CSV: {e}"));
    if let Some(pos) = e.position() {
        d = d.line(pos.line() as usize);
    }
    d.hint("every row needs as many fields as the header; quote fields that contain commas")
}
