//! The site's URL scheme: the only place where a path or URL inside the site is formed.
//!
//! A credential's URL is printed on paper (its QR code) and must never move, so the
//! scheme is a promise: change nothing here without redirects from the old paths.
//! Every other module asks this one; templates get the paths ready-made in their views.
//!
//! Paths are site paths: relative to the site root, '/'-separated, without a leading
//! '/'. A folder's path ends with '/', and the host serves its `index.html`.

use url::Url;

/// The folder holding one folder per credential.
pub const CREDENTIALS_DIR: &str = "credentials/";
/// The folder holding one folder per program.
pub const PROGRAMS_DIR: &str = "programs/";
/// The registry's home page.
pub const HOME_PAGE: &str = "index.html";
/// The page a host serves for unknown paths.
pub const NOT_FOUND_PAGE: &str = "404.html";
/// The signed JSON Feed of every credential.
pub const FEED: &str = "feed.json";
/// The file name of a signed credential inside its folder.
pub const CREDENTIAL_FILE: &str = "credential.json";
/// The file name of a QR code inside a credential's folder.
pub const QR_FILE: &str = "qr.svg";
/// Netlify and Cloudflare Pages read response headers from this file.
pub const HEADERS_FILE: &str = "_headers";
/// GitHub Pages serves dot-folders such as `.well-known/` only when this file exists.
pub const NOJEKYLL_FILE: &str = ".nojekyll";

/// The folder of a credential's verification page, e.g. `credentials/abc/`.
pub fn credential_dir(id: &str) -> String {
    format!("{CREDENTIALS_DIR}{id}/")
}

/// The verification page of a credential.
pub fn credential_page(id: &str) -> String {
    format!("{}index.html", credential_dir(id))
}

/// The signed credential document.
pub fn credential_json(id: &str) -> String {
    format!("{}{CREDENTIAL_FILE}", credential_dir(id))
}

/// The QR code of a credential's page.
pub fn credential_qr(id: &str) -> String {
    format!("{}{QR_FILE}", credential_dir(id))
}

/// The credential id in a credential document's URL or path, if it has this scheme's shape.
pub fn credential_id_of(url_or_path: &str) -> Option<&str> {
    let dir = url_or_path.strip_suffix(&format!("/{CREDENTIAL_FILE}"))?;
    let (parent, id) = dir.rsplit_once('/')?;
    (parent.ends_with(CREDENTIALS_DIR.trim_end_matches('/')) && !id.is_empty()).then_some(id)
}

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
        assert_eq!(credential_dir("cdpp-1"), "credentials/cdpp-1/");
        assert_eq!(credential_page("cdpp-1"), "credentials/cdpp-1/index.html");
        assert_eq!(
            credential_json("cdpp-1"),
            "credentials/cdpp-1/credential.json"
        );
        assert_eq!(credential_qr("cdpp-1"), "credentials/cdpp-1/qr.svg");
        assert_eq!(program_dir("cdpp"), "programs/cdpp/");
        assert_eq!(FEED, "feed.json");
        assert_eq!(status_list("revocation", 1), "status/revocation-1.json");
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
    fn finds_ids_in_credential_urls() {
        assert_eq!(
            credential_id_of("https://x.org/credentials/a-1/credential.json"),
            Some("a-1")
        );
        assert_eq!(
            credential_id_of("credentials/a-1/credential.json"),
            Some("a-1")
        );
        assert_eq!(
            credential_id_of("https://x.org/other/a-1/credential.json"),
            None
        );
        assert_eq!(credential_id_of("https://x.org/credentials/a-1/"), None);
    }

    #[test]
    fn absolute_urls_keep_the_base_path() {
        let urls = Urls::new(&Url::parse("https://org.github.io/registry/").unwrap());
        assert_eq!(
            urls.absolute(&credential_dir("a")),
            "https://org.github.io/registry/credentials/a/"
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
        assert_eq!(root_of(&credential_page("a")), "../../");
        assert_eq!(root_of(&program_page("p")), "../../");
    }
}
