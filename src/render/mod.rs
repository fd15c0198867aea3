//! Stage 5, render: the whole site as `(path, bytes)` pages, with no I/O.
//!
//! [`render`] returns a parallel stream of pages; the write stage consumes it (to a
//! staging folder, or to memory for `check` and tests), so that no more than the pages
//! in flight are held at once. Signing happens inside the stream, per credential.

pub mod csp;
pub mod markdown;
pub mod pages;
pub mod qr;
pub mod statistics;
pub mod theme;
pub mod views;

use std::collections::HashSet;

use anyhow::{Context, Result, bail};
use rayon::prelude::*;
use serde_json::Value;

use crate::site::{Credential, Site};
use crate::urls;
use crate::vc::sign::Signer;
use crate::vc::status_list::Purpose;
use pages::Pages;
use views::{CredentialView, ProgramView};

/// One file of the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// Its site path ('/'-separated, relative to the site root).
    pub path: String,
    /// Its content.
    pub bytes: Vec<u8>,
}

impl Page {
    fn new(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        Page {
            path: path.into(),
            bytes: bytes.into(),
        }
    }
}

/// `_headers` (Netlify, Cloudflare Pages): let any origin fetch the JSON documents, so
/// that browser verifiers on other sites can fetch the DID document and credentials.
const CORS_HEADERS: &str =
    "/*.json\n  Access-Control-Allow-Origin: *\n/.well-known/*\n  Access-Control-Allow-Origin: *\n";

/// A unit of rendering work. The big single documents come first, so that they start
/// while the many small credential jobs fill the other threads.
enum Job<'a> {
    Feed,
    Home,
    Program(&'a str),
    SiteFiles,
    StatusList(Purpose, u32),
    Static(&'a str, &'a [u8]),
    Credential(&'a Credential),
}

/// Everything the render jobs read.
struct Renderer<'a> {
    site: &'a Site,
    signer: &'a Signer<'a>,
    pages: Pages<'a>,
    /// Credentials in listing order: by holder name, then id.
    listed: Vec<&'a Credential>,
}

/// The site's pages, rendered in parallel as the stream is consumed, except the files
/// of the credentials in `skip` (an incremental build keeps them, issue 12).
pub fn render<'a>(
    site: &'a Site,
    signer: &'a Signer<'a>,
    skip: &'a HashSet<String>,
) -> impl ParallelIterator<Item = Result<Page>> + 'a {
    let mut listed: Vec<&Credential> = site.credentials.iter().collect();
    listed.par_sort_by(|a, b| {
        a.record
            .holder_name
            .cmp(&b.record.holder_name)
            .then_with(|| a.id().cmp(b.id()))
    });
    let method = signer.verification_method();
    let public = signer.issuer().public_multibase();
    let issuer = pages::EmbeddedIssuer {
        verification_method: &method,
        public_key_multibase: &public,
    };
    let renderer = Renderer {
        site,
        signer,
        pages: Pages::new(site, &issuer),
        listed,
    };
    let mut jobs = vec![Job::Feed, Job::Home, Job::SiteFiles];
    jobs.extend(site.programs.keys().map(|id| Job::Program(id)));
    for list in 1..=site.status_lists {
        jobs.extend(Purpose::ALL.map(|purpose| Job::StatusList(purpose, list)));
    }
    jobs.extend(
        site.theme
            .static_files
            .iter()
            .map(|(path, bytes)| Job::Static(path, bytes)),
    );
    jobs.extend(
        site.credentials
            .iter()
            .filter(|c| !skip.contains(c.id()))
            .map(Job::Credential),
    );
    jobs.into_par_iter()
        .flat_map_iter(move |job| match renderer.run(job) {
            Ok(pages) => pages.into_iter().map(Ok).collect(),
            Err(e) => vec![Err(e)],
        })
}

/// The files of one credential alone (signed document, page, QR code), exactly as
/// [`render`] makes them: the preview server renders them when they are asked for.
pub fn credential_pages(
    site: &Site,
    signer: &Signer<'_>,
    credential: &Credential,
) -> Result<Vec<Page>> {
    let method = signer.verification_method();
    let public = signer.issuer().public_multibase();
    let issuer = pages::EmbeddedIssuer {
        verification_method: &method,
        public_key_multibase: &public,
    };
    let renderer = Renderer {
        site,
        signer,
        pages: Pages::new(site, &issuer),
        listed: Vec::new(),
    };
    Ok(renderer.credential(credential)?.into())
}

impl<'a> Renderer<'a> {
    fn run(&self, job: Job<'a>) -> Result<Vec<Page>> {
        let page = |path: String, bytes: Vec<u8>| vec![Page::new(path, bytes)];
        Ok(match job {
            Job::Credential(credential) => self
                .credential(credential)
                .with_context(|| {
                    format!(
                        "credential {} ({}:{})",
                        credential.id(),
                        credential.record.origin.path.display(),
                        credential.record.origin.line
                    )
                })?
                .into(),
            Job::Feed => page(urls::FEED.into(), pretty(&self.signer.feed()?)?),
            Job::Home => {
                let programs = self.program_views();
                let views = self.views(&self.listed);
                let refs: Vec<&CredentialView> = views.iter().collect();
                page(
                    urls::HOME_PAGE.into(),
                    self.pages.home(&programs, &refs)?.into_bytes(),
                )
            }
            Job::Program(id) => {
                let holders: Vec<&Credential> = self
                    .listed
                    .iter()
                    .filter(|c| c.record.program == id)
                    .copied()
                    .collect();
                let program = ProgramView::new(&self.site.programs[id], holders.len());
                let views = self.views(&holders);
                let refs: Vec<&CredentialView> = views.iter().collect();
                page(
                    urls::program_page(id),
                    self.pages.program(&program, &refs)?.into_bytes(),
                )
            }
            Job::SiteFiles => self.site_files()?,
            Job::StatusList(purpose, list) => page(
                urls::status_list(purpose.as_str(), list),
                pretty(&self.signer.status_list(purpose, list)?)?,
            ),
            Job::Static(path, bytes) => {
                if self.signer.issuer().appears_in(bytes) {
                    bail!(
                        "static file {path} contains the issuer's secret key: refusing to publish it"
                    );
                }
                // The site's own `_headers` is merged with credsite's in `site_files`.
                if path == urls::HEADERS_FILE {
                    Vec::new()
                } else {
                    page(path.to_string(), bytes.to_vec())
                }
            }
        })
    }

    /// A credential's three files: the signed document, the page (which embeds the
    /// document's exact text) and its QR code.
    fn credential(&self, credential: &'a Credential) -> Result<[Page; 3]> {
        let signed = pretty(&self.signer.credential(credential)?)?;
        let view = CredentialView::new(self.site, credential);
        let id = credential.id();
        let page = self
            .pages
            .credential(&view, std::str::from_utf8(&signed)?)?;
        Ok([
            Page::new(urls::credential_json(id), signed),
            Page::new(urls::credential_page(id), page.into_bytes()),
            Page::new(urls::credential_qr(id), qr::svg(&credential.page_url)?),
        ])
    }

    /// The DID document, the not-found page and the hosts' configuration files.
    fn site_files(&self) -> Result<Vec<Page>> {
        let site = self.site;
        let public = self.signer.issuer().key.verifying_key();
        let mut files = vec![
            Page::new(
                site.did.document_path.clone(),
                pretty(&site.did.document(&public))?,
            ),
            Page::new(urls::NOT_FOUND_PAGE, self.pages.not_found()?),
            Page::new(urls::VERIFY_PAGE, self.pages.verify()?),
        ];
        if site.config.statistics.enabled {
            let programs = statistics::programs(site);
            files.push(Page::new(
                urls::STATISTICS_PAGE,
                self.pages
                    .statistics(&programs, site.config.statistics.minimum)?,
            ));
        }
        let statics = &site.theme.static_files;
        let mut headers = statics
            .get(urls::HEADERS_FILE)
            .map(|own| String::from_utf8_lossy(own).into_owned() + "\n")
            .unwrap_or_default();
        headers.push_str(CORS_HEADERS);
        headers.push_str(&csp::header());
        // Caches may keep a status list as long as its `ttl` says, and no longer.
        headers.push_str(&format!(
            "/{}*\n  Cache-Control: public, max-age={}\n",
            urls::STATUS_DIR,
            u64::from(site.config.status_list.ttl_days) * 24 * 60 * 60
        ));
        files.push(Page::new(urls::HEADERS_FILE, headers));
        if !statics.contains_key(urls::NOJEKYLL_FILE) {
            files.push(Page::new(urls::NOJEKYLL_FILE, Vec::new()));
        }
        Ok(files)
    }

    fn program_views(&self) -> Vec<ProgramView<'a>> {
        self.site
            .programs
            .values()
            .map(|p| {
                let holders = self
                    .site
                    .credentials
                    .iter()
                    .filter(|c| c.record.program == p.id)
                    .count();
                ProgramView::new(p, holders)
            })
            .collect()
    }

    fn views(&self, credentials: &[&'a Credential]) -> Vec<CredentialView<'a>> {
        credentials
            .iter()
            .map(|c| CredentialView::new(self.site, c))
            .collect()
    }
}

/// Pretty JSON with a final newline.
fn pretty(value: &Value) -> Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(value)?;
    bytes.push(b'\n');
    Ok(bytes)
}
