//! QR codes of verification page addresses, as SVG.
//!
//! The `qrcode` crate encodes the data and builds the error correction. The rest is
//! done here, for speed on sites with many thousands of credentials:
//! - placing the codewords: where each bit goes in a symbol of a given version is
//!   learnt once, from the crate's own `Canvas::draw_data` ([`learn_layout`]), and
//!   each symbol is then its function patterns' rows with its set bits added (the
//!   crate's drawing and reading back each module took two fifths of a code's time);
//! - choosing the mask pattern (`qrcode` scores the 8 candidates with an allocation
//!   per module, about 460 µs per code, more than signing a credential). Masking is
//!   an XOR of bit-set rows and columns with what each pattern flips in a symbol of
//!   that version, learnt once from the crate's own `apply_mask`; the ISO/IEC 18004
//!   penalty rules are applied on those bit sets, with the same arithmetic and
//!   tie-breaking as `qrcode` 0.14;
//! - writing the SVG: one stroke per run of dark modules, each after the last by a
//!   relative move, instead of one rectangle per module (a sixth of the size).
//!
//! A test checks that the result is identical to `QrCode::with_error_correction_level`
//! for every version up to 128 modules wide (version 27); wider symbols (over 1,000
//! bytes of data) are left to the crate.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, OnceLock};

use anyhow::{Result, anyhow};
use num_traits::PrimInt;
use qrcode::canvas::{Canvas, MaskPattern, Module};
use qrcode::types::Color;
use qrcode::{EcLevel, QrCode, Version, bits, ec};

/// The light border around the code, in modules (the minimum ISO/IEC 18004 asks for).
const QUIET_ZONE: usize = 4;

/// The error correction level of every code: M (15% of the code can be damaged).
const EC_LEVEL: EcLevel = EcLevel::M;

/// Mask patterns in the order `qrcode` tries them (ties keep the first).
const MASKS: [MaskPattern; 8] = [
    MaskPattern::Checkerboard,
    MaskPattern::HorizontalLines,
    MaskPattern::VerticalLines,
    MaskPattern::DiagonalLines,
    MaskPattern::LargeCheckerboard,
    MaskPattern::Fields,
    MaskPattern::Diamonds,
    MaskPattern::Meadow,
];

/// An SVG QR code (level M, 4-module quiet zone) encoding `url`: one path that
/// strokes each horizontal run of dark modules with a line one module thick, scaled
/// by the viewBox.
pub fn svg(url: &str) -> Result<String> {
    let symbol = symbol(url.as_bytes())?;
    let width = symbol.width;
    let size = width + 2 * QUIET_ZONE;
    let mut svg = String::with_capacity(32 * width + 256);
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="200" height="200" shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#ffffff"/><path fill="none" stroke="#000000" d=""##
    );
    for y in 0..width {
        // The first run of a row: `M{x} {y}.5h{run}`, a line through the middle of
        // the row; each next one moves on from the end of the last: `m{gap} 0h{run}`.
        // Written without the formatting machinery: this runs about 300 times per code.
        let mut end = None;
        symbol.dark_runs(y, |start, run| {
            match end {
                None => {
                    svg.push('M');
                    push_number(&mut svg, start + QUIET_ZONE);
                    svg.push(' ');
                    push_number(&mut svg, y + QUIET_ZONE);
                    svg.push_str(".5h");
                }
                Some(end) => {
                    svg.push('m');
                    push_number(&mut svg, start - end);
                    svg.push_str(" 0h");
                }
            }
            push_number(&mut svg, run);
            end = Some(start + run);
        });
    }
    svg.push_str("\"/></svg>\n");
    Ok(svg)
}

/// A finished symbol: rows as bit sets (bit x of row y: module (x, y) is dark), or,
/// for the rare symbol over 128 modules wide, the crate's colours.
struct Symbol {
    width: usize,
    rows: Vec<u128>,
    colors: Vec<Color>,
}

/// Appends a number below 1,000 (a coordinate in a symbol of at most 177 modules).
fn push_number(out: &mut String, n: usize) {
    debug_assert!(n < 1000);
    if n >= 100 {
        out.push(char::from(b'0' + (n / 100) as u8));
    }
    if n >= 10 {
        out.push(char::from(b'0' + (n / 10 % 10) as u8));
    }
    out.push(char::from(b'0' + (n % 10) as u8));
}

impl Symbol {
    /// Calls `f(x, length)` for each run of dark modules of row `y`, left to right.
    fn dark_runs(&self, y: usize, mut f: impl FnMut(usize, usize)) {
        if self.colors.is_empty() {
            let mut row = self.rows[y];
            while row != 0 {
                let start = row.trailing_zeros() as usize;
                let run = (!(row >> start)).trailing_zeros() as usize;
                f(start, run);
                row &= !(u128::MAX >> (128 - run) << start);
            }
        } else {
            let mut x = 0;
            while x < self.width {
                if self.dark(x, y) {
                    let start = x;
                    while x < self.width && self.dark(x, y) {
                        x += 1;
                    }
                    f(start, x - start);
                }
                x += 1;
            }
        }
    }

    fn dark(&self, x: usize, y: usize) -> bool {
        if self.colors.is_empty() {
            self.rows[y] >> x & 1 == 1
        } else {
            self.colors[y * self.width + x] == Color::Dark
        }
    }
}

/// Encodes `data` and masks it with the pattern of the lowest penalty.
fn symbol(data: &[u8]) -> Result<Symbol> {
    let fail = |e| {
        anyhow!(
            "cannot make a QR code of {}: {e}",
            String::from_utf8_lossy(data)
        )
    };
    let bits = bits::encode_auto(data, EC_LEVEL).map_err(fail)?;
    let version = bits.version();
    let width = version.width() as usize;
    let (data_codewords, ec_codewords) = if width <= 128 {
        ec::construct_codewords(&bits.into_bytes(), version, EC_LEVEL).map_err(fail)?
    } else {
        Default::default()
    };
    let Some(layout) = layout(version, data_codewords.len(), ec_codewords.len()) else {
        // Too wide for the bit sets below (over 1,000 bytes of data), or a layout
        // that could not be learnt: the crate draws and masks the symbol.
        let code = QrCode::with_error_correction_level(data, EC_LEVEL).map_err(fail)?;
        return Ok(Symbol {
            width,
            rows: Vec::new(),
            colors: code.to_colors(),
        });
    };
    let unmasked = layout.place(&data_codewords, &ec_codewords);
    let unmasked_columns = transpose(&unmasked);
    let mut best: Option<(u32, Vec<u128>)> = None;
    let mut masked = vec![0u128; width];
    let mut columns = vec![0u128; width];
    for flip in &layout.flips {
        // Masking is an XOR, so the columns of the masked symbol are those of the
        // unmasked one XOR those of the flips: no transposition per mask.
        for ((row, base), flip) in masked.iter_mut().zip(&unmasked).zip(&flip.rows) {
            *row = base ^ flip;
        }
        for ((column, base), flip) in columns.iter_mut().zip(&unmasked_columns).zip(&flip.columns) {
            *column = base ^ flip;
        }
        let score = if width <= 64 {
            // Most codes (a page address is version 3 to 6, 29 to 41 modules wide):
            // one machine word per line halves the work of every rule.
            let mut rows = [0u64; 64];
            let mut cols = [0u64; 64];
            for (narrow, wide) in rows.iter_mut().zip(&masked) {
                *narrow = *wide as u64;
            }
            for (narrow, wide) in cols.iter_mut().zip(&columns) {
                *narrow = *wide as u64;
            }
            penalty(&rows[..width], &cols[..width], width)
        } else {
            penalty(&masked, &columns, width)
        };
        if best.as_ref().is_none_or(|(lowest, _)| score < *lowest) {
            best = Some((score, masked.clone()));
        }
    }
    Ok(Symbol {
        width,
        rows: best.expect("eight masks").1,
        colors: Vec::new(),
    })
}

/// The rows of a canvas as bit sets.
fn rows_of(canvas: &Canvas, width: usize) -> Vec<u128> {
    (0..width)
        .map(|y| {
            (0..width).fold(0u128, |row, x| {
                let dark = canvas.get(x as i16, y as i16).is_dark();
                row | u128::from(dark) << x
            })
        })
        .collect()
}

/// The columns of a symbol given by its rows, as bit sets (bit y of column x: module
/// (x, y) is dark).
fn transpose(rows: &[u128]) -> Vec<u128> {
    let mut columns = vec![0u128; rows.len()];
    for (y, &row) in rows.iter().enumerate() {
        let mut rest = row;
        while rest != 0 {
            columns[rest.trailing_zeros() as usize] |= 1u128 << y;
            rest &= rest - 1;
        }
    }
    columns
}

/// What one mask pattern flips, by rows and by columns.
struct Flip {
    rows: Vec<u128>,
    columns: Vec<u128>,
}

/// What every symbol of one version has in common, learnt once from the crate's own
/// drawing ([`learn_layout`]).
struct Layout {
    /// The function patterns (finders, separators, timing and alignment patterns,
    /// version information), dark modules as bit-set rows.
    functional: Vec<u128>,
    /// Where each bit of the codewords goes, in the order the crate draws them (data
    /// codewords, then error correction; the most significant bit of each first).
    places: Vec<(u8, u8)>,
    /// What each mask pattern (in [`MASKS`] order) flips: the data modules it
    /// inverts, and the format information `Canvas::apply_mask` draws over its
    /// placeholder. Neither depends on the data, so every symbol of the version is
    /// masked by XOR.
    flips: Vec<Flip>,
}

impl Layout {
    /// The unmasked symbol of these codewords, as bit-set rows.
    fn place(&self, data: &[u8], ec: &[u8]) -> Vec<u128> {
        let mut rows = self.functional.clone();
        for (byte, places) in data.iter().chain(ec).zip(self.places.chunks(8)) {
            for (bit, &(x, y)) in places.iter().enumerate() {
                // Without a branch: about half the bits are set, unpredictably.
                rows[usize::from(y)] |= u128::from(byte >> (7 - bit) & 1) << x;
            }
        }
        rows
    }
}

/// The layout of `version` for `data` and `ec` codewords; `None` for a symbol over
/// 128 modules wide, or a layout that could not be learnt.
fn layout(version: Version, data: usize, ec: usize) -> Option<Arc<Layout>> {
    // Keyed by width, which names the version; the error correction level is fixed.
    static LAYOUTS: OnceLock<Mutex<HashMap<usize, Option<Arc<Layout>>>>> = OnceLock::new();
    let width = version.width() as usize;
    if width > 128 {
        return None;
    }
    let cache = LAYOUTS.get_or_init(Default::default);
    let cached = cache.lock().expect("not poisoned").get(&width).cloned();
    let layout = match cached {
        Some(layout) => layout,
        None => {
            let layout = learn_layout(version, data, ec).map(Arc::new);
            cache
                .lock()
                .expect("not poisoned")
                .insert(width, layout.clone());
            layout
        }
    };
    layout.filter(|layout| layout.places.len() == 8 * (data + ec))
}

/// Learns where the crate puts each codeword bit in a symbol of `version`: it draws
/// codewords in which bit `i` is bit `k` of `i + 1`, once for each `k`, and reads each
/// module's number back. `None` unless every bit lands on exactly one module.
fn learn_layout(version: Version, data: usize, ec: usize) -> Option<Layout> {
    let width = version.width() as usize;
    let mut base = Canvas::new(version, EC_LEVEL);
    base.draw_all_functional_patterns();
    let at = |x: usize, y: usize| (x as i16, y as i16);
    let free: Vec<(usize, usize)> = (0..width)
        .flat_map(|y| (0..width).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            let (x, y) = at(x, y);
            base.get(x, y) == Module::Empty
        })
        .collect();
    let bits = 8 * (data + ec);
    let mut numbers = vec![0usize; width * width];
    for k in 0..(usize::BITS - bits.leading_zeros()) {
        let mut codewords = vec![0u8; data + ec];
        for i in (0..bits).filter(|i| (i + 1) >> k & 1 == 1) {
            codewords[i / 8] |= 0x80 >> (i % 8);
        }
        let mut canvas = base.clone();
        canvas.draw_data(&codewords[..data], &codewords[data..]);
        for &(x, y) in &free {
            let (cx, cy) = at(x, y);
            if canvas.get(cx, cy).is_dark() {
                numbers[y * width + x] |= 1 << k;
            }
        }
    }
    let mut places = vec![None; bits];
    for (module, &number) in numbers.iter().enumerate() {
        // 0: a remainder module, which no bit reaches (or a function pattern).
        if number > 0 {
            let place = places.get_mut(number - 1)?;
            if place.is_some() {
                return None;
            }
            *place = Some(((module % width) as u8, (module / width) as u8));
        }
    }
    let places = places.into_iter().collect::<Option<Vec<_>>>()?;
    // The masks, learnt on a symbol of light data modules.
    let mut unmasked = base;
    unmasked.draw_data(&vec![0; data], &vec![0; ec]);
    let before = rows_of(&unmasked, width);
    let flips = MASKS
        .iter()
        .map(|&mask| {
            let mut masked = unmasked.clone();
            masked.apply_mask(mask);
            let rows: Vec<u128> = rows_of(&masked, width)
                .iter()
                .zip(&before)
                .map(|(after, before)| after ^ before)
                .collect();
            let columns = transpose(&rows);
            Flip { rows, columns }
        })
        .collect();
    Some(Layout {
        functional: before,
        places,
        flips,
    })
}

/// The ISO/IEC 18004 penalty score of a masked symbol (rules 1 to 4), with the same
/// arithmetic as `qrcode` 0.14. Rows and columns are bit sets (bit x = module x is
/// dark; [`transpose`]), so each rule is a few word operations per line.
fn penalty<L: PrimInt>(rows: &[L], columns: &[L], width: usize) -> u32 {
    let dark: usize = rows.iter().map(|row| row.count_ones() as usize).sum();
    let all = if width == L::zero().count_zeros() as usize {
        L::max_value()
    } else {
        (L::one() << width) - L::one()
    };
    let mut score = 0u32;
    for lines in [rows, columns] {
        score += lines
            .iter()
            .map(|&line| run_penalty(line, all))
            .sum::<u32>();
        let finder: u32 = lines.iter().map(|&line| finder_penalty(line, width)).sum();
        score += u32::from((finder as u16).wrapping_sub(360));
    }
    // Rule 2: each 2x2 block of one colour scores 3.
    for pair in rows.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let same = !(a ^ (a >> 1)) & !(b ^ (b >> 1)) & !(a ^ b) & (all >> 1);
        score += 3 * same.count_ones();
    }
    // Rule 4: deviation of the dark share from 50%.
    let ratio = dark * 200 / (width * width);
    score + ratio.abs_diff(100) as u32
}

/// Rule 1: each run of 5+N modules of one colour in a line scores 3+N, that is one
/// point per 5-module window inside the run plus 2 per run.
fn run_penalty<L: PrimInt>(line: L, all: L) -> u32 {
    let equal_next = !(line ^ (line >> 1)) & (all >> 1);
    let windows = equal_next & (equal_next >> 1) & (equal_next >> 2) & (equal_next >> 3);
    if windows.is_zero() {
        return 0;
    }
    windows.count_ones() + 2 * (windows & !(windows << 1)).count_ones()
}

/// Rule 3: each dark-light-dark-dark-dark-light-dark pattern in a line that lacks a
/// dark module among the 4 modules on either side scores 40.
fn finder_penalty<L: PrimInt>(line: L, width: usize) -> u32 {
    if width < 7 {
        return 0;
    }
    let l = line;
    let starts = l & !(l >> 1) & (l >> 2) & (l >> 3) & (l >> 4) & !(l >> 5) & (l >> 6);
    let starts = starts & ((L::one() << (width - 6)) - L::one());
    if starts.is_zero() {
        return 0;
    }
    let light_before = !((l << 1) | (l << 2) | (l << 3) | (l << 4));
    let light_after = !((l >> 7) | (l >> 8) | (l >> 9) | (l >> 10));
    40 * (starts & (light_before | light_after)).count_ones()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The modules of the QR code of `data`, row by row, and the width in modules.
    fn modules(data: &[u8]) -> Result<(Vec<Color>, usize)> {
        let symbol = symbol(data)?;
        let width = symbol.width;
        let colors = (0..width * width)
            .map(|i| {
                if symbol.dark(i % width, i / width) {
                    Color::Dark
                } else {
                    Color::Light
                }
            })
            .collect();
        Ok((colors, width))
    }

    #[test]
    fn matches_the_qrcode_crate_exactly() {
        let mut urls: Vec<String> = (0..120)
            .map(|i| {
                format!(
                    "https://registry.example.org/credentials/{}-{i}/",
                    "x".repeat(i % 60)
                )
            })
            .collect();
        urls.push("https://certs.example.org/credentials/a/".into());
        urls.push(format!(
            "https://org.github.io/registry/credentials/{}/",
            "long-id.".repeat(15)
        ));
        // Over 64 modules wide (lines of two words), and over 128 (the crate's masks).
        urls.push(format!("https://example.org/{}", "z".repeat(300)));
        urls.push(format!("https://example.org/{}", "y".repeat(1200)));
        // Every version up to 128 modules wide, each with its own learnt layout.
        urls.push("https://a.b/".into());
        urls.extend(
            (0..1100)
                .step_by(5)
                .map(|n| format!("https://e.org/{}", "v".repeat(n))),
        );
        let mut widths = std::collections::BTreeSet::new();
        for url in urls {
            let reference =
                QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M).unwrap();
            let (colors, width) = modules(url.as_bytes()).unwrap();
            assert_eq!(width, reference.width(), "{url}");
            widths.insert(width);
            assert!(
                colors == reference.to_colors(),
                "different modules for {url}"
            );
            assert!(
                dark_modules(&svg(&url).unwrap(), width) == colors,
                "the SVG of {url} draws other modules"
            );
        }
        assert!(
            (21..=125).step_by(4).all(|w| widths.contains(&w)),
            "versions 1 to 27: {widths:?}"
        );
    }

    /// Reads the dark modules back out of the SVG path.
    fn dark_modules(svg: &str, width: usize) -> Vec<Color> {
        let mut out = vec![Color::Light; width * width];
        let path = svg
            .split(" d=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        // Rows: `M{x} {y}.5h{run}`, then `m{gap} 0h{run}` for each next run.
        for row in path.split('M').filter(|r| !r.is_empty()) {
            let (x, rest) = row.split_once(' ').unwrap();
            let (y, rest) = rest.split_once(".5h").unwrap();
            let (mut x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
            let mut runs = rest.split('m');
            let mut draw = |x: usize, run: &str| {
                let run: usize = run.parse().unwrap();
                for dx in 0..run {
                    out[(y - QUIET_ZONE) * width + x - QUIET_ZONE + dx] = Color::Dark;
                }
                x + run
            };
            x = draw(x, runs.next().unwrap());
            for next in runs {
                let (gap, run) = next.split_once(" 0h").unwrap();
                x = draw(x + gap.parse::<usize>().unwrap(), run);
            }
        }
        out
    }

    #[test]
    fn svg_draws_exactly_the_dark_modules_inside_a_quiet_zone() {
        for url in [
            "https://certs.example.org/credentials/a-1/",
            "https://org.github.io/registry/credentials/cdpp-2026-0001/",
        ] {
            let svg = svg(url).unwrap();
            let (colors, width) = modules(url.as_bytes()).unwrap();
            assert!(
                svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
                "{svg}"
            );
            let size = width + 2 * QUIET_ZONE;
            assert!(
                svg.contains(&format!("viewBox=\"0 0 {size} {size}\"")),
                "{svg}"
            );
            assert!(dark_modules(&svg, width) == colors, "{url}");
        }
    }
}
