//! The output's shape against the limits of popular static hosts.
//!
//! `credsite build` prints the file count, total size, largest folder and largest
//! file, and warns, naming the host and the limit, when the site would not fit. The
//! limits are the hosts' published ones as of [`LIMITS_AS_OF`]; the README has the
//! same table.

use std::collections::HashMap;

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
    let mut entries: HashMap<&str, u64> = HashMap::new();
    let mut folders: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut shape = Shape::default();
    for (path, entry) in &written.files {
        shape.files += 1;
        shape.bytes += entry.size;
        if entry.size > shape.largest_file.1 || shape.largest_file.0.is_empty() {
            shape.largest_file = (path.clone(), entry.size);
        }
        // Count the file in its folder, and each folder in its parent, once.
        let mut child = path.as_str();
        while let Some((parent, _)) = child.rsplit_once('/') {
            *entries.entry(parent).or_default() += 1;
            if !folders.insert(parent) {
                break;
            }
            child = parent;
        }
        if !child.contains('/') {
            *entries.entry("").or_default() += 1;
        }
    }
    if let Some((folder, n)) = entries
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)))
    {
        shape.largest_folder = (folder.to_string(), n);
    }
    shape
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
