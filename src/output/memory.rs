//! The in-memory writer: the site as a map of path → bytes.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::sync::Mutex;

use anyhow::{Result, bail};

use super::Sink;
use crate::render::Page;

/// Pages kept in memory, sorted by path.
#[derive(Debug, Default)]
pub struct Memory {
    pages: Mutex<BTreeMap<String, Vec<u8>>>,
    /// Keep only paths and sizes (for `check` on large sites).
    sizes_only: bool,
}

impl Memory {
    /// A writer that keeps every page's bytes.
    pub fn new() -> Self {
        Memory::default()
    }

    /// A writer that keeps paths only, for checking a site of any size.
    pub fn paths_only() -> Self {
        Memory {
            sizes_only: true,
            ..Memory::default()
        }
    }

    /// The pages written, by path.
    pub fn into_pages(self) -> BTreeMap<String, Vec<u8>> {
        self.pages.into_inner().expect("not poisoned")
    }
}

impl Sink for Memory {
    fn put(&self, page: Page) -> Result<()> {
        let bytes = if self.sizes_only {
            Vec::new()
        } else {
            page.bytes
        };
        let mut pages = self.pages.lock().expect("not poisoned");
        match pages.entry(page.path) {
            Entry::Occupied(e) => bail!("{} is written twice", e.key()),
            Entry::Vacant(e) => {
                e.insert(bytes);
                Ok(())
            }
        }
    }

    fn count(&self) -> u64 {
        self.pages.lock().expect("not poisoned").len() as u64
    }
}
