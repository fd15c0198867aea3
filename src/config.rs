//! The site configuration, `credsite.toml`.

use std::path::Path;

use serde::Deserialize;
use toml::Spanned;
use url::Url;

use crate::diag::{Diagnostic, Diagnostics, line_of, toml_diagnostic};
use crate::load::validate;
use crate::vc::proof::Cryptosuite;

/// The name of the configuration file at the site root.
pub const CONFIG_FILE: &str = "credsite.toml";

/// What `credsite.toml` holds.
#[derive(Debug, Clone)]
pub struct Config {
    /// The site's title, shown in every page header.
    pub title: String,
    /// Where the site is served, without a trailing slash, e.g. `https://certs.example.org`.
    pub base_url: Url,
    /// A sentence or two about the registry, shown on the home page.
    pub description: String,
    /// The theme under `themes/` (the built-in `default` needs no folder).
    pub theme: String,
    /// The certification body that issues the credentials.
    pub issuer: Issuer,
    /// The sentences credsite writes into signed documents, as templates.
    pub texts: Texts,
    /// How long a published status list may be relied on.
    pub status_list: StatusListConfig,
    /// The optional public statistics page.
    pub statistics: StatisticsConfig,
    /// The public directory: who is listed, and how listings are paged.
    pub directory: DirectoryConfig,
    /// How documents are signed.
    pub signing: SigningConfig,
    /// The line of `issuer.logo`, for messages about the file it names.
    pub logo_line: Option<usize>,
}

/// `[statistics]`: the public statistics page, aggregates only, off unless enabled.
#[derive(Debug, Clone, Copy, Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct StatisticsConfig {
    /// Publish `/statistics/`.
    pub enabled: bool,
    /// Counts below this are shown as "fewer than N", so that small cohorts stay
    /// unidentifiable.
    pub minimum: u32,
}

impl Default for StatisticsConfig {
    fn default() -> Self {
        StatisticsConfig {
            enabled: false,
            minimum: 5,
        }
    }
}

/// `[directory]`: the public directory of holders.
#[derive(Debug, Clone, Copy, Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct DirectoryConfig {
    /// Whether a record without a `listed` value appears in listings, name search and
    /// the sitemap. Every credential keeps its page either way.
    pub listed: bool,
    /// Holders per page of a program's listing.
    pub page_size: u32,
}

impl Default for DirectoryConfig {
    fn default() -> Self {
        DirectoryConfig {
            listed: true,
            page_size: 100,
        }
    }
}

/// `[signing]`: the Data Integrity proofs of every signed document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningConfig {
    /// The proof set of every credential and status list, in order (`proofs = [...]`).
    /// `eddsa-jcs-2022` is always among them: the in-page verifier checks it, and the
    /// feed (plain JSON, no `@context`) can only carry it.
    pub proofs: Vec<Cryptosuite>,
}

impl Default for SigningConfig {
    /// `eddsa-jcs-2022` only: the `eddsa-rdfc-2022` proof is opt-in because it makes a
    /// large build more than 2x slower (JSON-LD expansion with the bundled contexts,
    /// for every credential and proof configuration; see the README's benchmark).
    fn default() -> Self {
        SigningConfig {
            proofs: vec![Cryptosuite::EddsaJcs2022],
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RawSigning {
    proofs: Option<Spanned<Vec<String>>>,
}

/// `[signing] proofs`: known suite names, no repeats, `eddsa-jcs-2022` among them.
fn parse_proofs(names: &[String]) -> Result<Vec<Cryptosuite>, String> {
    let mut suites = Vec::new();
    for name in names {
        let suite: Cryptosuite = name.parse()?;
        if suites.contains(&suite) {
            return Err(format!("\"{name}\" is listed twice"));
        }
        suites.push(suite);
    }
    if !suites.contains(&Cryptosuite::EddsaJcs2022) {
        return Err(
            "eddsa-jcs-2022 must be one of the proofs: the in-page verifier checks it".into(),
        );
    }
    Ok(suites)
}

/// `[status_list]`: the status lists' lifetime.
#[derive(Debug, Clone, Copy, Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct StatusListConfig {
    /// Days from the build date to the lists' `validUntil`; also their `ttl` and how
    /// long hosts and browsers may cache them. Rebuild (and republish) within it.
    pub ttl_days: u32,
}

impl Default for StatusListConfig {
    fn default() -> Self {
        StatusListConfig { ttl_days: 30 }
    }
}

/// The human-readable sentences inside signed credentials and the signed feed.
///
/// Signed text is the issuer's statement, so it comes from the site, never from
/// credsite's code: each is a Tera template (no HTML escaping: the text goes into
/// JSON) that a site can replace under `[texts]` in `credsite.toml`, for instance to
/// write it in another language. Changing one changes the signed content of every
/// credential that uses it, which is a re-issue (see the README).
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Texts {
    /// A credential's `description`. Sees `holder`, `program`, `issuer`.
    pub credential_description: String,
    /// An achievement's accreditation alignment `targetDescription`. Sees `body`, `standard`.
    pub accreditation: String,
    /// An evidence's `description`. Sees `exam`, `score` and `date` (either may be empty).
    pub evidence_description: String,
    /// The feed's `title`. Sees `site` (the site title).
    pub feed_title: String,
    /// A feed item's `title`. Sees `holder`, `program`.
    pub feed_item_title: String,
    /// A feed item's `content_text`. Sees `holder`, `program`, `issued` and `valid_until` (may be empty).
    pub feed_item_text: String,
    /// The `title` of a status event's feed item. Sees `holder`, `program`, `action`
    /// (`revoke`, `suspend` or `reinstate`), `date`, `reason`.
    pub event_item_title: String,
    /// The `content_text` of a status event's feed item. Sees the same as `event_item_title`.
    pub event_item_text: String,
    /// What the feed says instead of the name of a holder who is not listed
    /// (`listed = false`): the feed is public, and names only listed holders.
    pub unlisted_holder: String,
}

impl Default for Texts {
    fn default() -> Self {
        Texts {
            credential_description: "{{ holder }} holds the {{ program }} credential.".into(),
            accreditation: "Accredited by {{ body }} against {{ standard }}".into(),
            evidence_description: "{% if score %}Result: {{ score }}{% endif %}{% if score and date %}. {% endif %}{% if date %}Assessed on {{ date }}{% endif %}".into(),
            feed_title: "{{ site }}: credentials".into(),
            feed_item_title: "{{ holder }}: {{ program }}".into(),
            feed_item_text: "{{ holder }} was awarded the {{ program }} on {{ issued }}{% if valid_until %}, valid until {{ valid_until }}.{% else %}, with no expiry.{% endif %}".into(),
            event_item_title: "{{ holder }}: {{ program }} {% if action == \"revoke\" %}revoked{% elif action == \"suspend\" %}suspended{% else %}reinstated{% endif %}".into(),
            event_item_text: "The {{ program }} credential of {{ holder }} was {% if action == \"revoke\" %}revoked{% elif action == \"suspend\" %}suspended{% else %}reinstated{% endif %} on {{ date }}. Reason: {{ reason }}".into(),
            unlisted_holder: "An unlisted holder".into(),
        }
    }
}

/// The issuer's public profile, published in every credential.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Issuer {
    /// The body's legal or trading name.
    pub name: String,
    /// A short description of the body.
    #[serde(default)]
    pub description: Option<String>,
    /// A contact email address for verification enquiries.
    #[serde(default)]
    pub contact: Option<String>,
    /// The body's own web site, if it is not the registry itself.
    #[serde(default)]
    pub url: Option<String>,
    /// A logo file under `static/` (or the theme's `static/`), e.g. `logo.svg`.
    #[serde(default)]
    pub logo: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    title: String,
    base_url: Spanned<String>,
    #[serde(default)]
    description: String,
    #[serde(default = "default_theme")]
    theme: Spanned<String>,
    issuer: RawIssuer,
    #[serde(default)]
    texts: Texts,
    #[serde(default = "default_status_list")]
    status_list: Spanned<StatusListConfig>,
    #[serde(default)]
    statistics: StatisticsConfig,
    #[serde(default)]
    directory: DirectoryConfig,
    #[serde(default)]
    signing: RawSigning,
}

fn default_status_list() -> Spanned<StatusListConfig> {
    Spanned::new(0..0, StatusListConfig::default())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIssuer {
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    contact: Option<Spanned<String>>,
    #[serde(default)]
    url: Option<Spanned<String>>,
    #[serde(default)]
    logo: Option<Spanned<String>>,
}

fn default_theme() -> Spanned<String> {
    Spanned::new(0..0, "default".to_string())
}

impl Config {
    /// Parses the text of a configuration file; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config, Diagnostics> {
        let raw: RawConfig = toml::from_str(text)
            .map_err(|e| Diagnostics(vec![toml_diagnostic(path, text, &e, 0)]))?;
        let at = |span: std::ops::Range<usize>, field: &str| {
            Diagnostic::new(path, "")
                .line(line_of(text, span.start))
                .field(field)
        };
        let mut problems = Vec::new();
        let base_url = match parse_base_url(raw.base_url.get_ref()) {
            Ok(url) => Some(url),
            Err(message) => {
                let mut d = at(raw.base_url.span(), "base_url").hint(
                    "use the https address the site will be served from, e.g. https://certs.example.org",
                );
                d.message = message;
                problems.push(d);
                None
            }
        };
        let theme = raw.theme.get_ref();
        if !crate::ids::is_valid_id(theme) {
            let mut d = at(raw.theme.span(), "theme");
            d.message =
                format!("\"{theme}\" is not a valid theme name (letters, digits, '-', '_', '.')");
            problems.push(d);
        }
        let issuer = &raw.issuer;
        if let Some(url) = &issuer.url
            && let Err(message) = validate::web_url(url.get_ref())
        {
            let mut d = at(url.span(), "issuer.url")
                .hint("the issuer's own web site, e.g. https://www.example.org");
            d.message = message;
            problems.push(d);
        }
        if let Some(contact) = &issuer.contact
            && let Err(message) = validate::email(contact.get_ref())
        {
            let mut d = at(contact.span(), "issuer.contact")
                .hint("an email address for verification enquiries");
            d.message = message;
            problems.push(d);
        }
        if let Some(logo) = &issuer.logo
            && let Err(message) = validate::file_reference(logo.get_ref())
        {
            let mut d = at(logo.span(), "issuer.logo")
                .hint("name a file under static/, e.g. logo = \"logo.svg\"");
            d.message = message;
            problems.push(d);
        }
        let ttl = raw.status_list.get_ref().ttl_days;
        if !(1..=366).contains(&ttl) {
            let mut d = at(raw.status_list.span(), "status_list.ttl_days")
                .hint("how many days a verifier may rely on a status list; rebuild within it");
            d.message = format!("{ttl} days: use 1 to 366");
            problems.push(d);
        }
        let page_size = raw.directory.page_size;
        if !(10..=1000).contains(&page_size) {
            problems.push(
                Diagnostic::new(
                    path,
                    format!("{page_size} holders per page: use 10 to 1000"),
                )
                .field("directory.page_size")
                .hint("100 keeps every listing page small and quick to open"),
            );
        }
        let mut signing = SigningConfig::default();
        if let Some(proofs) = &raw.signing.proofs {
            match parse_proofs(proofs.get_ref()) {
                Ok(suites) => signing.proofs = suites,
                Err(message) => {
                    let mut d = at(proofs.span(), "signing.proofs").hint(
                        "proofs = [\"eddsa-jcs-2022\"] (the default), or [\"eddsa-jcs-2022\", \"eddsa-rdfc-2022\"]",
                    );
                    d.message = message;
                    problems.push(d);
                }
            }
        }
        if raw.issuer.name.trim().is_empty() {
            problems.push(Diagnostic::new(path, "the issuer needs a name").field("issuer.name"));
        }
        if raw.title.trim().is_empty() {
            problems.push(Diagnostic::new(path, "the site needs a title").field("title"));
        }
        match base_url {
            Some(base_url) if problems.is_empty() => Ok(Config {
                title: raw.title,
                base_url,
                description: raw.description,
                theme: raw.theme.into_inner(),
                logo_line: raw
                    .issuer
                    .logo
                    .as_ref()
                    .map(|l| line_of(text, l.span().start)),
                issuer: Issuer {
                    name: raw.issuer.name,
                    description: raw.issuer.description,
                    contact: raw.issuer.contact.map(Spanned::into_inner),
                    url: raw.issuer.url.map(Spanned::into_inner),
                    logo: raw.issuer.logo.map(Spanned::into_inner),
                },
                texts: raw.texts,
                status_list: raw.status_list.into_inner(),
                statistics: raw.statistics,
                directory: raw.directory,
                signing,
            }),
            _ => Err(Diagnostics(problems)),
        }
    }

    /// Reads and parses `credsite.toml` in `root`.
    pub fn load(root: &Path) -> anyhow::Result<Config> {
        let path = root.join(CONFIG_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            anyhow::anyhow!(
                "cannot read {}: {e}\n     hint: run credsite in a site folder, pass --root, or create one with `credsite init DIR`",
                path.display()
            )
        })?;
        Ok(Config::parse(&text, &path)?)
    }
}

fn parse_base_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| format!("\"{text}\" is not a URL: {e}"))?;
    if url.scheme() != "https" {
        return Err(format!(
            "\"{text}\" must be an https URL (did:web is resolved over https)"
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("\"{text}\" has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(format!(
            "\"{text}\" must not have a query, fragment or user name"
        ));
    }
    // Normalise to a path that ends with '/', so joining is uniform.
    let mut url = url;
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
title = "Registry"
base_url = "https://certs.example.org"
[issuer]
name = "Example Body"
"#;

    #[test]
    fn parses_minimal_config_with_defaults() {
        let c = Config::parse(GOOD, Path::new("credsite.toml")).unwrap();
        assert_eq!(c.theme, "default");
        assert_eq!(c.base_url.as_str(), "https://certs.example.org/");
        assert_eq!(c.texts.feed_title, Texts::default().feed_title);
    }

    #[test]
    fn keeps_base_path() {
        let text = GOOD.replace(
            "https://certs.example.org",
            "https://org.github.io/registry",
        );
        let c = Config::parse(&text, Path::new("credsite.toml")).unwrap();
        assert_eq!(c.base_url.path(), "/registry/");
    }

    #[test]
    fn rejects_http_base_url_with_line_and_field() {
        let text = GOOD.replace("https://", "http://");
        let err = Config::parse(&text, Path::new("credsite.toml")).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("credsite.toml:3: field `base_url`"), "{msg}");
        assert!(msg.contains("must be an https URL"), "{msg}");
    }

    #[test]
    fn rejects_unknown_keys_with_line() {
        let text = format!("{GOOD}colour = \"red\"\n");
        let err = Config::parse(&text, Path::new("credsite.toml")).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("credsite.toml:6"), "{msg}");
        assert!(msg.contains("colour"), "{msg}");
    }

    #[test]
    fn rejects_unsafe_issuer_links_with_line_and_field() {
        let text =
            format!("{GOOD}url = \"javascript:alert(1)\"\nlogo = \"../../x\"\ncontact = \"a b\"\n");
        let msg = Config::parse(&text, Path::new("credsite.toml"))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("credsite.toml:6: field `issuer.url`"), "{msg}");
        assert!(msg.contains("only https links are allowed"), "{msg}");
        assert!(
            msg.contains("credsite.toml:7: field `issuer.logo`"),
            "{msg}"
        );
        assert!(
            msg.contains("credsite.toml:8: field `issuer.contact`"),
            "{msg}"
        );
    }

    #[test]
    fn proofs_default_to_jcs_and_rdfc_can_be_added() {
        let c = Config::parse(GOOD, Path::new("credsite.toml")).unwrap();
        assert_eq!(c.signing.proofs, [Cryptosuite::EddsaJcs2022]);
        let text =
            format!("{GOOD}\n[signing]\nproofs = [\"eddsa-jcs-2022\", \"eddsa-rdfc-2022\"]\n");
        let c = Config::parse(&text, Path::new("credsite.toml")).unwrap();
        assert_eq!(c.signing.proofs, Cryptosuite::ALL);
        for (proofs, says) in [
            (
                r#"["eddsa-rdfc-2022"]"#,
                "eddsa-jcs-2022 must be one of the proofs",
            ),
            (r#"["eddsa-jcs-2022", "eddsa-jcs-2022"]"#, "listed twice"),
            (
                r#"["eddsa-jcs-2022", "ecdsa-rdfc-2019"]"#,
                "unknown cryptosuite \"ecdsa-rdfc-2019\"",
            ),
        ] {
            let text = format!("{GOOD}\n[signing]\nproofs = {proofs}\n");
            let err = Config::parse(&text, Path::new("credsite.toml"))
                .unwrap_err()
                .to_string();
            assert!(err.contains(says), "{err}");
            assert!(err.contains("signing.proofs"), "{err}");
        }
    }

    #[test]
    fn texts_can_be_replaced() {
        let text = format!("{GOOD}[texts]\nfeed_title = \"{{{{ site }}}}: Zertifikate\"\n");
        let c = Config::parse(&text, Path::new("credsite.toml")).unwrap();
        assert_eq!(c.texts.feed_title, "{{ site }}: Zertifikate");
        assert_eq!(
            c.texts.credential_description,
            Texts::default().credential_description
        );
    }
}
