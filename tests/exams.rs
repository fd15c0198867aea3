//! The exam report: loading and checking `content/exams/*.csv`, the analysis that flags
//! an exam form unlike its program's others, the private HTML report, and that nothing
//! from the exam files ever reaches the public site.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use common::{as_of, repo};
use credsite::load::exams::{self, Exams};
use credsite::report::exams::{Analysis, analyse, write_report};

const PROGRAMS: [&str; 3] = ["cdpp", "cops", "csla"];
const EXAMPLE: &str = "content/exams/attempts-2023-2026.csv";

fn example() -> Exams {
    exams::load(&repo(), &PROGRAMS, as_of()).unwrap_or_else(|e| panic!("{e}"))
}

/// A site root holding only `content/exams/<name>` with `text`.
fn exam_site(name: &str, text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let exams = dir.path().join(exams::EXAMS_DIR);
    fs::create_dir_all(&exams).unwrap();
    fs::write(exams.join(name), text).unwrap();
    dir
}

/// The example file's rows as plain fields, read without the crate's loader.
fn example_rows() -> Vec<Vec<String>> {
    let text = fs::read_to_string(repo().join(EXAMPLE)).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("candidate,program,form,date,score,passed")
    );
    lines
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

/// Every `C-` followed by six digits in `bytes`.
fn candidate_like(bytes: &[u8]) -> BTreeSet<String> {
    bytes
        .windows(8)
        .filter(|w| w.starts_with(b"C-") && w[2..].iter().all(u8::is_ascii_digit))
        .map(|w| String::from_utf8_lossy(w).into_owned())
        .collect()
}

#[test]
fn the_example_file_loads_without_errors_or_warnings() {
    let exams = example();
    assert_eq!(exams.files, [Path::new(EXAMPLE)]);
    assert_eq!(exams.attempts.len(), example_rows().len());
    assert!(exams.attempts.len() >= 300, "a few hundred attempts");
    assert!(
        exams.warnings.is_empty(),
        "{:?}",
        exams
            .warnings
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    );
    let forms: BTreeSet<(&str, &str)> = exams
        .attempts
        .iter()
        .map(|a| (a.program.as_str(), a.form.as_str()))
        .collect();
    assert_eq!(
        forms.into_iter().collect::<Vec<_>>(),
        [
            ("cdpp", "A"),
            ("cdpp", "B"),
            ("cdpp", "C"),
            ("cops", "A"),
            ("cops", "B"),
            ("csla", "A"),
            ("csla", "B")
        ]
    );
    let failed = exams.attempts.iter().filter(|a| !a.passed).count();
    assert!(failed > 50, "failed attempts are in the file: {failed}");
    assert!(exams.attempts.iter().all(|a| a.date < as_of()));
}

#[test]
fn the_analysis_flags_exactly_the_harder_form() {
    let analysis = analyse(&example());
    let flagged: Vec<(&str, &str)> = analysis
        .flagged()
        .into_iter()
        .map(|(p, f)| (p.program.as_str(), f.form.as_str()))
        .collect();
    assert_eq!(flagged, [("cdpp", "C")]);
    assert_eq!(analysis.tests(), 7, "every form was tested");
    let c = form(&analysis, "cdpp", "C").test.tested().unwrap();
    // The same test computed in Python (math.erfc) from the CSV.
    assert!((c.z - -4.208_981_292_094_914).abs() < 1e-9, "z = {}", c.z);
    assert!(
        (c.p - 2.565_246_246_785_787e-5).abs() < 1e-11,
        "p = {}",
        c.p
    );
    assert_eq!((c.rest_attempts, c.rest_passed), (141, 105));
    for (program, f) in [("cdpp", "A"), ("cdpp", "B"), ("cops", "A"), ("csla", "B")] {
        let t = form(&analysis, program, f).test.tested().unwrap();
        assert!(t.p >= 0.01 && !t.flagged, "{program} {f}: {t:?}");
    }
}

fn form<'a>(
    analysis: &'a Analysis,
    program: &str,
    form: &str,
) -> &'a credsite::report::exams::FormAnalysis {
    analysis
        .programs
        .iter()
        .find(|p| p.program == program)
        .and_then(|p| p.forms.iter().find(|f| f.form == form))
        .unwrap_or_else(|| panic!("no {program} form {form}"))
}

#[test]
fn one_forms_numbers_match_an_independent_count() {
    let rows: Vec<Vec<String>> = example_rows()
        .into_iter()
        .filter(|r| r[1] == "cdpp" && r[2] == "C")
        .collect();
    let count = rows.len();
    let passed = rows.iter().filter(|r| r[5] == "yes").count();
    let mut scores: Vec<u32> = rows.iter().map(|r| r[4].parse().unwrap()).collect();
    scores.sort_unstable();
    let mean = f64::from(scores.iter().sum::<u32>()) / count as f64;
    let median = if count % 2 == 1 {
        f64::from(scores[count / 2])
    } else {
        f64::from(scores[count / 2 - 1] + scores[count / 2]) / 2.0
    };
    let candidates = rows.iter().map(|r| &r[0]).collect::<BTreeSet<_>>().len();

    let analysis = analyse(&example());
    let s = &form(&analysis, "cdpp", "C").summary;
    assert_eq!(s.attempts, count);
    assert_eq!(s.candidates, candidates);
    assert_eq!(s.passed, passed);
    assert!((s.pass_rate - passed as f64 / count as f64).abs() < 1e-12);
    assert!((s.mean - mean).abs() < 1e-9, "{} vs {mean}", s.mean);
    assert_eq!(s.median, median);
    assert_eq!(s.histogram.iter().sum::<usize>(), count);
    // And the figures the generator was asked for: 69 attempts, 45% passed.
    assert_eq!((count, passed), (69, 31));
}

#[test]
fn each_kind_of_bad_input_names_file_line_and_field() {
    let site = exam_site(
        "bad.csv",
        "candidate,program,form,date,score,passed\n\
         C-000001,cdpp,A,2025-01-10,120,yes\n\
         C-000002,cdppx,A,2025-01-10,80,yes\n\
         C-000003,cdpp,A,2026-11-25,80,yes\n\
         C-000004,csla,B,2025-02-03,64,no\n\
         C-000004,csla,B,2025-02-03,64,no\n\
         C-000005,cops,A,2025-02-03,90,yes\n",
    );
    let errors = exams::load(site.path(), &PROGRAMS, as_of()).unwrap_err();
    let shown: Vec<String> = errors.0.iter().map(ToString::to_string).collect();
    let expect = [
        "content/exams/bad.csv:2: field `score`: score 120 is outside 0–100",
        "content/exams/bad.csv:3: field `program`: unknown program id \"cdppx\"\n     hint: known programs: cdpp, cops, csla",
        "content/exams/bad.csv:4: field `date`: date 2026-11-25 is after the report's day, 2026-11-24",
        "content/exams/bad.csv:6: field `candidate`: duplicate attempt: C-000004 sat csla form B on 2025-02-03 already (line 5)",
    ];
    assert_eq!(shown.len(), expect.len(), "{shown:#?}");
    for (got, want) in shown.iter().zip(expect) {
        assert!(got.starts_with(want), "{got}\n  should start with\n{want}");
    }
}

#[test]
fn a_pass_flag_against_the_pass_mark_is_only_a_warning() {
    let site = exam_site(
        "flags.csv",
        "candidate,program,form,date,score,passed\n\
         C-000001,cdpp,A,2025-01-10,65,yes\n\
         C-000002,cdpp,A,2025-01-10,85,yes\n",
    );
    let exams = exams::load(site.path(), &PROGRAMS, as_of()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(exams.attempts.len(), 2);
    let warnings: Vec<String> = exams.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with("content/exams/flags.csv:2: field `passed`: recorded as passed, but the score 65 is below cdpp's pass mark of 70"),
        "{}",
        warnings[0]
    );
    // A program's own pass mark decides instead of the default.
    let marks = [("cdpp".to_string(), 60.0)].into();
    let exams = exams::load_with_pass_marks(site.path(), &PROGRAMS, &marks, as_of()).unwrap();
    assert!(exams.warnings.is_empty());
}

#[test]
fn the_report_is_one_self_contained_page_with_charts_and_the_flag() {
    let out = tempfile::tempdir().unwrap();
    let exams = example();
    let path = write_report(
        &exams,
        &out.path().join("reports"),
        "Harbourline <Board>",
        as_of(),
    )
    .unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(path, out.path().join("reports/exam-report-2026-11-24.html"));
    let html = fs::read_to_string(&path).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<svg "), "inline charts");
    assert!(
        html.matches("<svg ").count() >= 10 + 3,
        "a histogram per program and form, a trend per program"
    );
    assert!(!html.to_ascii_lowercase().contains("<script"), "no script");
    assert!(html.contains(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    ));
    assert!(
        html.contains("Harbourline &lt;Board&gt;"),
        "the title is escaped"
    );
    assert!(!html.contains("<Board>"));
    assert!(html.contains(
        "<strong>Flagged:</strong> cdpp form C: pass rate 44.9% (31 of 69 attempts) against 74.5% (105 of 141) on the program&#39;s other forms; z = -4.21, p = 0.000026 (two-sided), below the threshold p &lt; 0.01."
    ), "the flag with its numbers");
    assert_eq!(html.matches("<strong>Flagged:</strong>").count(), 1);
    assert!(html.contains("two-proportion z-test"));
    assert!(html.contains("flagged when p &lt; 0.01"));
    let leaked = candidate_like(html.as_bytes());
    assert!(
        leaked.is_empty(),
        "candidate references in the report: {leaked:?}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn the_report_is_never_written_where_it_would_be_published() {
    let site = exam_site("a.csv", &fs::read_to_string(repo().join(EXAMPLE)).unwrap());
    let root = site.path();
    let exams = exams::load(root, &PROGRAMS, as_of()).unwrap();
    fs::create_dir_all(root.join("public")).unwrap();
    for inside in [
        root.join("public"),
        root.join("public/reports/exams"),
        root.join("reports/../public/x"),
        root.join("static/private"),
        root.join("themes/default/static"),
        root.join("content/exams/reports"),
    ] {
        let err = write_report(&exams, &inside, "t", as_of()).unwrap_err();
        assert!(
            format!("{err:#}").contains("the exam report is private"),
            "{}: {err:#}",
            inside.display()
        );
    }
    // A site built elsewhere with --out is recognised by its feed.
    let elsewhere = tempfile::tempdir().unwrap();
    fs::write(elsewhere.path().join("feed.json"), "{}").unwrap();
    let err = write_report(&exams, &elsewhere.path().join("private"), "t", as_of()).unwrap_err();
    assert!(
        format!("{err:#}").contains("looks like a built site"),
        "{err:#}"
    );
    assert!(!root.join("public/exam-report-2026-11-24.html").exists());
    assert!(
        !root.join("public/reports").exists(),
        "nothing is created on refusal"
    );
    // Next to the site is fine.
    let path = write_report(&exams, &root.join("reports"), "t", as_of()).unwrap();
    assert!(path.is_file());
}

#[test]
fn no_exam_files_make_an_empty_report() {
    let dir = tempfile::tempdir().unwrap();
    let exams = exams::load(dir.path(), &PROGRAMS, as_of()).unwrap();
    assert!(exams.attempts.is_empty() && exams.files.is_empty());
    let analysis = analyse(&exams);
    assert!(analysis.programs.is_empty() && analysis.flagged().is_empty());
    let path = write_report(&exams, &dir.path().join("reports"), "t", as_of()).unwrap();
    assert!(fs::read_to_string(path).unwrap().contains("0 attempts"));
}

#[test]
fn nothing_from_the_exam_files_reaches_the_public_site() {
    let refs: BTreeSet<String> = example_rows().into_iter().map(|r| r[0].clone()).collect();
    assert!(refs.iter().all(|r| candidate_like(r.as_bytes()).len() == 1));
    let site = common::built_site();
    assert!(
        site.join(EXAMPLE).is_file(),
        "the built example site has the exam file"
    );
    let public = common::tree(&site.join("public"));
    assert!(
        public.len() > 100,
        "the site was built: {} files",
        public.len()
    );
    for (path, bytes) in &public {
        assert!(!path.contains("exam-report"), "{path}");
        let found: Vec<String> = candidate_like(bytes)
            .into_iter()
            .filter(|c| refs.contains(c))
            .collect();
        assert!(found.is_empty(), "public/{path} holds {found:?}");
    }
    // And the build never reads the folder: a broken exam file does not stop a check.
    let copy = common::example_site();
    fs::write(
        copy.path().join("content/exams/broken.csv"),
        "candidate\n\u{0}\"oops\n",
    )
    .unwrap();
    credsite::check(&common::options(copy.path())).unwrap_or_else(|e| panic!("{e}"));
}
