//! The site's URL scheme: the only place where a path or URL inside the site is formed.
//!
//! A credential's URL is printed on paper (its QR code) and must never move, so the
//! scheme is a promise: change nothing here without redirects from the old paths.
//! Every other module asks this one; templates get the paths ready-made in their views.
//!
//! Paths are site paths: relative to the site root, '/'-separated, without a leading
//! '/'. A folder's path ends with '/', and the host serves its `index.html`.

use url::Url;

/// The folder holding the credential pages: `c/<shard>/<slug>/`.
///
/// This is the permanent layout. The shard, the first two hex digits of the SHA-256
/// of the slug, spreads credentials over 256 folders, so that no folder holds more
/// than about 4,000 entries at a million credentials (static hosts limit files per
/// folder). The slug is the credential id when the holder is listed, so that the id
/// stays readable in the URL, and a random string kept in the site state when not.
pub const CREDENTIALS_DIR: &str = "c/";
/// Where credsite 0.1 published credentials (`credentials/<id>/`): pages there now
/// redirect to the credential's permanent folder.
pub const LEGACY_CREDENTIALS_DIR: &str = "credentials/";
/// The program pages.
pub const PROGRAMS_DIR: &str = "programs/";
/// The registry's home page.
pub const HOME_PAGE: &str = "index.html";
/// The page a host serves for unknown paths.
pub const NOT_FOUND_PAGE: &str = "404.html";
/// The newest page of the signed JSON Feed; older pages are in [`FEED_DIR`].
pub const FEED: &str = "feed.json";
/// The folder of the feed's archive pages.
pub const FEED_DIR: &str = "feed/";
/// The file name of a signed credential inside its folder.
pub const CREDENTIAL_FILE: &str = "credential.json";
/// Netlify and Cloudflare Pages read response headers from this file.
pub const HEADERS_FILE: &str = "_headers";
/// Netlify and Cloudflare Pages read redirects from this file.
pub const REDIRECTS_FILE: &str = "_redirects";
/// GitHub Pages serves dot-folders such as `.well-known/` only when this file exists.
pub const NOJEKYLL_FILE: &str = ".nojekyll";
/// The signed list of every published file and its SHA-256.
pub const MANIFEST: &str = "manifest.json";
/// The folder of a large site's manifest parts, one per credential shard.
pub const MANIFEST_PARTS_DIR: &str = "manifest/";
/// Crawlers' rules.
pub const ROBOTS: &str = "robots.txt";
/// The sitemap (an index of [`sitemap_part`]s when there are more than 50,000 URLs).
pub const SITEMAP: &str = "sitemap.xml";
/// The folder of the search index: name shards and the id lookup.
pub const SEARCH_DIR: &str = "search/";

/// The shard of a credential slug: the first two hex digits of its SHA-256.
pub fn credential_shard(slug: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(slug.as_bytes())[..1])
}

/// The folder of a credential's verification page, e.g. `c/5e/cdpp-1/`.
pub fn credential_dir(slug: &str) -> String {
    format!("{CREDENTIALS_DIR}{}/{slug}/", credential_shard(slug))
}

/// Whether `path` is a credential folder of this scheme, `c/<shard>/<slug>/`, in the
/// shard of its slug (as [`credential_dir`] makes it, without making one).
pub fn is_credential_dir(path: &str) -> bool {
    let Some(rest) = path
        .strip_prefix(CREDENTIALS_DIR)
        .and_then(|rest| rest.strip_suffix('/'))
    else {
        return false;
    };
    rest.split_once('/').is_some_and(|(shard, slug)| {
        !slug.is_empty() && !slug.contains('/') && shard == credential_shard(slug)
    })
}

/// The shard of a file in a credential folder (`c/3f/…` → `3f`), if it is in one.
pub fn shard_of_file(path: &str) -> Option<&str> {
    let rest = path.strip_prefix(CREDENTIALS_DIR)?;
    let (shard, _) = rest.split_once('/')?;
    Some(shard)
}

/// The manifest part listing the files of credential shard `shard`.
pub fn manifest_part(shard: &str) -> String {
    format!("{MANIFEST_PARTS_DIR}{shard}.json")
}

/// Where credsite 0.1 published a credential, e.g. `credentials/cdpp-1/`.
pub fn legacy_credential_dir(id: &str) -> String {
    format!("{LEGACY_CREDENTIALS_DIR}{id}/")
}

/// The page in a folder.
pub fn page_in(dir: &str) -> String {
    format!("{dir}index.html")
}

/// The signed credential document in a credential folder.
pub fn json_in(dir: &str) -> String {
    format!("{dir}{CREDENTIAL_FILE}")
}

/// The verification page of the credential with slug `slug`.
pub fn credential_page(slug: &str) -> String {
    page_in(&credential_dir(slug))
}

/// The signed document of the credential with slug `slug`.
pub fn credential_json(slug: &str) -> String {
    json_in(&credential_dir(slug))
}

/// The slug in a credential document's URL or path, if it has this scheme's shape
/// (or credsite 0.1's `credentials/<id>/`).
pub fn credential_slug_of(url_or_path: &str) -> Option<&str> {
    let dir = url_or_path.strip_suffix(&format!("/{CREDENTIAL_FILE}"))?;
    let (parent, slug) = dir.rsplit_once('/')?;
    if slug.is_empty() {
        return None;
    }
    let legacy = parent.ends_with(LEGACY_CREDENTIALS_DIR.trim_end_matches('/'));
    let (grand, shard) = parent.rsplit_once('/')?;
    let top = CREDENTIALS_DIR.trim_end_matches('/');
    let current =
        (grand == top || grand.ends_with(&format!("/{top}"))) && shard == credential_shard(slug);
    (legacy || current).then_some(slug)
}

/// The in-browser verifier, one script for every credential page and the verify page.
pub const VERIFIER_SCRIPT: &str = "verifier.js";

/// The folder of the verify page, where a visitor checks a credential they were given.
pub const VERIFY_DIR: &str = "verify/";
/// The verify page.
pub const VERIFY_PAGE: &str = "verify/index.html";

/// The folder of the public statistics page (when the site enables it).
pub const STATISTICS_DIR: &str = "statistics/";
/// The public statistics page.
pub const STATISTICS_PAGE: &str = "statistics/index.html";

/// The folder of the status lists.
pub const STATUS_DIR: &str = "status/";

/// A status list credential, e.g. `status/revocation-1.json`: `purpose` is
/// `revocation` or `suspension`, `list` counts from 1.
pub fn status_list(purpose: &str, list: u32) -> String {
    format!("{STATUS_DIR}{purpose}-{list}.json")
}

/// The list number in a status list's URL or path of this scheme's shape.
pub fn status_list_number(url_or_path: &str, purpose: &str) -> Option<u32> {
    let name = url_or_path.rsplit('/').next()?;
    let (dir, _) = url_or_path.rsplit_once('/')?;
    let number = name
        .strip_prefix(&format!("{purpose}-"))?
        .strip_suffix(".json")?;
    (dir.ends_with(STATUS_DIR.trim_end_matches('/')) && !number.starts_with('0'))
        .then(|| number.parse().ok())
        .flatten()
}

/// The folder of a program's page, e.g. `programs/cdpp/`.
pub fn program_dir(id: &str) -> String {
    format!("{PROGRAMS_DIR}{id}/")
}

/// A program's page.
pub fn program_page(id: &str) -> String {
    format!("{}index.html", program_dir(id))
}

/// The folder of page `n` (from 1) of a program's holder listing: the program page
/// itself, then `programs/<id>/page/<n>/`.
pub fn program_listing_dir(id: &str, n: usize) -> String {
    if n <= 1 {
        program_dir(id)
    } else {
        format!("{}page/{n}/", program_dir(id))
    }
}

/// An archive page of the feed, from 1 (the oldest).
pub fn feed_page(n: usize) -> String {
    format!("{FEED_DIR}{n}.json")
}

/// The number of a feed archive page from its URL or path (`…/feed/N.json`).
pub fn feed_page_number(url_or_path: &str) -> Option<usize> {
    let (dir, name) = url_or_path.rsplit_once('/')?;
    let number = name.strip_suffix(".json")?;
    let top = FEED_DIR.trim_end_matches('/');
    ((dir == top || dir.ends_with(&format!("/{top}"))) && !number.starts_with('0'))
        .then(|| number.parse().ok())
        .flatten()
}

/// Part `n` (from 1) of a sitemap split at 50,000 URLs.
pub fn sitemap_part(n: usize) -> String {
    format!("sitemap-{n}.xml")
}

/// A shard of the name search index, named by its key (a prefix of a normalized
/// name word, as hex of its UTF-8, so that any script makes a safe file name), in a
/// folder named by the key's first two bytes (its first two letters, for a Latin
/// name): a million holders make over 10,000 shards, too many for one folder.
pub fn search_names(key: &str) -> String {
    let name = hex::encode(key.as_bytes());
    let folder = &name[..name.len().min(4)];
    format!("{SEARCH_DIR}n/{folder}/{name}.json")
}

/// A shard of the id-and-last-name lookup, named by the first hex digits of the key.
pub fn search_lookup(prefix: &str) -> String {
    format!("{SEARCH_DIR}l/{prefix}.json")
}

/// Where the DID document of a site served at `base_url` lives: did:web resolves a
/// bare host to `/.well-known/did.json` and a host with a path to `<path>/did.json`
/// (W3C CCG did:web, "Read (Resolve)").
pub fn did_document(base_url: &Url) -> &'static str {
    if base_url.path().trim_matches('/').is_empty() {
        ".well-known/did.json"
    } else {
        "did.json"
    }
}

/// The signed key log, `did.jsonl`, beside the DID document at `did_document`.
pub fn key_log(did_document: &str) -> String {
    match did_document.rsplit_once('/') {
        Some((dir, _)) => format!("{dir}/did.jsonl"),
        None => "did.jsonl".to_string(),
    }
}

/// The relative prefix from a page at `path` back to the site root, e.g. `../../`
/// for `credentials/abc/index.html`. Pages link with it, so that a saved copy of
/// the site works from any folder.
pub fn root_of(path: &str) -> String {
    "../".repeat(path.matches('/').count())
}

/// Turns site paths into absolute URLs under the site's base URL.
#[derive(Debug, Clone)]
pub struct Urls {
    /// The base URL without its trailing '/'.
    base: String,
    /// The base URL's path on its host, ending with '/', e.g. `/` or `/registry/`.
    base_path: String,
}

impl Urls {
    /// The URLs of a site served at `base_url`.
    pub fn new(base_url: &Url) -> Self {
        Urls {
            base: base_url.as_str().trim_end_matches('/').to_string(),
            base_path: format!("{}/", base_url.path().trim_end_matches('/')),
        }
    }

    /// The absolute URL of a site path.
    pub fn absolute(&self, path: &str) -> String {
        format!("{}/{path}", self.base)
    }

    /// The home page's absolute URL.
    pub fn home(&self) -> String {
        self.absolute("")
    }

    /// The path of the site root on its host, for pages served at any depth (404).
    pub fn host_root(&self) -> &str {
        &self.base_path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_is_stable() {
        // These paths are printed in QR codes on paper: they must never change.
        assert_eq!(credential_shard("cdpp-1"), "e8");
        assert_eq!(credential_dir("cdpp-1"), "c/e8/cdpp-1/");
        assert_eq!(credential_page("cdpp-1"), "c/e8/cdpp-1/index.html");
        assert_eq!(credential_json("cdpp-1"), "c/e8/cdpp-1/credential.json");
        assert_eq!(legacy_credential_dir("cdpp-1"), "credentials/cdpp-1/");
        assert_eq!(program_dir("cdpp"), "programs/cdpp/");
        assert_eq!(program_listing_dir("cdpp", 1), "programs/cdpp/");
        assert_eq!(program_listing_dir("cdpp", 3), "programs/cdpp/page/3/");
        assert_eq!(FEED, "feed.json");
        assert_eq!(feed_page(2), "feed/2.json");
        assert_eq!(status_list("revocation", 1), "status/revocation-1.json");
        assert_eq!(search_names("se"), "search/n/7365/7365.json");
        assert_eq!(search_names("sean"), "search/n/7365/7365616e.json");
        assert_eq!(search_names("σε"), "search/n/cf83/cf83ceb5.json");
        assert_eq!(
            status_list_number("https://x.org/status/suspension-12.json", "suspension"),
            Some(12)
        );
        assert_eq!(
            status_list_number("https://x.org/status/suspension-12.json", "revocation"),
            None
        );
        assert_eq!(
            status_list_number("https://x.org/other/revocation-1.json", "revocation"),
            None
        );
    }

    #[test]
    fn finds_slugs_in_credential_urls() {
        assert_eq!(
            credential_slug_of("https://x.org/c/2f/a-1/credential.json"),
            Some("a-1")
        );
        assert_eq!(credential_slug_of("c/2f/a-1/credential.json"), Some("a-1"));
        assert_eq!(
            credential_slug_of("https://x.org/credentials/a-1/credential.json"),
            Some("a-1"),
            "credsite 0.1's layout"
        );
        assert_eq!(
            credential_slug_of("c/00/a-1/credential.json"),
            None,
            "wrong shard"
        );
        assert_eq!(credential_slug_of("abc/2f/a-1/credential.json"), None);
        assert_eq!(
            credential_slug_of("https://x.org/other/a-1/credential.json"),
            None
        );
        assert_eq!(credential_slug_of("https://x.org/c/2f/a-1/"), None);
    }

    #[test]
    fn knows_credential_folders_by_their_shard() {
        assert!(is_credential_dir("c/2f/a-1/"));
        assert!(is_credential_dir(&credential_dir("x.Y_z")));
        for path in [
            "c/00/a-1/",
            "c/2f/a-1",
            "c/2f/",
            "c/2f//",
            "c/2f/a-1/x/",
            "credentials/a-1/",
            "d/2f/a-1/",
            "",
        ] {
            assert!(!is_credential_dir(path), "{path}");
        }
    }

    #[test]
    fn absolute_urls_keep_the_base_path() {
        let urls = Urls::new(&Url::parse("https://org.github.io/registry/").unwrap());
        assert_eq!(
            urls.absolute(&credential_dir("a")),
            "https://org.github.io/registry/c/ca/a/"
        );
        assert_eq!(urls.home(), "https://org.github.io/registry/");
        assert_eq!(urls.host_root(), "/registry/");
        let bare = Url::parse("https://certs.example.org/").unwrap();
        assert_eq!(Urls::new(&bare).host_root(), "/");
        assert_eq!(did_document(&bare), ".well-known/did.json");
        assert_eq!(
            did_document(&Url::parse("https://org.github.io/registry/").unwrap()),
            "did.json"
        );
    }

    #[test]
    fn roots_climb_back_from_any_depth() {
        assert_eq!(root_of(HOME_PAGE), "");
        assert_eq!(root_of(&credential_page("a")), "../../../");
        assert_eq!(root_of(&program_page("p")), "../../");
    }
}
