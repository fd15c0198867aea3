//! Pages: the views handed to templates and the rendering of each page.

use chrono::NaiveDate;
use serde::Serialize;
use tera::Context;

use crate::credential::{page_path, program_path};
use crate::did::DidWeb;
use crate::programs::{Accreditation, Program};
use crate::records::Record;
use crate::site::Site;
use crate::theme::Theme;

/// Site-wide values every template sees as `site`.
#[derive(Serialize)]
pub struct SiteView<'a> {
    /// Site title.
    pub title: &'a str,
    /// Site description.
    pub description: &'a str,
    /// Base URL, ending with '/'.
    pub base_url: &'a str,
    /// The issuer profile.
    pub issuer: &'a crate::config::Issuer,
    /// The issuer's DID.
    pub did: &'a str,
    /// Where the DID document is, relative to the site root.
    pub did_document_path: &'a str,
}

/// A program as templates see it.
#[derive(Serialize)]
pub struct ProgramView<'a> {
    /// Program id.
    pub id: &'a str,
    /// Name.
    pub name: &'a str,
    /// Summary.
    pub summary: &'a str,
    /// Criteria.
    pub criteria: &'a str,
    /// Validity as written.
    pub validity: Option<&'a str>,
    /// Version.
    pub version: Option<&'a str>,
    /// Accreditation.
    pub accreditation: Option<&'a Accreditation>,
    /// The Markdown body as HTML (trusted: raw HTML was escaped).
    pub body_html: &'a str,
    /// How many credentials it has.
    pub holders: usize,
}

impl<'a> ProgramView<'a> {
    /// The view of `program`.
    pub fn new(program: &'a Program, holders: usize) -> Self {
        ProgramView {
            id: &program.id,
            name: &program.name,
            summary: &program.summary,
            criteria: &program.criteria,
            validity: program.validity_text.as_deref(),
            version: program.version.as_deref(),
            accreditation: program.accreditation.as_ref(),
            body_html: &program.body_html,
            holders,
        }
    }
}

/// A credential as templates see it.
#[derive(Serialize)]
pub struct CredentialView<'a> {
    /// Credential id.
    pub id: &'a str,
    /// Holder name (escaped by the templates, like every other value).
    pub holder_name: &'a str,
    /// Program id.
    pub program_id: &'a str,
    /// Program name.
    pub program_name: &'a str,
    /// Program version.
    pub program_version: Option<&'a str>,
    /// Issue date, YYYY-MM-DD.
    pub issued: String,
    /// Last valid day, YYYY-MM-DD, if it expires.
    pub valid_until: Option<String>,
    /// `valid`, `expired` or `not-yet-valid`, as of the build date.
    pub status: &'static str,
    /// The status in words.
    pub status_label: &'static str,
    /// Assessment details.
    pub evidence: Option<EvidenceView<'a>>,
    /// The absolute URL of the verification page (what the QR code holds).
    pub page_url: String,
}

/// Assessment details as templates see them.
#[derive(Serialize)]
pub struct EvidenceView<'a> {
    /// The exam.
    pub exam: &'a str,
    /// The result.
    pub score: Option<&'a str>,
    /// The date.
    pub date: Option<String>,
}

/// A credential's status on `as_of`.
pub fn status(
    issued: NaiveDate,
    valid_until: Option<NaiveDate>,
    as_of: NaiveDate,
) -> (&'static str, &'static str) {
    if issued > as_of {
        ("not-yet-valid", "Not yet valid")
    } else if valid_until.is_some_and(|until| until < as_of) {
        ("expired", "Expired")
    } else {
        ("valid", "Valid")
    }
}

impl<'a> CredentialView<'a> {
    /// The view of `record` on `as_of`.
    pub fn new(site: &'a Site, record: &'a Record, as_of: NaiveDate) -> Self {
        let program = site.program_of(record);
        let valid_until = site.valid_until(record);
        let (status, status_label) = status(record.issued, valid_until, as_of);
        CredentialView {
            id: &record.id,
            holder_name: &record.holder_name,
            program_id: &program.id,
            program_name: &program.name,
            program_version: program.version.as_deref(),
            issued: record.issued.to_string(),
            valid_until: valid_until.map(|d| d.to_string()),
            status,
            status_label,
            evidence: record.evidence.as_ref().map(|e| EvidenceView {
                exam: &e.exam,
                score: e.score.as_deref(),
                date: e.date.map(|d| d.to_string()),
            }),
            page_url: site.config.url_for(&page_path(&record.id)),
        }
    }
}

/// Renders pages with one theme and the site-wide context.
pub struct Pages<'a> {
    theme: &'a Theme,
    base: Context,
    /// The site's path on its host, e.g. `/` or `/registry/`.
    base_path: String,
}

impl<'a> Pages<'a> {
    /// Prepares page rendering for `site`.
    pub fn new(theme: &'a Theme, site: &Site, did: &DidWeb, as_of: NaiveDate) -> Self {
        let mut base = Context::new();
        base.insert(
            "site",
            &SiteView {
                title: &site.config.title,
                description: &site.config.description,
                base_url: site.config.base_url.as_str(),
                issuer: &site.config.issuer,
                did: &did.did,
                did_document_path: &did.document_path,
            },
        );
        base.insert("as_of", &as_of.to_string());
        Pages {
            theme,
            base,
            base_path: site.config.base_url.path().to_string(),
        }
    }

    fn context(&self, root: &str) -> Context {
        let mut context = self.base.clone();
        context.insert("root", root);
        context
    }

    /// The verification page of one credential.
    pub fn credential(&self, view: &CredentialView<'_>) -> anyhow::Result<String> {
        let mut context = self.context("../../");
        context.insert("credential", view);
        self.theme.render("credential.html", &context)
    }

    /// A program's page with its holders.
    pub fn program(
        &self,
        program: &ProgramView<'_>,
        credentials: &[&CredentialView<'_>],
    ) -> anyhow::Result<String> {
        let mut context = self.context("../../");
        context.insert("program", program);
        context.insert("credentials", credentials);
        self.theme.render("program.html", &context)
    }

    /// The registry home page.
    pub fn index(
        &self,
        programs: &[ProgramView<'_>],
        credentials: &[CredentialView<'_>],
    ) -> anyhow::Result<String> {
        let mut context = self.context("");
        context.insert("programs", programs);
        context.insert("credentials", credentials);
        self.theme.render("index.html", &context)
    }

    /// The not-found page (served at any depth, so it links from the host root).
    pub fn not_found(&self) -> anyhow::Result<String> {
        self.theme
            .render("404.html", &self.context(&self.base_path))
    }
}

/// The site path of a program page.
pub fn program_page(id: &str) -> String {
    format!("{}index.html", program_path(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn status_follows_dates() {
        let issued = d("2024-01-01");
        assert_eq!(
            status(issued, Some(d("2025-01-01")), d("2024-06-01")).0,
            "valid"
        );
        assert_eq!(
            status(issued, Some(d("2025-01-01")), d("2025-01-01")).0,
            "valid"
        );
        assert_eq!(
            status(issued, Some(d("2025-01-01")), d("2025-01-02")).0,
            "expired"
        );
        assert_eq!(status(issued, None, d("2099-01-01")).0, "valid");
        assert_eq!(status(issued, None, d("2023-12-31")).0, "not-yet-valid");
    }
}
