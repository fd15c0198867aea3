//! HTML pages from the theme's templates: the home page, program pages, credential
//! pages and the not-found page.

use anyhow::Result;
use tera::Context;

use super::theme::Theme;
use super::views::{CredentialView, ProgramView, SiteView};
use crate::site::Site;
use crate::urls;

/// Renders pages with one theme and the site-wide context.
pub struct Pages<'a> {
    theme: &'a Theme,
    base: Context,
    /// SHA-256 of what `base` holds, as JSON.
    base_digest: [u8; 32],
    host_root: String,
    /// What the in-page verifier knows of the issuer, for pages two folders deep.
    issuer_for_credentials: String,
    /// The same for the verify page, one folder deep.
    issuer_for_verify: String,
    /// What the home page's search script needs: program names and the lookup shards.
    search_json: String,
}

/// The issuer's key as the in-page verifier reads it: the verification method the
/// site signs with and its public key, as the DID document lists them at build time,
/// and where the page finds the rest of the site (relative to itself: the page may be
/// served anywhere, or opened from a file).
pub struct EmbeddedIssuer<'a> {
    /// The verification method id, `did:web:…#z6Mk…`.
    pub verification_method: &'a str,
    /// The public key, multibase Multikey.
    pub public_key_multibase: &'a str,
    /// Every key of the issuer's history, as the key log lists them (id,
    /// publicKeyMultibase, activeFrom, activeTo, compromisedSince), oldest first.
    pub keys: &'a serde_json::Value,
}

/// JSON for a `<script type="application/json">` block: `<` is written `\u003c`, so
/// that no text in it (a holder named `</script>`) can end the block; parsing gives
/// back the same value, hence the same canonical bytes.
pub fn embed_json(json: &str) -> String {
    json.replace('<', "\\u003c")
}

impl<'a> Pages<'a> {
    /// Prepares page rendering for `site`, signed with `issuer`'s key.
    pub fn new(site: &'a Site, issuer: &EmbeddedIssuer<'_>, lookup_digits: usize) -> Self {
        // Whatever goes into `base` goes into `base_digest` too.
        let (view, as_of) = (SiteView::new(site), site.as_of.to_string());
        let mut base = Context::new();
        base.insert("site", &view);
        base.insert("as_of", &as_of);
        let base_digest = {
            use sha2::{Digest, Sha256};
            let json = serde_json::json!({"site": view, "as_of": as_of});
            Sha256::digest(json.to_string().as_bytes()).into()
        };
        let issuer_json = |page: &str| {
            let value = serde_json::json!({
                "did": site.did.did,
                "verificationMethod": issuer.verification_method,
                "publicKeyMultibase": issuer.public_key_multibase,
                "keys": issuer.keys,
                "built": site.as_of.to_string(),
                "baseUrl": site.urls.home(),
                "root": urls::root_of(page),
                "didDocument": site.did.document_path,
                "credentialFile": urls::CREDENTIAL_FILE,
            });
            embed_json(&value.to_string())
        };
        Pages {
            theme: &site.theme,
            base,
            base_digest,
            host_root: site.urls.host_root().to_string(),
            issuer_for_credentials: issuer_json(&urls::credential_page("x")),
            issuer_for_verify: issuer_json(urls::VERIFY_PAGE),
            search_json: embed_json(
                &serde_json::json!({
                    "programs": site.programs.values().map(|p| &p.name).collect::<Vec<_>>(),
                    "lookupDigits": lookup_digits,
                    "firstKeyChars": super::search::FIRST_KEY_CHARS,
                    "credentials": urls::CREDENTIALS_DIR,
                    "names": format!("{}n/", urls::SEARCH_DIR),
                    "lookup": format!("{}l/", urls::SEARCH_DIR),
                })
                .to_string(),
            ),
        }
    }

    /// SHA-256 of the site-wide context every page gets (for the key of a page kept
    /// by an incremental build).
    pub fn context_digest(&self) -> [u8; 32] {
        self.base_digest
    }

    /// The context of the page at site path `path`, with `root` leading back to the site root.
    fn context(&self, path: &str) -> Context {
        let mut context = self.base.clone();
        context.insert("root", &urls::root_of(path));
        context
    }

    /// The verification page of one credential, embedding `signed_json`, the exact
    /// text of its `credential.json`.
    pub fn credential(&self, view: &CredentialView<'_>, signed_json: &str) -> Result<String> {
        let mut context = self.context(&urls::page_in(view.path));
        context.insert("credential", view);
        context.insert("credential_json", &embed_json(signed_json));
        context.insert("issuer_json", &self.issuer_for_credentials);
        let html = self.render("credential.html", &context)?;
        // Names the credential for `credsite recover-state`, whatever the theme: an
        // unlisted credential's folder is a random slug, not its id. Ids are plain
        // ASCII letters, digits, '-', '_' and '.', safe in an attribute.
        Ok(html.replacen(
            "<head>",
            &format!(
                "<head>\n<meta name=\"credsite-id\" content=\"{}\">",
                view.id
            ),
            1,
        ))
    }

    /// The public statistics page.
    pub fn statistics(
        &self,
        programs: &[super::statistics::ProgramStatistics<'_>],
        minimum: u32,
    ) -> Result<String> {
        let mut context = self.context(urls::STATISTICS_PAGE);
        context.insert("programs", programs);
        context.insert("minimum", &minimum);
        self.render("statistics.html", &context)
    }

    /// The verify page, where a visitor checks a credential they were given.
    pub fn verify(&self) -> Result<String> {
        let mut context = self.context(urls::VERIFY_PAGE);
        context.insert("issuer_json", &self.issuer_for_verify);
        self.render("verify.html", &context)
    }

    /// A page (at site path `path`) of a program's listing of holders.
    pub fn program(
        &self,
        path: &str,
        program: &ProgramView<'_>,
        credentials: &[&CredentialView<'_>],
        pager: &super::listing::PagerView,
    ) -> Result<String> {
        let mut context = self.context(path);
        context.insert("program", program);
        context.insert("credentials", credentials);
        context.insert("pager", pager);
        self.render("program.html", &context)
    }

    /// The registry home page: programs, counts and search.
    pub fn home(&self, programs: &[&ProgramView<'_>]) -> Result<String> {
        let mut context = self.context(urls::HOME_PAGE);
        context.insert("programs", programs);
        context.insert("search_json", &self.search_json);
        self.render("index.html", &context)
    }

    /// A page that sends visitors of a credential's old address to `target`, a
    /// relative link to its permanent folder.
    pub fn redirect(&self, target: &str) -> Result<String> {
        let mut context = self.base.clone();
        context.insert("target", target);
        self.render("redirect.html", &context)
    }

    /// A script of the theme, published as a file of its own (the verifier, which
    /// every credential page loads, so that browsers cache it once for the site).
    pub fn script(&self, template: &str) -> Result<String> {
        self.theme.render(template, &self.base)
    }

    /// The not-found page (served at any depth, so it links from the host root).
    pub fn not_found(&self) -> Result<String> {
        let mut context = self.base.clone();
        context.insert("root", &self.host_root);
        self.render("404.html", &context)
    }

    /// Renders a template and gives the page its Content-Security-Policy.
    fn render(&self, template: &str, context: &Context) -> Result<String> {
        super::csp::apply(self.theme.render(template, context)?, template)
    }
}
