//! `credsite report` and `credsite report expiring`: the counts of the example site
//! checked against an independent computation from the fixture files (plain parsing
//! here, none of credsite's loading or status code), through the library and the
//! CLI; the iCalendar file checked line by line against RFC 5545 and parsed with the
//! `icalendar` crate's parser; bad input, an empty roster and a program without
//! holders; and that a report writes nothing into the site.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::Path;

use chrono::{Datelike, Days, Months, NaiveDate};
use common::*;
use credsite::report::{self, Window};

// ---------------------------------------------------------------------------------
// The independent computation.

/// A credential record as the fixture files write it.
#[derive(Debug, Clone)]
struct Rec {
    id: String,
    holder_name: String,
    holder_email: Option<String>,
    program: String,
    issued: NaiveDate,
    expires: Option<NaiveDate>,
    replaces: Option<String>,
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(&text[..10], "%Y-%m-%d").unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn non_empty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// Every record of `content/credentials/*.csv` (split on commas: the fixture has no
/// quoted fields) and `*.toml` (`[[credential]]` tables).
fn records(root: &Path) -> Vec<Rec> {
    let mut out = Vec::new();
    let mut files: Vec<_> = fs::read_dir(root.join("content/credentials"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for path in files {
        let text = fs::read_to_string(&path).unwrap();
        match path.extension().and_then(|e| e.to_str()) {
            Some("csv") => {
                let mut lines = text.lines();
                let header: Vec<&str> = lines.next().unwrap().split(',').collect();
                let col = |name: &str| header.iter().position(|h| *h == name);
                for line in lines.filter(|l| !l.trim().is_empty()) {
                    assert!(!line.contains('"'), "plain CSV expected: {line}");
                    let cells: Vec<&str> = line.split(',').collect();
                    let get = |name: &str| col(name).map_or("", |i| cells[i]);
                    out.push(Rec {
                        id: get("id").to_string(),
                        holder_name: get("holder_name").to_string(),
                        holder_email: non_empty(get("holder_email")),
                        program: get("program").to_string(),
                        issued: date(get("issued")),
                        expires: non_empty(get("expires")).map(|d| date(&d)),
                        replaces: non_empty(get("replaces")),
                    });
                }
            }
            Some("toml") => {
                let table: toml::Table = text.parse().unwrap();
                let Some(list) = table.get("credential") else {
                    continue;
                };
                for entry in list.as_array().unwrap() {
                    let s = |key: &str| {
                        entry.get(key).map(|v| match v {
                            toml::Value::String(s) => s.clone(),
                            other => other.to_string(),
                        })
                    };
                    out.push(Rec {
                        id: s("id").unwrap(),
                        holder_name: s("holder_name").unwrap(),
                        holder_email: s("holder_email"),
                        program: s("program").unwrap(),
                        issued: date(&s("issued").unwrap()),
                        expires: s("expires").map(|d| date(&d)),
                        replaces: s("replaces"),
                    });
                }
            }
            _ => {}
        }
    }
    out
}

/// `content/status.csv` as (id, action) per line, in file order.
fn events(root: &Path) -> Vec<(String, String)> {
    let Ok(text) = fs::read_to_string(root.join("content/status.csv")) else {
        return Vec::new();
    };
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let cells: Vec<&str> = line.splitn(4, ',').collect();
            (cells[0].to_string(), cells[2].to_string())
        })
        .collect()
}

/// Each program's validity in months, from the `validity = "N years"` line of
/// `content/programs/<id>.md`.
fn validities(root: &Path) -> BTreeMap<String, Option<u32>> {
    let mut out = BTreeMap::new();
    for entry in fs::read_dir(root.join("content/programs")).unwrap() {
        let path = entry.unwrap().path();
        let id = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = fs::read_to_string(&path).unwrap();
        let months = text
            .lines()
            .find_map(|l| l.strip_prefix("validity = \""))
            .map(|v| {
                let (n, unit) = v.trim_end_matches('"').split_once(' ').unwrap();
                let n: u32 = n.parse().unwrap();
                match unit {
                    "years" | "year" => n * 12,
                    "months" | "month" => n,
                    other => panic!("unit {other} not in the fixture"),
                }
            });
        out.insert(id, months);
    }
    out
}

/// What the test expects of one program.
#[derive(Debug, Default, Clone, PartialEq)]
struct Expected {
    credentials: usize,
    active: usize,
    expired: usize,
    suspended: usize,
    revoked: usize,
    replaced: usize,
    not_yet_valid: usize,
    expiring: [usize; 3],
    per_year: BTreeMap<i32, usize>,
}

/// One expiring credential, as the test computes it.
#[derive(Debug, Clone, PartialEq)]
struct Due {
    id: String,
    holder_name: String,
    holder_email: Option<String>,
    program: String,
    valid_until: NaiveDate,
    days_left: i64,
}

/// The last valid day: `expires`, else issued + the program's validity.
fn valid_until(rec: &Rec, validity: &BTreeMap<String, Option<u32>>) -> Option<NaiveDate> {
    rec.expires.or_else(|| {
        validity[&rec.program].map(|m| rec.issued.checked_add_months(Months::new(m)).unwrap())
    })
}

/// Each record's status word: revoked if any revoke event, suspended if the last event
/// is a suspension, replaced if another record names it, then by its dates.
fn statuses(root: &Path, as_of: NaiveDate) -> Vec<(Rec, Option<NaiveDate>, &'static str)> {
    let records = records(root);
    let validity = validities(root);
    let mut history: HashMap<String, Vec<String>> = HashMap::new();
    for (id, action) in events(root) {
        history.entry(id).or_default().push(action);
    }
    let replaced: Vec<String> = records.iter().filter_map(|r| r.replaces.clone()).collect();
    records
        .into_iter()
        .map(|rec| {
            let until = valid_until(&rec, &validity);
            let actions = history.get(&rec.id).cloned().unwrap_or_default();
            let status = if actions.iter().any(|a| a == "revoke") {
                "revoked"
            } else if actions.last().is_some_and(|a| a == "suspend") {
                "suspended"
            } else if replaced.contains(&rec.id) {
                "replaced"
            } else if rec.issued > as_of {
                "not_yet_valid"
            } else if until.is_some_and(|u| u < as_of) {
                "expired"
            } else {
                "active"
            };
            (rec, until, status)
        })
        .collect()
}

/// The expected figures per program (every program of the site, with or without
/// holders) as of `as_of`.
fn expected(root: &Path, as_of: NaiveDate) -> BTreeMap<String, Expected> {
    let mut out: BTreeMap<String, Expected> = validities(root)
        .into_keys()
        .map(|id| (id, Expected::default()))
        .collect();
    for (rec, until, status) in statuses(root, as_of) {
        let e = out.get_mut(&rec.program).unwrap();
        e.credentials += 1;
        *match status {
            "active" => &mut e.active,
            "expired" => &mut e.expired,
            "suspended" => &mut e.suspended,
            "revoked" => &mut e.revoked,
            "replaced" => &mut e.replaced,
            _ => &mut e.not_yet_valid,
        } += 1;
        *e.per_year.entry(rec.issued.year()).or_default() += 1;
        for (i, days) in [30, 60, 90].into_iter().enumerate() {
            let end = as_of + Days::new(days);
            if status == "active" && until.is_some_and(|u| u > as_of && u <= end) {
                e.expiring[i] += 1;
            }
        }
    }
    out
}

/// The active credentials whose last valid day is in `(as_of, end]`, soonest first.
fn due(root: &Path, as_of: NaiveDate, end: NaiveDate) -> Vec<Due> {
    let mut out: Vec<Due> = statuses(root, as_of)
        .into_iter()
        .filter(|(_, until, status)| {
            *status == "active" && until.is_some_and(|u| u > as_of && u <= end)
        })
        .map(|(rec, until, _)| {
            let until = until.unwrap();
            Due {
                days_left: (until - as_of).num_days(),
                id: rec.id,
                holder_name: rec.holder_name,
                holder_email: rec.holder_email,
                program: rec.program,
                valid_until: until,
            }
        })
        .collect();
    out.sort_by(|a, b| (a.valid_until, &a.id).cmp(&(b.valid_until, &b.id)));
    out
}

fn expected_of(counts: &report::Counts) -> Expected {
    Expected {
        credentials: counts.credentials,
        active: counts.active,
        expired: counts.expired,
        suspended: counts.suspended,
        revoked: counts.revoked,
        replaced: counts.replaced,
        not_yet_valid: counts.not_yet_valid,
        expiring: [
            counts.expiring.within_30_days,
            counts.expiring.within_60_days,
            counts.expiring.within_90_days,
        ],
        per_year: counts.issued_per_year.clone(),
    }
}

fn status_numbers(e: &Expected) -> [usize; 7] {
    [
        e.credentials,
        e.active,
        e.expired,
        e.suspended,
        e.revoked,
        e.replaced,
        e.not_yet_valid,
    ]
}

fn run(root: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = credsite(root, args);
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

fn ok(root: &Path, args: &[&str]) -> String {
    let (code, stdout, stderr) = run(root, args);
    assert_eq!(code, Some(0), "{args:?}\n{stdout}\n{stderr}");
    stdout
}

// ---------------------------------------------------------------------------------
// The summary.

#[test]
fn the_independent_computation_sees_the_example_site() {
    // Guards the test's own parser: every record and every status is seen.
    let e = expected(&repo(), as_of());
    let total: usize = e.values().map(|p| p.credentials).sum();
    let lines: usize = ["roster-2019-2026.csv"]
        .iter()
        .map(|f| {
            fs::read_to_string(repo().join("content/credentials").join(f))
                .unwrap()
                .lines()
                .count()
                - 1
        })
        .sum();
    assert!(total > lines, "the TOML records are counted too");
    let sum = |f: fn(&Expected) -> usize| e.values().map(f).sum::<usize>();
    assert!(sum(|p| p.revoked) >= 2 && sum(|p| p.suspended) >= 2);
    assert!(sum(|p| p.replaced) >= 1 && sum(|p| p.expired) >= 1);
    assert!(
        sum(|p| p.expiring[2]) >= 1,
        "something expires within 90 days"
    );
    assert_eq!(
        validities(&repo()),
        BTreeMap::from([
            ("cdpp".to_string(), Some(36)),
            ("cops".to_string(), Some(24)),
            ("csla".to_string(), Some(36)),
        ])
    );
}

#[test]
fn summary_counts_match_the_fixture_files() {
    let site = example_site();
    let resolved = report::load_site(site.path(), as_of()).unwrap();
    let summary = report::summary(&resolved);
    let expected = expected(site.path(), as_of());
    assert_eq!(summary.as_of, as_of());
    let got: BTreeMap<String, Expected> = summary
        .programs
        .iter()
        .map(|p| (p.id.clone(), expected_of(&p.counts)))
        .collect();
    assert_eq!(got, expected);

    let mut total = Expected::default();
    for e in expected.values() {
        total.credentials += e.credentials;
        total.active += e.active;
        total.expired += e.expired;
        total.suspended += e.suspended;
        total.revoked += e.revoked;
        total.replaced += e.replaced;
        total.not_yet_valid += e.not_yet_valid;
        for i in 0..3 {
            total.expiring[i] += e.expiring[i];
        }
        for (y, n) in &e.per_year {
            *total.per_year.entry(*y).or_default() += n;
        }
    }
    assert_eq!(expected_of(&summary.total), total);
    let percent = (total.active as f64 * 1000.0 / total.credentials as f64).round() / 10.0;
    assert_eq!(summary.total.active_percent, Some(percent));
    // Each credential counted once.
    let n = status_numbers(&total);
    assert_eq!(n[0], n[1..].iter().sum::<usize>());
}

#[test]
fn summary_on_other_days_matches_too() {
    let site = example_site();
    // csla-2024-0101's last valid day is 2027-01-05: 30 days before it (the edge of
    // the 30-day window), on it (valid, not expiring) and the day after (expired).
    for day in [
        "2026-09-01",
        "2026-12-06",
        "2027-01-05",
        "2027-01-06",
        "2027-03-01",
        "2028-06-30",
    ] {
        let day = date(day);
        let resolved = report::load_site(site.path(), day).unwrap();
        let got: BTreeMap<String, Expected> = report::summary(&resolved)
            .programs
            .iter()
            .map(|p| (p.id.clone(), expected_of(&p.counts)))
            .collect();
        assert_eq!(got, expected(site.path(), day), "as of {day}");
        if day == date("2026-09-01") {
            let later: usize = got.values().map(|e| e.not_yet_valid).sum();
            assert!(later > 0, "records issued after the day are not yet valid");
        }
    }
}

#[test]
fn summary_of_one_program() {
    let site = example_site();
    let resolved = report::load_site(site.path(), as_of()).unwrap();
    let summary = report::summary_of(&resolved, Some("cops")).unwrap();
    assert_eq!(summary.program.as_deref(), Some("cops"));
    assert_eq!(summary.programs.len(), 1);
    let expected = &expected(site.path(), as_of())["cops"];
    assert_eq!(&expected_of(&summary.programs[0].counts), expected);
    assert_eq!(&expected_of(&summary.total), expected);
}

#[test]
fn cli_table_shows_the_counts() {
    let site = example_site();
    let stdout = ok(site.path(), &["report", "--as-of", "2026-11-24"]);
    let expected = expected(site.path(), as_of());
    assert!(
        stdout.starts_with(&format!(
            "Credentials as of 2026-11-24: {} in 3 programs\n",
            expected.values().map(|e| e.credentials).sum::<usize>()
        )),
        "{stdout}"
    );
    let mut tables = stdout.split("\n\n");
    let statuses = tables.nth(1).unwrap();
    assert!(
        statuses.starts_with(
            "program  credentials  active  expired  suspended  revoked  replaced  not yet valid  active %\n"
        ),
        "{statuses}"
    );
    let expiring = stdout
        .split("within the next 30, 60 or 90 days:\n")
        .nth(1)
        .unwrap();
    for (id, e) in &expected {
        let row: Vec<usize> = statuses
            .lines()
            .find(|l| l.starts_with(&format!("{id} ")))
            .unwrap()
            .split_whitespace()
            .skip(1)
            .take(7)
            .map(|n| n.parse().unwrap())
            .collect();
        assert_eq!(row, status_numbers(e), "{id}: {statuses}");
        let row: Vec<usize> = expiring
            .lines()
            .find(|l| l.starts_with(&format!("{id} ")))
            .unwrap()
            .split_whitespace()
            .skip(1)
            .map(|n| n.parse().unwrap())
            .collect();
        assert_eq!(row, e.expiring, "{id}: {expiring}");
    }
    let issued = stdout.split("Issued per year:\n").nth(1).unwrap();
    assert!(
        issued.starts_with("year  cdpp  cops  csla  all\n"),
        "{issued}"
    );
    for line in issued.lines().skip(1) {
        let cells: Vec<i64> = line
            .split_whitespace()
            .map(|n| n.parse().unwrap())
            .collect();
        let year = cells[0] as i32;
        for (i, e) in expected.values().enumerate() {
            let n = e.per_year.get(&year).copied().unwrap_or(0) as i64;
            assert_eq!(cells[i + 1], n, "{year}: {line}");
        }
        assert_eq!(cells[4], cells[1..4].iter().sum::<i64>());
    }
    // The date comes from SOURCE_DATE_EPOCH (2026-11-24) without --as-of.
    assert_eq!(ok(site.path(), &["report"]), stdout);
}

#[test]
fn cli_json_csv_and_markdown_carry_the_same_counts() {
    let site = example_site();
    let root = site.path();
    let expected = expected(root, as_of());

    let json: serde_json::Value =
        serde_json::from_str(&ok(root, &["report", "--format", "json"])).unwrap();
    assert_eq!(json["as_of"], "2026-11-24");
    let programs = json["programs"].as_array().unwrap();
    assert_eq!(programs.len(), expected.len());
    for (p, (id, e)) in programs.iter().zip(&expected) {
        assert_eq!(p["id"], id.as_str());
        let fields = [
            "credentials",
            "active",
            "expired",
            "suspended",
            "revoked",
            "replaced",
            "not_yet_valid",
        ];
        let got: Vec<usize> = fields
            .iter()
            .map(|f| p[f].as_u64().unwrap() as usize)
            .collect();
        assert_eq!(got, status_numbers(e), "{id}");
        let exp = &p["expiring"];
        assert_eq!(
            [
                exp["within_30_days"].as_u64().unwrap() as usize,
                exp["within_60_days"].as_u64().unwrap() as usize,
                exp["within_90_days"].as_u64().unwrap() as usize,
            ],
            e.expiring
        );
        let years: BTreeMap<i32, usize> = p["issued_per_year"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(y, n)| (y.parse().unwrap(), n.as_u64().unwrap() as usize))
            .collect();
        assert_eq!(years, e.per_year);
    }

    let csv = ok(root, &["report", "--format", "csv"]);
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        header[..13],
        [
            "program",
            "name",
            "credentials",
            "active",
            "expired",
            "suspended",
            "revoked",
            "replaced",
            "not_yet_valid",
            "active_percent",
            "expiring_30d",
            "expiring_60d",
            "expiring_90d"
        ]
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), expected.len(), "one row per program, no total");
    for (row, (id, e)) in rows.iter().zip(&expected) {
        assert_eq!(row[0], id);
        let numbers: Vec<usize> = row[2..9].iter().map(|n| n.parse().unwrap()).collect();
        assert_eq!(numbers, status_numbers(e));
        let expiring: Vec<usize> = row[10..13].iter().map(|n| n.parse().unwrap()).collect();
        assert_eq!(expiring, e.expiring);
        for (column, cell) in header.iter().zip(row).skip(13) {
            let year: i32 = column.strip_prefix("issued_").unwrap().parse().unwrap();
            assert_eq!(
                cell.parse::<usize>().unwrap(),
                e.per_year.get(&year).copied().unwrap_or(0)
            );
        }
    }

    let md = ok(root, &["report", "--format", "md"]);
    assert!(md.starts_with("# Credentials as of 2026-11-24: "), "{md}");
    assert!(
        md.contains("| program | name | credentials | active |"),
        "{md}"
    );
    assert!(md.contains("| --- | --- | ---: |"), "{md}");
    let names = [
        ("cdpp", "Certified Data Protection Practitioner"),
        ("cops", "Cloud Operations Security Associate"),
        ("csla", "Certified Security Lead Auditor"),
    ];
    for (id, name) in names {
        let e = &expected[id];
        let cells: Vec<String> = status_numbers(e).iter().map(usize::to_string).collect();
        let row = format!("| {id} | {name} | {} |", cells.join(" | "));
        assert!(md.contains(&row), "{row}\n{md}");
    }
}

#[test]
fn cli_program_filter() {
    let site = example_site();
    let json: serde_json::Value = serde_json::from_str(&ok(
        site.path(),
        &["report", "--program", "csla", "--format", "json"],
    ))
    .unwrap();
    assert_eq!(json["program"], "csla");
    assert_eq!(json["programs"].as_array().unwrap().len(), 1);
    let e = &expected(site.path(), as_of())["csla"];
    assert_eq!(json["total"]["credentials"], e.credentials);
    assert_eq!(json["total"]["active"], e.active);
    let table = ok(site.path(), &["report", "--program", "csla"]);
    assert!(table.contains(": "), "{table}");
    assert!(!table.contains("\ncdpp "), "{table}");
    assert!(
        !table.contains("\nall "),
        "no total row for one program: {table}"
    );
}

// ---------------------------------------------------------------------------------
// The expiring list.

#[test]
fn expiring_list_matches_the_fixture_files() {
    let site = example_site();
    let resolved = report::load_site(site.path(), as_of()).unwrap();
    for within in ["30d", "90d", "13w", "6m", "2m", "24m"] {
        let window = Window::parse(within).unwrap();
        let end = window.end(as_of());
        let got: Vec<Due> = report::expiring(&resolved, window, None)
            .unwrap()
            .into_iter()
            .map(|e| Due {
                id: e.id,
                holder_name: e.holder_name,
                holder_email: e.holder_email,
                program: e.program,
                valid_until: e.valid_until,
                days_left: e.days_left,
            })
            .collect();
        assert_eq!(got, due(site.path(), as_of(), end), "{within}");
    }
    // The window's edges: a credential whose last valid day is N days ahead is in
    // `Nd`, not in `(N-1)d`.
    for d in due(site.path(), as_of(), date("2028-11-24")) {
        let n = u32::try_from(d.days_left).unwrap();
        let ids = |n| -> Vec<String> {
            report::expiring(&resolved, Window::Days(n), None)
                .unwrap()
                .into_iter()
                .map(|e| e.id)
                .collect()
        };
        assert!(ids(n).contains(&d.id), "{} in {n}d", d.id);
        assert!(!ids(n - 1).contains(&d.id), "{} not in {}d", d.id, n - 1);
    }
    assert_eq!(
        Window::parse("6m").unwrap().end(as_of()),
        date("2027-05-24")
    );
    // The 90-day count of the summary is the 90-day list.
    let summary = report::summary(&resolved);
    let list = report::expiring(&resolved, Window::Days(90), None).unwrap();
    assert_eq!(summary.total.expiring.within_90_days, list.len());
    let cops = report::expiring(&resolved, Window::Months(24), Some("cops")).unwrap();
    assert!(!cops.is_empty() && cops.iter().all(|e| e.program == "cops"));
}

#[test]
fn cli_expiring_csv_is_the_mail_merge_list() {
    let site = example_site();
    let root = site.path();
    let stdout = ok(
        root,
        &[
            "report",
            "expiring",
            "--within",
            "90d",
            "--format",
            "csv",
            "--as-of",
            "2026-11-24",
        ],
    );
    let mut lines = stdout.lines();
    assert_eq!(
        lines.next(),
        Some("id,holder_name,holder_email,program,valid_until,days_left")
    );
    let want: Vec<String> = due(root, as_of(), date("2027-02-22"))
        .iter()
        .map(|d| {
            format!(
                "{},{},{},{},{},{}",
                d.id,
                d.holder_name,
                d.holder_email.as_deref().unwrap_or(""),
                d.program,
                d.valid_until,
                d.days_left
            )
        })
        .collect();
    assert!(!want.is_empty());
    assert_eq!(lines.map(String::from).collect::<Vec<_>>(), want);

    // A longer window, one program, and a holder without email (an empty cell).
    let stdout = ok(
        root,
        &[
            "report",
            "expiring",
            "--within",
            "6m",
            "--program",
            "cops",
            "--format",
            "csv",
        ],
    );
    let want: Vec<Due> = due(root, as_of(), date("2027-05-24"))
        .into_iter()
        .filter(|d| d.program == "cops")
        .collect();
    assert_eq!(stdout.lines().count(), want.len() + 1, "{stdout}");
    assert!(want.iter().any(|d| d.holder_email.is_none()));
    for d in &want {
        let email = d.holder_email.as_deref().unwrap_or("");
        assert!(
            stdout.contains(&format!("{},{},{email},cops,", d.id, d.holder_name)),
            "{stdout}"
        );
    }
}

#[test]
fn cli_expiring_table() {
    let site = example_site();
    let stdout = ok(site.path(), &["report", "expiring", "--within", "90d"]);
    let want = due(site.path(), as_of(), date("2027-02-22"));
    assert!(
        stdout.starts_with(&format!(
            "{} active credentials expire within 90d of 2026-11-24 (last valid day up to 2027-02-22):\n\n"
            , want.len()
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("id  ") && stdout.contains("  days_left\n"),
        "{stdout}"
    );
    for d in &want {
        let line = stdout.lines().find(|l| l.starts_with(&d.id)).unwrap();
        assert!(line.ends_with(&format!(" {}", d.days_left)), "{line}");
        assert!(line.contains(&d.valid_until.to_string()), "{line}");
    }
    let none = ok(site.path(), &["report", "expiring", "--within", "1d"]);
    assert_eq!(
        none,
        "No active credential expires within 1d of 2026-11-24 (last valid day up to 2026-11-25).\n"
    );
}

#[test]
fn expiring_help_says_it_holds_personal_data() {
    let site = example_site();
    for flag in ["-h", "--help"] {
        let help = ok(site.path(), &["report", "expiring", flag]);
        assert!(help.contains("PERSONAL DATA"), "{help}");
        assert!(
            help.contains("credsite never writes it into the public site"),
            "{help}"
        );
    }
    let help = ok(site.path(), &["--help"]);
    assert!(help.contains("personal data"), "{help}");
}

// ---------------------------------------------------------------------------------
// The iCalendar file.

/// Checks RFC 5545's structure strictly, by hand: CRLF line ends, lines of at most
/// 75 octets, the calendar's required properties, one VEVENT per expiry with UID,
/// DTSTAMP, DTSTART;VALUE=DATE (and DTEND the day after), SUMMARY. Returns the
/// unfolded content lines of each event.
fn check_ics_structure(bytes: &[u8], want: &[Due]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes).expect("UTF-8");
    assert!(text.ends_with("\r\n"), "ends with CRLF");
    let physical: Vec<&str> = text[..text.len() - 2].split("\r\n").collect();
    for line in &physical {
        assert!(
            !line.contains('\n') && !line.contains('\r'),
            "bare CR or LF: {line:?}"
        );
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
        assert!(!line.is_empty(), "no empty lines");
    }
    // Unfold: a line starting with a space or tab continues the previous one.
    let mut lines: Vec<String> = Vec::new();
    for line in physical {
        if let Some(rest) = line.strip_prefix([' ', '\t']) {
            lines
                .last_mut()
                .expect("no continuation first")
                .push_str(rest);
        } else {
            lines.push(line.to_string());
        }
    }
    for line in &lines {
        let name_end = line.find([':', ';']).unwrap_or_else(|| panic!("{line}"));
        assert!(
            line[..name_end]
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-'),
            "property name: {line}"
        );
    }
    assert_eq!(lines.first().map(String::as_str), Some("BEGIN:VCALENDAR"));
    assert_eq!(lines.last().map(String::as_str), Some("END:VCALENDAR"));
    let first_event = lines.iter().position(|l| l == "BEGIN:VEVENT").unwrap();
    let head = &lines[1..first_event];
    assert_eq!(head.iter().filter(|l| *l == "VERSION:2.0").count(), 1);
    assert_eq!(head.iter().filter(|l| l.starts_with("PRODID:")).count(), 1);
    assert!(head.iter().all(|l| !l.starts_with("BEGIN:")));

    let mut events = Vec::new();
    let mut current: Option<Vec<String>> = None;
    for line in &lines[first_event..lines.len() - 1] {
        match (line.as_str(), &mut current) {
            ("BEGIN:VEVENT", None) => current = Some(Vec::new()),
            ("END:VEVENT", Some(_)) => events.push(current.take().unwrap()),
            (l, Some(event)) => {
                assert!(!l.starts_with("BEGIN:") && !l.starts_with("END:"), "{l}");
                event.push(l.to_string());
            }
            (l, None) => panic!("outside a VEVENT after the first one: {l}"),
        }
    }
    assert!(current.is_none(), "unterminated VEVENT");
    assert_eq!(
        events.len(),
        want.len(),
        "one VEVENT per expiring credential"
    );
    for (event, d) in events.iter().zip(want) {
        let one = |prefix: &str| {
            let found: Vec<&String> = event.iter().filter(|l| l.starts_with(prefix)).collect();
            assert_eq!(found.len(), 1, "{prefix} in {event:?}");
            found[0].clone()
        };
        assert_eq!(
            one("UID:"),
            format!("UID:{}@registry.harbourline.example", d.id)
        );
        assert_eq!(one("DTSTAMP:"), "DTSTAMP:20261124T000000Z");
        assert_eq!(
            one("DTSTART"),
            format!("DTSTART;VALUE=DATE:{}", d.valid_until.format("%Y%m%d"))
        );
        assert_eq!(
            one("DTEND"),
            format!(
                "DTEND;VALUE=DATE:{}",
                (d.valid_until + Days::new(1)).format("%Y%m%d")
            )
        );
        let summary = one("SUMMARY:");
        assert!(summary.contains(&d.holder_name), "{summary}");
        assert!(summary.contains(&d.id), "{summary}");
    }
    events
}

#[test]
fn ics_file_is_rfc_5545_and_reproducible() {
    let site = example_site();
    let root = site.path();
    let out = tempfile::tempdir().unwrap();
    let ics = out.path().join("expiring.ics");
    let ics_arg = ics.to_str().unwrap();
    let (code, stdout, stderr) = run(
        root,
        &["report", "expiring", "--within", "6m", "--ics", ics_arg],
    );
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let want = due(root, as_of(), date("2027-05-24"));
    assert!(want.len() >= 3);
    assert!(
        stderr.contains(&format!("Wrote {} expiry events to", want.len())),
        "{stderr}"
    );
    let bytes = fs::read(&ics).unwrap();
    check_ics_structure(&bytes, &want);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&ics).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "personal data: owner only");
    }

    // A second parser: the icalendar crate's.
    let text = String::from_utf8(bytes.clone()).unwrap();
    let unfolded = icalendar::parser::unfold(&text);
    let calendar = icalendar::parser::read_calendar(&unfolded).unwrap();
    let version = calendar.properties.iter().find(|p| p.name == "VERSION");
    assert_eq!(version.map(|p| p.val.as_str()), Some("2.0"));
    let events: Vec<_> = calendar
        .components
        .iter()
        .filter(|c| c.name == "VEVENT")
        .collect();
    assert_eq!(events.len(), want.len());
    for (event, d) in events.iter().zip(&want) {
        let uid = event.find_prop("UID").unwrap();
        assert_eq!(
            uid.val.as_str(),
            format!("{}@registry.harbourline.example", d.id)
        );
        let start = event.find_prop("DTSTART").unwrap();
        assert!(
            start
                .params
                .iter()
                .any(|p| p.key == "VALUE" && p.val.as_ref().map(|v| v.as_str()) == Some("DATE")),
            "{:?}",
            start.params
        );
        assert_eq!(
            start.val.as_str(),
            d.valid_until.format("%Y%m%d").to_string()
        );
        let summary = event
            .find_prop("SUMMARY")
            .unwrap()
            .val
            .clone()
            .unescape_text();
        assert!(summary.as_str().contains(&d.holder_name), "{summary:?}");
    }
    // Non-ASCII names survive folding.
    assert!(unfolded.contains("Dvořáková"), "{unfolded}");

    // Reproducible: the same file on a later run (DTSTAMP from --as-of, stable UIDs).
    std::thread::sleep(std::time::Duration::from_millis(1100));
    ok(
        root,
        &["report", "expiring", "--within", "6m", "--ics", ics_arg],
    );
    assert_eq!(fs::read(&ics).unwrap(), bytes);
}

#[test]
fn ics_is_refused_inside_the_published_site() {
    let site = example_site();
    let root = site.path();
    fs::create_dir_all(root.join("public/sub")).unwrap();
    for path in [
        "public/expiring.ics",
        "public/sub/expiring.ics",
        "./public/../public/x.ics",
        "static/expiring.ics",
    ] {
        let (code, stdout, stderr) = run(
            root,
            &["report", "expiring", "--within", "90d", "--ics", path],
        );
        assert_eq!(code, Some(2), "{path}: {stdout}{stderr}");
        assert!(stdout.is_empty(), "refused before anything is printed");
        assert!(
            stderr.contains(&format!(
                "refusing to write {path}: it is inside the site's"
            )),
            "{stderr}"
        );
        assert!(stderr.contains("personal data"), "{stderr}");
        assert!(!root.join(path).exists());
    }
    // Through a symbolic link too.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(root.join("public"), root.join("out-link")).unwrap();
        let (code, _, stderr) = run(
            root,
            &[
                "report",
                "expiring",
                "--within",
                "90d",
                "--ics",
                "out-link/x.ics",
            ],
        );
        assert_eq!(code, Some(2), "{stderr}");
        assert!(!root.join("public/x.ics").exists());
    }
    // Beside the site is fine.
    let (code, _, stderr) = run(
        root,
        &[
            "report",
            "expiring",
            "--within",
            "90d",
            "--ics",
            "private.ics",
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(root.join("private.ics").is_file());
}

// ---------------------------------------------------------------------------------
// Bad input and empty data.

#[test]
fn unknown_program_lists_the_known_ones() {
    let site = example_site();
    let resolved = report::load_site(site.path(), as_of()).unwrap();
    let err = report::summary_of(&resolved, Some("cdppx")).unwrap_err();
    assert_eq!(err.known, ["cdpp", "cops", "csla"]);
    for args in [
        &["report", "--program", "cdppx"][..],
        &[
            "report",
            "expiring",
            "--within",
            "90d",
            "--program",
            "cdppx",
        ][..],
    ] {
        let (code, stdout, stderr) = run(site.path(), args);
        assert_eq!(code, Some(2), "{stderr}");
        assert!(stdout.is_empty());
        assert!(
            stderr
                .contains("unknown program \"cdppx\"\n     hint: known programs: cdpp, cops, csla"),
            "{stderr}"
        );
    }
}

#[test]
fn a_bad_window_is_refused_clearly() {
    let site = example_site();
    for bad in ["10x", "90", "0d", "-5d", "1.5m", "90D", "d", "1y"] {
        // `--within=…`, so that clap reads `-5d` as the value, not as a flag.
        let within = format!("--within={bad}");
        let (code, stdout, stderr) = run(site.path(), &["report", "expiring", &within]);
        assert_eq!(code, Some(2), "{bad}: {stderr}");
        assert!(stdout.is_empty());
        assert!(
            stderr.contains(&format!("invalid window \"{bad}\"")),
            "{bad}: {stderr}"
        );
        assert!(
            stderr.contains("e.g. 90d (days), 12w (weeks) or 6m (months)"),
            "{stderr}"
        );
    }
    let (_, _, stderr) = run(site.path(), &["report", "expiring", "--within", "10x"]);
    assert!(stderr.contains("the unit must be d, w or m"), "{stderr}");
    // --within is required.
    let (code, _, stderr) = run(site.path(), &["report", "expiring"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--within"), "{stderr}");
}

/// Empties the roster of a copy of the example site: a header-only CSV, no status log.
fn empty_roster(root: &Path) {
    for entry in fs::read_dir(root.join("content/credentials")).unwrap() {
        fs::remove_file(entry.unwrap().path()).unwrap();
    }
    fs::remove_file(root.join("content/status.csv")).unwrap();
    fs::write(
        root.join("content/credentials/roster.csv"),
        "id,holder_name,holder_email,program,issued\n",
    )
    .unwrap();
}

#[test]
fn an_empty_roster_says_so() {
    let site = example_site();
    let root = site.path();
    empty_roster(root);
    let resolved = report::load_site(root, as_of()).unwrap();
    let summary = report::summary(&resolved);
    assert_eq!(summary.total.credentials, 0);
    assert_eq!(summary.total.active_percent, None, "no division by zero");
    assert!(
        summary
            .programs
            .iter()
            .all(|p| p.counts.active_percent.is_none())
    );

    assert_eq!(
        ok(root, &["report"]),
        "Credentials as of 2026-11-24: 0 in 3 programs\n\nThe roster is empty: there are no credential records yet.\n"
    );
    assert!(ok(root, &["report", "--format", "md"]).contains("The roster is empty"));
    let json: serde_json::Value =
        serde_json::from_str(&ok(root, &["report", "--format", "json"])).unwrap();
    assert_eq!(json["total"]["credentials"], 0);
    assert!(json["total"]["active_percent"].is_null());
    let csv = ok(root, &["report", "--format", "csv"]);
    assert_eq!(csv.lines().count(), 4, "{csv}");
    assert!(csv.contains("\ncops,Cloud Operations Security Associate,0,0,0,0,0,0,0,,0,0,0\n"));

    let out = tempfile::tempdir().unwrap();
    let ics = out.path().join("e.ics");
    let (code, stdout, stderr) = run(
        root,
        &[
            "report",
            "expiring",
            "--within",
            "90d",
            "--ics",
            ics.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.starts_with("No active credential expires within 90d"),
        "{stdout}"
    );
    assert!(stderr.contains("not written"), "{stderr}");
    assert!(!ics.exists());
    assert_eq!(
        ok(
            root,
            &["report", "expiring", "--within", "90d", "--format", "csv"]
        ),
        "id,holder_name,holder_email,program,valid_until,days_left\n"
    );
}

#[test]
fn a_program_without_holders_says_so() {
    let site = example_site();
    let root = site.path();
    fs::write(
        root.join("content/programs/dpo.md"),
        "+++\nname = \"Data Protection Officer\"\nsummary = \"A new program.\"\ncriteria = \"Pass the exam.\"\nvalidity = \"1 year\"\n+++\nNo holders yet.\n",
    )
    .unwrap();
    let resolved = report::load_site(root, as_of()).unwrap();
    let dpo = report::summary_of(&resolved, Some("dpo")).unwrap();
    assert_eq!(dpo.total.credentials, 0);
    assert_eq!(dpo.total.active_percent, None);

    let table = ok(root, &["report"]);
    let row: Vec<&str> = table
        .lines()
        .find(|l| l.starts_with("dpo "))
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(
        row,
        ["dpo", "0", "0", "0", "0", "0", "0", "0", "-"],
        "{table}"
    );
    assert!(
        table.ends_with("\nProgram dpo has no holders yet.\n"),
        "{table}"
    );
    assert_eq!(
        ok(root, &["report", "--program", "dpo"]),
        "Credentials as of 2026-11-24: 0 in program dpo\n\nProgram dpo has no holders yet: no credential names it.\n"
    );
    let csv = ok(root, &["report", "--format", "csv"]);
    assert!(
        csv.contains("\ndpo,Data Protection Officer,0,0,0,0,0,0,0,,0,0,0,"),
        "{csv}"
    );
}

#[test]
fn a_report_writes_nothing_into_the_site() {
    let site = example_site();
    let root = site.path();
    let before = tree(root);
    ok(root, &["report"]);
    ok(root, &["report", "--format", "json"]);
    ok(
        root,
        &["report", "expiring", "--within", "12w", "--format", "csv"],
    );
    assert_eq!(
        tree(root),
        before,
        "no state file, no public/, nothing changed"
    );
    assert!(!root.join("credsite.state.json").exists());
    assert!(!root.join("public").exists());
}

#[test]
fn a_built_site_reports_the_same() {
    // With the state of a real build (salts and slots already allocated), and the
    // state file left as it was.
    let root = built_site();
    let state = fs::read(root.join("credsite.state.json")).unwrap();
    let resolved = report::load_site(root, as_of()).unwrap();
    let summary = report::summary(&resolved);
    let got: BTreeMap<String, Expected> = summary
        .programs
        .iter()
        .map(|p| (p.id.clone(), expected_of(&p.counts)))
        .collect();
    assert_eq!(got, expected(root, as_of()));
    let report = built_report();
    assert_eq!(summary.total.credentials, report.credentials);
    assert_eq!(summary.total.expired, report.expired);
    assert_eq!(summary.total.revoked, report.revoked);
    assert_eq!(summary.total.suspended, report.suspended);
    ok(root, &["report"]);
    assert_eq!(fs::read(root.join("credsite.state.json")).unwrap(), state);
}

#[test]
fn invalid_site_input_is_reported_as_a_build_would() {
    let site = example_site();
    let root = site.path();
    append(&roster(root), "x-0001,Some One,,nope,2020-01-01,,,,\n");
    for args in [
        &["report"][..],
        &["report", "expiring", "--within", "90d"][..],
    ] {
        let (code, stdout, stderr) = run(root, args);
        assert_eq!(code, Some(1), "invalid input exits 1: {stderr}");
        assert!(stdout.is_empty());
        assert!(
            stderr.contains("field `program`: unknown program id \"nope\""),
            "{stderr}"
        );
    }
}
