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
use sha2::Digest as _;

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

    /// True if it names no credential.
    pub fn is_empty(&self) -> bool {
        *self == Reissue::default()
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
    /// The verification method of each key of the issuer's history (the current key
    /// last; only it when the history is not attached).
    methods: Vec<String>,
    /// Credentials to re-sign with the current key (`--resign`).
    resign: Reissue,
    /// The published site, whose signed copies are kept when the secret key that
    /// signed them is not here.
    published: Option<std::path::PathBuf>,
    /// Credentials signed with a compromised key on or after the day it was
    /// compromised, to be reviewed.
    review: Mutex<Vec<String>>,
    /// Credentials re-signed on request: id → the key now recorded for it.
    resigned: Mutex<Vec<(String, Option<String>)>>,
    texts: SignedTexts,
    /// The credentials' `@context`, which their proofs repeat.
    context: Value,
    issuer_profile: credential::Shared,
    achievements: BTreeMap<&'a str, credential::Shared>,
    state: &'a State,
    reissue: &'a Reissue,
    /// Digests of credentials signed for the first time or re-issued: id → SHA-256.
    recorded: Mutex<Vec<(String, [u8; 32])>>,
    /// Credentials whose signed content changed without `--reissue`.
    changed: Mutex<Vec<Changed>>,
    /// Credential signatures not checked yet (checked in batches).
    checks: proof::Checks,
    /// What an incremental build keeps: feed pages, listing pages, search shards.
    kept: Option<&'a dyn feed::Kept>,
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
            .map(|p| {
                // A member of the `credentialSubject`: two levels deep.
                let achievement = credential::achievement(site, p, &texts)?;
                Ok((p.id.as_str(), credential::Shared::new(&achievement, 2)?))
            })
            .collect::<Result<_>>()?;
        let mut methods: Vec<String> = issuer
            .history
            .iter()
            .map(|k| site.did.key_id(&k.public))
            .collect();
        if methods.is_empty() {
            methods.push(site.did.key_id(&issuer.key.verifying_key()));
        }
        Ok(Signer {
            methods,
            resign: Reissue::default(),
            published: None,
            review: Mutex::new(Vec::new()),
            resigned: Mutex::new(Vec::new()),
            context: Value::from(credential::CONTEXT.to_vec()),
            issuer_profile: credential::Shared::new(&credential::issuer_profile(site), 1)?,
            achievements,
            texts,
            site,
            issuer,
            state,
            reissue,
            recorded: Mutex::new(Vec::new()),
            changed: Mutex::new(Vec::new()),
            checks: proof::Checks::default(),
            kept: None,
        })
    }

    /// Keeps the pages that `kept` knows (issue 12): feed pages are not signed again,
    /// and the renderer asks it for listing pages and search shards.
    pub fn with_kept(mut self, kept: Option<&'a dyn feed::Kept>) -> Self {
        self.kept = kept;
        self
    }

    /// What the incremental build keeps, when it does (see [`Signer::with_kept`]).
    pub fn kept(&self) -> Option<&'a dyn feed::Kept> {
        self.kept
    }

    /// Re-signs these credentials with the current key (`--resign`); the site state
    /// then records the key for them.
    pub fn with_resign(mut self, resign: Reissue) -> Result<Self> {
        resign.check(self.site)?;
        self.resign = resign;
        Ok(self)
    }

    /// Keeps the signed copies published in `dir` for credentials whose key's secret
    /// is not here.
    pub fn with_published(mut self, dir: std::path::PathBuf) -> Self {
        self.published = Some(dir);
        self
    }

    /// The verification method of the current key, which signs the feed and the
    /// status lists, `did:web:…#z6Mk…`.
    pub fn verification_method(&self) -> String {
        self.methods[self.methods.len() - 1].clone()
    }

    fn method(&self) -> &str {
        &self.methods[self.methods.len() - 1]
    }

    /// The issuer whose key signs.
    pub fn issuer(&self) -> &Issuer {
        self.issuer
    }

    /// The signed credential document.
    pub fn credential<'s>(&'s self, credential: &'s Credential) -> Result<SignedCredential<'s>> {
        // Its salt and digest are kept once, in the state (a million copies of the
        // salt are 60 MB).
        let entry = self
            .state
            .credentials
            .get(credential.id())
            .with_context(|| {
                format!(
                    "credential {} has no entry in the site state",
                    credential.id()
                )
            })?;
        let unsigned = credential::unsigned(
            self.site,
            credential,
            &self.issuer_profile,
            &self.achievements[credential.record.program.as_str()],
            &self.texts,
            &entry.salt,
        )?;
        let created = date_time(credential.record.issued);
        let (signed, digest) = self.sign_credential(credential, unsigned, &created)?;
        match &entry.digest {
            Some(known) if *known == digest => {}
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

    /// Signs a credential with its key: the key re-signed with on request, else the
    /// key active on its issue date (see [`Issuer::key_for`]). Without that key's
    /// secret, the published signed copy is kept, if it is the same content signed
    /// by that key.
    fn sign_credential<'s>(
        &'s self,
        credential: &Credential,
        mut unsigned: credential::Document<'s>,
        created: &str,
    ) -> Result<(SignedCredential<'s>, [u8; 32])> {
        let index = self.key_index(credential);
        let last = self.methods.len() - 1;
        let method = &self.methods[index];
        let secret = if index == last {
            Some(&self.issuer.key)
        } else {
            self.issuer.history[index].secret.as_ref()
        };
        let canonical = unsigned.canonical();
        let Some(secret) = secret else {
            return self.published_copy(credential, &canonical, index);
        };
        let (proofs, digest) = proof::proof_set_of_canonical(
            &canonical,
            Some(&self.context),
            || proof::json_value(&unsigned),
            &self.site.config.signing.proofs,
            secret,
            method,
            Some(created),
            Some(&self.checks),
        )?;
        unsigned.proof = Some(proofs);
        Ok((SignedCredential::Made(Box::new(unsigned)), digest))
    }

    /// Notes the credentials an incremental build took over unsigned, as signing
    /// them would: those on a compromised key are listed for review.
    pub fn note_reused(&self, reused: &crate::output::Reused) {
        // Only a credential on a compromised key is noted (see `key_index`).
        if !self
            .issuer
            .history
            .iter()
            .any(|key| key.compromised_since.is_some())
        {
            return;
        }
        for (index, credential) in self.site.credentials.iter().enumerate() {
            if reused.contains(index) && !self.resign.covers(credential) {
                self.key_index(credential);
            }
        }
    }

    /// The key (in the history) a credential is signed with; records re-signs and
    /// credentials under review.
    fn key_index(&self, credential: &Credential) -> usize {
        let id = credential.id();
        let issued = credential.record.issued;
        let last = self.methods.len() - 1;
        if self.issuer.history.is_empty() {
            last
        } else if self.resign.covers(credential) {
            let natural = self.issuer.key_for(issued, None).index;
            let key = (natural != last).then(|| self.issuer.history[last].multibase.clone());
            self.resigned
                .lock()
                .expect("not poisoned")
                .push((id.to_string(), key));
            last
        } else {
            let resigned = self
                .state
                .credentials
                .get(id)
                .and_then(|c| c.key.as_deref());
            let choice = self.issuer.key_for(issued, resigned);
            if choice.under_review {
                self.review
                    .lock()
                    .expect("not poisoned")
                    .push(id.to_string());
            }
            choice.index
        }
    }

    /// The published signed copy of a credential whose key's secret is not here: it
    /// must hold the same content, signed by that key.
    fn published_copy<'d>(
        &self,
        credential: &Credential,
        canonical: &[u8],
        index: usize,
    ) -> Result<(SignedCredential<'d>, [u8; 32])> {
        let key = &self.issuer.history[index];
        let id = credential.id();
        let why_not = || {
            format!(
                "credential \"{id}\" ({}:{}), issued {}, is signed with key {} ({}), whose secret key is not in {}/, and its published copy cannot be kept",
                credential.record.origin.path.display(),
                credential.record.origin.line,
                credential.record.issued,
                key.number,
                key.multibase,
                crate::issuer::keys::RETIRED_DIR
            )
        };
        let hint = format!(
            "restore the retired secret key into {}/ (the .key file beside its .pub), or re-sign the credential with the current key: `credsite build --resign {id}`",
            crate::issuer::keys::RETIRED_DIR
        );
        let digest: [u8; 32] = sha2::Sha256::digest(canonical).into();
        let path = self
            .published
            .as_ref()
            .map(|dir| dir.join(crate::urls::json_in(&credential.dir)));
        let text = path
            .as_ref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .ok_or_else(|| {
                anyhow::anyhow!("{}: no published copy\n     hint: {hint}", why_not())
            })?;
        let doc: Value = serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{}: {e}\n     hint: {hint}", why_not()))?;
        let mut content = doc.clone();
        if let Some(map) = content.as_object_mut() {
            map.remove("proof");
        }
        let same: [u8; 32] = sha2::Sha256::digest(proof::canonicalize(&content)?).into();
        if same != digest {
            bail!(
                "{}: the published copy holds other content\n     hint: {hint}",
                why_not()
            );
        }
        let method = &self.methods[index];
        proof::verify(&doc, |m| {
            if m == method {
                Ok(key.public)
            } else {
                Err(format!("not signed by {method}"))
            }
        })
        .map_err(|e| anyhow::anyhow!("{}: {e}\n     hint: {hint}", why_not()))?;
        Ok((SignedCredential::Published(doc), digest))
    }

    /// The signed status list credential of `purpose`, list number `list`.
    pub fn status_list(&self, purpose: Purpose, list: u32) -> Result<Value> {
        let unsigned = status_list::unsigned(self.site, purpose, list)?;
        let created = date_time(self.site.as_of);
        proof::sign_set(
            unsigned,
            &self.site.config.signing.proofs,
            &self.issuer.key,
            self.method(),
            Some(&created),
        )
        .map(|(signed, _)| signed)
        .with_context(|| format!("cannot sign the {} status list {list}", purpose.as_str()))
    }

    /// The signed feed's pages, as (site path, page), oldest first: each archive page
    /// is signed and chained to the one before it (see [`feed`]). The feed is plain
    /// JSON (no `@context`), so its proof set holds the `eddsa-jcs-2022` proof only:
    /// RDF canonicalization needs JSON-LD. So does the manifest's. Pages are made one
    /// at a time, as the iterator is read.
    ///
    /// Pages kept from the previous build ([`Signer::with_kept`]) are not
    /// signed again and not returned.
    pub fn feed(&self) -> FeedPages<'_, 'a> {
        let entries = feed::entries(self.site);
        FeedPages {
            paths: feed::page_paths(entries.len()),
            entries,
            signer: self,
            next: 0,
            previous: None,
            created: None,
        }
    }

    /// The signed deployment manifest (see [`crate::output::manifest`]), dated the
    /// build date: it lists the status lists, which are made for that day.
    pub fn manifest(&self, unsigned: Value) -> Result<Value> {
        let created = date_time(self.site.as_of);
        proof::sign(unsigned, &self.issuer.key, self.method(), Some(&created))
            .context("cannot sign the manifest")
    }

    /// Ends signing: fails if a credential's signature does not verify (see
    /// [`proof::Checks`]) or an issued credential's content changed without
    /// `--reissue`, else returns the digests of new and re-issued credentials, for
    /// [`State::record_signed`].
    pub fn finish(self) -> Result<Signed> {
        self.checks
            .finish()
            .context("a credential's signature does not verify with the key that made it")?;
        let mut changed = self.changed.into_inner().expect("not poisoned");
        if !changed.is_empty() {
            changed.sort_by(|a, b| a.id.cmp(&b.id));
            return Err(snapshot_problems(&changed).into());
        }
        let mut review = self.review.into_inner().expect("not poisoned");
        review.sort();
        Ok(Signed {
            digests: self.recorded.into_inner().expect("not poisoned"),
            resigned: self.resigned.into_inner().expect("not poisoned"),
            review,
        })
    }
}

/// A signed credential document, as published.
#[derive(Debug, serde::Serialize)]
#[serde(untagged)]
pub enum SignedCredential<'a> {
    /// Signed by this build.
    Made(Box<credential::Document<'a>>),
    /// The published copy, kept because the secret key that signed it is not here.
    Published(Value),
}

/// The feed's pages, signed one by one: each needs the digest of the one before.
pub struct FeedPages<'s, 'a> {
    signer: &'s Signer<'a>,
    entries: Vec<feed::Entry<'a>>,
    paths: Vec<String>,
    /// The page to make next (0: the oldest).
    next: usize,
    previous: Option<feed::Link>,
    /// The newest date so far: a page's proof date, also for an empty `feed.json`.
    created: Option<String>,
}

impl<'a> FeedPages<'_, 'a> {
    /// Page `n` signed, or `None` if the previous build's copy is kept.
    fn page(&mut self, n: usize) -> Result<Option<(String, feed::Page<'a>)>> {
        let signer = self.signer;
        let path = &self.paths[n];
        let start = n * feed::ITEMS_PER_PAGE;
        let chunk = &self.entries[start..(start + feed::ITEMS_PER_PAGE).min(self.entries.len())];
        let next = n.checked_sub(1).map(|older| self.paths[older].as_str());
        self.created = feed::created(chunk).or(self.created.take());
        let url = signer.site.urls.absolute(path);
        let public_key = signer.issuer.key.verifying_key();
        let inputs = feed::PageInputs {
            path,
            next,
            previous: self.previous.as_ref(),
            created: self.created.as_deref(),
            public_key: public_key.as_bytes(),
            method: signer.method(),
        };
        let key = signer
            .kept
            .and_then(|kept| Some((kept, feed::page_key(kept, &inputs, chunk)?)));
        if let Some((kept, key)) = &key
            && let Some(digest) = kept.kept(path, key)
        {
            self.previous = Some(feed::Link { url, digest });
            return Ok(None);
        }
        let items = feed::items(signer.site, &signer.texts, chunk)?;
        let mut page = feed::page(
            signer.site,
            &signer.texts,
            path,
            items,
            next,
            self.previous.as_ref(),
        )?;
        let canonical = page.canonical()?;
        let (proofs, _) = proof::proof_set_of_canonical(
            &canonical,
            None,
            || proof::json_value(&page),
            &[proof::Cryptosuite::EddsaJcs2022],
            &signer.issuer.key,
            signer.method(),
            self.created.as_deref(),
            None,
        )
        .with_context(|| format!("cannot sign the feed page {path}"))?;
        page.proof = Some(proofs);
        let digest = page.digest()?;
        if let Some((kept, key)) = &key {
            kept.signed(path, key, &digest);
        }
        self.previous = Some(feed::Link { url, digest });
        Ok(Some((path.clone(), page)))
    }
}

impl<'a> Iterator for FeedPages<'_, 'a> {
    type Item = Result<(String, feed::Page<'a>)>;

    fn next(&mut self) -> Option<Self::Item> {
        while self.next < self.paths.len() {
            let n = self.next;
            self.next += 1;
            match self.page(n) {
                Ok(None) => continue,
                Ok(Some(page)) => return Some(Ok(page)),
                Err(e) => {
                    // A broken chain ends the feed.
                    self.next = self.paths.len();
                    return Some(Err(e));
                }
            }
        }
        None
    }
}

/// What a run signed for the first time or re-issued: credential id → content digest.
#[derive(Debug, Default)]
pub struct Signed {
    /// (id, SHA-256 of the canonical signed content).
    pub digests: Vec<(String, [u8; 32])>,
    /// Credentials re-signed with the current key on request: (id, the key to record
    /// for it, None when that is the key active on its issue date anyway).
    pub resigned: Vec<(String, Option<String>)>,
    /// Credentials still signed with a compromised key, issued on or after the day
    /// it was compromised: to be reviewed, then re-signed (`--resign`) if genuine.
    pub review: Vec<String>,
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
