//! `credsite verify`: checks published credentials and their status offline.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use chrono::NaiveDate;
use credsite::urls::{FEED, FEED_DIR};
use credsite::vc::verify::{self, CredentialStatus, KeyWhen, Options};

use super::{AsOf, Global};

/// Verifies a credential.json, or every credential, status list and the feed of a
/// built site, and reports each credential's status: valid, expired, suspended,
/// revoked, or unknown (a status list could not be found or checked). Nothing is
/// fetched from the network.
///
/// Exit code 1 when a document failed, or a credential is revoked or of unknown
/// status (with --strict also suspended or expired); 0 otherwise.
#[derive(clap::Args)]
pub struct Args {
    /// A credential.json file or a built site folder.
    path: PathBuf,
    /// The issuer's DID document [default: found in the site].
    #[arg(long)]
    did: Option<PathBuf>,
    /// For a single credential.json: the built site folder to read the status lists
    /// from [default: the site the DID document is in, then <root>/public].
    #[arg(long, value_name = "DIR")]
    site: Option<PathBuf>,
    /// Also fail (exit 1) when a credential is suspended or expired, for scripts
    /// that gate on a credential being valid now.
    #[arg(long)]
    strict: bool,
    /// Do not read status lists: check signatures and dates only.
    #[arg(long, conflicts_with = "site")]
    no_status: bool,
    #[command(flatten)]
    as_of: AsOf,
}

pub fn run(global: &Global, args: Args) -> Result<ExitCode> {
    let as_of = args.as_of.date()?;
    let mut options = Options::new(as_of);
    options.did_document = args.did.clone();
    options.check_status = !args.no_status;
    options.site = args.site.clone();
    // `--root` names the site source (where credsite.toml is); its built site is
    // the last place a single file's status lists are looked for.
    options.fallback_sites = vec![global.root.join("public")];
    let report = verify::verify(&args.path, &options)?;
    let single = !args.path.is_dir();

    // One write at the end: `credsite verify public | head` must not panic.
    let mut out = String::new();
    for (file, why) in &report.failures {
        writeln!(out, "FAILED {}: {why}", file.display())?;
    }
    for (file, why) in &report.stale_status_lists {
        writeln!(out, "NOT IN FORCE {}: {why}", file.display())?;
    }
    for (file, status) in &report.statuses {
        match status {
            CredentialStatus::Valid => {}
            CredentialStatus::Unknown(why) => writeln!(
                out,
                "UNKNOWN {}: status could not be checked: {why}",
                file.display()
            )?,
            other => writeln!(out, "{} {}", other.keyword(), file.display())?,
        }
    }
    if single && report.counts().unknown > 0 {
        writeln!(
            out,
            "hint: give the issuer's built site with --site DIR to read its status lists, or --no-status to check the signature alone"
        )?;
    }
    writeln!(out, "{}", summary(&report, as_of))?;
    // After the summary: scripts read the verdict from the first lines.
    keys(&mut out, &report, single)?;
    match std::io::stdout().lock().write_all(out.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(e.into()),
        _ => {}
    }
    Ok(if report.passes(args.strict) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Which key signed: for a single credential, one line; for a site, one line per
/// key, and one per credential re-signed with a later key than the one active on its
/// issue date.
fn keys(out: &mut String, report: &verify::Report, single: bool) -> Result<()> {
    let describe = |n: usize| {
        let k = &report.keys[n - 1];
        let mut s = format!(
            "{n} of {} ({}#{}), active from {}",
            report.keys.len(),
            report.issuer,
            k.public,
            k.active_from
        );
        if let Some(to) = k.active_to {
            s.push_str(&format!(" to {to}"));
        }
        if let Some(since) = k.compromised_since {
            s.push_str(&format!(", compromised since {since}"));
        }
        s
    };
    match &report.key_log {
        Some((path, n)) if *n > 0 => writeln!(
            out,
            "Key log {}: {n} entries, hash chain and signatures verified, the same keys as the DID document",
            path.display()
        )?,
        Some(_) => {}
        None => writeln!(
            out,
            "No key log (did.jsonl) beside the DID document: which key was active when is not checked"
        )?,
    }
    let when = |u: &verify::KeyUse| match (u.when, u.issued) {
        (KeyWhen::Active, Some(d)) => format!("active on its issue date {d}"),
        (KeyWhen::Resigned { active }, Some(d)) => format!(
            "not the key active on its issue date {d} (key {active}): re-signed with a later key"
        ),
        _ => "not in the key log: whether it was active on the issue date is unknown".into(),
    };
    if single {
        for (file, u) in &report.key_uses {
            let key = u.number.map_or(u.method.clone(), describe);
            writeln!(
                out,
                "KEY {}: signed by key {key}; {}",
                file.display(),
                when(u)
            )?;
        }
        return Ok(());
    }
    for n in 1..=report.keys.len() {
        let uses: Vec<&verify::KeyUse> = report
            .key_uses
            .iter()
            .map(|(_, u)| u)
            .filter(|u| u.number == Some(n))
            .collect();
        let active = uses.iter().filter(|u| u.when == KeyWhen::Active).count();
        writeln!(
            out,
            "KEY {}: signed {} credentials, {active} of them issued while it was active",
            describe(n),
            uses.len()
        )?;
    }
    for (file, u) in &report.key_uses {
        if matches!(u.when, KeyWhen::Resigned { .. }) {
            let key = u.number.map_or(u.method.clone(), |n| format!("key {n}"));
            writeln!(
                out,
                "RE-SIGNED {}: signed by {key}; {}",
                file.display(),
                when(u)
            )?;
        }
    }
    Ok(())
}

/// The last line: what verified, each status counted, what failed, and the issuer
/// the signatures prove, e.g. `Verified 52 credentials (31 valid, 17 expired,
/// 2 suspended, 2 revoked, 0 unknown as of 2026-11-24), the feed and 2 status lists;
/// 0 failed; issuer did:web:… (keys from …)`.
fn summary(report: &verify::Report, as_of: NaiveDate) -> String {
    let single_feed_pages = report
        .verified
        .iter()
        .filter(|p| {
            p.file_name().is_some_and(|n| n == FEED)
                || p.parent()
                    .and_then(|d| d.file_name())
                    .is_some_and(|d| d == FEED_DIR.trim_end_matches('/'))
        })
        .count();
    let credentials = report.verified.len() - single_feed_pages;
    let feed = single_feed_pages + report.feed_pages.len();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let counts = report.counts();
    let mut parts = vec![if report.status_checked {
        format!(
            "{} ({} valid, {} expired, {} suspended, {} revoked, {} unknown as of {as_of})",
            plural(credentials, "credential"),
            counts.valid,
            counts.expired,
            counts.suspended,
            counts.revoked,
            counts.unknown
        )
    } else {
        format!(
            "{} ({} expired as of {as_of}; status not checked)",
            plural(credentials, "credential"),
            report.expired.len()
        )
    }];
    if credentials == 0 && feed > 0 {
        parts.clear();
    }
    if feed == 1 {
        parts.push("the feed".into());
    } else if feed > 1 {
        parts.push(format!("the feed ({feed} pages, chained)"));
    }
    if !report.status_lists.is_empty() {
        parts.push(plural(report.status_lists.len(), "status list"));
    }
    if let Some(files) = report.manifest_files {
        parts.push(format!(
            "the manifest ({files} files, all present and unchanged)"
        ));
    }
    let last = parts.pop().expect("one part at least");
    let verified = if parts.is_empty() {
        last
    } else {
        format!("{} and {last}", parts.join(", "))
    };
    format!(
        "Verified {verified}; {} failed; issuer {} (keys from {})",
        report.failures.len(),
        report.issuer,
        report.did_document.display()
    )
}
