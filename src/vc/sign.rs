//! Stage 4, sign: every credential, status list and the feed, with the issuer's key
//! (a proof set of the `[signing] proofs` suites; the feed gets `eddsa-jcs-2022`), and the
//! snapshot rule that keeps issued credentials from changing silently.
//!
//! Signing is done per item, as the render stage asks for each credential, so that a
//! site of any size streams through without holding every signed document.
//!
//! **An issued credential is a snapshot.** The site state keeps the digest of each
//! credential's signed content. When a credential would now be signed with other
//! content (its record was corrected, its program's text or validity changed, the
//! issuer profile or a `[texts]` sentence changed) the run fails and names every such
//! credential, unless the manager re-issues them explicitly with `--reissue`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use super::status_list::{self, Purpose};
use super::texts::SignedTexts;
use super::{credential, feed, proof};
use crate::dates::date_time;
use crate::diag::{Diagnostic, Diagnostics};
use crate::issuer::Issuer;
use crate::site::{Credential, Site};
use crate::state::State;

/// Which credentials the manager re-issues on purpose (`--reissue`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reissue {
    /// Every credential.
    pub all: bool,
    /// Every credential of these programs (`program:ID`).
    pub programs: BTreeSet<String>,
    /// These credentials.
    pub ids: BTreeSet<String>,
}

impl Reissue {
    /// Reads `--reissue` values: `all`, `program:ID` or a credential id.
    pub fn parse<'a>(values: impl IntoIterator<Item = &'a str>) -> Reissue {
        let mut reissue = Reissue::default();
        for value in values {
            if value == "all" {
                reissue.all = true;
            } else if let Some(program) = value.strip_prefix("program:") {
                reissue.programs.insert(program.to_string());
            } else {
                reissue.ids.insert(value.to_string());
            }
        }
        reissue
    }

    fn covers(&self, credential: &Credential) -> bool {
        self.all
            || self.ids.contains(credential.id())
            || self.programs.contains(&credential.record.program)
    }

    /// Refuses selectors that name nothing in the site (a typo would re-issue nothing).
    pub fn check(&self, site: &Site) -> Result<()> {
        for program in &self.programs {
            if !site.programs.contains_key(program) {
                bail!("--reissue program:{program}: there is no program \"{program}\"");
            }
        }
        for id in &self.ids {
            if site
                .credentials
                .binary_search_by(|c| c.id().cmp(id))
                .is_err()
            {
                bail!(
                    "--reissue {id}: there is no credential \"{id}\"\n     hint: use a credential id, program:ID or all"
                );
            }
        }
        Ok(())
    }
}

/// Signs credentials and the feed, and remembers what it signed.
pub struct Signer<'a> {
    site: &'a Site,
    issuer: &'a Issuer,
    method: String,
    texts: SignedTexts,
    issuer_profile: Value,
    achievements: BTreeMap<&'a str, Value>,
    state: &'a State,
    reissue: &'a Reissue,
    /// Digests of credentials signed for the first time or re-issued: id → hex.
    recorded: Mutex<Vec<(String, String)>>,
    /// Credentials whose signed content changed without `--reissue`.
    changed: Mutex<Vec<Changed>>,
}

impl<'a> Signer<'a> {
    /// Prepares signing for `site`: the issuer profile and every program's achievement
    /// are made once.
    pub fn new(
        site: &'a Site,
        issuer: &'a Issuer,
        state: &'a State,
        reissue: &'a Reissue,
    ) -> Result<Signer<'a>> {
        reissue.check(site)?;
        let texts = SignedTexts::new(&site.config.texts)?;
        let achievements = site
            .programs
            .values()
            .map(|p| Ok((p.id.as_str(), credential::achievement(site, p, &texts)?)))
            .collect::<Result<_>>()?;
        Ok(Signer {
            method: site.did.key_id(&issuer.key.verifying_key()),
            issuer_profile: credential::issuer_profile(site),
            achievements,
            texts,
            site,
            issuer,
            state,
            reissue,
            recorded: Mutex::new(Vec::new()),
            changed: Mutex::new(Vec::new()),
        })
    }

    /// The verification method every proof names, `did:web:…#z6Mk…`.
    pub fn verification_method(&self) -> String {
        self.method.clone()
    }

    /// The issuer whose key signs.
    pub fn issuer(&self) -> &Issuer {
        self.issuer
    }

    /// The signed credential document.
    pub fn credential(&self, credential: &Credential) -> Result<Value> {
        let unsigned = credential::unsigned(
            self.site,
            credential,
            &self.issuer_profile,
            &self.achievements[credential.record.program.as_str()],
            &self.texts,
        )?;
        let created = date_time(credential.record.issued);
        let (signed, digest) = proof::sign_set(
            unsigned,
            &self.site.config.signing.proofs,
            &self.issuer.key,
            &self.method,
            Some(&created),
        )?;
        let digest = hex::encode(digest);
        let known = self
            .state
            .credentials
            .get(credential.id())
            .and_then(|c| c.digest.as_deref());
        match known {
            Some(known) if known == digest => {}
            Some(_) if !self.reissue.covers(credential) => {
                self.changed
                    .lock()
                    .expect("not poisoned")
                    .push(Changed::of(credential));
            }
            _ => self
                .recorded
                .lock()
                .expect("not poisoned")
                .push((credential.id().to_string(), digest)),
        }
        Ok(signed)
    }

    /// The signed status list credential of `purpose`, list number `list`.
    pub fn status_list(&self, purpose: Purpose, list: u32) -> Result<Value> {
        let unsigned = status_list::unsigned(self.site, purpose, list)?;
        let created = date_time(self.site.as_of);
        proof::sign_set(
            unsigned,
            &self.site.config.signing.proofs,
            &self.issuer.key,
            &self.method,
            Some(&created),
        )
        .map(|(signed, _)| signed)
        .with_context(|| format!("cannot sign the {} status list {list}", purpose.as_str()))
    }

    /// The signed feed. It is plain JSON (no `@context`), so its proof set holds the
    /// `eddsa-jcs-2022` proof only: RDF canonicalization needs JSON-LD.
    pub fn feed(&self) -> Result<Value> {
        let created = feed::created(self.site);
        let unsigned = feed::unsigned(self.site, &self.texts)?;
        proof::sign(unsigned, &self.issuer.key, &self.method, created.as_deref())
            .context("cannot sign the feed")
    }

    /// Ends signing: fails if an issued credential's content changed without
    /// `--reissue`, else returns the digests of new and re-issued credentials, for
    /// [`State::record_signed`].
    pub fn finish(self) -> Result<Signed> {
        let mut changed = self.changed.into_inner().expect("not poisoned");
        if !changed.is_empty() {
            changed.sort_by(|a, b| a.id.cmp(&b.id));
            return Err(snapshot_problems(&changed).into());
        }
        Ok(Signed {
            digests: self.recorded.into_inner().expect("not poisoned"),
        })
    }
}

/// What a run signed for the first time or re-issued: credential id → content digest.
#[derive(Debug, Default)]
pub struct Signed {
    /// (id, SHA-256 hex of the canonical signed content).
    pub digests: Vec<(String, String)>,
}

/// A credential whose signed content changed, and where its record is.
struct Changed {
    id: String,
    program: String,
    origin: crate::load::records::Origin,
}

impl Changed {
    fn of(credential: &Credential) -> Self {
        Changed {
            id: credential.id().to_string(),
            program: credential.record.program.clone(),
            origin: credential.record.origin.clone(),
        }
    }
}

/// How many changed credentials are listed one by one before the rest are counted.
const LISTED: usize = 20;

fn snapshot_problems(changed: &[Changed]) -> Diagnostics {
    let hint = "an issued credential is a snapshot: if the change is meant (a corrected record, a new program text), re-issue with `credsite build --reissue ID` (or --reissue program:ID, --reissue all); otherwise undo the change";
    let mut problems: Vec<Diagnostic> = changed
        .iter()
        .take(LISTED)
        .enumerate()
        .map(|(i, c)| {
            let d =
            Diagnostic::new(
                &c.origin.path,
                format!(
                    "credential \"{}\" ({}) was issued with other content: signing it again would change it",
                    c.id, c.program
                ),
            )
            .line(c.origin.line);
            if i == 0 { d.hint(hint) } else { d }
        })
        .collect();
    if changed.len() > LISTED {
        let mut per_program: BTreeMap<&str, usize> = BTreeMap::new();
        for c in &changed[LISTED..] {
            *per_program.entry(c.program.as_str()).or_default() += 1;
        }
        let counts: Vec<String> = per_program
            .iter()
            .map(|(p, n)| format!("{n} of program {p}"))
            .collect();
        problems.push(Diagnostic::new(
            crate::state::STATE_FILE.as_ref(),
            format!(
                "and {} more credentials whose content changed ({})",
                changed.len() - LISTED,
                counts.join(", ")
            ),
        ));
    }
    Diagnostics(problems)
}
