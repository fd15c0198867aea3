//! `credsite build`: the site into `public/`, in one atomic step.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use credsite::issuer::{KeySource, keys};
use credsite::output::limits;
use credsite::state::STATE_FILE;
use credsite::vc::sign::Reissue;

use super::{AsOf, Global};

/// Builds the site into public/ (creating the issuer key pair on first use).
#[derive(clap::Args)]
pub struct Args {
    /// The output folder [default: <root>/public].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Read the secret key from this file [default: <root>/keys/issuer.key].
    #[arg(long, env = "CREDSITE_SECRET_KEY")]
    key: Option<PathBuf>,
    #[command(flatten)]
    as_of: AsOf,
    /// Re-issue credentials whose signed content changed: a credential id,
    /// `program:ID` or `all`. Repeat for more.
    #[arg(long, value_name = "ID|program:ID|all")]
    reissue: Vec<String>,
    /// Re-sign credentials with the current key, whatever key was active on their
    /// issue date: a credential id, `program:ID` or `all`. Repeat for more.
    #[arg(long, value_name = "ID|program:ID|all")]
    resign: Vec<String>,
    /// Write every file, ignoring what the previous build left (by default a build
    /// keeps unchanged files and re-renders only credentials whose inputs changed).
    #[arg(long)]
    clean: bool,
}

pub fn run(global: &Global, args: Args) -> Result<ExitCode> {
    let started = Instant::now();
    let mut options = super::options(&global.root, args.key, &args.as_of)?;
    options.out = args.out;
    options.reissue = Reissue::parse(args.reissue.iter().map(String::as_str));
    options.resign = Reissue::parse(args.resign.iter().map(String::as_str));
    options.clean = args.clean;
    let report = credsite::build(&options)?;
    for note in &report.notes {
        eprintln!("note: {note}");
    }
    if report.key == KeySource::Created {
        eprintln!(
            "Created the issuer key pair: {} (public, commit it) and {} (secret, mode 0600: back it up and never commit it).",
            global.root.join(keys::PUBLIC_KEY_FILE).display(),
            global.root.join(keys::SECRET_KEY_FILE).display()
        );
    }
    super::summary(&report, options.as_of, global.verbose);
    if report.new > 0 || report.reissued > 0 {
        eprintln!(
            "Issued {} new and re-issued {} credentials: commit {} with the site.",
            report.new,
            report.reissued,
            global.root.join(STATE_FILE).display()
        );
    }
    if report.resigned > 0 {
        eprintln!(
            "Re-signed {} credentials with the current key: commit {}.",
            report.resigned,
            global.root.join(STATE_FILE).display()
        );
    }
    if report.key_log_created {
        eprintln!(
            "Started the signed key log {}: commit it with the site.",
            global
                .root
                .join(credsite::issuer::keylog::KEY_LOG_FILE)
                .display()
        );
    }
    super::review_warning(&report.review);
    let savings = report.savings;
    eprintln!(
        "Wrote {} files to {} ({} changed, {} unchanged kept; {} credentials unchanged, not re-rendered) in {} ms.",
        report.files,
        options.out_dir().display(),
        report.files - savings.unchanged,
        savings.unchanged,
        savings.reused,
        started.elapsed().as_millis()
    );
    let shape = &report.shape;
    eprintln!(
        "Output: {} files, {}; largest folder {}/ ({} entries); largest file {} ({}).",
        shape.files,
        limits::human(shape.bytes),
        shape.largest_folder.0,
        shape.largest_folder.1,
        shape.largest_file.0,
        limits::human(shape.largest_file.1)
    );
    for warning in limits::warnings(shape) {
        eprintln!(
            "warning: too big for some hosts: {warning} (limits as of {}; see \"Hosting\" in the README)",
            limits::LIMITS_AS_OF
        );
    }
    Ok(ExitCode::SUCCESS)
}
