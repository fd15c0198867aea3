//! What the CSV inputs (records, exam results) share: the text as UTF-8, the reader
//! that takes spreadsheet exports as they come, and the diagnostic of a broken row.

use std::path::Path;

use rayon::prelude::*;

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
    builder(text).from_reader(text.as_bytes())
}

/// The settings of [`reader`].
fn builder(text: &str) -> csv::ReaderBuilder {
    let header = text.lines().next().unwrap_or_default();
    let delimiter = if header.contains(';') && !header.contains(',') {
        b';'
    } else {
        b','
    };
    let mut builder = csv::ReaderBuilder::new();
    builder.delimiter(delimiter).trim(csv::Trim::All);
    builder
}

/// The lines the rows of a CSV text start on. A reader's own line numbers are off for
/// a row after an empty line, and for every row of a file with Windows line breaks
/// ("\r\n"): it gives the line where it started reading, before the line breaks it
/// then skipped. This counts up to the row's first character instead.
pub struct Lines<'a> {
    bytes: &'a [u8],
    /// A byte offset, and the line it is on.
    at: usize,
    line: usize,
}

impl<'a> Lines<'a> {
    /// The lines of `text`.
    pub fn new(text: &'a str) -> Self {
        Lines {
            bytes: text.as_bytes(),
            at: 0,
            line: 1,
        }
    }

    /// The line of the row a reader of the text read from byte `position` (its
    /// [`csv::Position::byte`]). Quickest for rows in order.
    pub fn of(&mut self, position: u64) -> usize {
        let mut start =
            usize::try_from(position).map_or(self.bytes.len(), |p| p.min(self.bytes.len()));
        while matches!(self.bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        if start < self.at {
            (self.at, self.line) = (0, 1);
        }
        self.line += memchr::memchr_iter(b'\n', &self.bytes[self.at..start]).count();
        self.at = start;
        self.line
    }
}

/// The rows of `text` after its header row, which ends at byte `header_end` (where a
/// [`reader`] stands once it has read the header), each with the line it starts on,
/// read in parallel pieces of about `piece` bytes (a roster of 100,000 rows is 8 MB,
/// read on one thread in about 50 ms).
///
/// `None` when the text is one piece, when it holds a quote anywhere (a line break
/// inside quotes does not end a row: only reading tells where rows end), or when a
/// piece does not read: the caller then reads the text with one [`reader`], which
/// gives the exact error. Otherwise every line break ends a row, and each piece is
/// read by a reader of the header row followed by the piece, so that it counts each
/// row's fields against the header's, as one reader would.
pub fn rows_in_pieces(
    text: &str,
    header_end: usize,
    piece: usize,
) -> Option<Vec<(usize, csv::StringRecord)>> {
    let bytes = text.as_bytes();
    // The header's own line break (a reader stops between "\r" and "\n").
    let header_end = match bytes.get(header_end.checked_sub(1)?..=header_end) {
        Some([b'\r', b'\n']) => header_end + 1,
        _ => header_end,
    };
    if bytes.get(header_end.checked_sub(1)?) != Some(&b'\n')
        || bytes.len() - header_end < 2 * piece
        || memchr::memchr(b'"', bytes).is_some()
    {
        return None;
    }
    // Each piece starts after a line break: its first byte, and that byte's line.
    let mut pieces = Vec::new();
    let (mut start, mut line) = (
        header_end,
        1 + memchr::memchr_iter(b'\n', &bytes[..header_end]).count(),
    );
    while start < bytes.len() {
        let target = (start + piece.max(1)).min(bytes.len());
        let end = memchr::memchr(b'\n', &bytes[target..]).map_or(bytes.len(), |at| target + at + 1);
        pieces.push((start, end, line));
        line += memchr::memchr_iter(b'\n', &bytes[start..end]).count();
        start = end;
    }
    let header = &bytes[..header_end];
    let builder = builder(text);
    let pieces: Vec<Vec<(usize, csv::StringRecord)>> = pieces
        .into_par_iter()
        .map(|(start, end, line)| {
            let reader = builder.from_reader(std::io::Read::chain(header, &bytes[start..end]));
            // A position in the header and the piece, as a position in the text.
            let mut lines = Lines {
                bytes,
                at: start,
                line,
            };
            reader
                .into_records()
                .map(|row| {
                    let row = row.ok()?;
                    // (A row's reading can start at the header's last line break.)
                    let position =
                        (row.position()?.byte() + start as u64).checked_sub(header_end as u64)?;
                    Some((lines.of(position), row))
                })
                .collect()
        })
        .collect::<Option<_>>()?;
    Some(pieces.into_iter().flatten().collect())
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
pub fn problem(path: &Path, text: &str, e: &csv::Error) -> Diagnostic {
    let mut d = Diagnostic::new(path, format!("cannot read CSV: {e}"));
    if let Some(pos) = e.position() {
        d = d.line(Lines::new(text).of(pos.byte()));
    }
    d.hint("every row needs as many fields as the header; quote fields that contain commas")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rows and lines one reader gives, after the header.
    fn one_reader(text: &str) -> (usize, Vec<(usize, Vec<String>)>) {
        let mut reader = reader(text);
        headers(&mut reader).unwrap();
        let header_end = reader.position().byte() as usize;
        let mut lines = Lines::new(text);
        let rows = reader
            .records()
            .map(|row| {
                let row = row.unwrap();
                let line = lines.of(row.position().unwrap().byte());
                (line, row.iter().map(str::to_string).collect())
            })
            .collect();
        (header_end, rows)
    }

    fn in_pieces(text: &str, header_end: usize, piece: usize) -> Option<Vec<(usize, Vec<String>)>> {
        rows_in_pieces(text, header_end, piece).map(|rows| {
            rows.into_iter()
                .map(|(line, row)| (line, row.iter().map(str::to_string).collect()))
                .collect()
        })
    }

    #[test]
    fn pieces_read_as_one_reader_does() {
        let texts = [
            "id,name\na-1, Ana \nb-2,Bo\n\nc-3,Cy\nd-4,Di\ne-5,Ed\nf-6,Flo\n",
            "\u{feff}id;name\r\na-1;Ana\r\nb-2;Bo\r\n\r\nc-3;Cy\r\nd-4;Di\r\ne-5;Ed\r\nf-6;Flo",
            "id,name\na-1,Ana\rb-2,Bo\nc-3,Cy\r\rd-4,Di\ne-5,Ed\nf-6,Flo\ng-7,Gil\n",
        ];
        for text in texts {
            let (header_end, expected) = one_reader(text);
            assert!(expected.len() >= 6, "{text:?}");
            for piece in [1, 5, 9, 14] {
                assert_eq!(
                    in_pieces(text, header_end, piece).as_ref(),
                    Some(&expected),
                    "{text:?} in pieces of {piece}"
                );
            }
            // One piece: read by the caller.
            assert_eq!(in_pieces(text, header_end, text.len()), None);
        }
    }

    #[test]
    fn rows_are_on_the_lines_an_editor_shows() {
        let lines_of =
            |text: &str| -> Vec<usize> { one_reader(text).1.iter().map(|r| r.0).collect() };
        assert_eq!(lines_of("id,name\na-1,Ana\nb-2,Bo\n\nc-3,Cy\n"), [2, 3, 5]);
        assert_eq!(
            lines_of("id,name\r\na-1,Ana\r\nb-2,Bo\r\n\r\nc-3,Cy\r\n"),
            [2, 3, 5]
        );
        assert_eq!(lines_of("id,name\na-1,\"A\nna\"\nb-2,Bo\n"), [2, 4]);
        // A broken row's problem names its line too.
        let text = "id,name\r\na-1,Ana\r\n\r\nb-2\r\n";
        let mut reader = reader(text);
        headers(&mut reader).unwrap();
        let e = reader.records().find_map(Result::err).unwrap();
        assert_eq!(problem(Path::new("r.csv"), text, &e).line, Some(4));
    }

    #[test]
    fn pieces_leave_quotes_and_broken_rows_to_one_reader() {
        let quoted = "id,name\na-1,\"Ana\nMaria\"\nb-2,Bo\nc-3,Cy\nd-4,Di\n";
        let (header_end, rows) = one_reader(quoted);
        assert_eq!(rows[0].1[1], "Ana\nMaria");
        assert_eq!(in_pieces(quoted, header_end, 4), None);
        let short = "id,name\na-1,Ana\nb-2\nc-3,Cy\nd-4,Di\ne-5,Ed\n";
        assert_eq!(in_pieces(short, 8, 4), None);
        assert!(in_pieces(&short.replace("b-2\n", "b-2,Bo\n"), 8, 4).is_some());
    }
}
