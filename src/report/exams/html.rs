//! The report page: one HTML file with its styles and charts inline, no script, every
//! text escaped, and a Content-Security-Policy that allows nothing from elsewhere.

use std::fmt::Write;

use chrono::NaiveDate;

use super::{ALPHA, Analysis, FormAnalysis, FormTest, ProgramAnalysis, Summary, svg};
use crate::load::exams::Exams;

/// The page's Content-Security-Policy: its own inline styles, `data:` images, nothing else.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const STYLE: &str = "
body { font: 15px/1.45 system-ui, sans-serif; color: #222; max-width: 70rem; margin: 2rem auto; padding: 0 1rem; }
h1 { margin-bottom: .2rem; }
.private { background: #fff3cd; border: 1px solid #e0c36a; padding: .5rem .8rem; }
.flag { background: #fdecea; border-left: 4px solid #b71c1c; padding: .5rem .8rem; margin: .5rem 0; }
.ok { background: #e8f5e9; border-left: 4px solid #1b5e20; padding: .5rem .8rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border-bottom: 1px solid #ddd; padding: .25rem .6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
tr.total td { font-weight: bold; border-top: 2px solid #888; }
tr.flagged td { background: #fdecea; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; }
figure { margin: 0; }
figcaption { font-size: 13px; color: #555; }
svg { max-width: 100%; height: auto; }
section { margin-top: 2rem; }
";

pub use crate::html::esc;

/// A rate from 0 to 1 as a percentage, e.g. `44.9%`.
fn percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}

/// A p-value with two significant digits, in plain decimals down to 0.000001.
pub fn format_p(p: f64) -> String {
    if p >= 0.001 {
        format!("{p:.3}")
    } else if p >= 1e-6 {
        let decimals = (-p.log10()).ceil() as usize + 1;
        format!("{p:.decimals$}")
    } else {
        "< 0.000001".to_string()
    }
}

/// `= p` or `< p` as it reads after "p".
fn p_clause(p: f64) -> String {
    let text = format_p(p);
    if text.starts_with('<') {
        text
    } else {
        format!("= {text}")
    }
}

/// The sentence that states a flagged (or tested) form's comparison.
pub fn flag_sentence(program: &ProgramAnalysis, form: &FormAnalysis) -> String {
    let s = &form.summary;
    let mut text = format!(
        "{} form {}: pass rate {} ({} of {} attempts) against {}",
        program.program,
        form.form,
        percent(s.pass_rate),
        s.passed,
        s.attempts,
        match &form.test {
            FormTest::Tested(t) => format!(
                "{} ({} of {}) on the program's other forms; z = {:.2}, p {} (two-sided)",
                percent(t.rest_pass_rate),
                t.rest_passed,
                t.rest_attempts,
                t.z,
                p_clause(t.p)
            ),
            FormTest::OnlyForm | FormTest::TooFew => "no test".to_string(),
        }
    );
    if form.test.tested().is_some_and(|t| t.flagged) {
        let _ = write!(text, ", below the threshold p < {ALPHA}");
    }
    text.push('.');
    text
}

/// The whole page.
pub fn page(analysis: &Analysis, exams: &Exams, title: &str, as_of: NaiveDate) -> String {
    let mut out = String::new();
    let heading = format!("Exam report: {title}");
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
         <meta name=\"robots\" content=\"noindex, nofollow\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} ({as_of})</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&heading)
    );
    let _ = write!(
        out,
        "<header>\n<h1>{}</h1>\n<p>As of {as_of}: {} attempts by {} candidates in {} programs, from {}.</p>\n\
         <p class=\"private\"><strong>Private.</strong> Made by <code>credsite report exams</code> from the exam files in <code>content/exams/</code>, which the public site never reads. Share it only with the people who oversee the examinations.</p>\n</header>\n",
        esc(&heading),
        analysis.attempts,
        analysis.candidates,
        analysis.programs.len(),
        esc(&files(exams))
    );
    flags_section(&mut out, analysis);
    method_section(&mut out, analysis, exams);
    for program in &analysis.programs {
        program_section(&mut out, analysis, program);
    }
    warnings_section(&mut out, exams);
    out.push_str("</body>\n</html>\n");
    out
}

fn files(exams: &Exams) -> String {
    if exams.files.is_empty() {
        return "no exam file".to_string();
    }
    exams
        .files
        .iter()
        .map(|f| f.display().to_string().replace('\\', "/"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn flags_section(out: &mut String, analysis: &Analysis) {
    out.push_str("<section id=\"flags\">\n<h2>Flagged forms</h2>\n");
    let flagged = analysis.flagged();
    if flagged.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"ok\">No form's pass rate differs from its program's other forms beyond chance (p &lt; {ALPHA}, {} forms tested).</p>",
            analysis.tests()
        );
    }
    for (program, form) in flagged {
        let _ = writeln!(
            out,
            "<p class=\"flag\"><strong>Flagged:</strong> {}</p>",
            esc(&flag_sentence(program, form))
        );
    }
    out.push_str("</section>\n");
}

fn method_section(out: &mut String, analysis: &Analysis, exams: &Exams) {
    let tests = analysis.tests();
    let by_chance = 1.0 - (1.0 - ALPHA).powi(i32::try_from(tests).unwrap_or(i32::MAX));
    let marks: Vec<String> = analysis
        .programs
        .iter()
        .map(|p| format!("{} {}", p.program, p.pass_mark))
        .collect();
    let _ = writeln!(
        out,
        "<section id=\"method\">\n<h2>How forms are compared</h2>\n\
         <p>Each exam form is compared with the rest of its program (the program's other forms together) by a <strong>two-proportion z-test</strong>: \
         z = (p<sub>1</sub> − p<sub>2</sub>) / √(p̄ (1 − p̄) (1/n<sub>1</sub> + 1/n<sub>2</sub>)), where p<sub>1</sub> and p<sub>2</sub> are the pass rates of the form and of the rest, n<sub>1</sub> and n<sub>2</sub> their attempts and p̄ the pooled pass rate. \
         The p-value is <strong>two-sided</strong>, from the normal distribution, and a form is <strong>flagged when p &lt; {ALPHA}</strong>. \
         A negative z means the form's pass rate is lower than the rest's.</p>\n\
         <p>The test counts attempts, not candidates, and takes them as independent (a retake is one more attempt). It is made only when each group expects at least 5 passes and 5 fails at the pooled rate. \
         {tests} forms were tested: if every form were equally hard, the chance of at least one flag would be about {}. \
         In a program with two forms, each form's rest is the other form, so both get the same |z| and are flagged together. \
         A flag is a reason to review a form (its items, its cut score, who sat it), not proof that it is wrong.</p>\n\
         <p>Pass or fail is the recorded result (the <code>passed</code> column). Pass marks: {}; {} recorded result{} contradict{} the pass mark (see the data checks at the end). \
         Scores run from 0 to 100; the histograms bin them by 10 points (0–9, …, 90–100) and draw the pass mark dashed.</p>\n</section>",
        percent(by_chance),
        esc(&marks.join(", ")),
        exams.warnings.len(),
        if exams.warnings.len() == 1 { "" } else { "s" },
        if exams.warnings.len() == 1 { "s" } else { "" },
    );
}

fn row(out: &mut String, name: &str, s: &Summary, test: Option<&FormTest>, class: &str) {
    let (z, p, flag) = match test {
        Some(FormTest::Tested(t)) => (
            format!("{:.2}", t.z),
            format_p(t.p),
            if t.flagged { "flagged" } else { "" }.to_string(),
        ),
        Some(FormTest::OnlyForm) => ("–".into(), "–".into(), "only form".into()),
        Some(FormTest::TooFew) => ("–".into(), "–".into(), "too few to test".into()),
        None => (String::new(), String::new(), String::new()),
    };
    let _ = writeln!(
        out,
        "<tr{class}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1}</td><td>{:.1}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        esc(name),
        s.attempts,
        s.candidates,
        s.passed,
        percent(s.pass_rate),
        s.mean,
        s.median,
        esc(&z),
        esc(&p),
        esc(&flag)
    );
}

fn program_section(out: &mut String, analysis: &Analysis, program: &ProgramAnalysis) {
    let id = esc(&program.program);
    let _ = writeln!(
        out,
        "<section id=\"program-{id}\">\n<h2>Program {id}</h2>\n<table>\n<thead><tr><th>Form</th><th>Attempts</th><th>Candidates</th><th>Passed</th><th>Pass rate</th><th>Mean</th><th>Median</th><th>z</th><th>p</th><th>Flag</th></tr></thead>\n<tbody>"
    );
    for form in &program.forms {
        let flagged = form.test.tested().is_some_and(|t| t.flagged);
        let class = if flagged { " class=\"flagged\"" } else { "" };
        row(
            out,
            &format!("form {}", form.form),
            &form.summary,
            Some(&form.test),
            class,
        );
    }
    row(out, "all forms", &program.summary, None, " class=\"total\"");
    out.push_str("</tbody>\n</table>\n<h3>Score distribution</h3>\n<div class=\"charts\">\n");
    let mut charts: Vec<(String, &Summary)> =
        vec![(format!("{} all forms", program.program), &program.summary)];
    charts.extend(
        program
            .forms
            .iter()
            .map(|f| (format!("{} form {}", program.program, f.form), &f.summary)),
    );
    for (name, summary) in charts {
        let label = format!("Score distribution, {name}: {} attempts", summary.attempts);
        let _ = writeln!(
            out,
            "<figure>{}<figcaption>{}</figcaption></figure>",
            svg::histogram(&summary.histogram, program.pass_mark, &label),
            esc(&label)
        );
    }
    out.push_str("</div>\n<h3>Pass rate by quarter</h3>\n");
    let label = format!(
        "Pass rate by quarter, {} (dashed: {} over all quarters)",
        program.program,
        percent(program.summary.pass_rate)
    );
    let _ = writeln!(
        out,
        "<figure>{}<figcaption>{}. Each point is one quarter (its title gives the attempts): a quarter with few attempts moves a lot by chance.</figcaption></figure>",
        svg::trend(
            &analysis.quarters,
            &program.by_quarter,
            program.summary.pass_rate,
            &label
        ),
        esc(&label)
    );
    out.push_str("<details><summary>The numbers by quarter</summary>\n<table>\n<thead><tr><th>Quarter</th><th>Attempts</th><th>Passed</th><th>Pass rate</th></tr></thead>\n<tbody>\n");
    for (quarter, tally) in analysis.quarters.iter().zip(&program.by_quarter) {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&quarter.to_string()),
            tally.attempts,
            tally.passed,
            tally.pass_rate().map_or_else(|| "–".to_string(), percent)
        );
    }
    out.push_str("</tbody>\n</table>\n</details>\n</section>\n");
}

fn warnings_section(out: &mut String, exams: &Exams) {
    out.push_str("<section id=\"checks\">\n<h2>Data checks</h2>\n");
    if exams.warnings.is_empty() {
        out.push_str("<p>Every recorded result agrees with its program's pass mark.</p>\n");
    } else {
        out.push_str("<ul>\n");
        for warning in &exams.warnings {
            // Messages name file, line, program and score: never a candidate.
            let _ = writeln!(out, "<li>{}</li>", esc(&warning.to_string()));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
    }

    #[test]
    fn formats_p_values_with_two_significant_digits() {
        assert_eq!(format_p(0.5), "0.500");
        assert_eq!(format_p(0.0123), "0.012");
        assert_eq!(format_p(0.000_257), "0.00026");
        assert_eq!(format_p(0.000_025_7), "0.000026");
        assert_eq!(format_p(1e-9), "< 0.000001");
    }
}
