//! The report's charts as inline SVG: a score histogram and a pass-rate trend.
//!
//! Plain SVG text with presentation attributes (no `style`, no script, no link), sized
//! by `viewBox` so that it scales with the page. Every text is escaped; each chart has
//! a `<title>` and `aria-label`, and each bar or point a `<title>` with its numbers.

use std::fmt::Write;

use super::html::esc;
use super::{BINS, Quarter, Tally};

const AXIS: &str = "#444";
const GRID: &str = "#ddd";
const BAR: &str = "#4a6fa5";
const LINE: &str = "#1b5e20";
const MARK: &str = "#b71c1c";

/// The opening `<svg>` of a chart.
fn open(out: &mut String, width: u32, height: u32, label: &str) {
    let label = esc(label);
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="{label}" font-family="sans-serif" font-size="10"><title>{label}</title>"#
    );
}

/// A round number at or above `n` for the top of a count axis.
fn nice_ceiling(n: usize) -> usize {
    let n = n.max(1);
    let step = match n {
        0..=5 => 1,
        6..=10 => 2,
        11..=25 => 5,
        26..=50 => 10,
        51..=100 => 20,
        _ => 10usize.pow(n.ilog10()),
    };
    n.div_ceil(step) * step
}

/// The score distribution: attempts per ten-point bin, with the pass mark dashed.
pub fn histogram(bins: &[usize; BINS], pass_mark: f64, label: &str) -> String {
    const W: u32 = 300;
    const H: u32 = 150;
    let (left, right, top, bottom) = (34.0, 290.0, 14.0, 124.0);
    let top_count = nice_ceiling(bins.iter().copied().max().unwrap_or(0));
    let x = |score: f64| left + (right - left) * score / 100.0;
    let y = |count: usize| bottom - (bottom - top) * count as f64 / top_count as f64;

    let mut out = String::new();
    open(&mut out, W, H, label);
    for count in [0, top_count / 2, top_count] {
        let yy = y(count);
        let _ = write!(
            out,
            r#"<line x1="{left}" y1="{yy:.1}" x2="{right}" y2="{yy:.1}" stroke="{GRID}"/><text x="{:.1}" y="{:.1}" text-anchor="end">{count}</text>"#,
            left - 4.0,
            yy + 3.5
        );
    }
    for (i, &count) in bins.iter().enumerate() {
        let lo = i * 10;
        let hi = if i + 1 == BINS { 100 } else { lo + 9 };
        let (x0, x1) = (x(lo as f64) + 1.0, x((lo + 10) as f64) - 1.0);
        let yy = y(count);
        let plural = if count == 1 { "" } else { "s" };
        let _ = write!(
            out,
            r#"<rect x="{x0:.1}" y="{yy:.1}" width="{:.1}" height="{:.1}" fill="{BAR}"><title>{lo}–{hi}: {count} attempt{plural}</title></rect>"#,
            x1 - x0,
            bottom - yy
        );
    }
    let _ = write!(
        out,
        r#"<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="{AXIS}"/>"#
    );
    for score in (0..=100).step_by(20) {
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{score}</text>"#,
            x(f64::from(score)),
            bottom + 13.0
        );
    }
    let _ = write!(
        out,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="{AXIS}">score</text>"#,
        (left + right) / 2.0,
        bottom + 25.0
    );
    let mx = x(pass_mark.clamp(0.0, 100.0));
    let _ = write!(
        out,
        r#"<line x1="{mx:.1}" y1="{top}" x2="{mx:.1}" y2="{bottom}" stroke="{MARK}" stroke-dasharray="4 3"><title>pass mark {}</title></line><text x="{:.1}" y="{:.1}" fill="{MARK}">pass mark</text>"#,
        esc(&pass_mark.to_string()),
        mx + 3.0,
        top + 6.0
    );
    out.push_str("</svg>");
    out
}

/// The pass rate per quarter as a line (broken over quarters without attempts), with
/// the overall rate dashed.
pub fn trend(quarters: &[Quarter], tallies: &[Tally], overall: f64, label: &str) -> String {
    const W: u32 = 640;
    const H: u32 = 190;
    let (left, right, top, bottom) = (40.0, 630.0, 12.0, 160.0);
    let step = (right - left) / quarters.len().max(1) as f64;
    let x = |i: usize| left + step * (i as f64 + 0.5);
    let y = |rate: f64| bottom - (bottom - top) * rate;

    let mut out = String::new();
    open(&mut out, W, H, label);
    for percent in [0, 25, 50, 75, 100] {
        let yy = y(f64::from(percent) / 100.0);
        let _ = write!(
            out,
            r#"<line x1="{left}" y1="{yy:.1}" x2="{right}" y2="{yy:.1}" stroke="{GRID}"/><text x="{:.1}" y="{:.1}" text-anchor="end">{percent}%</text>"#,
            left - 4.0,
            yy + 3.5
        );
    }
    for (i, q) in quarters.iter().enumerate() {
        if q.quarter == 1 || i == 0 {
            let _ = write!(
                out,
                r#"<line x1="{:.1}" y1="{bottom}" x2="{:.1}" y2="{:.1}" stroke="{AXIS}"/><text x="{:.1}" y="{:.1}">{}</text>"#,
                x(i) - step / 2.0,
                x(i) - step / 2.0,
                bottom + 5.0,
                x(i) - step / 2.0 + 2.0,
                bottom + 15.0,
                q.year
            );
        }
    }
    let yo = y(overall);
    let _ = write!(
        out,
        r#"<line x1="{left}" y1="{yo:.1}" x2="{right}" y2="{yo:.1}" stroke="{MARK}" stroke-dasharray="4 3"><title>all quarters: {:.1}%</title></line>"#,
        overall * 100.0
    );
    // One polyline per run of quarters with attempts.
    let mut run: Vec<String> = Vec::new();
    let flush = |run: &mut Vec<String>, out: &mut String| {
        if run.len() > 1 {
            let _ = write!(
                out,
                r#"<polyline points="{}" fill="none" stroke="{LINE}" stroke-width="2"/>"#,
                run.join(" ")
            );
        }
        run.clear();
    };
    for (i, tally) in tallies.iter().enumerate() {
        match tally.pass_rate() {
            Some(rate) => run.push(format!("{:.1},{:.1}", x(i), y(rate))),
            None => flush(&mut run, &mut out),
        }
    }
    flush(&mut run, &mut out);
    for (i, (q, tally)) in quarters.iter().zip(tallies).enumerate() {
        if let Some(rate) = tally.pass_rate() {
            let _ = write!(
                out,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{LINE}"><title>{}: {} of {} passed ({:.1}%)</title></circle>"#,
                x(i),
                y(rate),
                esc(&q.to_string()),
                tally.passed,
                tally.attempts,
                rate * 100.0
            );
        }
    }
    let _ = write!(
        out,
        r#"<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="{AXIS}"/><text x="{:.1}" y="{:.1}" text-anchor="middle" fill="{AXIS}">quarter</text>"#,
        (left + right) / 2.0,
        bottom + 27.0
    );
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_axis_tops() {
        let tops: Vec<usize> = [0, 3, 7, 12, 26, 51, 101, 2345]
            .iter()
            .map(|&n| nice_ceiling(n))
            .collect();
        assert_eq!(tops, [1, 3, 8, 15, 30, 60, 200, 3000]);
    }

    #[test]
    fn draws_escaped_charts() {
        let svg = histogram(&[0, 0, 0, 0, 1, 2, 5, 9, 4, 1], 70.0, "form <A> & \"B\"");
        assert!(svg.starts_with("<svg "), "{svg}");
        assert!(svg.ends_with("</svg>"));
        assert!(svg.contains("aria-label=\"form &lt;A&gt; &amp; &quot;B&quot;\""));
        assert!(!svg.contains("<A>"));
        assert_eq!(svg.matches("<rect ").count(), BINS);
        assert!(svg.contains("<title>70–79: 9 attempts</title>"));

        let quarters = [
            Quarter {
                year: 2024,
                quarter: 4,
            },
            Quarter {
                year: 2025,
                quarter: 1,
            },
            Quarter {
                year: 2025,
                quarter: 2,
            },
            Quarter {
                year: 2025,
                quarter: 3,
            },
        ];
        let tallies = [
            Tally {
                attempts: 4,
                passed: 3,
            },
            Tally {
                attempts: 0,
                passed: 0,
            },
            Tally {
                attempts: 2,
                passed: 1,
            },
            Tally {
                attempts: 5,
                passed: 5,
            },
        ];
        let svg = trend(&quarters, &tallies, 0.8, "trend");
        assert_eq!(
            svg.matches("<circle ").count(),
            3,
            "no point without attempts"
        );
        assert_eq!(
            svg.matches("<polyline ").count(),
            1,
            "a lone point has no line"
        );
        assert!(svg.contains("<title>2024 Q4: 3 of 4 passed (75.0%)</title>"));
        assert!(svg.contains(">2025</text>"));
    }
}
