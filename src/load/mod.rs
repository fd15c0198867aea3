//! Stage 1, load: read everything a site is made of from disk into plain data.
//!
//! The config, the programs, the credential records and the theme (templates and
//! static files). Problems inside files are gathered, not returned one by one:
//! [`validate`] reports them all at once with the cross-checks.

pub mod exams;
pub mod programs;
pub mod records;
pub mod status;
pub mod table;
pub mod validate;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::config::{CONFIG_FILE, Config};
use crate::diag::Diagnostic;
use crate::render::theme::Theme;

pub use programs::Program;
pub use records::Record;
pub use validate::validate;

/// Where programs live, relative to the site root.
pub const PROGRAMS_DIR: &str = "content/programs";
/// Where credential records live, relative to the site root.
pub const CREDENTIALS_DIR: &str = "content/credentials";

/// A site's input files, read and parsed but not yet checked against each other.
#[derive(Debug)]
pub struct Inputs {
    /// The site root folder.
    pub root: PathBuf,
    /// `credsite.toml`.
    pub config: Config,
    /// Programs by id (the first file wins when two share an id; validate reports it).
    pub programs: BTreeMap<String, Program>,
    /// Program files whose id was already taken, as (file, id).
    pub duplicate_programs: Vec<(PathBuf, String)>,
    /// Credential records, in file order.
    pub records: Vec<Record>,
    /// The status log's events, in file order.
    pub events: Vec<status::Event>,
    /// The theme: templates and static files.
    pub theme: Theme,
    /// Problems found while parsing single files.
    pub problems: Vec<Diagnostic>,
    /// The text of each CSV record file (shown path → text), which the preview
    /// server compares with the next version of the file (issue 12).
    pub csv_sources: BTreeMap<PathBuf, std::sync::Arc<str>>,
}

/// Reads the site at `root`. I/O errors fail at once; problems in the files' content
/// are gathered in [`Inputs::problems`].
pub fn load(root: &Path) -> Result<Inputs> {
    let config = Config::load(root)?;
    let mut problems = Vec::new();

    let mut programs = BTreeMap::new();
    let mut duplicate_programs = Vec::new();
    for path in files_in(root, PROGRAMS_DIR, &["md"])? {
        let shown = shown_path(root, &path);
        let text = read(&path, &shown)?;
        match programs::parse(&text, &shown) {
            Ok(program) if programs.contains_key(&program.id) => {
                duplicate_programs.push((shown, program.id));
            }
            Ok(program) => {
                programs.insert(program.id.clone(), program);
            }
            Err(mut errs) => problems.append(&mut errs),
        }
    }

    let mut records = Vec::new();
    let mut csv_sources = BTreeMap::new();
    for path in files_in(root, CREDENTIALS_DIR, &["csv", "toml"])? {
        let shown = shown_path(root, &path);
        let text = read(&path, &shown)?;
        let (mut found, mut errs) = if path.extension().is_some_and(|e| e == "csv") {
            let parsed = records::parse_csv(&text, &shown);
            csv_sources.insert(shown, text.into());
            parsed
        } else {
            records::parse_toml(&text, &shown)
        };
        records.append(&mut found);
        problems.append(&mut errs);
    }

    let mut events = Vec::new();
    let log = status::path(root);
    if log.exists() {
        let shown = shown_path(root, &log);
        let (mut found, mut errs) = status::parse(&read(&log, &shown)?, &shown);
        events.append(&mut found);
        problems.append(&mut errs);
    }

    let theme = Theme::load(root, &config.theme)?;
    Ok(Inputs {
        root: root.to_path_buf(),
        config,
        programs,
        duplicate_programs,
        records,
        events,
        theme,
        problems,
        csv_sources,
    })
}

/// Reads a text file, naming the line of the first byte that is not UTF-8.
pub fn read(path: &Path, shown: &Path) -> Result<String> {
    let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    table::utf8(bytes, shown).map_err(|d| anyhow::anyhow!("{d}"))
}

fn shown_path(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

/// Files with one of `extensions` under `root/dir`, recursively, sorted.
fn files_in(root: &Path, dir: &str, extensions: &[&str]) -> Result<Vec<PathBuf>> {
    let mut files = crate::walk::files(&root.join(dir), crate::walk::Hidden::Skip)?;
    files.retain(|p| {
        p.extension()
            .is_some_and(|e| extensions.iter().any(|x| e == *x))
    });
    Ok(files)
}

/// Is `root` a site (has a config file)?
pub fn is_site(root: &Path) -> bool {
    root.join(CONFIG_FILE).is_file()
}
