//! `credsite report`: a summary of the roster for the body's staff, and
//! `credsite report expiring`: who to remind of a coming expiry (personal data).
//!
//! Both read the site as of `--as-of` (load, validate, resolve) and write to stdout,
//! or with `--ics` to a file outside the published site; they save nothing else,
//! not even the site state.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Subcommand, ValueEnum};
use credsite::report::{self, Window, format};

use super::{AsOf, Global};

/// The options of `credsite report` (its help text is on `Command::Report` in mod.rs).
#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// Output format: an aligned table, or CSV, JSON or Markdown for other tools.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Table)]
    format: SummaryFormat,
    /// Only this program (its id, e.g. cdpp).
    #[arg(long)]
    program: Option<String>,
    #[command(flatten)]
    as_of: AsOf,
}

#[derive(Clone, Copy, ValueEnum)]
enum SummaryFormat {
    Table,
    Csv,
    Json,
    Md,
}

#[derive(Subcommand)]
enum Command {
    Expiring(ExpiringArgs),
    Exams(ExamsArgs),
}

/// Analyses the private exam results in content/exams/*.csv and writes a
/// self-contained HTML report (per program and form: candidates, pass rate, mean and
/// median, score histogram, pass rate by quarter, and forms whose pass rate differs
/// beyond chance). The report is for the body's staff: it is written outside the
/// public site, and an --out inside the site's output folder is refused.
#[derive(clap::Args)]
pub struct ExamsArgs {
    /// Where to write the report [default: <root>/reports].
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    as_of: AsOf,
}

/// Lists the holders whose active credentials expire within a window, with their
/// email addresses: PERSONAL DATA, for the body's staff only.
///
/// The list (id, holder_name, holder_email, program, valid_until, days_left) is a
/// mail-merge list for renewal reminders. It is printed to stdout, and with --ics also
/// written as an iCalendar file (one all-day event on each last valid day). It is
/// never written into the public site: an --ics file inside the site's output folder
/// (public/), static/ or themes/ is refused.
#[derive(clap::Args)]
#[command(
    after_help = "PERSONAL DATA: this output holds holders' names and email addresses. Keep it private (do not commit or publish it); credsite never writes it into the public site."
)]
pub struct ExpiringArgs {
    /// How far ahead to look: N days, weeks or months, e.g. 90d, 12w, 6m. A credential
    /// is listed when its last valid day falls after --as-of and at most this far after it.
    #[arg(long, value_parser = Window::parse)]
    within: Window,
    /// Only this program (its id, e.g. cdpp).
    #[arg(long)]
    program: Option<String>,
    /// Output format: an aligned table, or CSV (the mail-merge list).
    #[arg(long, value_enum, default_value_t = ExpiringFormat::Table)]
    format: ExpiringFormat,
    /// Also write the expiries as an iCalendar (RFC 5545) file here (personal data;
    /// refused inside the published site).
    #[arg(long, value_name = "FILE")]
    ics: Option<PathBuf>,
    #[command(flatten)]
    as_of: AsOf,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExpiringFormat {
    Table,
    Csv,
}

pub fn run(global: &Global, args: Args) -> Result<ExitCode> {
    match args.command {
        Some(Command::Expiring(args)) => return expiring(global, args),
        Some(Command::Exams(args)) => return exams(global, args),
        None => {}
    }
    let site = report::load_site(&global.root, args.as_of.date()?)?;
    let summary = report::summary_of(&site, args.program.as_deref())?;
    let text = match args.format {
        SummaryFormat::Table => format::summary_table(&summary),
        SummaryFormat::Csv => format::summary_csv(&summary),
        SummaryFormat::Json => format::summary_json(&summary),
        SummaryFormat::Md => format::summary_markdown(&summary),
    };
    print(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn exams(global: &Global, args: ExamsArgs) -> Result<ExitCode> {
    let as_of = args.as_of.date()?;
    let inputs = credsite::load::load(&global.root)?;
    let programs: Vec<&str> = inputs.programs.keys().map(String::as_str).collect();
    let exams = credsite::load::exams::load(&global.root, &programs, as_of)?;
    for warning in &exams.warnings {
        eprintln!("warning: {warning}");
    }
    let out = args.out.unwrap_or_else(|| global.root.join("reports"));
    let path = report::exams::write_report(&exams, &out, &inputs.config.title, as_of)?;
    eprintln!(
        "Wrote the exam report to {} (private: do not publish it).",
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn expiring(global: &Global, args: ExpiringArgs) -> Result<ExitCode> {
    // Refused before anything is read, so that nothing is half done.
    if let Some(path) = &args.ics {
        refuse_published(&global.root, path)?;
    }
    let as_of = args.as_of.date()?;
    let site = report::load_site(&global.root, as_of)?;
    let list = report::expiring(&site, args.within, args.program.as_deref())?;
    let text = match args.format {
        ExpiringFormat::Table => format::expiring_table(&list, as_of, args.within),
        ExpiringFormat::Csv => format::expiring_csv(&list),
    };
    print(&text)?;
    if let Some(path) = &args.ics {
        if list.is_empty() {
            eprintln!(
                "No credential expires in the window: {} not written (a calendar needs at least one event; an existing file is left as it was).",
                path.display()
            );
        } else {
            write_private(path, report::ics::calendar(&site, &list).as_bytes())?;
            eprintln!(
                "Wrote {} expiry event{} to {} (personal data: keep it private).",
                list.len(),
                if list.len() == 1 { "" } else { "s" },
                path.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints to stdout; a closed pipe (`| head`) is not an error.
fn print(text: &str) -> Result<()> {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to stdout"),
    }
}

/// Folders of the site whose files end up published: the output folder, and the
/// static files and themes copied into it.
const PUBLISHED: [&str; 3] = ["public", "static", "themes"];

/// Refuses a path inside the site's published folders, symbolic links resolved as
/// far as they exist.
fn refuse_published(root: &Path, path: &Path) -> Result<()> {
    let target = resolved(path)?;
    for folder in PUBLISHED {
        let published = resolved(&root.join(folder))?;
        if target.starts_with(&published) {
            bail!(
                "refusing to write {}: it is inside the site's {folder}/ folder, and this file holds personal data that must never be published\n     hint: write it outside the site, e.g. --ics ~/expiring.ics",
                path.display()
            );
        }
    }
    Ok(())
}

/// The absolute path with its longest existing ancestor's symbolic links resolved.
fn resolved(path: &Path) -> Result<PathBuf> {
    let absolute =
        std::path::absolute(path).with_context(|| format!("cannot resolve {}", path.display()))?;
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            let mut out = real;
            out.extend(rest.iter().rev());
            return Ok(out);
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return Ok(absolute),
        }
    }
}

/// Writes a file readable by its owner only (on Unix), replacing it.
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))
}
