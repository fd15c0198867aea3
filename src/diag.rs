//! Diagnostics: problems in a site's input files, each naming the file, line and field.
//!
//! Validation gathers every problem it finds into [`Diagnostics`] and fails once at the
//! end, so a certification manager fixes a whole roster in one pass.

use std::fmt;
use std::path::{Path, PathBuf};

/// One problem in an input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file, as given to the loader (usually relative to the site root).
    pub path: PathBuf,
    /// 1-based line number, when known.
    pub line: Option<usize>,
    /// The field or column the problem is in, when there is one.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A problem with a whole file.
    pub fn new(path: &Path, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.to_path_buf(),
            line: None,
            field: None,
            message: message.into(),
            hint: None,
        }
    }

    /// Sets the line.
    pub fn line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }

    /// Sets the field.
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// Sets the hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": ")?;
        if let Some(field) = &self.field {
            write!(f, "field `{field}`: ")?;
        }
        write!(f, "{}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n     hint: {hint}")?;
        }
        Ok(())
    }
}

/// All problems found in a site; the error a failed validation returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "found {n} problem{} in the site input",
            if n == 1 { "" } else { "s" }
        )?;
        for (i, d) in self.0.iter().enumerate() {
            write!(f, "\n  {}. {d}", i + 1)?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// The start of every line of a text, built once per file so that turning byte
/// offsets into line numbers costs a binary search, not a scan of the text (issue 8:
/// scanning made loading 20,000 TOML records take 107 s).
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    /// Indexes the lines of `text`.
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr_newlines(text.as_bytes()));
        LineIndex {
            starts,
            len: text.len(),
        }
    }

    /// The 1-based line number of a byte offset (offsets past the end count as the last line).
    pub fn line(&self, offset: usize) -> usize {
        let offset = offset.min(self.len);
        self.starts.partition_point(|&start| start <= offset)
    }
}

fn memchr_newlines(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes
        .iter()
        .enumerate()
        .filter(|&(_, &b)| b == b'\n')
        .map(|(i, _)| i + 1)
}

/// Turns a byte offset into a 1-based line number, for a single lookup. Use
/// [`LineIndex`] for many lookups in one text.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    memchr_newlines(&text.as_bytes()[..end]).count() + 1
}

/// Converts a `toml` parse error into a diagnostic with the line it points at.
pub fn toml_diagnostic(
    path: &Path,
    text: &str,
    err: &toml::de::Error,
    line_offset: usize,
) -> Diagnostic {
    let mut d = Diagnostic::new(path, err.message().to_string());
    if let Some(span) = err.span() {
        d = d.line(line_of(text, span.start) + line_offset);
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_path_line_field_and_hint() {
        let d = Diagnostic::new(
            Path::new("content/credentials/a.csv"),
            "unknown program \"x\"",
        )
        .line(12)
        .field("program")
        .hint("add content/programs/x.md");
        assert_eq!(
            d.to_string(),
            "content/credentials/a.csv:12: field `program`: unknown program \"x\"\n     hint: add content/programs/x.md"
        );
    }

    #[test]
    fn counts_lines_from_offsets() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 4), 3);
        assert_eq!(line_of("a", 99), 1);
        let index = LineIndex::new("a\nb\n\nc");
        let lines: Vec<usize> = (0..7).map(|o| index.line(o)).collect();
        assert_eq!(lines, [1, 1, 2, 2, 3, 4, 4]);
        assert_eq!(index.line(999), 4);
    }
}
