//! The `credsite` command line.

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::{Parser, Subcommand};

use credsite::error::Diagnostics;
use credsite::{BuildOptions, KeySource, keys};

/// Static credential registries for certification bodies: signed W3C Verifiable
/// Credentials (Open Badges 3.0), one verification page per credential.
///
/// Exit codes: 0 success, 1 invalid input or failed verification, 2 other errors.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// The site folder (where credsite.toml is).
    #[arg(long, global = true, default_value = ".")]
    root: PathBuf,
    /// Print how long each build phase took.
    #[arg(short, long, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Builds the site into public/ (creating the issuer key pair on first use).
    Build {
        /// The output folder [default: <root>/public].
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// Loads, validates, signs and renders everything without writing.
    Check {
        #[command(flatten)]
        common: Common,
    },
    /// Creates the issuer key pair in keys/.
    Keygen {
        /// Replace an existing key pair (every credential signed with it stops verifying).
        #[arg(long)]
        force: bool,
    },
    /// Verifies a credential.json, or every credential and the feed of a built site.
    Verify {
        /// A credential.json file or a built site folder.
        path: PathBuf,
        /// The issuer's DID document [default: found in the site].
        #[arg(long)]
        did: Option<PathBuf>,
    },
    /// Creates a new site with an example program and records.
    Init {
        /// The folder to create the site in.
        dir: PathBuf,
    },
}

#[derive(clap::Args)]
struct Common {
    /// Read the secret key from this file [default: <root>/keys/issuer.key].
    #[arg(long, env = "CREDSITE_SECRET_KEY")]
    key: Option<PathBuf>,
    /// Compute valid/expired status on pages for this date (YYYY-MM-DD)
    /// [default: $SOURCE_DATE_EPOCH if set, else today, UTC].
    #[arg(long, value_parser = parse_as_of)]
    as_of: Option<NaiveDate>,
}

fn parse_as_of(text: &str) -> Result<NaiveDate, String> {
    credsite::dates::parse_date(text)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            let invalid = err.downcast_ref::<Diagnostics>().is_some();
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(if invalid { 1 } else { 2 })
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let root = cli.root;
    let verbose = cli.verbose;
    match cli.command {
        Command::Build { out, common } => {
            let started = Instant::now();
            let mut options = options(&root, &common)?;
            options.out = out;
            let report = credsite::build(&options)?;
            if report.key == KeySource::Created {
                eprintln!(
                    "Created the issuer key pair: {} (public, commit it) and {} (secret, mode 0600: back it up and never commit it).",
                    root.join(keys::PUBLIC_KEY_FILE).display(),
                    root.join(keys::SECRET_KEY_FILE).display()
                );
            }
            summary(&report, options.as_of, verbose);
            eprintln!(
                "Wrote {} files to {} in {} ms.",
                report.files,
                options.out_dir().display(),
                started.elapsed().as_millis()
            );
        }
        Command::Check { common } => {
            let options = options(&root, &common)?;
            let report = credsite::check(&options)?;
            if report.key == KeySource::Throwaway {
                eprintln!(
                    "note: the site has no issuer key yet; checked with a throwaway key (`credsite build` creates the real one)."
                );
            }
            summary(&report, options.as_of, verbose);
            eprintln!("Check passed: {} files would be written.", report.files);
        }
        Command::Keygen { force } => {
            let paths = keys::KeyPaths::new(&root, None);
            let key = keys::generate()?;
            keys::write_key_pair(&paths, &key, force)?;
            eprintln!(
                "Wrote {} (public, commit it) and {} (secret, mode 0600: back it up and never commit it).",
                paths.public.display(),
                paths.secret.display()
            );
            eprintln!("Public key: {}", keys::encode_public(&key.verifying_key()));
            eprintln!("Next: `credsite build` signs every credential with it.");
        }
        Command::Verify { path, did } => {
            let report = credsite::verify::verify_path(&path, did.as_deref())?;
            for (file, why) in &report.failures {
                println!("FAILED {}: {why}", file.display());
            }
            let expired = report.expired.len();
            if path.is_file() && expired > 0 {
                println!(
                    "note: {} is authentic but expired (its validUntil has passed)",
                    path.display()
                );
            }
            println!(
                "{} verified ({expired} of them expired), {} failed; issuer {} (keys from {})",
                report.verified.len(),
                report.failures.len(),
                report.issuer,
                report.did_document.display()
            );
            if !report.ok() {
                return Ok(ExitCode::from(1));
            }
        }
        Command::Init { dir } => {
            credsite::init::init(&dir)?;
            eprintln!("Created a new site in {}.", dir.display());
            eprintln!(
                "Next: edit credsite.toml (set base_url), then run `credsite build --root {}`.",
                dir.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn options(root: &Path, common: &Common) -> Result<BuildOptions> {
    let as_of = match common.as_of {
        Some(date) => date,
        None => today()?,
    };
    let mut options = BuildOptions::new(root, as_of);
    options.secret_key = common.key.clone();
    Ok(options)
}

/// Today in UTC, or the date of `SOURCE_DATE_EPOCH` (reproducible builds convention).
fn today() -> Result<NaiveDate> {
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

fn summary(report: &credsite::Report, as_of: NaiveDate, verbose: bool) {
    eprintln!(
        "Signed {} credentials ({} expired as of {as_of}) in {} programs as {}.",
        report.credentials, report.expired, report.programs, report.did
    );
    if verbose {
        for (phase, took) in &report.timings {
            eprintln!("  {phase}: {} ms", took.as_millis());
        }
    }
}
