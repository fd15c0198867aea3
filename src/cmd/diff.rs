//! `credsite diff`: what a deploy must upload and delete, from two manifests.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use credsite::output::manifest;
use credsite::urls::MANIFEST;

use super::Global;

/// Prints the files to upload and to delete to turn a deployed site into the one
/// just built, from the deployed site's manifest.json and the new one.
///
/// Output lines are `upload PATH` and `delete PATH` (site paths), uploads first and
/// manifest.json last, for rsync --files-from, an S3 sync script or a host's API.
#[derive(clap::Args)]
pub struct Args {
    /// The manifest.json of the deployed site (e.g. downloaded from it).
    old: PathBuf,
    /// The new manifest.json [default: <root>/public/manifest.json].
    new: Option<PathBuf>,
}

pub fn run(global: &Global, args: Args) -> Result<ExitCode> {
    let new_path = args
        .new
        .unwrap_or_else(|| global.root.join("public").join(MANIFEST));
    let old = read(&args.old)?;
    let new = read(&new_path)?;
    let changes = manifest::diff(&old, &new);
    let mut out = String::new();
    for path in &changes.upload {
        writeln!(out, "upload {path}")?;
    }
    for path in &changes.delete {
        writeln!(out, "delete {path}")?;
    }
    match std::io::stdout().lock().write_all(out.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(e.into()),
        _ => {}
    }
    eprintln!(
        "{} to upload, {} to delete, {} unchanged.",
        changes.upload.len(),
        changes.delete.len(),
        new.len() - (changes.upload.len() - 1)
    );
    Ok(ExitCode::SUCCESS)
}

fn read(path: &Path) -> Result<std::collections::BTreeMap<String, String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let doc: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not valid JSON", path.display()))?;
    // A large site's parts are beside its manifest: `manifest/<shard>.json`.
    let folder = path.parent().unwrap_or(Path::new("."));
    let read = |part: &str| {
        std::fs::read(folder.join(part))
            .with_context(|| format!("cannot read {}", folder.join(part).display()))
    };
    manifest::files_of(&doc, read).with_context(|| format!("{}", path.display()))
}
