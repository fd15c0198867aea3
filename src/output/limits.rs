//! The output's shape against the limits of popular static hosts.
//!
//! `credsite build` prints the file count, total size, largest folder and largest
//! file, and warns, naming the host and the limit, when the site would not fit. The
//! limits are the hosts' published ones as of [`LIMITS_AS_OF`]; the README has the
//! same table.

use super::manifest::Written;

/// When the limits below were last checked.
pub const LIMITS_AS_OF: &str = "2026-11";

/// What a host limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Files in the whole site.
    Files(u64),
    /// Bytes in the whole site.
    TotalBytes(u64),
    /// Bytes in one file.
    FileBytes(u64),
    /// Entries (files and folders) in one folder.
    FolderEntries(u64),
}

/// Static hosts' published limits.
pub const HOSTS: [(&str, Limit); 9] = [
    ("GitHub Pages", Limit::TotalBytes(1 << 30)),
    ("GitHub Pages", Limit::FileBytes(100 * 1_000_000)),
    ("Cloudflare Pages (free plan)", Limit::Files(20_000)),
    ("Cloudflare Pages (paid plans)", Limit::Files(100_000)),
    ("Cloudflare Pages", Limit::FileBytes(25 * (1 << 20))),
    ("Netlify", Limit::FolderEntries(54_000)),
    ("GitLab Pages", Limit::Files(200_000)),
    ("GitLab Pages", Limit::TotalBytes(1 << 30)),
    ("credsite's own layout", Limit::FolderEntries(10_000)),
];

/// The output's shape.
#[derive(Debug, Clone, Default)]
pub struct Shape {
    /// Files.
    pub files: u64,
    /// Bytes in all files.
    pub bytes: u64,
    /// The folder with the most entries (site path, "" for the root) and how many.
    pub largest_folder: (String, u64),
    /// The largest file and its size.
    pub largest_file: (String, u64),
}

/// The shape of what was written.
pub fn shape(written: &Written) -> Shape {
    let mut shape = Shape::default();
    for (path, entry) in &written.files {
        shape.files += 1;
        shape.bytes += entry.size;
        if entry.size > shape.largest_file.1 || shape.largest_file.0.is_empty() {
            shape.largest_file = (path.clone(), entry.size);
        }
    }
    // In path order, the paths under a folder come together: a walk with the chain of
    // open folders counts each one's entries without a map of them all. The files
    // come sorted but for a few added after (a stable sort merges them in one pass).
    let mut paths: Vec<&str> = written.files.iter().map(|(p, _)| p.as_str()).collect();
    paths.sort();
    let mut largest: Option<(&str, u64)> = None;
    fn close<'p>(largest: &mut Option<(&'p str, u64)>, folder: &'p str, entries: u64) {
        if largest.is_none_or(|(name, most)| entries > most || (entries == most && folder < name)) {
            *largest = Some((folder, entries));
        }
    }
    // The open folders, the root first, with their entries so far.
    let mut open: Vec<(&str, u64)> = vec![("", 0)];
    for path in paths {
        let folder = path.rsplit_once('/').map_or("", |(folder, _)| folder);
        while let Some(&(top, entries)) = open.last()
            && !(top.is_empty() || folder == top || within(folder, top))
        {
            close(&mut largest, top, entries);
            open.pop();
        }
        // The folders between the innermost open one and this file's, each an entry
        // of its parent.
        let top = open.last().map_or("", |(top, _)| top);
        let mut start = if top.is_empty() { 0 } else { top.len() + 1 };
        while start < folder.len() {
            let end = folder[start..]
                .find('/')
                .map_or(folder.len(), |at| start + at);
            if let Some(parent) = open.last_mut() {
                parent.1 += 1;
            }
            open.push((&folder[..end], 0));
            start = end + 1;
        }
        if let Some(innermost) = open.last_mut() {
            innermost.1 += 1;
        }
    }
    for (folder, entries) in open {
        close(&mut largest, folder, entries);
    }
    if let Some((folder, entries)) = largest
        && entries > 0
    {
        shape.largest_folder = (folder.to_string(), entries);
    }
    shape
}

/// Whether `folder` is inside `parent` (a folder other than the root).
fn within(folder: &str, parent: &str) -> bool {
    folder
        .strip_prefix(parent)
        .is_some_and(|rest| rest.starts_with('/'))
}

/// The limits the shape exceeds, as sentences naming the host and the limit.
pub fn warnings(shape: &Shape) -> Vec<String> {
    HOSTS
        .iter()
        .filter_map(|(host, limit)| match *limit {
            Limit::Files(max) if shape.files > max => Some(format!(
                "{host} allows {max} files; this site has {}",
                shape.files
            )),
            Limit::TotalBytes(max) if shape.bytes > max => Some(format!(
                "{host} allows {} in all; this site is {}",
                human(max),
                human(shape.bytes)
            )),
            Limit::FileBytes(max) if shape.largest_file.1 > max => Some(format!(
                "{host} allows files of up to {}; {} is {}",
                human(max),
                shape.largest_file.0,
                human(shape.largest_file.1)
            )),
            Limit::FolderEntries(max) if shape.largest_folder.1 > max => Some(format!(
                "{host} allows {max} entries per folder; {}/ has {}",
                shape.largest_folder.0, shape.largest_folder.1
            )),
            _ => None,
        })
        .collect()
}

/// A size in B, KB, MB or GB (powers of 1000 below a GiB, GiB above).
pub fn human(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.2} GiB", b as f64 / f64::from(1u32 << 30)),
        b if b >= 1_000_000 => format!("{:.1} MB", b as f64 / 1e6),
        b if b >= 1_000 => format!("{:.1} KB", b as f64 / 1e3),
        b => format!("{b} B"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::manifest::FileEntry;

    /// The shape's folder counts, as a map of every folder would give them.
    fn largest_folder_by_map(paths: &[&str]) -> (String, u64) {
        let mut entries: std::collections::BTreeMap<&str, std::collections::BTreeSet<&str>> =
            Default::default();
        for path in paths {
            let mut child = *path;
            loop {
                let parent = child.rsplit_once('/').map_or("", |(p, _)| p);
                entries.entry(parent).or_default().insert(child);
                if parent.is_empty() {
                    break;
                }
                child = parent;
            }
        }
        let (folder, children) = entries
            .iter()
            .max_by(|a, b| a.1.len().cmp(&b.1.len()).then_with(|| b.0.cmp(a.0)))
            .unwrap();
        (folder.to_string(), children.len() as u64)
    }

    #[test]
    fn counts_each_folders_entries_as_a_map_of_all_folders_would() {
        let cases: [&[&str]; 5] = [
            &[
                "a/b/c.html",
                "a/b/d.html",
                "a/x.html",
                "a.html",
                "b/c/d/e.json",
                "b/c/f.json",
            ],
            &["a/b", "a/c", "a-b/c", "a-b/d", "a-b/e", "a/d/c/d"],
            &["x.json", "y.json", "z/a.json"],
            &[
                "c/00/a/index.html",
                "c/00/a/credential.json",
                "c/00/b/index.html",
                "c/01/a/x",
                "manifest/00.json",
                "manifest.json",
                "feed/1.json",
                "feed/2.json",
                "feed/3.json",
                "feed/4.json",
            ],
            &[
                "search/n/ab/ab.json",
                "search/n/ab/abc.json",
                "search/n/ab/abd.json",
                "search/n/ac.json",
                "search/n/ad.json",
                "search/l/0.json",
            ],
        ];
        for paths in cases {
            let mut written = Written::default();
            // Unsorted, as the manifest's parts come after the sorted files.
            for path in paths.iter().rev() {
                written.files.push((path.to_string(), FileEntry::of(b"1")));
            }
            assert_eq!(
                shape(&written).largest_folder,
                largest_folder_by_map(paths),
                "{paths:?}"
            );
        }
    }

    #[test]
    fn finds_the_largest_folder_and_file_and_warns() {
        let mut written = Written::default();
        for i in 0..30 {
            written
                .files
                .push((format!("c/ab/x{i}/index.html"), FileEntry::of(b"12")));
        }
        written
            .files
            .push(("feed.json".into(), FileEntry::of(&[0u8; 3000])));
        let shape = shape(&written);
        assert_eq!(shape.files, 31);
        assert_eq!(shape.largest_folder, ("c/ab".to_string(), 30));
        assert_eq!(shape.largest_file, ("feed.json".to_string(), 3000));
        assert!(warnings(&shape).is_empty());
        let big = Shape {
            files: 150_000,
            bytes: 2 << 30,
            largest_folder: ("credentials".into(), 100_000),
            largest_file: ("feed.json".into(), 80_000_000),
        };
        let all = warnings(&big).join("\n");
        assert!(
            all.contains("Cloudflare Pages (free plan) allows 20000 files"),
            "{all}"
        );
        assert!(all.contains("GitHub Pages allows 1.00 GiB in all"), "{all}");
        assert!(
            all.contains("Netlify allows 54000 entries per folder; credentials/ has 100000"),
            "{all}"
        );
        assert!(
            all.contains("Cloudflare Pages allows files of up to"),
            "{all}"
        );
        assert!(!all.contains("GitLab Pages allows 200000 files"), "{all}");
        assert!(
            all.contains("credsite's own layout allows 10000 entries per folder"),
            "{all}"
        );
    }
}
