//! credsite: a static site generator for certification bodies.
//!
//! It reads programs and credential records from plain files, signs every credential
//! as a W3C Verifiable Credential (Open Badges 3.0) with an Ed25519 Data Integrity
//! proof (`eddsa-jcs-2022`), and writes a static registry with one verification page
//! per credential, the issuer's `did:web` document and a signed JSON feed.
//!
//! The pipeline: [`Site::load`] → keys → [`generate`] (sign, self-verify, render)
//! → [`output::Sink::commit`].

#![forbid(unsafe_code)]

pub mod config;
pub mod credential;
pub mod dates;
pub mod did;
pub mod error;
pub mod feed;
pub mod ids;
pub mod init;
pub mod keys;
pub mod markdown;
pub mod output;
pub mod programs;
pub mod proof;
pub mod qr;
pub mod records;
pub mod render;
pub mod site;
pub mod theme;
pub mod verify;
pub mod walk;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use ed25519_dalek::SigningKey;
use rayon::prelude::*;
use serde_json::Value;

use crate::credential::page_path;
use crate::did::DidWeb;
use crate::output::Sink;
use crate::render::{CredentialView, Pages, ProgramView};
pub use crate::site::Site;
use crate::theme::Theme;

/// `_headers` (Netlify, Cloudflare Pages): let any origin fetch the JSON documents.
const HEADERS: &str =
    "/*.json\n  Access-Control-Allow-Origin: *\n/.well-known/*\n  Access-Control-Allow-Origin: *\n";

/// What `build` and `check` need to know.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The site root (where `credsite.toml` is).
    pub root: PathBuf,
    /// The output folder; `<root>/public` by default.
    pub out: Option<PathBuf>,
    /// Where to read the secret key; `<root>/keys/issuer.key` by default.
    pub secret_key: Option<PathBuf>,
    /// The date the pages' valid/expired status is computed for. Never signed.
    pub as_of: NaiveDate,
}

impl BuildOptions {
    /// Options for the site at `root`, with status as of `as_of`.
    pub fn new(root: impl Into<PathBuf>, as_of: NaiveDate) -> Self {
        BuildOptions {
            root: root.into(),
            out: None,
            secret_key: None,
            as_of,
        }
    }

    /// The output folder.
    pub fn out_dir(&self) -> PathBuf {
        self.out.clone().unwrap_or_else(|| self.root.join("public"))
    }
}

/// How the issuer key was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// From the site's key files.
    Existing,
    /// Created by this build (first build of a site).
    Created,
    /// `check` on a site without keys: a throwaway key, nothing written.
    Throwaway,
}

/// What a build produced.
#[derive(Debug, Clone)]
pub struct Report {
    /// Programs rendered.
    pub programs: usize,
    /// Credentials signed and rendered.
    pub credentials: usize,
    /// Credentials expired as of the build date.
    pub expired: usize,
    /// Files written (or, for `check`, rendered).
    pub files: u64,
    /// The issuer's DID.
    pub did: String,
    /// Where the key came from.
    pub key: KeySource,
    /// How long each phase took, in order (printed with `--verbose`).
    pub timings: Vec<(&'static str, Duration)>,
}

/// Builds the site into its output folder, atomically: on any error the previous
/// output is left as it was.
pub fn build(options: &BuildOptions) -> Result<Report> {
    let started = Instant::now();
    let site = Site::load(&options.root)?;
    let loaded = started.elapsed();
    let out = options.out_dir();
    check_out_dir(&options.root, &out)?;
    let theme = Theme::load(&site.root, &site.config.theme)?;
    let (key, source) = issuer_key(options, true)?;
    let sink = Sink::staging(&out)?;
    match generate(&site, &key, source, &theme, options.as_of, &sink) {
        Ok(mut report) => {
            let swap = Instant::now();
            sink.commit()?;
            report.timings.insert(0, ("load and validate", loaded));
            report.timings.push(("swap into place", swap.elapsed()));
            Ok(report)
        }
        Err(e) => {
            sink.abandon();
            Err(e)
        }
    }
}

/// Does everything `build` does except writing: loads, validates, signs, verifies
/// and renders every page. On a site without keys it signs with a throwaway key.
pub fn check(options: &BuildOptions) -> Result<Report> {
    let started = Instant::now();
    let site = Site::load(&options.root)?;
    let loaded = started.elapsed();
    let theme = Theme::load(&site.root, &site.config.theme)?;
    let (key, source) = issuer_key(options, false)?;
    let mut report = generate(&site, &key, source, &theme, options.as_of, &Sink::discard())?;
    report.timings.insert(0, ("load and validate", loaded));
    Ok(report)
}

/// The issuer's signing key: from the key files, newly created (`create`), or else
/// a throwaway key for `check`.
fn issuer_key(options: &BuildOptions, create: bool) -> Result<(SigningKey, KeySource)> {
    let paths = keys::KeyPaths::new(&options.root, options.secret_key.as_deref());
    Ok(match keys::load(&paths, create)? {
        keys::Loaded::Existing(key) => (key, KeySource::Existing),
        keys::Loaded::Created(key) => (key, KeySource::Created),
        keys::Loaded::Missing => (keys::generate()?, KeySource::Throwaway),
    })
}

/// Signs and renders the whole site into `sink`.
pub fn generate(
    site: &Site,
    key: &SigningKey,
    key_source: KeySource,
    theme: &Theme,
    as_of: NaiveDate,
    sink: &Sink,
) -> Result<Report> {
    let did = DidWeb::from_base_url(&site.config.base_url);
    let public = key.verifying_key();
    let method = did.key_id(&public);
    let issuer = credential::issuer_profile(site, &did);
    let salt_key = credential::salt_key(key);
    let pages = Pages::new(theme, site, &did, as_of);
    let secret_text = keys::encode_secret(key);

    // Static files first, so generated pages win over a stray static file of the same name.
    for (rel, bytes) in &theme.static_files {
        if contains(bytes, secret_text.as_bytes()) {
            bail!("static file {rel} contains the issuer's secret key: refusing to publish it");
        }
        sink.write(rel, bytes)?;
    }

    let mut timings = Vec::new();
    let mut phase = Instant::now();
    let mut lap = |name: &'static str, timings: &mut Vec<(&'static str, Duration)>| {
        timings.push((name, phase.elapsed()));
        phase = Instant::now();
    };
    let mut views = site
        .records
        .par_iter()
        .map(|record| {
            let located = || {
                let at = &record.origin;
                format!(
                    "credential {} ({}:{})",
                    record.id,
                    at.path.display(),
                    at.line
                )
            };
            let unsigned = credential::unsigned(site, &issuer, record, &salt_key);
            let created = dates::date_time(record.issued);
            let signed =
                proof::sign(unsigned, key, &method, Some(&created)).with_context(located)?;
            let dir = page_path(&record.id);
            let view = CredentialView::new(site, record, as_of);
            sink.write(&format!("{dir}credential.json"), &pretty(&signed)?)?;
            let page = pages.credential(&view).with_context(located)?;
            sink.write(&format!("{dir}index.html"), page.as_bytes())?;
            sink.write(&format!("{dir}qr.svg"), qr::svg(&view.page_url)?.as_bytes())?;
            Ok(view)
        })
        .collect::<Result<Vec<CredentialView>>>()?;

    lap("sign and render credentials", &mut timings);

    // Listings are alphabetical by holder. They and the feed are large single
    // documents on big sites, so they are made side by side.
    views.sort_by(|a, b| {
        a.holder_name
            .cmp(b.holder_name)
            .then_with(|| a.id.cmp(b.id))
    });
    let (listings, signed_feed) = rayon::join(
        || write_listings(site, &pages, &views, sink),
        || -> Result<()> {
            let created = feed::created(site);
            let feed = proof::sign(feed::unsigned(site), key, &method, created.as_deref())?;
            sink.write("feed.json", &pretty(&feed)?)
        },
    );
    listings?;
    signed_feed.context("cannot sign the feed")?;
    sink.write("404.html", pages.not_found()?.as_bytes())?;
    // GitHub Pages hides dot-folders such as .well-known/ unless Jekyll is off.
    sink.write(".nojekyll", b"")?;
    // Netlify and Cloudflare Pages read CORS headers from _headers, so that browser
    // verifiers on other sites can fetch the DID document and the credentials.
    sink.write("_headers", HEADERS.as_bytes())?;
    sink.write(&did.document_path, &pretty(&did.document(&public))?)?;
    lap("render listings and sign feed", &mut timings);

    Ok(Report {
        programs: site.programs.len(),
        credentials: views.len(),
        expired: views.iter().filter(|v| v.status == "expired").count(),
        files: sink.files(),
        did: did.did,
        key: key_source,
        timings,
    })
}

/// Writes the home page and one page per program, each listing its holders.
fn write_listings(site: &Site, pages: &Pages, views: &[CredentialView], sink: &Sink) -> Result<()> {
    let programs: Vec<ProgramView> = site
        .programs
        .values()
        .map(|p| ProgramView::new(p, views.iter().filter(|v| v.program_id == p.id).count()))
        .collect();
    programs.par_iter().try_for_each(|program| {
        let holders: Vec<&CredentialView> = views
            .iter()
            .filter(|v| v.program_id == program.id)
            .collect();
        sink.write(
            &render::program_page(program.id),
            pages.program(program, &holders)?.as_bytes(),
        )
    })?;
    sink.write("index.html", pages.index(&programs, views)?.as_bytes())
}

fn pretty(value: &Value) -> Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(value)?;
    bytes.push(b'\n');
    Ok(bytes)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Refuses an output folder that would swallow the site or an unrelated folder.
fn check_out_dir(root: &Path, out: &Path) -> Result<()> {
    let abs = |p: &Path| {
        std::path::absolute(p).with_context(|| format!("cannot resolve {}", p.display()))
    };
    let (root_abs, out_abs) = (abs(root)?, abs(out)?);
    if root_abs.starts_with(&out_abs) {
        bail!(
            "the output folder {} contains the site itself: choose another --out",
            out.display()
        );
    }
    for protected in ["content", "keys", "themes", "templates", "static"] {
        if out_abs.starts_with(root_abs.join(protected)) {
            bail!(
                "the output folder {} is inside the site's {protected}/ folder: choose another --out",
                out.display()
            );
        }
    }
    if out.is_dir() {
        let empty = std::fs::read_dir(out)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !empty && !out.join("feed.json").is_file() {
            bail!(
                "{} exists and does not look like a credsite output (no feed.json): refusing to replace it\n     hint: remove it or choose another --out",
                out.display()
            );
        }
    }
    Ok(())
}
