//! What the preview server changes in a page as it sends it, and only then: the
//! built bytes stay those of a real build (issue 12).
//!
//! - the live-reload script, allowed by the page's Content-Security-Policy through its
//!   hash, added to the page's `script-src`;
//! - the preview stylesheet (`style-src 'self'` allows it), the "not signed with the
//!   issuer's key" banner and the error overlay of a failed rebuild;
//! - links to the real `base_url` turned into local ones, so that navigation stays on
//!   the preview server (signed data is not touched: only `href` and `src` attributes).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

/// Where the server's own files live; no site page can be there.
pub const PREFIX: &str = "/__credsite/";
/// The server-sent events channel: the number of the site's latest rebuild, sent when
/// a page connects and after each rebuild.
pub const EVENTS: &str = "/__credsite/events";
/// The preview stylesheet.
pub const STYLE: &str = "/__credsite/serve.css";

/// The injected script: reload when the server names a rebuild other than the one
/// the page was sent from (its `data-build`). The server names the latest one as soon
/// as the page connects, so a page that connects after a rebuild (a fresh page while
/// the next change is being built, say) reloads too, rather than missing the message.
pub const SCRIPT: &str = r#"(function(){var c=document.currentScript,b=c&&c.getAttribute("data-build"),s=new EventSource("/__credsite/events");s.onmessage=function(e){if(e.data!==b){location.reload();}};})();"#;

/// The preview stylesheet's text.
pub const CSS: &str = "#credsite-serve-banner{position:sticky;top:0;z-index:2147483646;margin:0;padding:.4em 1em;background:#7a4b00;color:#fff;font:600 14px/1.4 system-ui,sans-serif;text-align:center}
#credsite-serve-overlay{position:fixed;inset:0;z-index:2147483647;overflow:auto;margin:0;padding:2em;background:rgba(20,20,20,.94);color:#fff;font:15px/1.5 system-ui,sans-serif}
#credsite-serve-overlay h2{margin-top:0;color:#ff8a80}
#credsite-serve-overlay pre{white-space:pre-wrap;font:14px/1.5 ui-monospace,monospace;background:#000;padding:1em;border-radius:4px}
";

/// What a page gets on its way out.
#[derive(Debug, Clone, Default)]
pub struct Extras {
    /// Signed with a throwaway key: show the banner.
    pub throwaway_key: bool,
    /// The last rebuild failed with this message: show the overlay.
    pub error: Option<String>,
    /// The site's `base_url`, without its trailing '/'.
    pub base_url: String,
    /// The number of the rebuild the page comes from (see [`SCRIPT`]).
    pub build: u64,
}

/// `html` as the preview server sends it. `absolute` turns the page's relative links
/// into absolute ones (for the not-found page, which is sent at any depth).
pub fn page(html: &str, extras: &Extras, absolute: bool) -> String {
    let mut html = local_links(html, &extras.base_url);
    if absolute {
        html = absolute_links(&html);
    }
    html = allow_script(&html);
    let mut top = String::new();
    if extras.throwaway_key {
        top.push_str(
            "<div id=\"credsite-serve-banner\">preview: not signed with the issuer's key</div>",
        );
    }
    if let Some(error) = &extras.error {
        top.push_str(&overlay(error));
    }
    let html = insert_after_tag(&html, "<body", &top);
    let head_end = format!("<link rel=\"stylesheet\" href=\"{STYLE}\">\n</head>");
    let html = replace_first(&html, "</head>", &head_end);
    let script = format!(
        "<script data-build=\"{}\">{SCRIPT}</script>\n</body>",
        extras.build
    );
    if html.contains("</body>") {
        replace_first(&html, "</body>", &script)
    } else {
        html + &script[..script.len() - "</body>".len()]
    }
}

/// The overlay of a failed rebuild.
pub fn overlay(error: &str) -> String {
    format!(
        "<div id=\"credsite-serve-overlay\" role=\"alert\"><h2>credsite: the site does not build</h2><pre>{}</pre><p>The preview shows the last site that built. Fix the file and save: this page reloads.</p></div>",
        crate::html::esc(error)
    )
}

/// A page for when no site has built yet.
pub fn no_site_page() -> String {
    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>credsite serve</title></head><body><p>No site has built yet.</p></body></html>".to_string()
}

fn script_hash() -> String {
    format!("'sha256-{}'", STANDARD.encode(Sha256::digest(SCRIPT)))
}

/// Adds the reload script's hash to the `script-src` of the page's CSP `<meta>`.
fn allow_script(html: &str) -> String {
    let Some(meta) = html.find("http-equiv=\"Content-Security-Policy\"") else {
        return html.to_string();
    };
    let Some(end) = html[meta..].find('>').map(|e| meta + e) else {
        return html.to_string();
    };
    let tag = &html[meta..end];
    let Some(at) = tag.find("script-src ") else {
        return html.to_string();
    };
    let start = meta + at + "script-src ".len();
    let hash = script_hash();
    let mut out = String::with_capacity(html.len() + hash.len() + 1);
    if html[start..].starts_with("'none'") {
        out.push_str(&html[..start]);
        out.push_str(&hash);
        out.push_str(&html[start + "'none'".len()..]);
    } else {
        out.push_str(&html[..start]);
        out.push_str(&hash);
        out.push(' ');
        out.push_str(&html[start..]);
    }
    out
}

/// `href="https://base/…"` and `src="…"` to the real site become local links.
fn local_links(html: &str, base_url: &str) -> String {
    if base_url.is_empty() {
        return html.to_string();
    }
    let mut out = html.to_string();
    for attr in ["href=\"", "src=\""] {
        out = out.replace(&format!("{attr}{base_url}/"), &format!("{attr}/"));
        out = out.replace(&format!("{attr}{base_url}\""), &format!("{attr}/\""));
    }
    out
}

/// Relative `href` and `src` values become absolute (from the site root).
fn absolute_links(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + 64);
    let mut rest = html;
    loop {
        let next = ["href=\"", "src=\""]
            .iter()
            .filter_map(|a| rest.find(a).map(|i| (i, a.len())))
            .min();
        let Some((i, len)) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..i + len]);
        rest = &rest[i + len..];
        let relative = !(rest.starts_with('/')
            || rest.starts_with('#')
            || rest.starts_with('"')
            || has_scheme(rest));
        if relative {
            out.push('/');
        }
    }
}

/// Does the attribute value starting `value` start with `scheme:` (http:, mailto:, data:, …)?
fn has_scheme(value: &str) -> bool {
    let end = value.find(['"', '/', '?', '#']).unwrap_or(value.len());
    value[..end].contains(':')
}

fn insert_after_tag(html: &str, tag: &str, text: &str) -> String {
    if text.is_empty() {
        return html.to_string();
    }
    match html
        .find(tag)
        .and_then(|s| html[s..].find('>').map(|e| s + e + 1))
    {
        Some(at) => format!("{}{}{}", &html[..at], text, &html[at..]),
        None => format!("{text}{html}"),
    }
}

fn replace_first(html: &str, from: &str, to: &str) -> String {
    html.replacen(from, to, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "<!DOCTYPE html><html><head>\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'none'\"><link rel=\"stylesheet\" href=\"../../style.css\"></head><body class=\"x\"><a href=\"https://reg.example/programs/a/\">a</a><a href=\"mailto:x@y\">m</a><pre>https://reg.example/credentials/a/</pre></body></html>";

    fn extras(error: Option<&str>) -> Extras {
        Extras {
            throwaway_key: true,
            error: error.map(str::to_string),
            base_url: "https://reg.example".into(),
            build: 3,
        }
    }

    #[test]
    fn allows_the_reload_script_by_hash_and_keeps_text() {
        let out = page(PAGE, &extras(None), false);
        assert!(
            out.contains(&format!("script-src {}\"", script_hash())),
            "{out}"
        );
        assert!(out.contains(&format!(
            "<script data-build=\"3\">{SCRIPT}</script>\n</body>"
        )));
        assert!(out.contains("<body class=\"x\"><div id=\"credsite-serve-banner\">"));
        assert!(out.contains("href=\"/programs/a/\""), "{out}");
        assert!(
            out.contains("<pre>https://reg.example/credentials/a/</pre>"),
            "text is untouched"
        );
        assert!(!out.contains("credsite-serve-overlay"));
    }

    #[test]
    fn existing_hashes_are_kept_and_errors_escaped() {
        let html = PAGE.replace("script-src 'none'", "script-src 'sha256-abc'");
        let out = page(&html, &extras(Some("a.csv:3: <bad>")), true);
        assert!(out.contains(&format!("script-src {} 'sha256-abc'", script_hash())));
        assert!(out.contains("a.csv:3: &lt;bad&gt;"));
        assert!(out.contains("href=\"/../../style.css\""), "{out}");
        assert!(out.contains("href=\"mailto:x@y\""));
    }
}
