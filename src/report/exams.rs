//! `credsite report exams`: how each program's exam forms perform, as one
//! self-contained HTML file for the certification board, never part of the public site.
//!
//! From the attempts of [`crate::load::exams`], per program and per exam form: attempts,
//! candidates, pass rate, mean and median score and the score distribution; the pass
//! rate by calendar quarter; and a flag on each form whose pass rate differs from the
//! rest of its program's forms beyond chance (a two-proportion z-test, two-sided,
//! flagged at `p <` [`ALPHA`]). The file holds only aggregates (no candidate
//! reference), has no script, escapes every text and allows nothing from elsewhere
//! (its Content-Security-Policy: inline styles and `data:` images only).

mod html;
mod stats;
mod svg;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::load::exams::{Attempt, Exams};
use crate::urls;

pub use stats::{erfc, normal_cdf, two_sided_p};

/// A form is flagged when the two-sided p-value of its test is below this.
pub const ALPHA: f64 = 0.01;
/// The score distribution's bins: ten points wide, 0–9 up to 90–100.
pub const BINS: usize = 10;
/// Site folders the report may not be written into: the output and what is published
/// from (or read by the build).
const PROTECTED: [&str; 5] = ["public", "static", "themes", "templates", "content"];

/// What the report shows, worked out from the attempts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    /// The day the attempts were checked against.
    pub as_of: NaiveDate,
    /// Attempts in all.
    pub attempts: usize,
    /// Distinct candidates in all.
    pub candidates: usize,
    /// Every quarter from the first attempt's to the last one's: the trends' axis.
    pub quarters: Vec<Quarter>,
    /// One entry per program with attempts, by id.
    pub programs: Vec<ProgramAnalysis>,
}

/// One program's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProgramAnalysis {
    /// The program id.
    pub program: String,
    /// Its pass mark (the report counts the recorded results; see [`crate::load::exams`]).
    pub pass_mark: f64,
    /// All its attempts.
    pub summary: Summary,
    /// One entry per exam form, by name.
    pub forms: Vec<FormAnalysis>,
    /// Attempts and passes in each of [`Analysis::quarters`].
    pub by_quarter: Vec<Tally>,
}

/// One exam form's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormAnalysis {
    /// The form, e.g. `A`.
    pub form: String,
    /// Its attempts.
    pub summary: Summary,
    /// Its comparison with the rest of the program.
    pub test: FormTest,
}

/// How a form compares with the program's other forms.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum FormTest {
    /// The two-proportion z-test of the form against the program's other forms together.
    Tested(ZTest),
    /// The program has no other form to compare with.
    OnlyForm,
    /// A group expects fewer than 5 passes or fails: the test would not be valid.
    TooFew,
}

impl FormTest {
    /// The test, when there is one.
    pub fn tested(&self) -> Option<&ZTest> {
        match self {
            FormTest::Tested(t) => Some(t),
            _ => None,
        }
    }
}

/// A two-proportion z-test: the form's pass rate against that of the rest of its program.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ZTest {
    /// Attempts at the program's other forms.
    pub rest_attempts: usize,
    /// Passes among them.
    pub rest_passed: usize,
    /// Their pass rate, from 0 to 1.
    pub rest_pass_rate: f64,
    /// The pooled z statistic: negative when the form's pass rate is lower.
    pub z: f64,
    /// The two-sided p-value.
    pub p: f64,
    /// `p <` [`ALPHA`].
    pub flagged: bool,
}

/// Figures of a set of attempts (never empty).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Attempts.
    pub attempts: usize,
    /// Distinct candidates (a retake counts one more attempt, not one more candidate).
    pub candidates: usize,
    /// Attempts recorded as passed.
    pub passed: usize,
    /// `passed / attempts`, from 0 to 1.
    pub pass_rate: f64,
    /// The mean score.
    pub mean: f64,
    /// The median score.
    pub median: f64,
    /// Attempts per score bin: `[0, 10)`, `[10, 20)`, …, `[90, 100]`.
    pub histogram: [usize; BINS],
}

/// A calendar quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Quarter {
    /// The year.
    pub year: i32,
    /// 1 to 4.
    pub quarter: u32,
}

impl Quarter {
    /// The quarter `date` is in.
    pub fn of(date: NaiveDate) -> Quarter {
        Quarter {
            year: date.year(),
            quarter: date.month0() / 3 + 1,
        }
    }

    fn next(self) -> Quarter {
        if self.quarter == 4 {
            Quarter {
                year: self.year + 1,
                quarter: 1,
            }
        } else {
            Quarter {
                quarter: self.quarter + 1,
                ..self
            }
        }
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} Q{}", self.year, self.quarter)
    }
}

/// Attempts and passes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Attempts.
    pub attempts: usize,
    /// Passes among them.
    pub passed: usize,
}

impl Tally {
    /// `passed / attempts`; `None` without attempts.
    pub fn pass_rate(&self) -> Option<f64> {
        (self.attempts > 0).then(|| self.passed as f64 / self.attempts as f64)
    }
}

impl Analysis {
    /// The flagged forms, with their program, in program and form order.
    pub fn flagged(&self) -> Vec<(&ProgramAnalysis, &FormAnalysis)> {
        self.programs
            .iter()
            .flat_map(|p| p.forms.iter().map(move |f| (p, f)))
            .filter(|(_, f)| f.test.tested().is_some_and(|t| t.flagged))
            .collect()
    }

    /// How many forms were tested.
    pub fn tests(&self) -> usize {
        self.programs
            .iter()
            .flat_map(|p| &p.forms)
            .filter(|f| f.test.tested().is_some())
            .count()
    }
}

/// Works out the report's figures.
pub fn analyse(exams: &Exams) -> Analysis {
    let mut by_program: BTreeMap<&str, BTreeMap<&str, Vec<&Attempt>>> = BTreeMap::new();
    for a in &exams.attempts {
        by_program
            .entry(&a.program)
            .or_default()
            .entry(&a.form)
            .or_default()
            .push(a);
    }
    let quarters = match (
        exams.attempts.iter().map(|a| a.date).min(),
        exams.attempts.iter().map(|a| a.date).max(),
    ) {
        (Some(first), Some(last)) => {
            let last = Quarter::of(last);
            std::iter::successors(Some(Quarter::of(first)), |q| Some(q.next()))
                .take_while(|q| *q <= last)
                .collect()
        }
        _ => Vec::new(),
    };
    let programs = by_program
        .into_iter()
        .map(|(program, forms)| {
            let all: Vec<&Attempt> = forms.values().flatten().copied().collect();
            let mut by_quarter = vec![Tally::default(); quarters.len()];
            for a in &all {
                let i = quarters
                    .binary_search(&Quarter::of(a.date))
                    .expect("every attempt's quarter is on the axis");
                by_quarter[i].attempts += 1;
                by_quarter[i].passed += usize::from(a.passed);
            }
            let total = summary(&all);
            let forms = forms
                .iter()
                .map(|(form, attempts)| {
                    let own = summary(attempts);
                    FormAnalysis {
                        form: (*form).to_string(),
                        test: test(&own, &total),
                        summary: own,
                    }
                })
                .collect();
            ProgramAnalysis {
                program: program.to_string(),
                pass_mark: exams.pass_mark(program),
                summary: total,
                forms,
                by_quarter,
            }
        })
        .collect();
    Analysis {
        as_of: exams.as_of,
        attempts: exams.attempts.len(),
        candidates: exams
            .attempts
            .iter()
            .map(|a| &a.candidate)
            .collect::<BTreeSet<_>>()
            .len(),
        quarters,
        programs,
    }
}

/// The figures of a non-empty set of attempts.
fn summary(attempts: &[&Attempt]) -> Summary {
    let scores: Vec<f64> = attempts.iter().map(|a| a.score).collect();
    let passed = attempts.iter().filter(|a| a.passed).count();
    let mut histogram = [0; BINS];
    for score in &scores {
        // Scores are 0–100 (checked on load); 100 goes in the last bin.
        let bin = ((score / 10.0).floor() as usize).min(BINS - 1);
        histogram[bin] += 1;
    }
    Summary {
        attempts: attempts.len(),
        candidates: attempts
            .iter()
            .map(|a| &a.candidate)
            .collect::<BTreeSet<_>>()
            .len(),
        passed,
        pass_rate: passed as f64 / attempts.len() as f64,
        mean: stats::mean(&scores).unwrap_or_default(),
        median: stats::median(&scores).unwrap_or_default(),
        histogram,
    }
}

/// The test of a form (`own`) against the rest of its program (`total` minus `own`).
fn test(own: &Summary, total: &Summary) -> FormTest {
    let rest_attempts = total.attempts - own.attempts;
    let rest_passed = total.passed - own.passed;
    if rest_attempts == 0 {
        return FormTest::OnlyForm;
    }
    match stats::z_test(own.passed, own.attempts, rest_passed, rest_attempts) {
        Some(z) => {
            let p = stats::two_sided_p(z);
            FormTest::Tested(ZTest {
                rest_attempts,
                rest_passed,
                rest_pass_rate: rest_passed as f64 / rest_attempts as f64,
                z,
                p,
                flagged: p < ALPHA,
            })
        }
        None => FormTest::TooFew,
    }
}

/// The report's file name for a day.
pub fn file_name(as_of: NaiveDate) -> String {
    format!("exam-report-{as_of}.html")
}

/// Writes the report into `out_dir` (created if needed) as `exam-report-<as_of>.html`,
/// readable by its owner only, and returns its path. Refuses a folder inside the
/// site's `public/`, `static/`, `themes/`, `templates/` or `content/`, or inside any
/// built site (a folder with a `feed.json`): the report must never be published.
pub fn write_report(
    exams: &Exams,
    out_dir: &Path,
    title: &str,
    as_of: NaiveDate,
) -> Result<PathBuf> {
    check_out_dir(&exams.root, out_dir)?;
    let analysis = analyse(exams);
    let page = html::page(&analysis, exams, title, as_of);
    fs::create_dir_all(out_dir).with_context(|| format!("cannot create {}", out_dir.display()))?;
    let path = out_dir.join(file_name(as_of));
    let temp = out_dir.join(format!(".{}.tmp", file_name(as_of)));
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(&temp)
        .and_then(|mut file| {
            file.write_all(page.as_bytes())?;
            file.sync_all()
        })
        .and_then(|()| fs::rename(&temp, &path))
        .inspect_err(|_| {
            let _ = fs::remove_file(&temp);
        })
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// Refuses a report folder from which the report could be published.
fn check_out_dir(root: &Path, out: &Path) -> Result<()> {
    let root_abs = resolve(root)?;
    let out_abs = resolve(out)?;
    for folder in PROTECTED {
        if out_abs.starts_with(root_abs.join(folder)) {
            bail!(
                "the report folder {} is inside the site's {folder}/ folder: the exam report is private and stays out of the folders a site is published from\n     hint: choose a folder outside public/, static/, themes/, templates/ and content/, e.g. --out reports",
                out.display()
            );
        }
    }
    if let Some(site) = out_abs
        .ancestors()
        .find(|dir| dir.join(urls::FEED).is_file())
    {
        bail!(
            "the report folder {} is inside {}, which looks like a built site (it has a {}): the exam report is private and must stay out of the published site\n     hint: choose a folder outside the site output, e.g. --out reports",
            out.display(),
            site.display(),
            urls::FEED
        );
    }
    Ok(())
}

/// Where `path` leads, as the system would resolve it once the missing folders are
/// created: absolute, each existing part canonicalized (symbolic links followed) and
/// each `..` taken after the links before it, so that no spelling of a path (`x/..`,
/// a link into `public/`) hides where the report would go.
fn resolve(path: &Path) -> Result<PathBuf> {
    let abs =
        std::path::absolute(path).with_context(|| format!("cannot resolve {}", path.display()))?;
    let mut out = PathBuf::new();
    for part in abs.components() {
        match part {
            Component::Prefix(_) | Component::RootDir => out.push(part),
            Component::CurDir => {}
            // `out` is canonical as far as it exists, and what follows are folders
            // still to be made: its parent is where `..` leads.
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(name) => {
                out.push(name);
                if let Ok(real) = out.canonicalize() {
                    out = real;
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::records::Origin;

    fn attempt(candidate: &str, program: &str, form: &str, date: &str, score: f64) -> Attempt {
        Attempt {
            candidate: candidate.into(),
            program: program.into(),
            form: form.into(),
            date: crate::dates::parse_date(date).unwrap(),
            score,
            passed: score >= 70.0,
            origin: Origin {
                path: std::sync::Arc::from(Path::new("e.csv")),
                line: 2,
            },
        }
    }

    fn exams(attempts: Vec<Attempt>) -> Exams {
        Exams {
            root: ".".into(),
            as_of: crate::dates::parse_date("2026-11-24").unwrap(),
            files: vec!["content/exams/e.csv".into()],
            attempts,
            pass_marks: BTreeMap::new(),
            warnings: Vec::new(),
        }
    }

    #[test]
    fn sums_up_forms_and_quarters() {
        let analysis = analyse(&exams(vec![
            attempt("C-1", "p", "A", "2024-01-15", 80.0),
            attempt("C-2", "p", "A", "2024-07-01", 60.0),
            attempt("C-2", "p", "B", "2024-12-01", 100.0),
            attempt("C-3", "q", "A", "2024-02-01", 75.0),
        ]));
        assert_eq!((analysis.attempts, analysis.candidates), (4, 3));
        let quarters: Vec<String> = analysis.quarters.iter().map(ToString::to_string).collect();
        assert_eq!(quarters, ["2024 Q1", "2024 Q2", "2024 Q3", "2024 Q4"]);
        let p = &analysis.programs[0];
        assert_eq!(p.program, "p");
        assert_eq!((p.summary.attempts, p.summary.candidates), (3, 2));
        assert_eq!(p.summary.median, 80.0);
        assert_eq!(p.summary.histogram[6], 1);
        assert_eq!(p.summary.histogram[9], 1, "100 is in the last bin");
        let a = &p.forms[0];
        assert_eq!(
            (a.summary.attempts, a.summary.passed, a.summary.mean),
            (2, 1, 70.0)
        );
        assert_eq!(a.test, FormTest::TooFew);
        assert_eq!(
            p.by_quarter.iter().map(|t| t.attempts).collect::<Vec<_>>(),
            [1, 0, 1, 1]
        );
        assert_eq!(analysis.programs[1].forms[0].test, FormTest::OnlyForm);
        assert!(analysis.flagged().is_empty());
    }

    #[test]
    fn flags_a_form_unlike_the_others() {
        let mut attempts = Vec::new();
        for i in 0..40 {
            // Form A: 36 of 40 pass; form B: 12 of 40 pass.
            let a = if i < 36 { 80.0 } else { 50.0 };
            let b = if i < 12 { 80.0 } else { 50.0 };
            attempts.push(attempt(&format!("A-{i}"), "p", "A", "2024-01-01", a));
            attempts.push(attempt(&format!("B-{i}"), "p", "B", "2024-01-01", b));
        }
        let analysis = analyse(&exams(attempts));
        let flagged = analysis.flagged();
        assert_eq!(flagged.len(), 2, "with two forms, each is the other's rest");
        let b = flagged[1].1.test.tested().unwrap();
        assert!(b.z < -5.0 && b.p < 1e-6, "{b:?}");
        assert_eq!(analysis.tests(), 2);
    }

    #[test]
    fn resolves_dots_and_missing_folders() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().canonicalize().unwrap();
        let odd = dir.path().join("no-such-dir/../a/./b");
        assert_eq!(resolve(&odd).unwrap(), real.join("a").join("b"));
    }

    #[cfg(unix)]
    #[test]
    fn refuses_links_into_public() {
        let site = tempfile::tempdir().unwrap();
        let root = site.path();
        fs::create_dir_all(root.join("public/sub")).unwrap();
        std::os::unix::fs::symlink(root.join("public/sub"), root.join("link")).unwrap();
        for out in ["link", "link/new", "link/..", "link/../x", "new/../public"] {
            let err = check_out_dir(root, &root.join(out)).unwrap_err();
            assert!(err.to_string().contains("public/ folder"), "{out}: {err}");
        }
        check_out_dir(root, &root.join("reports")).unwrap();
        check_out_dir(root, &root.join("public/../reports")).unwrap();
    }
}
