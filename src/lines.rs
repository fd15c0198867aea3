//! Large line-oriented files (the site state, the build cache): a million credentials
//! make millions of lines, so they are formatted in parallel, a batch at a time, and
//! written in order without ever holding the whole text.

use std::io::Write;

use anyhow::Result;
use rayon::prelude::*;

/// Writes `items` to `out`, each formatted by `line(text, index, item)` (which appends
/// to `text`), in their order. Lines are made in parallel, 65,536 at a time.
pub fn write_lines<T: Sync>(
    out: &mut impl Write,
    items: &[T],
    line: impl Fn(&mut String, usize, &T) -> Result<()> + Sync,
) -> Result<()> {
    const BATCH: usize = 1 << 16;
    const CHUNK: usize = 1024;
    for (batch, items) in items.chunks(BATCH).enumerate() {
        let texts: Vec<String> = items
            .par_chunks(CHUNK)
            .enumerate()
            .map(|(chunk, items)| {
                let mut text = String::with_capacity(128 * items.len());
                let first = batch * BATCH + chunk * CHUNK;
                for (i, item) in items.iter().enumerate() {
                    line(&mut text, first + i, item)?;
                }
                Ok(text)
            })
            .collect::<Result<_>>()?;
        for text in texts {
            out.write_all(text.as_bytes())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;

    #[test]
    fn lines_come_out_in_order_with_their_index_across_batches() {
        let items: Vec<u32> = (0..150_000).collect();
        let mut out = Vec::new();
        write_lines(&mut out, &items, |text, i, item| {
            writeln!(text, "{i} {item}")?;
            Ok(())
        })
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 150_000);
        for (n, line) in lines.iter().enumerate() {
            assert_eq!(*line, format!("{n} {n}"));
        }
        let err = write_lines(&mut Vec::new(), &items, |_, i, _| {
            anyhow::ensure!(i != 70_000, "line {i} refused");
            Ok(())
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "line 70000 refused");
    }
}
