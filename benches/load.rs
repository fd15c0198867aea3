//! Loading throughput, TOML against CSV: generates N synthetic credential records
//! (default 100,000; set CREDSITE_BENCH_N), the same records as `benches/build.rs`,
//! once as one CSV file and once as one TOML file, each in its own site, and times
//! `credsite::load::load` followed by `credsite::load::validate` on each (best of 3).
//! Prints both times, the ratio TOML/CSV and PASS or FAIL against the target: TOML
//! records load within 2x the time of the same records as CSV (issue 8: finding line
//! numbers by scanning the text made loading TOML quadratic).
//!
//! Then it breaks the time down, to show where TOML time goes: the same texts parsed
//! by `records::parse_csv` and `records::parse_toml` alone, and the TOML parser alone
//! on the whole file and on one `[[credential]]` table at a time.
//!
//! The sites get the repository's `credsite.toml`, `content/programs/` and `static/`
//! (validate checks the logo the config names).
//!
//! Run with `cargo bench --bench load` (or `scripts/bench.sh`).

use std::fmt::Write as _;
use std::fs;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate};
use credsite::load::{self, Inputs};

mod common;

/// TOML may take at most this many times as long as CSV to load.
const TARGET_RATIO: f64 = 2.0;
/// Runs per measurement; the best one counts.
const RUNS: usize = 3;
use common::PROGRAMS;
const CSV_FILE: &str = "content/credentials/bench.csv";
const TOML_FILE: &str = "content/credentials/bench.toml";

fn main() {
    let n = common::count();
    let base = common::work_dir();

    let (csv, toml) = records(n);
    let csv_site = site(&base, CSV_FILE, &csv);
    let toml_site = site(&base, TOML_FILE, &toml);
    println!(
        "loading {n} synthetic credentials in {base}: CSV {:.1} MiB, TOML {:.1} MiB",
        mib(csv.len()),
        mib(toml.len())
    );

    // Both sites must load the same records, or the comparison means nothing.
    let from_csv = fingerprint(&load_and_validate(csv_site.path()));
    let from_toml = fingerprint(&load_and_validate(toml_site.path()));
    assert_eq!(from_csv.len(), n, "CSV site: wrong number of records");
    assert!(
        from_csv == from_toml,
        "the CSV and TOML sites loaded different records"
    );

    // Interleaved, so that a burst of other work on the machine hits both formats.
    let mut csv_time = Duration::MAX;
    let mut toml_time = Duration::MAX;
    for _ in 0..RUNS {
        csv_time = csv_time.min(time(|| load_and_validate(csv_site.path())));
        toml_time = toml_time.min(time(|| load_and_validate(toml_site.path())));
    }
    let ratio = toml_time.as_secs_f64() / csv_time.as_secs_f64();
    println!("load + validate, best of {RUNS}:");
    println!("  CSV:  {} ({})", secs(csv_time), per_second(n, csv_time));
    println!("  TOML: {} ({})", secs(toml_time), per_second(n, toml_time));
    println!("  ratio TOML/CSV: {ratio:.2} (target: at most {TARGET_RATIO:.1})");
    if ratio <= TARGET_RATIO {
        println!("PASS: {n} TOML records load within {TARGET_RATIO}x the time of CSV");
    } else {
        println!("FAIL: {n} TOML records take {ratio:.2}x the time of CSV");
    }

    breakdown(&csv, &toml, &base, csv_time, toml_time);
}

/// Where the time goes: each step alone, best of [`RUNS`].
fn breakdown(csv: &str, toml: &str, base: &str, csv_total: Duration, toml_total: Duration) {
    // A site without records: config, programs and theme, paid by both formats.
    let empty = tempfile::tempdir_in(base).expect("temp dir");
    common::copy_site_files(empty.path());
    let shared = best(|| load_and_validate(empty.path()));

    let parse_csv = best(|| load::records::parse_csv(csv, Path::new(CSV_FILE)));
    let parse_toml = best(|| load::records::parse_toml(toml, Path::new(TOML_FILE)));
    let parser = best_with_drop(|| toml::de::DeTable::parse(toml).expect("TOML"));
    let line_index = best(|| credsite::diag::LineIndex::new(toml));
    let tables = credential_tables(toml);
    let parser_per_table = best_with_drop(|| {
        tables
            .iter()
            .map(|t| {
                toml::de::DeTable::parse(t)
                    .expect("TOML")
                    .into_inner()
                    .len()
            })
            .sum::<usize>()
    });

    let of_parse = |d: Duration| {
        let pct = 100.0 * d.as_secs_f64() / parse_toml.as_secs_f64();
        format!("{} ({pct:.0}% of parse_toml)", secs(d))
    };
    println!("where the time goes, best of {RUNS} each:");
    println!(
        "  load + validate of the site without records: {}",
        secs(shared)
    );
    println!(
        "  records::parse_csv:  {}; the rest of load + validate: {}",
        secs(parse_csv),
        secs(csv_total.saturating_sub(parse_csv))
    );
    println!(
        "  records::parse_toml: {} = {:.2}x parse_csv; the rest of load + validate: {}",
        secs(parse_toml),
        parse_toml.as_secs_f64() / parse_csv.as_secs_f64(),
        secs(toml_total.saturating_sub(parse_toml))
    );
    println!(
        "    (parse_toml parses the [[credential]] tables in parallel groups, so it can take less than the parser alone)"
    );
    println!(
        "    the TOML parser alone, whole file as one document (the fallback): {}",
        of_parse(parser)
    );
    println!(
        "    the TOML parser alone, one [[credential]] table at a time, one thread: {}",
        of_parse(parser_per_table)
    );
    println!("    LineIndex::new: {}", of_parse(line_index));
}

fn load_and_validate(root: &Path) -> Inputs {
    let inputs = load::load(root).expect("load");
    load::validate(
        inputs,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
    )
    .expect("validate")
}

/// How long `f` takes; dropping its result is not timed.
fn time<T>(f: impl FnOnce() -> T) -> Duration {
    let started = Instant::now();
    let out = black_box(f());
    let took = started.elapsed();
    drop(out);
    took
}

/// The best time of [`RUNS`] runs of `f`; dropping its result is not timed.
fn best<T>(mut f: impl FnMut() -> T) -> Duration {
    (0..RUNS).map(|_| time(&mut f)).min().unwrap()
}

/// The best time of [`RUNS`] runs of `f`, dropping its result included.
fn best_with_drop<T>(mut f: impl FnMut() -> T) -> Duration {
    (0..RUNS).map(|_| time(|| drop(f()))).min().unwrap()
}

/// The text split before each `[[credential]]` header (the first piece holds what comes
/// before the first header).
fn credential_tables(toml: &str) -> Vec<&str> {
    let mut starts: Vec<usize> = toml
        .match_indices("\n[[credential]]")
        .map(|(i, _)| i + 1)
        .collect();
    starts.insert(0, 0);
    starts.push(toml.len());
    starts.windows(2).map(|w| &toml[w[0]..w[1]]).collect()
}

/// N records as CSV and as TOML: the records benches/build.rs generates.
fn records(n: usize) -> (String, String) {
    let start = NaiveDate::from_ymd_opt(2019, 1, 1).unwrap();
    let mut csv = String::from(
        "id,holder_name,holder_email,program,issued,expires,evidence_exam,evidence_score,evidence_date\n",
    );
    let mut toml = String::from("# Synthetic records for benches/load.rs.\n");
    for i in 0..n {
        let issued = start
            .checked_add_days(Days::new((i * 7919 % 2870) as u64))
            .unwrap();
        let email = if i % 2 == 0 {
            format!("holder{i}@mail.example")
        } else {
            String::new()
        };
        let program = PROGRAMS[i % 3];
        let score = 70 + i % 30;
        writeln!(
            csv,
            "bench-{i:07},Holder Number {i},{email},{program},{issued},,Written exam,{score}%,{issued}",
        )
        .unwrap();
        // Empty CSV fields are left out, as someone writing TOML by hand would;
        // dates are TOML dates.
        writeln!(toml, "\n[[credential]]\nid = \"bench-{i:07}\"").unwrap();
        writeln!(toml, "holder_name = \"Holder Number {i}\"").unwrap();
        if !email.is_empty() {
            writeln!(toml, "holder_email = \"{email}\"").unwrap();
        }
        writeln!(toml, "program = \"{program}\"\nissued = {issued}").unwrap();
        writeln!(toml, "evidence_exam = \"Written exam\"").unwrap();
        writeln!(
            toml,
            "evidence_score = \"{score}%\"\nevidence_date = {issued}"
        )
        .unwrap();
    }
    (csv, toml)
}

/// A temporary site with the repository's config, programs and static files and one
/// records file.
fn site(base: &str, file: &str, text: &str) -> tempfile::TempDir {
    let site = tempfile::tempdir_in(base).expect("temp dir");
    common::copy_site_files(site.path());
    fs::write(site.path().join(file), text).unwrap();
    site
}

/// Every record's content, without where it was read from.
fn fingerprint(inputs: &Inputs) -> Vec<String> {
    inputs
        .records
        .iter()
        .map(|r| {
            let evidence = r.evidence.as_ref().map(|e| (&e.exam, &e.score, e.date));
            format!(
                "{}|{}|{:?}|{}|{}|{:?}|{evidence:?}",
                r.id, r.holder_name, r.holder_email, r.program, r.issued, r.expires
            )
        })
        .collect()
}

fn secs(d: Duration) -> String {
    if d < Duration::from_millis(100) {
        format!("{:.1} ms", d.as_secs_f64() * 1e3)
    } else {
        format!("{:.3} s", d.as_secs_f64())
    }
}

fn per_second(n: usize, d: Duration) -> String {
    format!("{:.0} records/s", n as f64 / d.as_secs_f64())
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}
