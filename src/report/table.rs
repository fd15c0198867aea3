//! A small text table, printed aligned for a terminal or as a Markdown (GFM) table.

/// Rows of cells under a header; the first `left` columns are text (left-aligned),
/// the others numbers (right-aligned).
#[derive(Debug, Clone)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    left: usize,
}

impl Table {
    /// A table with these column names, the first `left` of them text columns.
    pub fn new<S: Into<String>>(header: impl IntoIterator<Item = S>, left: usize) -> Table {
        Table {
            header: header.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
            left,
        }
    }

    /// Adds a row (as many cells as the header has).
    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.header.len());
        self.rows.push(cells);
    }

    /// The table with columns aligned by spaces, two between columns, for a terminal.
    pub fn plain(&self) -> String {
        let widths: Vec<usize> = (0..self.header.len())
            .map(|i| {
                std::iter::once(&self.header)
                    .chain(&self.rows)
                    .map(|row| row[i].chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for row in std::iter::once(&self.header).chain(&self.rows) {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                if i > 0 {
                    line.push_str("  ");
                }
                let pad = " ".repeat(widths[i] - cell.chars().count());
                if i < self.left {
                    line.push_str(cell);
                    line.push_str(&pad);
                } else {
                    line.push_str(&pad);
                    line.push_str(cell);
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    /// The table in GitHub-flavoured Markdown, numbers right-aligned.
    pub fn markdown(&self) -> String {
        let line = |cells: &[String]| {
            let cells: Vec<String> = cells.iter().map(|c| c.replace('|', "\\|")).collect();
            format!("| {} |\n", cells.join(" | "))
        };
        let rule: Vec<String> = (0..self.header.len())
            .map(|i| if i < self.left { "---" } else { "---:" }.to_string())
            .collect();
        let mut out = line(&self.header);
        out.push_str(&line(&rule));
        for row in &self.rows {
            out.push_str(&line(row));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_text_left_and_numbers_right() {
        let mut table = Table::new(["program", "active"], 1);
        table.row(vec!["cdpp".into(), "7".into()]);
        table.row(vec!["all|x".into(), "12".into()]);
        assert_eq!(
            table.plain(),
            "program  active\ncdpp          7\nall|x        12\n"
        );
        assert_eq!(
            table.markdown(),
            "| program | active |\n| --- | ---: |\n| cdpp | 7 |\n| all\\|x | 12 |\n"
        );
    }
}
