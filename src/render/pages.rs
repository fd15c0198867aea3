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
}

impl<'a> Pages<'a> {
    /// Prepares page rendering for `site`.
    pub fn new(site: &'a Site) -> Self {
        let mut base = Context::new();
        base.insert("site", &SiteView::new(site));
        base.insert("as_of", &site.as_of.to_string());
        Pages {
            theme: &site.theme,
            base,
            host_root: site.urls.host_root().to_string(),
        }
    }

    /// The context of the page at site path `path`, with `root` leading back to the site root.
    fn context(&self, path: &str) -> Context {
        let mut context = self.base.clone();
        context.insert("root", &urls::root_of(path));
        context
    }

    /// The verification page of one credential.
    pub fn credential(&self, view: &CredentialView<'_>) -> Result<String> {
        let mut context = self.context(&urls::credential_page(view.id));
        context.insert("credential", view);
        self.render("credential.html", &context)
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
