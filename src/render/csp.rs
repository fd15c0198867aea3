//! Every page's Content-Security-Policy, as a `<meta>` element in its `<head>`, so that
//! it holds on any static host and in a saved copy.
//!
//! Nothing is loaded from elsewhere: styles, images and fetches come from the site
//! itself, and the only scripts that run are the page's own inline ones, allowed by
//! their SHA-256 hashes (computed from the rendered page, so a theme's own scripts are
//! allowed too, and a script injected through a record never is), and, on a page that
//! loads one, the site's own script files (`'self'`: the shared verifier, which a
//! browser then caches once for the whole registry; `'self'` also holds for a copy of
//! the site opened from files).

use std::sync::LazyLock;

use anyhow::{Result, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use memchr::memmem::Finder;
use sha2::{Digest, Sha256};

// Every page is searched for these (a credential page is 20 KB): SIMD searchers, made
// once.
static HEAD: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("<head>"));
static SCRIPT: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("<script"));
static SCRIPT_END: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("</script>"));

fn find(finder: &Finder, text: &str) -> Option<usize> {
    finder.find(text.as_bytes())
}

/// The policy without its `script-src`.
const POLICY: &str = "default-src 'none'; img-src 'self' data:; style-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'";

/// The `_headers` rule that sends the policy as a header too, where hosts support it.
/// A header can say what a `<meta>` cannot (`frame-ancestors`: no framing, so no
/// clickjacking of a verdict). Scripts are left to each page's `<meta>` policy, which
/// allows only the page's own scripts by hash: a browser enforces both policies.
pub fn header() -> String {
    format!(
        "/*\n  Content-Security-Policy: {POLICY}; frame-ancestors 'none'; script-src 'unsafe-inline'\n"
    )
}

/// `html` with its Content-Security-Policy inserted right after `<head>`.
pub fn apply(html: String, template: &str) -> Result<String> {
    let Some(head) = find(&HEAD, &html) else {
        bail!(
            "template {template} has no <head>: credsite puts each page's Content-Security-Policy there"
        );
    };
    let mut sources = Vec::new();
    let mut loads_scripts = false;
    for script in scripts(&html) {
        match script {
            Script::Inline(text) => sources.push(format!(
                "'sha256-{}'",
                STANDARD.encode(Sha256::digest(text))
            )),
            Script::File => loads_scripts = true,
            Script::Data => {}
        }
    }
    sources.sort();
    sources.dedup();
    if loads_scripts {
        sources.insert(0, "'self'".to_string());
    }
    let script_src = if sources.is_empty() {
        "'none'".to_string()
    } else {
        sources.join(" ")
    };
    let meta = format!(
        "\n<meta http-equiv=\"Content-Security-Policy\" content=\"{POLICY}; script-src {script_src}\">"
    );
    let at = head + "<head>".len();
    let mut out = String::with_capacity(html.len() + meta.len());
    out.push_str(&html[..at]);
    out.push_str(&meta);
    out.push_str(&html[at..]);
    Ok(out)
}

/// A `<script>` element of a page.
enum Script<'a> {
    /// One a browser runs, with its text: no `src`, and no `type` or a JavaScript one.
    Inline(&'a str),
    /// One that loads a script file (`src=`).
    File,
    /// A data block (`type="application/json"`, say): never run.
    Data,
}

/// The `<script>` elements of `html`, in one pass.
fn scripts(html: &str) -> impl Iterator<Item = Script<'_>> {
    let mut rest = html;
    std::iter::from_fn(move || {
        let start = find(&SCRIPT, rest)?;
        let after = &rest[start + "<script".len()..];
        let tag_end = after.find('>')?;
        let attributes = &after[..tag_end];
        let body = &after[tag_end + 1..];
        let end = find(&SCRIPT_END, body).unwrap_or(body.len());
        rest = &body[end..];
        Some(if attributes.contains(" src=") {
            Script::File
        } else if !attributes.contains("src=")
            && (!attributes.contains("type=")
                || attributes.contains("type=\"text/javascript\"")
                || attributes.contains("type=\"module\""))
        {
            Script::Inline(&body[..end])
        } else {
            Script::Data
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_exactly_the_page_scripts_by_hash() {
        let html = "<!DOCTYPE html><html><head><title>x</title></head><body><script>alert(1)</script><script type=\"application/json\">{}</script></body></html>".to_string();
        let out = apply(html, "t.html").unwrap();
        // echo -n 'alert(1)' | openssl dgst -sha256 -binary | base64
        let hash = STANDARD.encode(Sha256::digest(b"alert(1)"));
        assert!(
            out.starts_with("<!DOCTYPE html><html><head>\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"),
            "{out}"
        );
        assert!(
            out.contains(&format!("script-src 'sha256-{hash}'\">")),
            "{out}"
        );
        assert_eq!(
            out.matches("sha256-").count(),
            1,
            "data blocks are not scripts"
        );
    }

    #[test]
    fn a_page_that_loads_a_script_file_allows_the_site_s_own() {
        let html = "<html><head></head><body><script src=\"../verifier.js\"></script><script>go()</script></body></html>";
        let out = apply(html.into(), "t.html").unwrap();
        let hash = STANDARD.encode(Sha256::digest(b"go()"));
        assert!(
            out.contains(&format!("script-src 'self' 'sha256-{hash}'\">")),
            "{out}"
        );
    }

    #[test]
    fn a_page_without_scripts_allows_none() {
        let out = apply("<html><head></head><body></body></html>".into(), "t.html").unwrap();
        assert!(out.contains("script-src 'none'"), "{out}");
        assert!(apply("<html><body></body></html>".into(), "t.html").is_err());
    }
}
