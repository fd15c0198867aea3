//! `credsite init`: a new site with one example program and a few records.

use std::fs;
use std::path::Path;

use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use super::Global;

/// Creates a new site with an example program and records.
#[derive(clap::Args)]
pub struct Args {
    /// The folder to create the site in.
    dir: std::path::PathBuf,
}

pub fn run(_global: &Global, args: Args) -> Result<ExitCode> {
    init(&args.dir)?;
    eprintln!("Created a new site in {}.", args.dir.display());
    eprintln!(
        "Next: edit credsite.toml (set base_url), then run `credsite build --root {}`.",
        args.dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

const CONFIG: &str = r#"# credsite site configuration. See the README for every key.
title = "Example Certification Board: Credential Registry"
# The https address the site will be served from. The issuer's DID (did:web) is
# derived from it, so set it before issuing real credentials.
base_url = "https://certs.example.org"
description = "Public registry of the credentials issued by the Example Certification Board."

[issuer]
name = "Example Certification Board"
description = "An independent body certifying professionals."
contact = "registry@example.org"
"#;

const PROGRAM: &str = r#"+++
id = "example-practitioner"
name = "Certified Example Practitioner"
summary = "Certifies that the holder can apply example practice safely and competently."
criteria = "Pass the written exam (70% or more) and show 2 years of supervised practice."
validity = "3 years"
version = "1.0"

[accreditation]
body = "Example Accreditation Service"
standard = "ISO/IEC 17024:2012"
+++
## About the program

Describe the scheme here, in Markdown: what it certifies, who it is for, how
holders are assessed and how they recertify.
"#;

const RECORDS: &str =
    "id,holder_name,holder_email,program,issued,expires,evidence_exam,evidence_score,evidence_date
ecp-0001,Ada Example,ada@example.org,example-practitioner,2025-03-14,,Written exam,86/100,2025-02-28
ecp-0002,Grace Sample,,example-practitioner,2024-06-01,,Written exam,78/100,2024-05-20
ecp-0003,Alan Placeholder,alan@example.org,example-practitioner,2021-09-10,2024-09-10,,,
";

const GITIGNORE: &str = "# Never commit the issuer's secret key (keys/issuer.pub and credsite.state.json are\n# committed: they hold no secret and must never be lost).\nkeys/*.key\nkeys/retired/*.key\n/public/\n/.public.staging/\n/.public.old/\n/.public.lock\n/.public.manifest\n/.public.apply\n# Private reports (credsite report exams): never publish them.\n/reports/\n";

/// Creates a new site in `dir` (which may exist but must not hold a site already).
fn init(dir: &Path) -> Result<()> {
    if credsite::load::is_site(dir) {
        bail!(
            "{} already has a credsite.toml: not touching it",
            dir.display()
        );
    }
    let files: [(&str, &str); 4] = [
        ("credsite.toml", CONFIG),
        ("content/programs/example-practitioner.md", PROGRAM),
        ("content/credentials/roster.csv", RECORDS),
        (".gitignore", GITIGNORE),
    ];
    for (rel, _) in files {
        let path = dir.join(rel);
        if path.exists() {
            bail!("{} already exists: not overwriting it", path.display());
        }
    }
    for (rel, text) in files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    for empty in ["templates", "static", "keys"] {
        fs::create_dir_all(dir.join(empty))
            .with_context(|| format!("cannot create {}", dir.join(empty).display()))?;
    }
    Ok(())
}
