//! Exam attempts: the private `content/exams/*.csv` files, read only by
//! `credsite report exams`.
//!
//! Each row is one sitting of a program's written examination, passed or failed:
//!
//! ```csv
//! candidate,program,form,date,score,passed
//! C-000123,cdpp,A,2024-03-15,81,yes
//! ```
//!
//! Candidates are named by a reference code, never by name or email, and most of them
//! (everyone who failed) have no credential. The files are private: the site build
//! reads only `content/programs/`, `content/credentials/` and `content/status.csv`
//! (see [`crate::load::load`]), so nothing here can reach the public site, and the
//! exam report is written outside it.
//!
//! Problems are reported like the records' ones, with file, line and field, all at
//! once. A pass flag that contradicts the program's pass mark is only a warning: the
//! recorded result is the board's decision (a score may be scaled or re-marked), so the
//! report counts the flag, and the warning asks someone to look.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::records::Origin;
use crate::dates::parse_date;
use crate::diag::{Diagnostic, Diagnostics};
use crate::ids;
use crate::load::table;
use crate::walk::{self, Hidden};

/// Where exam files live, relative to the site root.
pub const EXAMS_DIR: &str = "content/exams";
/// The columns of an exam file, all required, in any order.
pub const COLUMNS: [&str; 6] = ["candidate", "program", "form", "date", "score", "passed"];
/// The pass mark of a program that sets none: a score of 70 out of 100 or more passes.
///
/// Programs have no pass mark field; a caller that knows other marks (say, from a
/// future `pass_mark` in a program's front matter) hands them to
/// [`load_with_pass_marks`], and every other program keeps this one.
pub const DEFAULT_PASS_MARK: f64 = 70.0;
/// The longest exam form name accepted, in characters.
pub const MAX_FORM_LEN: usize = 40;

/// One sitting of an exam.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// The candidate's reference, e.g. `C-000123`.
    pub candidate: String,
    /// The program id.
    pub program: String,
    /// The exam form, e.g. `A`.
    pub form: String,
    /// The day of the exam.
    pub date: NaiveDate,
    /// The score, from 0 to 100.
    pub score: f64,
    /// The recorded result.
    pub passed: bool,
    /// Where the attempt is written.
    pub origin: Origin,
}

/// Every exam attempt of a site, checked.
#[derive(Debug, Clone)]
pub struct Exams {
    /// The site root.
    pub root: PathBuf,
    /// The day the attempts were checked against (no attempt is later).
    pub as_of: NaiveDate,
    /// The files read, relative to the root, sorted.
    pub files: Vec<PathBuf>,
    /// The attempts, file by file in file order.
    pub attempts: Vec<Attempt>,
    /// Pass marks other than [`DEFAULT_PASS_MARK`], by program id.
    pub pass_marks: BTreeMap<String, f64>,
    /// Problems that do not stop the report: pass flags that contradict the pass mark.
    pub warnings: Vec<Diagnostic>,
}

impl Exams {
    /// The pass mark of `program`.
    pub fn pass_mark(&self, program: &str) -> f64 {
        pass_mark(&self.pass_marks, program)
    }
}

fn pass_mark(marks: &BTreeMap<String, f64>, program: &str) -> f64 {
    marks.get(program).copied().unwrap_or(DEFAULT_PASS_MARK)
}

/// Reads and checks every `content/exams/*.csv` of the site at `root` (there may be
/// none: the folder is optional), with every program's pass mark at
/// [`DEFAULT_PASS_MARK`]. `programs` are the site's program ids; `as_of` is the
/// report's day, which no exam may come after.
pub fn load(root: &Path, programs: &[&str], as_of: NaiveDate) -> Result<Exams, Diagnostics> {
    load_with_pass_marks(root, programs, &BTreeMap::new(), as_of)
}

/// [`load`], with the pass marks of some programs set (from 0 to 100).
pub fn load_with_pass_marks(
    root: &Path,
    programs: &[&str],
    pass_marks: &BTreeMap<String, f64>,
    as_of: NaiveDate,
) -> Result<Exams, Diagnostics> {
    let dir = root.join(EXAMS_DIR);
    let mut files = walk::files(&dir, Hidden::Skip).map_err(|e| {
        Diagnostics(vec![Diagnostic::new(
            Path::new(EXAMS_DIR),
            format!("cannot list the exam files: {e:#}"),
        )])
    })?;
    files.retain(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")));
    let mut checker = Checker {
        programs,
        pass_marks,
        as_of,
        seen: HashMap::new(),
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    let mut attempts = Vec::new();
    let mut shown_files = Vec::new();
    for path in &files {
        let shown = path.strip_prefix(root).unwrap_or(path).to_path_buf();
        match read(path, &shown) {
            Ok(text) => attempts.append(&mut checker.parse_csv(&text, &shown)),
            Err(d) => checker.errors.push(d),
        }
        shown_files.push(shown);
    }
    if !checker.errors.is_empty() {
        return Err(Diagnostics(checker.errors));
    }
    Ok(Exams {
        root: root.to_path_buf(),
        as_of,
        files: shown_files,
        attempts,
        pass_marks: pass_marks.clone(),
        warnings: checker.warnings,
    })
}

/// Reads a file as UTF-8 text; a problem names the line of the first bad byte.
fn read(path: &Path, shown: &Path) -> Result<String, Diagnostic> {
    let bytes =
        fs::read(path).map_err(|e| Diagnostic::new(shown, format!("cannot read the file: {e}")))?;
    table::utf8(bytes, shown)
}

/// Checks rows against the site and against each other, gathering problems.
struct Checker<'a> {
    programs: &'a [&'a str],
    pass_marks: &'a BTreeMap<String, f64>,
    as_of: NaiveDate,
    /// Where each (candidate, program, form, date) was first seen.
    seen: HashMap<(String, String, String, NaiveDate), Origin>,
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
}

impl Checker<'_> {
    /// The attempts in a CSV file's text; problems go to `errors` and `warnings`.
    fn parse_csv(&mut self, text: &str, path: &Path) -> Vec<Attempt> {
        let mut reader = table::reader(text);
        let headers = match table::headers(&mut reader) {
            Ok(headers) => headers,
            Err(e) => {
                self.errors.push(table::problem(path, text, &e));
                return Vec::new();
            }
        };
        let before = self.errors.len();
        for column in &headers {
            if !COLUMNS.contains(&column.as_str()) {
                self.errors.push(
                    Diagnostic::new(path, format!("unknown column \"{column}\""))
                        .line(1)
                        .field(column.clone())
                        .hint(format!("the columns are {}", COLUMNS.join(", "))),
                );
            }
        }
        for column in COLUMNS {
            if !headers.iter().any(|h| h == column) {
                self.errors.push(
                    Diagnostic::new(path, format!("missing required column \"{column}\""))
                        .line(1)
                        .field(column)
                        .hint(format!("the header row must name {}", COLUMNS.join(", "))),
                );
            }
        }
        if self.errors.len() > before {
            return Vec::new();
        }
        let mut attempts = Vec::new();
        let mut lines = table::Lines::new(text);
        for row in reader.records() {
            let row = match row {
                Ok(row) => row,
                Err(e) => {
                    self.errors.push(table::problem(path, text, &e));
                    continue;
                }
            };
            let line = row.position().map_or(0, |p| lines.of(p.byte()));
            let fields: BTreeMap<&str, &str> =
                headers.iter().map(String::as_str).zip(row.iter()).collect();
            let origin = Origin {
                path: std::sync::Arc::from(path),
                line,
            };
            if let Some(attempt) = self.check(&fields, origin) {
                attempts.push(attempt);
            }
        }
        attempts
    }

    /// Checks one row; `None` when it has errors (reported).
    fn check(&mut self, fields: &BTreeMap<&str, &str>, origin: Origin) -> Option<Attempt> {
        let before = self.errors.len();
        let problem = |field: &str, message: String| {
            Diagnostic::new(&origin.path, message)
                .line(origin.line)
                .field(field)
        };
        let required = |name: &str, errors: &mut Vec<Diagnostic>| {
            let value = fields.get(name).copied().unwrap_or_default();
            if value.is_empty() {
                errors.push(problem(name, "is required and empty".into()));
                None
            } else {
                Some(value)
            }
        };
        let errors = &mut self.errors;
        let candidate = required("candidate", errors);
        let program = required("program", errors);
        let form = required("form", errors);
        let date = required("date", errors);
        let score = required("score", errors);
        let passed = required("passed", errors);

        if let Some(c) = candidate
            && !ids::is_valid_id(c)
        {
            let message = if c.contains('@') {
                format!("candidate \"{c}\" looks like an email address, not a candidate reference")
            } else {
                format!("invalid candidate reference \"{c}\"")
            };
            errors.push(problem("candidate", message).hint(
                "exam files name candidates by a reference such as C-000123, never by name or email; use letters, digits, '-', '_' or '.'",
            ));
        }
        if let Some(p) = program
            && !self.programs.contains(&p)
        {
            let mut known: Vec<&str> = self.programs.to_vec();
            known.sort_unstable();
            errors.push(
                problem("program", format!("unknown program id \"{p}\"")).hint(format!(
                    "known programs: {}; or add content/programs/{p}.md",
                    known.join(", ")
                )),
            );
        }
        if let Some(f) = form
            && (f.chars().count() > MAX_FORM_LEN || f.chars().any(char::is_control))
        {
            errors.push(
                problem(
                    "form",
                    format!("invalid exam form \"{}\"", f.escape_debug()),
                )
                .hint(format!(
                    "name the form in at most {MAX_FORM_LEN} characters, e.g. A"
                )),
            );
        }
        let date = date.and_then(|d| match parse_date(d) {
            Ok(day) if day > self.as_of => {
                errors.push(
                    problem(
                        "date",
                        format!("date {day} is after the report's day, {}", self.as_of),
                    )
                    .hint("an exam cannot be in the future: check the year (the report's day is --as-of, else today)"),
                );
                None
            }
            Ok(day) => Some(day),
            Err(message) => {
                errors.push(problem("date", message));
                None
            }
        });
        let score = score.and_then(|s| match parse_score(s) {
            Ok(n) if (0.0..=100.0).contains(&n) => Some(n),
            Ok(n) => {
                errors.push(
                    problem("score", format!("score {n} is outside 0–100"))
                        .hint("scores are percentages: from 0 to 100"),
                );
                None
            }
            Err(()) => {
                errors.push(
                    problem("score", format!("cannot read score \"{s}\""))
                        .hint("write a number from 0 to 100, e.g. 72 or 72.5"),
                );
                None
            }
        });
        let passed = passed.and_then(|p| {
            let flag = parse_passed(p);
            if flag.is_none() {
                errors.push(
                    problem("passed", format!("cannot read passed \"{p}\""))
                        .hint("write yes or no (or true/false, 1/0, pass/fail)"),
                );
            }
            flag
        });
        if self.errors.len() > before {
            return None;
        }
        let (Some(candidate), Some(program), Some(form), Some(date), Some(score), Some(passed)) =
            (candidate, program, form, date, score, passed)
        else {
            unreachable!("missing fields were reported above");
        };

        let key = (
            candidate.to_string(),
            program.to_string(),
            form.to_string(),
            date,
        );
        if let Some(first) = self.seen.get(&key) {
            let place = if first.path == origin.path {
                format!("line {}", first.line)
            } else {
                format!("{}:{}", first.path.display(), first.line)
            };
            self.errors.push(
                problem(
                    "candidate",
                    format!(
                        "duplicate attempt: {candidate} sat {program} form {form} on {date} already ({place})"
                    ),
                )
                .hint("remove the repeated row, or correct its date if the candidate sat the exam twice"),
            );
            return None;
        }
        self.seen.insert(key, origin.clone());

        let mark = pass_mark(self.pass_marks, program);
        if passed != (score >= mark) {
            let message = if passed {
                format!(
                    "recorded as passed, but the score {score} is below {program}'s pass mark of {mark}"
                )
            } else {
                format!(
                    "recorded as failed, but the score {score} reaches {program}'s pass mark of {mark}"
                )
            };
            self.warnings.push(problem("passed", message).hint(
                "the report counts the recorded result; correct the score or the result if one of them is wrong",
            ));
        }
        Some(Attempt {
            candidate: candidate.to_string(),
            program: program.to_string(),
            form: form.to_string(),
            date,
            score,
            passed,
            origin,
        })
    }
}

/// A score: a number, with an optional `%` and a decimal point or comma (`72`, `72.5`,
/// `72,5`, `72%`). Infinite and NaN values are refused.
fn parse_score(text: &str) -> Result<f64, ()> {
    let number = text.strip_suffix('%').unwrap_or(text).trim();
    let number = if number.matches(',').count() == 1 && !number.contains('.') {
        number.replace(',', ".")
    } else {
        number.to_string()
    };
    let looks_numeric = !number.is_empty()
        && number
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+'));
    match number.parse::<f64>() {
        Ok(n) if looks_numeric && n.is_finite() => Ok(n),
        _ => Err(()),
    }
}

/// A pass flag: yes/no, true/false, 1/0 or pass/fail, in any case.
fn parse_passed(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "yes" | "true" | "1" | "pass" => Some(true),
        "no" | "false" | "0" | "fail" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROGRAMS: [&str; 2] = ["cdpp", "csla"];

    fn day(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    /// Parses `text` as `e.csv` for the programs above, as of 2026-11-24.
    fn parse(text: &str) -> (Vec<Attempt>, Vec<String>, Vec<String>) {
        let marks = BTreeMap::from([("csla".to_string(), 60.0)]);
        let mut checker = Checker {
            programs: &PROGRAMS,
            pass_marks: &marks,
            as_of: day("2026-11-24"),
            seen: HashMap::new(),
            errors: Vec::new(),
            warnings: Vec::new(),
        };
        let attempts = checker.parse_csv(text, Path::new("e.csv"));
        let show = |d: &[Diagnostic]| d.iter().map(ToString::to_string).collect();
        (attempts, show(&checker.errors), show(&checker.warnings))
    }

    const HEADER: &str = "candidate,program,form,date,score,passed\n";

    #[test]
    fn reads_attempts_in_any_column_order_and_flag_spelling() {
        let (attempts, errors, warnings) = parse(
            "passed;score;date;form;program;candidate\n\
             Yes;81%;2024-03-15;A;cdpp;C-000123\n\
             0;55,5;2024-03-16;B;cdpp;C-000124\n\
             pass;60;2024-03-16;A;csla;C-000125\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(attempts.len(), 3);
        assert_eq!(attempts[0].candidate, "C-000123");
        assert_eq!(attempts[0].score, 81.0);
        assert!(attempts[0].passed);
        assert_eq!(attempts[1].score, 55.5);
        assert!(!attempts[1].passed);
        assert_eq!(attempts[1].origin.line, 3);
        assert!(attempts[2].passed, "csla's pass mark is 60 here");
    }

    #[test]
    fn names_file_line_and_field_of_each_problem() {
        let (attempts, errors, _) = parse(&format!(
            "{HEADER}\
             C-1,cdpp,A,2024-01-01,120,yes\n\
             C-2,cdppx,A,2024-01-01,80,yes\n\
             C-3,cdpp,A,2026-11-25,80,yes\n\
             C-4,cdpp,A,2024-01-01,80,maybe\n\
             Jane Doe,cdpp,A,2024-01-01,80,yes\n\
             jane@mail.example,cdpp,A,2024-01-01,80,yes\n\
             C-5,cdpp,,2024-01-01,eighty,yes\n\
             C-6,cdpp,A,2024-13-01,80,yes\n"
        ));
        assert!(attempts.is_empty());
        let expect = [
            "e.csv:2: field `score`: score 120 is outside 0–100",
            "e.csv:3: field `program`: unknown program id \"cdppx\"\n     hint: known programs: cdpp, csla; or add content/programs/cdppx.md",
            "e.csv:4: field `date`: date 2026-11-25 is after the report's day, 2026-11-24",
            "e.csv:5: field `passed`: cannot read passed \"maybe\"",
            "e.csv:6: field `candidate`: invalid candidate reference \"Jane Doe\"",
            "e.csv:7: field `candidate`: candidate \"jane@mail.example\" looks like an email address",
            "e.csv:8: field `form`: is required and empty",
            "e.csv:8: field `score`: cannot read score \"eighty\"",
            "e.csv:9: field `date`: malformed date \"2024-13-01\"",
        ];
        assert_eq!(errors.len(), expect.len(), "{errors:#?}");
        for (error, start) in errors.iter().zip(expect) {
            assert!(
                error.starts_with(start),
                "{error}\n  should start with\n{start}"
            );
        }
    }

    #[test]
    fn refuses_duplicate_attempts_naming_the_first() {
        let (attempts, errors, _) = parse(&format!(
            "{HEADER}\
             C-1,cdpp,A,2024-01-01,60,no\n\
             C-1,cdpp,B,2024-01-01,60,no\n\
             C-1,cdpp,A,2024-01-01,65,no\n"
        ));
        assert_eq!(attempts.len(), 2);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].starts_with(
                "e.csv:4: field `candidate`: duplicate attempt: C-1 sat cdpp form A on 2024-01-01 already (line 2)"
            ),
            "{}",
            errors[0]
        );
    }

    #[test]
    fn warns_of_a_pass_flag_against_the_pass_mark() {
        let (attempts, errors, warnings) = parse(&format!(
            "{HEADER}\
             C-1,cdpp,A,2024-01-01,65,yes\n\
             C-2,cdpp,A,2024-01-01,70,no\n\
             C-3,cdpp,A,2024-01-01,70,yes\n\
             C-4,csla,A,2024-01-01,65,yes\n"
        ));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(attempts.len(), 4, "warnings keep the attempt");
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(
            warnings[0].starts_with("e.csv:2: field `passed`: recorded as passed, but the score 65 is below cdpp's pass mark of 70"),
            "{}",
            warnings[0]
        );
        assert!(
            warnings[1].starts_with("e.csv:3: field `passed`: recorded as failed, but the score 70 reaches cdpp's pass mark of 70"),
            "{}",
            warnings[1]
        );
    }

    #[test]
    fn reports_missing_and_unknown_columns() {
        let (_, errors, _) =
            parse("candidate,program,form,date,result\nC-1,cdpp,A,2024-01-01,80\n");
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].starts_with("e.csv:1: field `result`: unknown column"));
        assert!(errors[1].starts_with("e.csv:1: field `score`: missing required column"));
        assert!(errors[2].starts_with("e.csv:1: field `passed`: missing required column"));
    }

    #[test]
    fn reads_scores_strictly() {
        for (text, value) in [
            ("72", 72.0),
            ("72.5", 72.5),
            ("72,5", 72.5),
            ("72%", 72.0),
            ("0", 0.0),
        ] {
            assert_eq!(parse_score(text), Ok(value), "{text}");
        }
        for bad in ["", "NaN", "inf", "1e2", "7 2", "72,5.1", "%", "1,000,0"] {
            assert!(parse_score(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_score("-3"),
            Ok(-3.0),
            "read, then refused as out of range"
        );
    }
}
