//! Stage 5, render: the whole site as `(path, bytes)` pages, with no I/O.
//!
//! [`render`] returns a parallel stream of pages; the write stage consumes it (to a
//! staging folder, or to memory for `check` and tests), so that no more than the pages
//! in flight are held at once. Signing happens inside the stream, per credential.

pub mod csp;
pub mod listing;
pub mod markdown;
pub mod pages;
pub mod qr;
pub mod search;
pub mod sitemap;
pub mod statistics;
pub mod theme;
pub mod views;

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use rayon::prelude::*;

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
    /// A page at site path `path`.
    pub fn new(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
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

/// A unit of rendering work. The site-wide documents come first, the feed first of
/// all: [`Renderer::run_all`] runs the first one apart and the others each as a task
/// of its own, while the many small jobs fill the threads that come free.
enum Job<'a> {
    Feed,
    Search,
    Sitemap,
    Home,
    /// A page (from 1) of a program's listing.
    Program(&'a str, usize),
    SiteFiles,
    StatusList(Purpose, u32),
    Static(&'a str, &'a [u8]),
    Credential(&'a Credential),
}

impl Job<'_> {
    /// A job that makes a site-wide document (or a chain of them) in one go.
    fn is_whole(&self) -> bool {
        matches!(
            self,
            Job::Feed | Job::Search | Job::Sitemap | Job::Home | Job::SiteFiles
        )
    }
}

/// Everything the render jobs read.
struct Renderer<'a> {
    site: &'a Site,
    signer: &'a Signer<'a>,
    pages: Pages<'a>,
    /// Each program's listed credentials, in listing order, with their places in the
    /// site's order.
    listings: BTreeMap<&'a str, Vec<listing::Listed<'a>>>,
    /// Each program's place in the home page's list, which search results refer to.
    program_index: BTreeMap<&'a str, usize>,
    /// Each program's letter index.
    letters: BTreeMap<&'a str, Vec<listing::LetterView>>,
    /// Each program's view (made once: its description is rendered from Markdown), in
    /// the home page's order, with SHA-256 of its JSON (for [`Renderer::listing_key`]).
    programs: Vec<(ProgramView<'a>, Option<[u8; 32]>)>,
    /// SHA-256 of the site-wide context every page gets (see [`Renderer::listing_key`]).
    context_digest: [u8; 32],
    /// Hex digits in the lookup shards' names ([`search::lookup_digits`]).
    lookup_digits: usize,
}

/// The most small jobs (a credential's files, a listing page…) one task of
/// [`Renderer::run_all`] takes: about a millisecond of work, so that at the end of a
/// build both threads finish within about that of each other.
const MANY_PER_TASK: usize = 16;

/// The site's pages, rendered in parallel as the stream is consumed, except the files
/// of the credentials in `skip` (an incremental build keeps them, issue 12).
pub fn render<'a>(
    site: &'a Site,
    signer: &'a Signer<'a>,
    skip: &'a crate::output::Reused,
) -> impl ParallelIterator<Item = Result<Page>> + 'a {
    let renderer = Renderer::new(site, signer, true);
    let mut jobs = vec![Job::Feed, Job::Search];
    jobs.extend(renderer.pages_jobs());
    jobs.extend(
        site.credentials
            .iter()
            .enumerate()
            .filter(|(index, _)| !skip.contains(*index))
            .map(|(_, c)| Job::Credential(c)),
    );
    renderer.run_all(jobs)
}

/// The site-wide pages in three parts, which the preview server renders each when one
/// of its pages is first asked for (issue 12): together with the credentials' files
/// ([`credential_pages`]) they are exactly what [`render`] makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The home page, the programs' listings, the sitemap, the status lists, the DID
    /// document and the other site files, and the static files.
    Pages,
    /// The signed feed's pages (`feed.json`, `feed/N.json`).
    Feed,
    /// The search index (`search/`).
    Search,
}

impl Part {
    /// The part a site path belongs to, from its name alone: the feed's and the search
    /// index's files, else [`Part::Pages`].
    pub fn of(path: &str) -> Part {
        if path == urls::FEED || path.starts_with(urls::FEED_DIR) {
            Part::Feed
        } else if path.starts_with(urls::SEARCH_DIR) {
            Part::Search
        } else {
            Part::Pages
        }
    }
}

/// The pages of one part of the site-wide pages.
pub fn part<'a>(
    site: &'a Site,
    signer: &'a Signer<'a>,
    part: Part,
) -> impl ParallelIterator<Item = Result<Page>> + 'a {
    let renderer = Renderer::new(site, signer, part == Part::Pages);
    let jobs = match part {
        Part::Pages => renderer.pages_jobs(),
        Part::Feed => vec![Job::Feed],
        Part::Search => vec![Job::Search],
    };
    renderer.run_all(jobs)
}

/// The feed's pages, signed and rendered one at a time as they are read.
fn feed_pages<'a>(signer: &'a Signer<'a>) -> impl Iterator<Item = Result<Page>> + Send + 'a {
    signer.feed().map(|page| {
        let (path, doc) = page?;
        Ok(Page::new(path, pretty(&doc)?))
    })
}

/// The files of one credential alone (signed document and page, and the redirect
/// page of a moved one), exactly as [`render`] makes them: the preview server
/// renders them when they are asked for.
pub fn credential_pages<'a>(
    site: &'a Site,
    signer: &'a Signer<'a>,
    credential: &'a Credential,
) -> Result<Vec<Page>> {
    Renderer::new(site, signer, false).credential(credential)
}

/// The site paths of a credential's files, as [`render`] writes them.
pub fn credential_files(credential: &Credential) -> Vec<String> {
    let mut files = vec![
        urls::json_in(&credential.dir),
        urls::page_in(&credential.dir),
    ];
    if let Some(old) = &credential.moved_from {
        files.push(urls::page_in(old));
    }
    files
}

impl<'a> Renderer<'a> {
    /// The renderer of `site`; with `listings`, also what the listing, search and
    /// home pages need (a single credential's files do not).
    fn new(site: &'a Site, signer: &'a Signer<'a>, listings: bool) -> Self {
        let page_size = site.config.directory.page_size as usize;
        let with_listings = listings && !site.programs.is_empty();
        // The listings and their letter indexes, the programs' totals and the lookup
        // shards' digits, side by side: each reads every credential.
        let ((listings, letters), (totals, lookup_digits)) = rayon::join(
            || {
                let listings = if with_listings {
                    listing::listings(site)
                } else {
                    BTreeMap::new()
                };
                let letters: BTreeMap<&str, Vec<listing::LetterView>> = listings
                    .iter()
                    .map(|(id, holders)| (*id, listing::letters(id, holders, page_size)))
                    .collect();
                (listings, letters)
            },
            || {
                rayon::join(
                    || {
                        let mut totals: BTreeMap<&str, usize> = BTreeMap::new();
                        for credential in &site.credentials {
                            *totals
                                .entry(credential.record.program.as_str())
                                .or_default() += 1;
                        }
                        totals
                    },
                    || {
                        if with_listings {
                            search::lookup_digits(site)
                        } else {
                            1
                        }
                    },
                )
            },
        );
        let program_index = site
            .programs
            .keys()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        let method = signer.verification_method();
        let public = signer.issuer().public_multibase();
        let history = signer.issuer().history_state();
        let keys = crate::issuer::keylog::keys_json(&site.did.did, &history);
        let issuer = pages::EmbeddedIssuer {
            verification_method: &method,
            public_key_multibase: &public,
            keys: &keys,
        };
        let pages = Pages::new(site, &issuer, lookup_digits);
        let programs = site
            .programs
            .values()
            .map(|program| {
                let id = program.id.as_str();
                let holders = totals.get(id).copied().unwrap_or(0);
                let listed = listings.get(id).map_or(0, Vec::len);
                let view = ProgramView::new(program, holders, listed);
                let digest = serde_json::to_vec(&view).ok().map(|json| {
                    use sha2::{Digest, Sha256};
                    Sha256::digest(json).into()
                });
                (view, digest)
            })
            .collect();
        Renderer {
            site,
            signer,
            context_digest: pages.context_digest(),
            lookup_digits,
            pages,
            listings,
            program_index,
            letters,
            programs,
        }
    }

    /// The jobs of [`Part::Pages`].
    fn pages_jobs(&self) -> Vec<Job<'a>> {
        let site = self.site;
        let page_size = site.config.directory.page_size as usize;
        let mut jobs = vec![Job::Sitemap, Job::Home, Job::SiteFiles];
        for (id, holders) in &self.listings {
            let pages = holders.len().div_ceil(page_size).max(1);
            jobs.extend((1..=pages).map(|n| Job::Program(id, n)));
        }
        for list in 1..=site.status_lists {
            jobs.extend(Purpose::ALL.map(|purpose| Job::StatusList(purpose, list)));
        }
        jobs.extend(
            site.theme
                .static_files
                .iter()
                .map(|(path, bytes)| Job::Static(path, bytes)),
        );
        jobs
    }

    /// Runs `jobs` in parallel, as the stream is consumed. The single big documents
    /// (the feed's chain, the search index, the sitemap…) are each a task of their
    /// own, and the first of them (the feed, the longest: a chain of signatures, one
    /// page after the other) runs apart from the others: the current thread takes it,
    /// another takes the rest, starting with the next big document (the search
    /// index), and the many small jobs are shared as threads come free. Otherwise the
    /// feed and the search index can run one after the other on one thread while the
    /// other thread runs out of work. The small jobs go out in tasks of at most
    /// [`MANY_PER_TASK`]: left to itself, rayon splits a list only as often as
    /// threads steal from each other, and a thread can be left with a piece of
    /// thousands of credentials while the other has nothing left to take.
    fn run_all(self, jobs: Vec<Job<'a>>) -> impl ParallelIterator<Item = Result<Page>> + 'a {
        let (whole, many): (Vec<_>, Vec<_>) = jobs.into_iter().partition(Job::is_whole);
        let mut whole = whole.into_iter();
        let first: Vec<_> = whole.next().into_iter().collect();
        let others: Vec<_> = whole.collect();
        let renderer = std::sync::Arc::new(self);
        let run = move |job: Job<'a>| -> Box<dyn Iterator<Item = Result<Page>> + Send + 'a> {
            match job {
                // Made, written and dropped a page at a time: a million
                // credentials' feed is 700 MB.
                Job::Feed => Box::new(feed_pages(renderer.signer)),
                job => match renderer.run(job) {
                    Ok(pages) => Box::new(pages.into_iter().map(Ok)),
                    Err(e) => Box::new(std::iter::once(Err(e))),
                },
            }
        };
        let (run_others, run_many) = (run.clone(), run.clone());
        first.into_par_iter().flat_map_iter(run).chain(
            others
                .into_par_iter()
                .with_max_len(1)
                .flat_map_iter(run_others)
                .chain(
                    many.into_par_iter()
                        .with_max_len(MANY_PER_TASK)
                        .flat_map_iter(run_many),
                ),
        )
    }

    fn run(&self, job: Job<'a>) -> Result<Vec<Page>> {
        let page = |path: String, bytes: Vec<u8>| vec![Page::new(path, bytes)];
        Ok(match job {
            Job::Credential(credential) => self.credential(credential).with_context(|| {
                format!(
                    "credential {} ({}:{})",
                    credential.id(),
                    credential.record.origin.path.display(),
                    credential.record.origin.line
                )
            })?,
            Job::Feed => feed_pages(self.signer).collect::<Result<_>>()?,
            Job::Search => search::index(
                self.site,
                &self.program_index,
                self.lookup_digits,
                self.signer.kept(),
            )?,
            Job::Sitemap => sitemap::pages(&self.site.urls, &self.sitemap_paths()),
            Job::Home => {
                let programs: Vec<&ProgramView> =
                    self.programs.iter().map(|(view, _)| view).collect();
                page(
                    urls::HOME_PAGE.into(),
                    self.pages.home(&programs)?.into_bytes(),
                )
            }
            Job::Program(id, n) => {
                let holders = &self.listings[id];
                let page_size = self.site.config.directory.page_size as usize;
                let pager = listing::pager(id, n, holders.len(), page_size, &self.letters[id]);
                let (program, program_digest) = &self.programs[self.program_index[id]];
                let first = ((n - 1) * page_size).min(holders.len());
                let listed = &holders[first..(first + page_size).min(holders.len())];
                let path = urls::page_in(&urls::program_listing_dir(id, n));
                // An incremental build keeps a page made from the same inputs.
                let kept = self.signer.kept();
                let key = self.listing_key(&path, program_digest.as_ref(), &pager, listed)?;
                if let (Some(kept), Some(key)) = (kept, &key)
                    && kept.keep_page(&path, key).is_some()
                {
                    return Ok(Vec::new());
                }
                let on_page: Vec<&Credential> = listed.iter().map(|(_, c)| *c).collect();
                let views = self.views(&on_page);
                let refs: Vec<&CredentialView> = views.iter().collect();
                let html = self.pages.program(&path, program, &refs, &pager)?;
                if let (Some(kept), Some(key)) = (kept, &key) {
                    kept.made_page(&path, key);
                }
                page(path, html.into_bytes())
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
                // The site's own `_headers` and `_redirects` are merged with credsite's
                // in `site_files`.
                if path == urls::HEADERS_FILE || path == urls::REDIRECTS_FILE {
                    Vec::new()
                } else {
                    page(path.to_string(), bytes.to_vec())
                }
            }
        })
    }

    /// A credential's two files: the signed document and the page, which embeds the
    /// document's exact text and the QR code. A credential first published under
    /// credsite 0.1's layout also gets a redirect page at its old address.
    fn credential(&self, credential: &'a Credential) -> Result<Vec<Page>> {
        let signed = pretty(&self.signer.credential(credential)?)?;
        let qr = qr::svg(&credential.page_url(&self.site.urls))?;
        let view = CredentialView::new(self.site, credential, &qr);
        let page = self
            .pages
            .credential(&view, std::str::from_utf8(&signed)?)?;
        let mut pages = vec![
            Page::new(urls::json_in(&credential.dir), signed),
            Page::new(urls::page_in(&credential.dir), page.into_bytes()),
        ];
        if let Some(old) = &credential.moved_from {
            let path = urls::page_in(old);
            let target = format!("{}{}", urls::root_of(&path), credential.dir);
            pages.push(Page::new(path, self.pages.redirect(&target)?));
        }
        Ok(pages)
    }

    /// The pages the sitemap lists: the public pages and listed holders' pages.
    fn sitemap_paths(&self) -> Vec<String> {
        let site = self.site;
        let page_size = site.config.directory.page_size as usize;
        let mut paths = vec![String::new(), urls::VERIFY_DIR.to_string()];
        if site.config.statistics.enabled {
            paths.push(urls::STATISTICS_DIR.to_string());
        }
        for (id, holders) in &self.listings {
            let pages = holders.len().div_ceil(page_size).max(1);
            paths.extend((1..=pages).map(|n| urls::program_listing_dir(id, n)));
        }
        paths.extend(
            site.credentials
                .iter()
                .filter(|c| c.listed)
                .map(|c| c.dir.clone()),
        );
        paths
    }

    /// The DID document, the not-found page and the hosts' configuration files.
    fn site_files(&self) -> Result<Vec<Page>> {
        let site = self.site;
        let issuer = self.signer.issuer();
        let keys: Vec<_> = if issuer.history.is_empty() {
            vec![(issuer.key.verifying_key(), None)]
        } else {
            issuer
                .history
                .iter()
                .map(|k| (k.public, k.compromised_since))
                .collect()
        };
        let mut files = vec![
            Page::new(
                site.did.document_path.clone(),
                pretty(&site.did.document_of(&keys))?,
            ),
            Page::new(urls::NOT_FOUND_PAGE, self.pages.not_found()?),
            Page::new(urls::VERIFY_PAGE, self.pages.verify()?),
            Page::new(urls::VERIFIER_SCRIPT, self.pages.script("verifier.js")?),
        ];
        if let Some((log, _)) = &issuer.key_log {
            files.push(Page::new(
                urls::key_log(&site.did.document_path),
                log.clone().into_bytes(),
            ));
        }
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
        let mut redirects = statics
            .get(urls::REDIRECTS_FILE)
            .map(|own| String::from_utf8_lossy(own).into_owned() + "\n")
            .unwrap_or_default();
        let root = site.urls.host_root();
        for credential in &site.credentials {
            if let Some(old) = &credential.moved_from {
                // The old folder's page is a redirect page; this sends everything else
                // there (credential.json, qr.svg) to the new folder too.
                redirects.push_str(&format!(
                    "{root}{old}* {root}{}:splat 301\n",
                    credential.dir
                ));
            }
        }
        if !redirects.is_empty() {
            files.push(Page::new(urls::REDIRECTS_FILE, redirects));
        }
        if !statics.contains_key(urls::NOJEKYLL_FILE) {
            files.push(Page::new(urls::NOJEKYLL_FILE, Vec::new()));
        }
        Ok(files)
    }

    /// The key of a listing page's inputs, for an incremental build (`None` in
    /// others): the site-wide key (configuration, programs, theme, credsite itself…),
    /// the context every page gets, its path, its program's view (`program`, the digest
    /// of its JSON) and its pager (counts, neighbours, letter index), and the input key
    /// of each credential it lists (found by its place: the keys are in the site's
    /// order).
    fn listing_key(
        &self,
        path: &str,
        program: Option<&[u8; 32]>,
        pager: &listing::PagerView,
        holders: &[listing::Listed<'_>],
    ) -> Result<Option<[u8; 32]>> {
        use sha2::{Digest, Sha256};
        let (Some((global, keys)), Some(program)) =
            (self.signer.kept().and_then(|k| k.input_keys()), program)
        else {
            return Ok(None);
        };
        let mut hasher = Sha256::new();
        hasher.update(format!("credsite listing page\n{global}\n{path}\n"));
        hasher.update(self.context_digest);
        hasher.update(program);
        hasher.update(serde_json::to_vec(pager)?);
        for &(at, credential) in holders {
            let Some((id, key)) = keys.get(at).filter(|(id, _)| id == credential.id()) else {
                return Ok(None);
            };
            hasher.update(id.as_bytes());
            hasher.update(b"\n");
            hasher.update(key);
        }
        Ok(Some(hasher.finalize().into()))
    }

    fn views(&self, credentials: &[&'a Credential]) -> Vec<CredentialView<'a>> {
        credentials
            .iter()
            .map(|c| CredentialView::new(self.site, c, ""))
            .collect()
    }
}

/// Pretty JSON with a final newline.
pub fn pretty(value: &impl serde::Serialize) -> Result<Vec<u8>> {
    // Room for a credential's text (about 3.5 KB), which would otherwise grow five times.
    let mut bytes = Vec::with_capacity(4096);
    serde_json::to_writer_pretty(&mut bytes, value)?;
    bytes.push(b'\n');
    Ok(bytes)
}
