//! What templates see: small serializable views of the site model, with every link
//! ready-made from [`crate::urls`], so that themes never spell out a path.

use serde::Serialize;

use crate::config::Issuer;
use crate::load::Program;
use crate::load::programs::Accreditation;
use crate::site::{Credential, Site, Status};
use crate::urls;

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
    pub issuer: &'a Issuer,
    /// The issuer's DID.
    pub did: &'a str,
    /// Where the DID document is, as a site path.
    pub did_document_path: &'a str,
    /// Where the signed feed is, as a site path.
    pub feed_path: &'a str,
    /// The folder of credential pages, as a site path (for "addresses look like …").
    pub credentials_path: &'a str,
    /// The verify page's folder, as a site path.
    pub verify_path: &'a str,
    /// The in-browser verifier script, as a site path.
    pub verifier_path: &'a str,
    /// The statistics page's folder, when the site publishes one.
    pub statistics_path: Option<&'a str>,
    /// The day the statuses on the pages (and the status lists) were computed for.
    pub status_as_of: String,
    /// The day the status lists expire: after it, pages say their status is unknown.
    pub status_valid_until: String,
    /// The cryptosuites of the credentials' proof sets (`[signing] proofs`).
    pub proofs: Vec<&'static str>,
}

impl<'a> SiteView<'a> {
    /// The view of `site`.
    pub fn new(site: &'a Site) -> Self {
        SiteView {
            title: &site.config.title,
            description: &site.config.description,
            base_url: site.config.base_url.as_str(),
            issuer: &site.config.issuer,
            did: &site.did.did,
            did_document_path: &site.did.document_path,
            feed_path: urls::FEED,
            credentials_path: urls::CREDENTIALS_DIR,
            verify_path: urls::VERIFY_DIR,
            verifier_path: urls::VERIFIER_SCRIPT,
            statistics_path: site
                .config
                .statistics
                .enabled
                .then_some(urls::STATISTICS_DIR),
            status_as_of: site.as_of.to_string(),
            status_valid_until: site
                .as_of
                .checked_add_days(chrono::Days::new(u64::from(
                    site.config.status_list.ttl_days,
                )))
                .unwrap_or(site.as_of)
                .to_string(),
            proofs: site
                .config
                .signing
                .proofs
                .iter()
                .map(|p| p.name())
                .collect(),
        }
    }
}

/// A program as templates see it.
#[derive(Serialize)]
pub struct ProgramView<'a> {
    /// Program id.
    pub id: &'a str,
    /// The program page's folder, as a site path (prefix it with `root`).
    pub path: String,
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
    /// The Markdown body as HTML (trusted: raw HTML and unsafe links were neutralized).
    pub body_html: String,
    /// How many credentials it has.
    pub holders: usize,
    /// How many of them are listed in the directory.
    pub listed: usize,
}

impl<'a> ProgramView<'a> {
    /// The view of `program`, with its description rendered.
    pub fn new(program: &'a Program, holders: usize, listed: usize) -> Self {
        ProgramView {
            id: &program.id,
            path: urls::program_dir(&program.id),
            name: &program.name,
            summary: &program.summary,
            criteria: &program.criteria,
            validity: program.validity_text.as_deref(),
            version: program.version.as_deref(),
            accreditation: program.accreditation.as_ref(),
            body_html: super::markdown::render(&program.body),
            holders,
            listed,
        }
    }
}

/// A credential as templates see it.
#[derive(Serialize)]
pub struct CredentialView<'a> {
    /// Credential id.
    pub id: &'a str,
    /// The verification page's folder, as a site path (prefix it with `root`).
    pub path: &'a str,
    /// Holder name (escaped by the templates, like every other value).
    pub holder_name: &'a str,
    /// Program id.
    pub program_id: &'a str,
    /// The program page's folder, as a site path.
    pub program_path: String,
    /// Program name.
    pub program_name: &'a str,
    /// Program version.
    pub program_version: Option<&'a str>,
    /// Issue date, YYYY-MM-DD.
    pub issued: String,
    /// Last valid day, YYYY-MM-DD, if it expires.
    pub valid_until: Option<String>,
    /// `valid`, `expired`, `not-yet-valid`, `suspended`, `revoked` or `replaced`, as of
    /// the build date.
    pub status: &'static str,
    /// The status in words, e.g. "Valid", "Revoked".
    pub status_label: &'static str,
    /// The day the status began: revoked on, suspended since, expired after.
    pub status_date: Option<String>,
    /// The public reason of a revocation or suspension.
    pub status_reason: Option<&'a str>,
    /// The credential that replaces this one.
    pub replaced_by: Option<LinkView>,
    /// The credential this one replaces.
    pub replaces: Option<LinkView>,
    /// The status log's events for this credential, oldest first.
    pub history: Vec<EventView<'a>>,
    /// Assessment details.
    pub evidence: Option<EvidenceView<'a>>,
    /// The absolute URL of the verification page (what the QR code holds).
    pub page_url: String,
    /// The signed document's file name, relative to the page.
    pub credential_file: &'static str,
    /// The QR code of `page_url`, an SVG element (trusted: credsite draws it), shown
    /// inline and offered for download without a file of its own.
    pub qr_svg: &'a str,
    /// Whether the holder is listed in the directory (an unlisted page is `noindex`).
    pub listed: bool,
}

/// A link to another credential.
#[derive(Serialize)]
pub struct LinkView {
    /// Its id.
    pub id: String,
    /// Its page's folder, as a site path.
    pub path: String,
}

impl LinkView {
    fn to(site: &Site, id: &str) -> Option<Self> {
        Some(LinkView {
            id: id.to_string(),
            path: site.credential(id)?.dir.clone(),
        })
    }
}

/// One event of the status log.
#[derive(Serialize)]
pub struct EventView<'a> {
    /// YYYY-MM-DD.
    pub date: String,
    /// `revoke`, `suspend` or `reinstate`.
    pub action: &'static str,
    /// The public reason.
    pub reason: &'a str,
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

impl<'a> CredentialView<'a> {
    /// The view of `credential`, with its QR code `qr_svg` (empty in listings).
    pub fn new(site: &'a Site, credential: &'a Credential, qr_svg: &'a str) -> Self {
        let record = &credential.record;
        let program = site.program_of(credential);
        let lifecycle = &credential.lifecycle;
        let withdrawn = lifecycle.revoked.as_ref().or(lifecycle.suspended.as_ref());
        let status_date = match (withdrawn, credential.status) {
            (Some(event), _) => Some(event.date.to_string()),
            (None, Status::Expired) => credential.valid_until.map(|d| d.to_string()),
            _ => None,
        };
        CredentialView {
            id: &record.id,
            path: &credential.dir,
            holder_name: &record.holder_name,
            program_id: &program.id,
            program_path: urls::program_dir(&program.id),
            program_name: &program.name,
            program_version: program.version.as_deref(),
            issued: record.issued.to_string(),
            valid_until: credential.valid_until.map(|d| d.to_string()),
            status: credential.status.keyword(),
            status_label: credential.status.label(),
            status_date,
            status_reason: withdrawn.map(|e| e.reason.as_str()),
            replaced_by: credential
                .replaced_by
                .as_deref()
                .and_then(|id| LinkView::to(site, id)),
            replaces: record
                .replaces
                .as_ref()
                .and_then(|(id, _)| LinkView::to(site, id)),
            history: lifecycle
                .events
                .iter()
                .map(|e| EventView {
                    date: e.date.to_string(),
                    action: e.action.as_str(),
                    reason: &e.reason,
                })
                .collect(),
            evidence: record.evidence.as_ref().map(|e| EvidenceView {
                exam: &e.exam,
                score: e.score.as_deref(),
                date: e.date.map(|d| d.to_string()),
            }),
            page_url: credential.page_url(&site.urls),
            credential_file: urls::CREDENTIAL_FILE,
            qr_svg,
            listed: credential.listed,
        }
    }
}
