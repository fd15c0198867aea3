//! Markdown to HTML, in one place so every page uses the same parser options.
//!
//! Program descriptions cannot inject scripts into the registry: raw HTML is shown as
//! text, and links and images keep only http, https, mailto and relative targets. A
//! link to anything else (`javascript:`, `data:`, `vbscript:`, …) is rendered as its
//! text, with no link.

use pulldown_cmark::{Event, LinkType, Options, Parser, Tag, TagEnd, html};

/// Renders Markdown to HTML with tables, footnotes and strikethrough; raw HTML is
/// escaped and unsafe link targets are dropped.
pub fn render(text: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH;
    // Links whose target was refused, innermost last: their end tags are dropped too.
    let mut refused: Vec<bool> = Vec::new();
    let mut in_refused_image = 0usize;
    let parser = Parser::new_ext(text, options).filter_map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        Event::Start(Tag::Link {
            ref dest_url,
            link_type,
            ..
        }) => {
            let safe = link_type == LinkType::Email || is_safe_target(dest_url);
            refused.push(!safe);
            safe.then_some(event)
        }
        Event::End(TagEnd::Link) => {
            let was_refused = refused.pop().unwrap_or(false);
            (!was_refused).then_some(event)
        }
        Event::Start(Tag::Image { ref dest_url, .. }) if !is_safe_target(dest_url) => {
            // Show the image's alt text instead.
            in_refused_image += 1;
            None
        }
        Event::End(TagEnd::Image) if in_refused_image > 0 => {
            in_refused_image -= 1;
            None
        }
        other => Some(other),
    });
    let mut out = String::with_capacity(text.len() * 3 / 2);
    html::push_html(&mut out, parser);
    out
}

/// Is `target` an http(s) or mailto URL, or a relative reference (a path, a query or
/// a fragment)? Browsers ignore tabs and newlines inside schemes and compare them
/// without case, so both are normalised before looking at the scheme.
pub fn is_safe_target(target: &str) -> bool {
    let cleaned: String = target
        .trim_matches(|c: char| c.is_ascii_whitespace() || c.is_ascii_control())
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    // A scheme is what comes before the first ':' when no '/', '?' or '#' comes earlier.
    let scheme_end = cleaned.find(':');
    let path_start = cleaned.find(['/', '?', '#']);
    match (scheme_end, path_start) {
        (Some(colon), Some(path)) if path < colon => true,
        (Some(colon), _) => {
            let scheme = cleaned[..colon].to_ascii_lowercase();
            matches!(scheme.as_str(), "http" | "https" | "mailto")
        }
        (None, _) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_markdown() {
        assert_eq!(render("Hello *world*"), "<p>Hello <em>world</em></p>\n");
    }

    #[test]
    fn escapes_raw_html() {
        let out = render("<script>alert(1)</script>\n\nText <img src=x onerror=alert(1)>");
        assert!(!out.contains("<script"), "{out}");
        assert!(!out.contains("<img"), "{out}");
        assert!(out.contains("&lt;script&gt;"), "{out}");
    }

    #[test]
    fn keeps_safe_links_and_drops_unsafe_ones() {
        let out = render(
            "[a](https://example.org/) [b](/programs/x/) [c](mailto:r@example.org) [d](#top) [e](../x?y=1) <r@example.org>",
        );
        for href in [
            "href=\"https://example.org/\"",
            "href=\"/programs/x/\"",
            "href=\"mailto:r@example.org\"",
            "href=\"#top\"",
            "href=\"../x?y=1\"",
        ] {
            assert!(out.contains(href), "{href} in {out}");
        }
        for bad in [
            "[x](javascript:alert(1))",
            "[x](JavaScript:alert(1))",
            "[x](java\tscript:alert(1))",
            "[x]( javascript:alert(1))",
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "[x](vbscript:msgbox)",
            "[x][r]\n\n[r]: javascript:alert(1)",
            "<javascript:alert(1)>",
        ] {
            let out = render(bad);
            assert!(
                !out.contains("href") && !out.contains("<a"),
                "{bad:?} gave {out}"
            );
        }
        assert_eq!(
            render("[click **here**](javascript:alert(1))"),
            "<p>click <strong>here</strong></p>\n",
            "the link text stays, as text"
        );
    }

    #[test]
    fn drops_unsafe_images_but_keeps_their_text() {
        let out = render("![logo](javascript:alert(1)) ![ok](img/logo.png)");
        assert!(!out.contains("javascript"), "{out}");
        assert!(out.contains("logo"), "{out}");
        assert!(out.contains("src=\"img/logo.png\""), "{out}");
    }
}
