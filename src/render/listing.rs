//! Program listings: each program's listed holders, alphabetical by family name,
//! in pages of `[directory] page_size`, with a letter index and previous/next links.
//!
//! Only listed holders appear. The order is the folded family name, then the folded
//! full name, then the credential id, so that two holders with the same name keep
//! their places from one build to the next.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::names;
use crate::site::{Credential, Site};
use crate::urls;

/// A listed credential and its place in the site's order (`site.credentials`), where
/// what is kept per credential (such as incremental input keys) is found.
pub type Listed<'a> = (usize, &'a Credential);

/// Every program's listed credentials in listing order.
pub fn listings(site: &Site) -> BTreeMap<&str, Vec<Listed<'_>>> {
    let mut keyed: Vec<(String, Listed<'_>)> = site
        .credentials
        .par_iter()
        .enumerate()
        .filter(|(_, c)| c.listed)
        .map(|(at, c)| {
            (
                names::sort_key(c.family_name(), &c.record.holder_name),
                (at, &**c),
            )
        })
        .collect();
    keyed.par_sort_unstable_by(|(key_a, (_, a)), (key_b, (_, b))| {
        key_a.cmp(key_b).then_with(|| a.id().cmp(b.id()))
    });
    let mut by_program: BTreeMap<&str, Vec<Listed<'_>>> = site
        .programs
        .keys()
        .map(|id| (id.as_str(), Vec::new()))
        .collect();
    for (_, (at, credential)) in keyed {
        if let Some(list) = by_program.get_mut(credential.record.program.as_str()) {
            list.push((at, credential));
        }
    }
    by_program
}

/// Where one page of a listing sits among the others, as templates see it.
#[derive(Serialize)]
pub struct PagerView {
    /// This page's number, from 1.
    pub page: usize,
    /// How many pages the listing has.
    pub pages: usize,
    /// The previous page's folder, as a site path.
    pub previous: Option<String>,
    /// The next page's folder, as a site path.
    pub next: Option<String>,
    /// The first holder on this page, from 1 (0 for an empty listing).
    pub first: usize,
    /// The last holder on this page.
    pub last: usize,
    /// How many listed holders the program has.
    pub total: usize,
    /// The letter index: each initial of a family name and the page it starts on.
    pub letters: Vec<LetterView>,
}

/// One letter of the index.
#[derive(Serialize, Clone)]
pub struct LetterView {
    /// The letter, uppercase and without accents.
    pub letter: String,
    /// The folder of the page where the letter starts, as a site path.
    pub path: String,
}

/// The letter index of a program's listing: each initial and the page it starts on.
pub fn letters(program: &str, holders: &[Listed<'_>], page_size: usize) -> Vec<LetterView> {
    // Each holder's folded initial, in parallel; the index is made from them in order.
    let initials: Vec<Option<char>> = holders
        .par_iter()
        .map(|(_, c)| names::initial(c.family_name()))
        .collect();
    let mut letters: Vec<LetterView> = Vec::new();
    let mut last = None;
    for (i, initial) in initials.into_iter().enumerate() {
        if i > 0 && initial == last {
            continue;
        }
        last = initial;
        let initial = initial.map_or_else(|| "#".into(), |ch| ch.to_uppercase().to_string());
        if letters.last().is_none_or(|l| l.letter != initial) {
            letters.push(LetterView {
                letter: initial,
                path: urls::program_listing_dir(program, i / page_size + 1),
            });
        }
    }
    // A letter that reappears after another (a rare collation corner) keeps its first page.
    let mut seen = std::collections::HashSet::new();
    letters.retain(|l| seen.insert(l.letter.clone()));
    letters
}

/// The pager of page `page` (from 1) of a listing of `total` holders.
pub fn pager(
    program: &str,
    page: usize,
    total: usize,
    page_size: usize,
    letters: &[LetterView],
) -> PagerView {
    let pages = total.div_ceil(page_size).max(1);
    PagerView {
        page,
        pages,
        previous: (page > 1).then(|| urls::program_listing_dir(program, page - 1)),
        next: (page < pages).then(|| urls::program_listing_dir(program, page + 1)),
        first: if total == 0 {
            0
        } else {
            (page - 1) * page_size + 1
        },
        last: (page * page_size).min(total),
        total,
        letters: letters.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_link_to_their_neighbours() {
        let p = pager("cdpp", 1, 250, 100, &[]);
        assert_eq!(p.pages, 3);
        assert_eq!(p.previous, None);
        assert_eq!(p.next.as_deref(), Some("programs/cdpp/page/2/"));
        let p = pager("cdpp", 3, 250, 100, &[]);
        assert_eq!((p.first, p.last), (201, 250));
        assert_eq!(p.previous.as_deref(), Some("programs/cdpp/page/2/"));
        assert_eq!(p.next, None);
        let p = pager("cdpp", 1, 0, 100, &[]);
        assert_eq!((p.pages, p.first, p.last), (1, 0, 0));
    }
}
