//! Loading a site: the config, the programs and the credential records, checked
//! against each other. Every problem is gathered before failing.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::NaiveDate;

use crate::config::{CONFIG_FILE, Config};
use crate::error::{Diagnostic, Diagnostics};
use crate::programs::{self, Program};
use crate::records::{self, Record};

/// Where programs live, relative to the site root.
pub const PROGRAMS_DIR: &str = "content/programs";
/// Where credential records live, relative to the site root.
pub const CREDENTIALS_DIR: &str = "content/credentials";

/// A loaded, checked site. Programs and records are sorted by id.
#[derive(Debug)]
pub struct Site {
    /// The site root folder.
    pub root: PathBuf,
    /// `credsite.toml`.
    pub config: Config,
    /// Programs by id.
    pub programs: BTreeMap<String, Program>,
    /// Credential records, sorted by id.
    pub records: Vec<Record>,
}

impl Site {
    /// Loads and checks the site at `root`. Input problems come back as one
    /// [`Diagnostics`] error listing all of them.
    pub fn load(root: &Path) -> Result<Site> {
        let config = Config::load(root)?;
        let mut problems = Vec::new();

        let mut programs = BTreeMap::new();
        let mut program_files: HashMap<String, PathBuf> = HashMap::new();
        for path in files_in(root, PROGRAMS_DIR, &["md"])? {
            let shown = shown_path(root, &path);
            let text = read(&path)?;
            match programs::parse(&text, &shown) {
                Ok(program) => {
                    if let Some(first) = program_files.get(&program.id) {
                        problems.push(
                            Diagnostic::new(
                                &shown,
                                format!(
                                    "duplicate program id \"{}\", also used by {}",
                                    program.id,
                                    first.display()
                                ),
                            )
                            .field("id"),
                        );
                    } else {
                        program_files.insert(program.id.clone(), shown);
                        programs.insert(program.id.clone(), program);
                    }
                }
                Err(mut errs) => problems.append(&mut errs),
            }
        }

        let mut records = Vec::new();
        for path in files_in(root, CREDENTIALS_DIR, &["csv", "toml"])? {
            let shown = shown_path(root, &path);
            let text = read(&path)?;
            let (mut found, mut errs) = if path.extension().is_some_and(|e| e == "csv") {
                records::parse_csv(&text, &shown)
            } else {
                records::parse_toml(&text, &shown)
            };
            records.append(&mut found);
            problems.append(&mut errs);
        }
        check_references(&programs, &mut records, &mut problems);

        if !problems.is_empty() {
            return Err(Diagnostics(problems).into());
        }
        Ok(Site {
            root: root.to_path_buf(),
            config,
            programs,
            records,
        })
    }

    /// The program of a record (present: loading checks every reference).
    pub fn program_of(&self, record: &Record) -> &Program {
        &self.programs[&record.program]
    }

    /// The last day a credential is valid: the record's `expires`, else issued + the
    /// program's validity, else none (valid indefinitely).
    pub fn valid_until(&self, record: &Record) -> Option<NaiveDate> {
        record.expires.or_else(|| {
            self.program_of(record)
                .validity
                .and_then(|v| v.expiry(record.issued))
        })
    }
}

/// Checks record → program references and duplicate ids; sorts records by id.
fn check_references(
    programs: &BTreeMap<String, Program>,
    records: &mut [Record],
    problems: &mut Vec<Diagnostic>,
) {
    records.sort_by(|a, b| a.id.cmp(&b.id));
    // Ids become folder names: ids that differ only in letter case would overwrite
    // each other on case-insensitive file systems and hosts, so they count as equal.
    let mut in_file_order: Vec<&Record> = records.iter().collect();
    in_file_order.sort_by(|a, b| {
        a.origin
            .path
            .cmp(&b.origin.path)
            .then(a.origin.line.cmp(&b.origin.line))
    });
    let mut seen: HashMap<String, &Record> = HashMap::new();
    for record in in_file_order {
        let Some(first) = seen.get(&record.id.to_ascii_lowercase()) else {
            seen.insert(record.id.to_ascii_lowercase(), record);
            continue;
        };
        let what = if first.id == record.id {
            format!("duplicate credential id \"{}\"", record.id)
        } else {
            format!(
                "credential id \"{}\" differs only in letter case from \"{}\"",
                record.id, first.id
            )
        };
        problems.push(
            Diagnostic::new(
                &record.origin.path,
                format!(
                    "{what}, first used at {}:{}",
                    first.origin.path.display(),
                    first.origin.line
                ),
            )
            .line(record.origin.line)
            .field("id")
            .hint("every credential needs its own id; it is part of the credential's URL"),
        );
    }
    for record in records.iter() {
        if !programs.contains_key(&record.program) {
            let known: Vec<&str> = programs.keys().map(String::as_str).collect();
            problems.push(
                Diagnostic::new(
                    &record.origin.path,
                    format!("unknown program id \"{}\"", record.program),
                )
                .line(record.origin.line)
                .field("program")
                .hint(if known.is_empty() {
                    format!("add the program as {PROGRAMS_DIR}/{}.md", record.program)
                } else {
                    format!(
                        "known programs: {}; or add {PROGRAMS_DIR}/{}.md",
                        known.join(", "),
                        record.program
                    )
                }),
            );
        }
    }
    problems.sort_by(|a, b| a.path.cmp(&b.path).then(a.line.cmp(&b.line)));
}

fn read(path: &Path) -> Result<String> {
    let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    String::from_utf8(bytes).map_err(|e| {
        let line = crate::error::line_of(&String::from_utf8_lossy(e.as_bytes()), e.utf8_error().valid_up_to());
        anyhow::anyhow!(
            "{}:{line}: the file is not UTF-8 text\n     hint: save it as UTF-8 (in a spreadsheet: \"CSV UTF-8\")",
            path.display()
        )
    })
}

fn shown_path(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

/// Files with one of `extensions` under `root/dir`, recursively, sorted.
fn files_in(root: &Path, dir: &str, extensions: &[&str]) -> Result<Vec<PathBuf>> {
    let mut files = crate::walk::files(&root.join(dir))?;
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
