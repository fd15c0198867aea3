//! `sitemap.xml` and `robots.txt`: the pages search engines may list.
//!
//! Only public pages are in the sitemap: the home page, the verify and statistics
//! pages, the program listings and the pages of listed holders. Unlisted
//! credentials' pages are not, and carry `noindex`. Past 50,000 URLs (the sitemap
//! protocol's limit per file) `sitemap.xml` becomes an index of `sitemap-N.xml`.

use std::fmt::Write as _;

use rayon::prelude::*;

use super::Page;
use crate::urls::{self, Urls};

/// URLs per sitemap file (sitemaps.org protocol).
pub const URLS_PER_SITEMAP: usize = 50_000;

const HEADER: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
const NAMESPACE: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";

/// The sitemap file(s) of `paths` (site paths, in order) and `robots.txt`.
pub fn pages(site_urls: &Urls, paths: &[String]) -> Vec<Page> {
    let parts: Vec<&[String]> = paths.chunks(URLS_PER_SITEMAP).collect();
    let mut pages = Vec::new();
    if parts.len() <= 1 {
        pages.push(Page::new(
            urls::SITEMAP,
            urlset(site_urls, parts.first().copied().unwrap_or_default()),
        ));
    } else {
        let mut index = format!("{HEADER}<sitemapindex xmlns=\"{NAMESPACE}\">\n");
        for n in 0..parts.len() {
            let path = urls::sitemap_part(n + 1);
            let _ = writeln!(
                index,
                "<sitemap><loc>{}</loc></sitemap>",
                escape(&site_urls.absolute(&path))
            );
        }
        index.push_str("</sitemapindex>\n");
        // The parts (50,000 URLs each) are made in parallel.
        pages.par_extend(
            parts
                .par_iter()
                .enumerate()
                .map(|(n, part)| Page::new(urls::sitemap_part(n + 1), urlset(site_urls, part))),
        );
        pages.push(Page::new(urls::SITEMAP, index));
    }
    pages.push(Page::new(
        urls::ROBOTS,
        format!(
            "User-agent: *\nDisallow: /{}\nSitemap: {}\n",
            urls::SEARCH_DIR,
            site_urls.absolute(urls::SITEMAP)
        ),
    ));
    pages
}

fn urlset(site_urls: &Urls, paths: &[String]) -> String {
    let mut xml = format!("{HEADER}<urlset xmlns=\"{NAMESPACE}\">\n");
    let base = site_urls.absolute("");
    let mut url = String::new();
    for path in paths {
        url.clear();
        url.push_str(&base);
        url.push_str(path);
        let _ = writeln!(xml, "<url><loc>{}</loc></url>", escape(&url));
    }
    xml.push_str("</urlset>\n");
    xml
}

/// `text` escaped for XML; most URLs need nothing, and are not copied.
fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(['&', '<', '>', '"', '\'']) {
        return text.into();
    }
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_only_what_xml_needs() {
        assert!(matches!(
            escape("https://x.org/c/ab/id-1/"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(escape("a&b<c>\"d'"), "a&amp;b&lt;c&gt;&quot;d&apos;");
    }

    #[test]
    fn splits_at_fifty_thousand_urls() {
        let site_urls = Urls::new(&url::Url::parse("https://x.org/r/").unwrap());
        let paths: Vec<String> = (0..URLS_PER_SITEMAP + 1)
            .map(|i| format!("p{i}/"))
            .collect();
        let pages = pages(&site_urls, &paths);
        let names: Vec<&str> = pages.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            names,
            [
                "sitemap-1.xml",
                "sitemap-2.xml",
                "sitemap.xml",
                "robots.txt"
            ]
        );
        let index = String::from_utf8(pages[2].bytes.clone()).unwrap();
        assert!(index.contains("<loc>https://x.org/r/sitemap-2.xml</loc>"));
        let robots = String::from_utf8(pages[3].bytes.clone()).unwrap();
        assert!(robots.contains("Sitemap: https://x.org/r/sitemap.xml"));
        let one = super::pages(&site_urls, &paths[..2]);
        assert_eq!(one[0].path, "sitemap.xml");
        assert!(
            String::from_utf8(one[0].bytes.clone())
                .unwrap()
                .contains("<loc>https://x.org/r/p1/</loc>")
        );
        assert_eq!(escape("a&b<"), "a&amp;b&lt;");
    }
}
