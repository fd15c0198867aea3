//! Rendered pages kept in memory, gzip-compressed: the site-wide pages of the
//! preview server (see [`super::served`] for what is kept and what is rendered on
//! request).

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, bail};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;

use crate::output::Sink;
use crate::render::Page;

/// Pages smaller than this are kept as they are: compressing them saves nothing.
const COMPRESS_FROM: usize = 512;

/// One stored page, shared with the next store when it did not change.
#[derive(Debug, Clone)]
enum Stored {
    Plain(Arc<[u8]>),
    Gzip(Arc<[u8]>),
}

/// Pages by path, compressed, filled from many threads by the render stage.
#[derive(Debug, Default)]
pub struct Store {
    pages: Mutex<HashMap<String, Stored>>,
}

impl Store {
    /// An empty store.
    pub fn new() -> Self {
        Store::default()
    }

    /// Is there a page at `path`?
    pub fn contains(&self, path: &str) -> bool {
        self.pages.lock().expect("not poisoned").contains_key(path)
    }

    /// The bytes of the page at `path`, decompressed.
    pub fn get(&self, path: &str) -> Option<Vec<u8>> {
        let pages = self.pages.lock().expect("not poisoned");
        match pages.get(path)? {
            Stored::Plain(bytes) => Some(bytes.to_vec()),
            Stored::Gzip(gz) => {
                let gz = gz.clone();
                drop(pages);
                let mut out = Vec::with_capacity(gz.len() * 8);
                GzDecoder::new(&gz[..]).read_to_end(&mut out).ok()?;
                Some(out)
            }
        }
    }

    /// The paths of every page, sorted.
    pub fn paths(&self) -> Vec<String> {
        let mut paths: Vec<String> = self
            .pages
            .lock()
            .expect("not poisoned")
            .keys()
            .cloned()
            .collect();
        paths.sort();
        paths
    }

    /// How many pages the store holds.
    pub fn len(&self) -> usize {
        self.pages.lock().expect("not poisoned").len()
    }

    /// Is the store empty?
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Compressed bytes held, for the summary line.
    pub fn stored_bytes(&self) -> usize {
        let pages = self.pages.lock().expect("not poisoned");
        pages
            .values()
            .map(|s| match s {
                Stored::Plain(b) | Stored::Gzip(b) => b.len(),
            })
            .sum()
    }
}

impl Sink for Store {
    fn put(&self, page: Page) -> Result<()> {
        // Compress outside the lock: this runs on every render thread.
        let stored = if page.bytes.len() >= COMPRESS_FROM {
            let mut gz = GzEncoder::new(
                Vec::with_capacity(page.bytes.len() / 4),
                Compression::fast(),
            );
            gz.write_all(&page.bytes)
                .and_then(|()| gz.finish())
                .map(|bytes| Stored::Gzip(bytes.into()))
                .with_context(|| format!("cannot compress {}", page.path))?
        } else {
            Stored::Plain(page.bytes.into())
        };
        let mut pages = self.pages.lock().expect("not poisoned");
        match pages.entry(page.path) {
            Entry::Occupied(e) => bail!("{} is written twice", e.key()),
            Entry::Vacant(e) => {
                e.insert(stored);
                Ok(())
            }
        }
    }

    fn count(&self) -> u64 {
        self.len() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gives_back_the_bytes_it_was_given() {
        let store = Store::new();
        let big = "<p>credential</p>".repeat(200);
        store
            .put(Page {
                path: "a/index.html".into(),
                bytes: big.clone().into_bytes(),
            })
            .unwrap();
        store
            .put(Page {
                path: "x".into(),
                bytes: b"small".to_vec(),
            })
            .unwrap();
        assert_eq!(store.get("a/index.html").unwrap(), big.as_bytes());
        assert_eq!(store.get("x").unwrap(), b"small");
        assert!(store.stored_bytes() < big.len() / 4);
        assert!(store.get("b").is_none());
    }
}
