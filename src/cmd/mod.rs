//! One file per command, each an options struct and a `run` function.

mod build;
mod check;
mod diff;
mod init;
mod key;
mod keygen;
mod recover;
mod report;
mod serve;
mod status;
mod verify;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use credsite::load::status::Action;

/// Static credential registries for certification bodies: signed W3C Verifiable
/// Credentials (Open Badges 3.0), one verification page per credential.
///
/// Exit codes: 0 success, 1 invalid input or failed verification, 2 other errors.
#[derive(Parser)]
#[command(version, about)]
pub struct Cli {
    /// The site folder (where credsite.toml is).
    #[arg(long, global = true, default_value = ".")]
    root: PathBuf,
    /// Print how long each build stage took.
    #[arg(short, long, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Builds the site into public/ (creating the issuer key pair on first use).
    Build(build::Args),
    /// Loads, validates, signs and renders everything without writing (no secret key needed).
    Check(check::Args),
    /// Serves a live preview from memory, rebuilt and reloaded on every change.
    Serve(serve::Args),
    /// Creates the issuer key pair in keys/ (--rotate starts a new key, keeping the old pair).
    Keygen(keygen::Args),
    /// A compromised key (`key compromised --since DATE`), and passphrase encryption of
    /// the secret key file (`key encrypt`, `key decrypt`).
    Key(key::Args),
    /// Verifies a credential.json, or every credential, the feed and the manifest of a built site.
    Verify(verify::Args),
    /// Lists the files a deploy must upload and delete, from the deployed manifest.json.
    Diff(diff::Args),
    /// Creates a new site with an example program and records.
    Init(init::Args),
    /// Rebuilds a lost credsite.state.json from the published site.
    RecoverState(recover::Args),
    /// Records that a credential is revoked, for good (appends to content/status.csv).
    Revoke(status::Args),
    /// Records that a credential is suspended, for now (appends to content/status.csv).
    Suspend(status::Args),
    /// Records that a suspended credential is reinstated (appends to content/status.csv).
    Reinstate(status::Args),
    /// Summarises the roster for staff (never published); `report expiring` lists the
    /// holders to remind of an expiry, with their emails (personal data).
    ///
    /// Per program: active (valid), expired, suspended, revoked and replaced (renewed or
    /// corrected) credentials, credentials issued per year, and active credentials whose
    /// last valid day falls within the next 30, 60 and 90 days, as of --as-of. Reads the
    /// site as a build does; writes nothing, not even the site state.
    Report(report::Args),
}

/// Runs the command; the exit code for outcomes that are not errors (a failed
/// verification).
pub fn run(cli: Cli) -> Result<std::process::ExitCode> {
    let global = Global {
        root: cli.root,
        verbose: cli.verbose,
    };
    match cli.command {
        Command::Build(args) => build::run(&global, args),
        Command::Check(args) => check::run(&global, args),
        Command::Serve(args) => serve::run(&global, args),
        Command::Keygen(args) => keygen::run(&global, args),
        Command::Key(args) => key::run(&global, args),
        Command::Verify(args) => verify::run(&global, args),
        Command::Diff(args) => diff::run(&global, args),
        Command::Init(args) => init::run(&global, args),
        Command::RecoverState(args) => recover::run(&global, args),
        Command::Revoke(args) => status::run(&global, args, Action::Revoke),
        Command::Suspend(args) => status::run(&global, args, Action::Suspend),
        Command::Reinstate(args) => status::run(&global, args, Action::Reinstate),
        Command::Report(args) => report::run(&global, args),
    }
}

/// Options every command has.
pub struct Global {
    /// The site folder.
    pub root: PathBuf,
    /// Print stage timings.
    pub verbose: bool,
}

/// The build date: `--as-of` options of build, check and verify.
#[derive(clap::Args)]
pub struct AsOf {
    /// Compute valid/expired status for this date (YYYY-MM-DD)
    /// [default: $SOURCE_DATE_EPOCH if set, else today, UTC].
    #[arg(long = "as-of", value_parser = parse_as_of)]
    date: Option<NaiveDate>,
}

impl AsOf {
    /// The date given, or today.
    pub fn date(&self) -> Result<NaiveDate> {
        match self.date {
            Some(date) => Ok(date),
            None => today(),
        }
    }
}

pub fn parse_as_of(text: &str) -> Result<NaiveDate, String> {
    credsite::dates::parse_date(text)
}

/// Today in UTC, or the date of `SOURCE_DATE_EPOCH` (reproducible builds convention).
pub fn today() -> Result<NaiveDate> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(text) => {
            let secs: i64 = text
                .trim()
                .parse()
                .context("SOURCE_DATE_EPOCH must be a number of seconds")?;
            let time = chrono::DateTime::from_timestamp(secs, 0)
                .context("SOURCE_DATE_EPOCH is out of range")?;
            Ok(time.date_naive())
        }
        Err(_) => Ok(chrono::Utc::now().date_naive()),
    }
}

/// The one-line summary of a build or check, and the stage timings with `-v`.
pub fn summary(report: &credsite::Report, as_of: NaiveDate, verbose: bool) {
    eprintln!(
        "Signed {} credentials ({} expired, {} revoked, {} suspended as of {as_of}) in {} programs as {}.",
        report.credentials,
        report.expired,
        report.revoked,
        report.suspended,
        report.programs,
        report.did
    );
    if verbose {
        for (stage, took) in &report.timings {
            eprintln!("  {stage}: {} ms", took.as_millis());
        }
    }
}

/// Build options for the site at `root`.
pub fn options(root: &Path, key: Option<PathBuf>, as_of: &AsOf) -> Result<credsite::BuildOptions> {
    let mut options = credsite::BuildOptions::new(root, as_of.date()?);
    options.secret_key = key;
    Ok(options)
}

/// Warns about credentials still signed with a compromised key.
pub fn review_warning(review: &[String]) {
    if review.is_empty() {
        return;
    }
    let shown: Vec<&str> = review.iter().take(10).map(String::as_str).collect();
    eprintln!(
        "warning: {} credential(s) issued since their key was compromised are still signed with it and fail verification: {}{}\n     hint: review them (an attacker could have forged them); re-sign the genuine ones with `credsite build --resign ID`",
        review.len(),
        shown.join(", "),
        if review.len() > shown.len() {
            ", …"
        } else {
            ""
        }
    );
}
