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
    host_root: String,
    /// What the in-page verifier knows of the issuer, for pages two folders deep.
    issuer_for_credentials: String,
    /// The same for the verify page, one folder deep.
    issuer_for_verify: String,
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
    pub fn new(site: &'a Site, issuer: &EmbeddedIssuer<'_>) -> Self {
        let mut base = Context::new();
        base.insert("site", &SiteView::new(site));
        base.insert("as_of", &site.as_of.to_string());
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
            host_root: site.urls.host_root().to_string(),
            issuer_for_credentials: issuer_json(&urls::credential_page("x")),
            issuer_for_verify: issuer_json(urls::VERIFY_PAGE),
        }
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
        let mut context = self.context(&urls::credential_page(view.id));
        context.insert("credential", view);
        context.insert("credential_json", &embed_json(signed_json));
        context.insert("issuer_json", &self.issuer_for_credentials);
        self.render("credential.html", &context)
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

    /// A program's page with its holders.
    pub fn program(
        &self,
        program: &ProgramView<'_>,
        credentials: &[&CredentialView<'_>],
    ) -> Result<String> {
        let mut context = self.context(&urls::program_page(program.id));
        context.insert("program", program);
        context.insert("credentials", credentials);
        self.render("program.html", &context)
    }

    /// The registry home page.
    pub fn home(
        &self,
        programs: &[ProgramView<'_>],
        credentials: &[&CredentialView<'_>],
    ) -> Result<String> {
        let mut context = self.context(urls::HOME_PAGE);
        context.insert("programs", programs);
        context.insert("credentials", credentials);
        self.render("index.html", &context)
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
