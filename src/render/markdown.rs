//! Markdown to HTML, in one place so every page uses the same parser options.
//!
//! Raw HTML in Markdown is shown as text, not passed through: a program description
//! cannot inject scripts into the registry.

use pulldown_cmark::{Event, Options, Parser, html};

/// Renders Markdown to HTML with tables, footnotes and strikethrough; raw HTML is escaped.
pub fn render(text: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH;
    let parser = Parser::new_ext(text, options).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        other => other,
    });
    let mut out = String::with_capacity(text.len() * 3 / 2);
    html::push_html(&mut out, parser);
    out
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
}
