//! The site being served: the resolved site, and its pages rendered when they are
//! first asked for (issue 12).
//!
//! Memory and speed strategy. A site of 100,000 credentials renders to about 5 GB of
//! HTML, JSON and SVG, and a credential page (which embeds its signed document and the
//! verifier) compresses only about 2.6 times: kept compressed, the site took 2 GB and
//! the server peaked at 3.4 GB. So a credential's files are signed and rendered each
//! time one of them is asked for (about 10 ms), from the resolved site kept in memory.
//! Rendering the site-wide pages took 4 to 7 s at 100,000 credentials (3 s of it the
//! signed feed), which a rebuild after every save cannot afford: they are rendered in
//! three parts ([`Part`]), each when one of its pages is first asked for, and then kept,
//! gzip-compressed, until the next rebuild. A rebuild only loads, validates and
//! resolves the site, and open pages reload as soon as it has; after a save that only
//! edited rows of a roster in place, it resolves those rows alone
//! ([`crate::preview_edit`]).

use std::collections::HashMap;
use std::sync::OnceLock;

use anyhow::Result;

use super::File;
use super::store::Store;
use crate::output::Sink;
use crate::render::{self, Part};
use crate::site::Site;
use crate::vc::sign::{Reissue, Signer};
use crate::{Error, Preview};

/// The parts, in the order of [`Served::parts`].
const PARTS: [Part; 3] = [Part::Pages, Part::Feed, Part::Search];

/// A resolved site and the pages rendered from it so far.
pub struct Served {
    preview: Preview,
    /// Each credential's folders (its own, and the one it moved from) → its index in
    /// `site.credentials`; made on the first request.
    folders: OnceLock<HashMap<String, usize>>,
    /// The site-wide parts, each rendered on the first request for one of its pages.
    parts: [OnceLock<Result<Store, String>>; 3],
}

impl Served {
    /// Serves `preview`; nothing is rendered yet.
    pub fn new(preview: Preview) -> Self {
        Served {
            preview,
            folders: OnceLock::new(),
            parts: Default::default(),
        }
    }

    /// What is served.
    pub fn preview(&self) -> &Preview {
        &self.preview
    }

    /// The resolved site.
    pub fn site(&self) -> &Site {
        &self.preview.site
    }

    /// The file at `path`: a credential's file, or a site-wide page, rendered now if
    /// it was not yet. `None` if the site has no such file; `Err` if rendering failed.
    pub fn file(&self, path: &str) -> Option<Result<File, String>> {
        if let Some(index) = self.credential_of(path) {
            return Some(self.render_credential(index, path));
        }
        match self.part(self.part_of(path)) {
            Ok(store) => store.get(path).map(|bytes| {
                Ok(File {
                    bytes,
                    warning: None,
                })
            }),
            Err(problem) => Some(Err(problem.clone())),
        }
    }

    /// Is there a file at `path`? Renders the site-wide part it would belong to.
    pub fn contains(&self, path: &str) -> bool {
        self.credential_of(path).is_some()
            || self
                .part(self.part_of(path))
                .as_ref()
                .is_ok_and(|store| store.contains(path))
    }

    /// Compressed bytes held for the site-wide pages rendered so far.
    pub fn stored_bytes(&self) -> usize {
        self.parts
            .iter()
            .filter_map(|part| part.get()?.as_ref().ok())
            .map(Store::stored_bytes)
            .sum()
    }

    /// Every file of the site, as a full render makes them, into `sink`: what the
    /// preview serves page by page (for tests).
    pub fn render_all(&self, sink: &impl Sink) -> Result<()> {
        let skip = Default::default();
        self.with_signer(|signer| {
            crate::output::write(render::render(self.site(), &signer, &skip), sink, 0).map(|_| ())
        })
    }

    /// Runs `sign` with a signer of the served site (with its state and key).
    fn with_signer<T>(&self, sign: impl FnOnce(Signer<'_>) -> Result<T>) -> Result<T> {
        let Preview {
            site,
            state,
            issuer,
            ..
        } = &self.preview;
        let reissue = Reissue::default();
        sign(Signer::new(site, issuer, state, &reissue)?)
    }

    /// The part a site path belongs to; a static file always to [`Part::Pages`].
    fn part_of(&self, path: &str) -> Part {
        if self.site().theme.static_files.contains_key(path) {
            Part::Pages
        } else {
            Part::of(path)
        }
    }

    /// The pages of `part`, rendered on the first call (other threads asking at the
    /// same time wait for them).
    fn part(&self, part: Part) -> &Result<Store, String> {
        let at = PARTS.iter().position(|p| *p == part).expect("a known part");
        self.parts[at].get_or_init(|| {
            let store = Store::new();
            self.with_signer(|signer| {
                crate::output::write(render::part(self.site(), &signer, part), &store, 0)
            })
            .map(|_| store)
            .map_err(|e| super::message(&Error::from(e)))
        })
    }

    /// The index of the credential that `path` is a file of.
    fn credential_of(&self, path: &str) -> Option<usize> {
        let (folder, _) = path.rsplit_once('/')?;
        let folders = self.folders.get_or_init(|| {
            let mut folders = HashMap::with_capacity(self.site().credentials.len());
            for (i, credential) in self.site().credentials.iter().enumerate() {
                folders.insert(credential.dir.clone(), i);
                if let Some(old) = &credential.moved_from {
                    folders.insert(old.clone(), i);
                }
            }
            folders
        });
        let index = *folders.get(&path[..=folder.len()])?;
        render::credential_files(&self.site().credentials[index])
            .iter()
            .any(|file| file == path)
            .then_some(index)
    }

    /// Signs and renders one credential's files, and returns the one at `path`.
    fn render_credential(&self, index: usize, path: &str) -> Result<File, String> {
        let credential = &self.site().credentials[index];
        let (pages, warning) = self
            .with_signer(|signer| {
                let pages = render::credential_pages(self.site(), &signer, credential)?;
                let warning = signer
                    .finish()
                    .err()
                    .map(|e| super::message(&Error::from(e)));
                Ok((pages, warning))
            })
            .map_err(|e| format!("{e:#}"))?;
        pages
            .into_iter()
            .find(|p| p.path == path)
            .map(|p| File {
                bytes: p.bytes,
                warning,
            })
            .ok_or_else(|| format!("{path} is not a file of credential {}", credential.id()))
    }
}
