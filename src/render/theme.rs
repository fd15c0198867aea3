//! Themes: templates and static files, overridable file by file.
//!
//! Lookup order for each file: the site's own `templates/` (or `static/`), then
//! `themes/<theme>/templates/` (or `static/`), then the built-in default theme.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};
use tera::Tera;

use crate::walk::Hidden;

/// The built-in default theme's templates, embedded from `themes/default/templates/`.
pub const DEFAULT_TEMPLATES: [(&str, &str); 11] = [
    (
        "base.html",
        include_str!("../../themes/default/templates/base.html"),
    ),
    (
        "index.html",
        include_str!("../../themes/default/templates/index.html"),
    ),
    (
        "program.html",
        include_str!("../../themes/default/templates/program.html"),
    ),
    (
        "credential.html",
        include_str!("../../themes/default/templates/credential.html"),
    ),
    (
        "404.html",
        include_str!("../../themes/default/templates/404.html"),
    ),
    (
        "statistics.html",
        include_str!("../../themes/default/templates/statistics.html"),
    ),
    (
        "verify.html",
        include_str!("../../themes/default/templates/verify.html"),
    ),
    (
        "verifier.js",
        include_str!("../../themes/default/templates/verifier.js"),
    ),
    (
        "verify-page.js",
        include_str!("../../themes/default/templates/verify-page.js"),
    ),
    (
        "redirect.html",
        include_str!("../../themes/default/templates/redirect.html"),
    ),
    (
        "search.js",
        include_str!("../../themes/default/templates/search.js"),
    ),
];

/// The file names that are templates: pages, and scripts pages include inline.
fn is_template(name: &str) -> bool {
    name.ends_with(".html") || name.ends_with(".js")
}

/// The built-in default theme's static files.
pub const DEFAULT_STATIC: [(&str, &[u8]); 1] = [(
    "style.css",
    include_bytes!("../../themes/default/static/style.css"),
)];

/// Loaded templates and the static files to copy.
#[derive(Debug)]
pub struct Theme {
    /// The compiled templates.
    pub tera: Tera,
    /// Static files: site path → bytes, site files over theme files over defaults.
    pub static_files: BTreeMap<String, Vec<u8>>,
    /// SHA-256 of the template sources in use (names and texts): part of the
    /// incremental build's cache keys (issue 12).
    pub templates_digest: [u8; 32],
}

impl Theme {
    /// Loads the theme `name` for the site at `root`.
    pub fn load(root: &Path, name: &str) -> Result<Theme> {
        let theme_dir = root.join("themes").join(name);
        if name != "default" && !theme_dir.is_dir() {
            bail!(
                "theme \"{name}\" (set in credsite.toml with key `theme`) does not exist: looked for {}\n     hint: remove the `theme` key to use the built-in default theme",
                theme_dir.display()
            );
        }
        let layers = [theme_dir.join("templates"), root.join("templates")];
        let mut sources: BTreeMap<String, (String, String)> = DEFAULT_TEMPLATES
            .iter()
            .map(|(n, t)| {
                (
                    n.to_string(),
                    (t.to_string(), format!("built-in default theme: {n}")),
                )
            })
            .collect();
        for dir in &layers {
            for (rel, path) in files_under(dir, Hidden::Skip)? {
                if is_template(&rel) {
                    let text = fs::read_to_string(&path)
                        .with_context(|| format!("cannot read template {}", path.display()))?;
                    sources.insert(rel, (text, path.display().to_string()));
                }
            }
        }
        let mut tera = Tera::new();
        tera.add_raw_templates(
            sources
                .iter()
                .map(|(name, (text, _))| (name.as_str(), text.as_str())),
        )
        .map_err(|e| {
            let origins: Vec<&str> = sources
                .values()
                .map(|(_, origin)| origin.as_str())
                .collect();
            anyhow::anyhow!(
                "cannot load the theme templates: {e}\n     templates in use: {}",
                origins.join(", ")
            )
        })?;

        let mut static_files: BTreeMap<String, Vec<u8>> = DEFAULT_STATIC
            .iter()
            .map(|(n, b)| (n.to_string(), b.to_vec()))
            .collect();
        for dir in [theme_dir.join("static"), root.join("static")] {
            for (rel, path) in files_under(&dir, Hidden::Include)? {
                let bytes =
                    fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
                static_files.insert(rel, bytes);
            }
        }
        let mut digest = Sha256::new();
        for (name, (text, _)) in &sources {
            digest.update(format!("{name} {}\n", text.len()));
            digest.update(text);
        }
        Ok(Theme {
            tera,
            static_files,
            templates_digest: digest.finalize().into(),
        })
    }

    /// Renders a template, naming it in the error.
    pub fn render(&self, template: &str, context: &tera::Context) -> Result<String> {
        self.tera
            .render(template, context)
            .map_err(|e| anyhow::anyhow!("cannot render template {template}: {e}"))
    }
}

/// Files under `dir` as (site path relative to `dir`, full path).
fn files_under(dir: &Path, hidden: Hidden) -> Result<Vec<(String, PathBuf)>> {
    let files = crate::walk::files(dir, hidden)?;
    Ok(files
        .into_iter()
        .map(|p| (crate::walk::site_path(dir, &p), p))
        .collect())
}
