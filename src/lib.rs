//! credsite: a static site generator for certification bodies.
//!
//! It reads programs and credential records from plain files, signs every credential
//! as a W3C Verifiable Credential (Open Badges 3.0) with an Ed25519 Data Integrity
//! proof (`eddsa-jcs-2022`), and writes a static registry with one verification page
//! per credential, the issuer's `did:web` document and a signed JSON feed.
//!
//! A build is a pipeline, each stage a module with plain data in and out (see
//! [`build`]): [`load`] → [`load::validate`] → [`site::resolve`] → [`vc::sign`] →
//! [`render`] → [`output`]. The committed [`state`] keeps what must never change once
//! a credential is issued, and [`urls`] is the only place a path or URL is formed.

#![forbid(unsafe_code)]

pub mod config;
pub mod dates;
pub mod diag;
pub mod error;
pub mod html;
pub mod ids;
pub mod incremental;
pub mod issuer;
pub mod lines;
pub mod load;
pub mod names;
pub mod output;
pub mod render;
pub mod report;
pub mod serve;
pub mod site;
pub mod state;
pub mod urls;
pub mod vc;
pub mod walk;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::NaiveDate;

pub use crate::error::{Error, Result};
use crate::issuer::{Issuer, KeySource, MissingKey};
use crate::output::{Memory, Sink};
use crate::site::Status;
use crate::state::State;
use crate::vc::sign::{Reissue, Signer};

/// What `build` and `check` need to know.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The site root (where `credsite.toml` is).
    pub root: PathBuf,
    /// The output folder; `<root>/public` by default.
    pub out: Option<PathBuf>,
    /// Where to read the secret key; `<root>/keys/issuer.key` by default.
    pub secret_key: Option<PathBuf>,
    /// The date the pages' valid/expired status is computed for. Never signed.
    pub as_of: NaiveDate,
    /// Credentials whose changed content the manager re-issues on purpose.
    pub reissue: Reissue,
    /// Credentials to re-sign with the current key (`--resign`), whatever key was
    /// active on their issue date.
    pub resign: Reissue,
    /// `build --clean`: write every file, ignoring what the previous build left.
    pub clean: bool,
}

impl BuildOptions {
    /// Options for the site at `root`, with status as of `as_of`.
    pub fn new(root: impl Into<PathBuf>, as_of: NaiveDate) -> Self {
        BuildOptions {
            root: root.into(),
            out: None,
            secret_key: None,
            as_of,
            reissue: Reissue::default(),
            resign: Reissue::default(),
            clean: false,
        }
    }

    /// The output folder.
    pub fn out_dir(&self) -> PathBuf {
        self.out.clone().unwrap_or_else(|| self.root.join("public"))
    }
}

/// What a build produced.
#[derive(Debug, Clone)]
pub struct Report {
    /// Programs rendered.
    pub programs: usize,
    /// Credentials signed and rendered.
    pub credentials: usize,
    /// Credentials expired as of the build date.
    pub expired: usize,
    /// Credentials revoked.
    pub revoked: usize,
    /// Credentials suspended as of the build date.
    pub suspended: usize,
    /// Credentials signed for the first time (new entries in the site state).
    pub new: usize,
    /// Credentials re-issued with changed content (`--reissue`).
    pub reissued: usize,
    /// Credentials re-signed with the current key on request (`--resign`).
    pub resigned: usize,
    /// Credentials still signed with a compromised key, issued on or after the day it
    /// was compromised: the manager reviews them (see `credsite key compromised`).
    pub review: Vec<String>,
    /// The build started the signed key log, `keys/did.jsonl`.
    pub key_log_created: bool,
    /// Files written (or, for `check`, rendered).
    pub files: u64,
    /// The output's size and shape, for the hosts' limits.
    pub shape: output::limits::Shape,
    /// The issuer's DID.
    pub did: String,
    /// Where the key came from.
    pub key: KeySource,
    /// How long each stage took, in order (printed with `--verbose`).
    pub timings: Vec<(&'static str, Duration)>,
    /// What an incremental build kept from the previous one (zero for `check`).
    pub savings: incremental::Savings,
    /// Notes for the user (a discarded build cache).
    pub notes: Vec<String>,
}

/// Builds the site into its output folder, atomically: on any error the previous
/// output and the site state are left as they were.
pub fn build(options: &BuildOptions) -> Result<Report> {
    let out = options.out_dir();
    check_out_dir(&options.root, &out)?;
    // The previous build's manifest, the site state and the inputs are read side by
    // side: none needs another.
    let started = Instant::now();
    let (staging, (state, inputs)) = rayon::join(
        || incremental::Writer::create(&out, options.clean),
        || rayon::join(|| State::load(&options.root), || load::load(&options.root)),
    );
    let read = started.elapsed();
    let mut staging = staging?;
    let built = state.map_err(Error::from).and_then(|mut state| {
        refuse_new_identity(options, &state)?;
        let mut issuer = Issuer::load(
            &options.root,
            options.secret_key.as_deref(),
            MissingKey::Create,
        )?;
        let report = pipeline(options, inputs?, &mut issuer, &mut state, &staging)?;
        Ok((report, state, issuer))
    });
    let (mut report, state, issuer) = match built {
        Ok(built) => built,
        Err(e) => {
            staging.abandon();
            return Err(e);
        }
    };
    report.timings.insert(
        0,
        ("read the build cache, the site state and the inputs", read),
    );
    let started = Instant::now();
    if let Some((log, true)) = &issuer.key_log {
        let path = options.root.join(issuer::keylog::KEY_LOG_FILE);
        std::fs::write(&path, log).with_context(|| format!("cannot write {}", path.display()))?;
    }
    // The state first: if the swap then fails, the state only holds allocations for
    // credentials the next build publishes; the other way round, published values
    // could be lost.
    report.notes.append(&mut staging.notes);
    report.savings = staging.commit(|| state.save(&options.root))?;
    free_later(state);
    report
        .timings
        .push(("save state and swap into place", started.elapsed()));
    Ok(report)
}

/// Does everything `build` does except writing: loads, validates, signs and renders
/// every page into memory. Without the secret key (a CI runner with only
/// `keys/issuer.pub`) it signs with a throwaway key.
pub fn check(options: &BuildOptions) -> Result<Report> {
    let (state, inputs) = rayon::join(|| State::load(&options.root), || load::load(&options.root));
    let mut state = state?;
    let mut issuer = Issuer::load(
        &options.root,
        options.secret_key.as_deref(),
        MissingKey::Throwaway,
    )?;
    pipeline(
        options,
        inputs?,
        &mut issuer,
        &mut state,
        &Memory::paths_only(),
    )
}

/// A site whose state lists issuer keys never gets a new key pair made silently
/// because its key files are missing.
fn refuse_new_identity(options: &BuildOptions, state: &State) -> anyhow::Result<()> {
    let paths = issuer::keys::KeyPaths::new(&options.root, options.secret_key.as_deref());
    if !state.keys.is_empty() && !paths.public.exists() && !paths.secret.exists() {
        bail!(
            "{} lists {} issuer key(s) (field `keys`), but {} and {} are missing: refusing to create a new issuer identity\n     hint: restore the key pair from your backup; to start a new key on purpose, restore it first and run `credsite keygen --rotate`",
            state::STATE_FILE,
            state.keys.len(),
            paths.public.display(),
            paths.secret.display()
        );
    }
    Ok(())
}

/// Attaches the key history to the issuer and checks the key log `keys/did.jsonl`
/// against it, or starts the log (signed by the current key) when there is none.
fn prepare_keys(
    options: &BuildOptions,
    issuer: &mut Issuer,
    state: &State,
    did: &str,
) -> anyhow::Result<()> {
    use issuer::keylog;
    issuer.attach_history(&options.root, state, options.as_of)?;
    let throwaway = matches!(issuer.source, KeySource::Throwaway { .. });
    let path = options.root.join(keylog::KEY_LOG_FILE);
    let shown = Path::new(keylog::KEY_LOG_FILE);
    let hint = "the key log and the site state's key history are written together by `credsite keygen` and `credsite key compromised`: restore both from version control";
    let history = if throwaway {
        state.keys.clone()
    } else {
        issuer.history_state()
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let checked = keylog::check(&text).map_err(|p| {
                diag::Diagnostics(vec![
                    diag::Diagnostic::new(
                        shown,
                        format!("the signed key log is broken: {}", p.message),
                    )
                    .line(p.line)
                    .hint(hint),
                ])
            })?;
            let problem = if checked.did != did {
                Some(format!("the key log is about {}, not {did}", checked.did))
            } else if !history.is_empty() && checked.keys != history {
                Some(format!(
                    "its last entry lists {} key(s) ({}), but {} lists {} ({})",
                    checked.keys.len(),
                    describe(&checked.keys),
                    state::STATE_FILE,
                    history.len(),
                    describe(&history)
                ))
            } else {
                None
            };
            if let Some(message) = problem {
                return Err(diag::Diagnostics(vec![
                    diag::Diagnostic::new(shown, message)
                        .line(checked.entries)
                        .field("state.keys")
                        .hint(hint),
                ])
                .into());
            }
            if !throwaway {
                issuer.key_log = Some((text, false));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if !throwaway {
                let log = keylog::append("", did, &history, options.as_of, "create", &issuer.key)?;
                issuer.key_log = Some((log, true));
            }
        }
        Err(e) => return Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
    }
    Ok(())
}

/// Keys in one line: `z6Mk…(from D to E)`.
fn describe(keys: &[state::KeyState]) -> String {
    keys.iter()
        .map(|k| {
            let mut s = format!("{} from {}", k.public, k.active_from);
            if let Some(to) = k.active_to {
                s.push_str(&format!(" to {to}"));
            }
            if let Some(since) = k.compromised_since {
                s.push_str(&format!(", compromised since {since}"));
            }
            s
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// What [`preview`] gives the preview server: the resolved site, ready to be
/// rendered page by page.
pub struct Preview {
    /// The resolved site.
    pub site: site::Site,
    /// The site state it is signed with: the saved one with the preview's own
    /// allocations.
    pub state: std::sync::Arc<State>,
    /// The key that signs the preview, with its history attached.
    pub issuer: std::sync::Arc<Issuer>,
    /// The CSV record files as they were read (see [`preview_edit`]).
    pub csv_sources: std::collections::BTreeMap<PathBuf, std::sync::Arc<str>>,
    /// How long each stage took.
    pub timings: Vec<(&'static str, Duration)>,
}

/// What the preview server keeps from one [`preview`] to the next, in memory only:
/// the site state as last read, with the salts and status slots the preview gave to
/// credentials the state does not know yet (so that a rebuild gives them the same
/// ones). Nothing of it is ever written.
#[derive(Debug, Default)]
pub struct PreviewState {
    /// The state file's text when it was last read (`Some(None)`: there was none).
    text: Option<Option<String>>,
    /// Entries the preview allocated.
    allocations: std::collections::BTreeMap<String, state::CredentialState>,
    /// The saved state with those entries.
    state: std::sync::Arc<State>,
}

impl PreviewState {
    /// The state for this rebuild: read again only when the file changed.
    fn refresh(&mut self, root: &Path) -> Result<std::sync::Arc<State>> {
        let path = State::path(root);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(anyhow::anyhow!(e)
                    .context(format!("cannot read {}", path.display()))
                    .into());
            }
        };
        if self.text.as_ref() != Some(&text) {
            let mut state = match &text {
                Some(text) => State::parse(text).map_err(|d| diag::Diagnostics(vec![d]))?,
                None => State::new(),
            };
            let taken: std::collections::HashSet<(u32, u32)> = state
                .credentials
                .values()
                .map(|c| (c.status_list, c.status_index))
                .collect();
            self.allocations.retain(|id, entry| {
                !state.credentials.contains_key(id)
                    && !taken.contains(&(entry.status_list, entry.status_index))
            });
            for (id, entry) in &self.allocations {
                state.credentials.insert(id.clone(), entry.clone());
            }
            self.state = std::sync::Arc::new(state);
            self.text = Some(text);
        }
        Ok(self.state.clone())
    }

    /// Allocates salts and slots for the records the state does not know yet.
    fn allocate(&mut self, inputs: &load::Inputs) -> Result<()> {
        if !site::needs_allocation(inputs, &self.state) {
            return Ok(());
        }
        let state = std::sync::Arc::make_mut(&mut self.state);
        let known: std::collections::HashSet<String> = state.credentials.keys().cloned().collect();
        site::allocate(inputs, state)?;
        for (id, entry) in &state.credentials {
            if !known.contains(id) {
                self.allocations.insert(id.clone(), entry.clone());
            }
        }
        Ok(())
    }
}

/// Loads, validates and resolves the site for the preview server (`credsite serve`,
/// issue 12), which then renders each page when it is asked for: nothing is signed
/// or rendered here, and the site state is read, never written.
pub fn preview(
    options: &BuildOptions,
    issuer: &Issuer,
    kept: &mut PreviewState,
) -> Result<Preview> {
    // The key history is attached to a fresh copy of the issuer each time.
    let mut issuer = Issuer {
        key: issuer.key.clone(),
        source: issuer.source,
        history: Vec::new(),
        key_log: None,
    };
    let mut clock = Clock::new();
    kept.refresh(&options.root)?;
    clock.lap("state");
    let inputs = load::load(&options.root)?;
    clock.lap("load");
    let mut inputs = load::validate(inputs, options.as_of)?;
    clock.lap("validate");
    let csv_sources = std::mem::take(&mut inputs.csv_sources);
    kept.state
        .refuse_unrecorded(&inputs.records, &options.out_dir())?;
    kept.allocate(&inputs)?;
    let state = kept.state.clone();
    let site = site::resolve_allocated(inputs, &state, options.as_of)?;
    clock.lap("resolve");
    prepare_keys(options, &mut issuer, &state, &site.did.did)?;
    // What signing checks up front (the `[texts]`, the programs' achievements) fails
    // the rebuild, as it fails a build.
    Signer::new(&site, &issuer, &state, &options.reissue)?;
    clock.lap("prepare signing");
    Ok(Preview {
        site,
        state,
        issuer: std::sync::Arc::new(issuer),
        csv_sources,
        timings: clock.laps,
    })
}

/// The preview server's quick rebuild (issue 12): when the `changed` files are CSV
/// record files whose rows were only edited in place (the same ids on the same lines,
/// see [`load::records::edited_rows`]), the `previous` preview with those credentials
/// resolved again; nothing else is loaded. `None` for any other change, which needs
/// [`preview`]. `changed` are paths relative to the site root, and `previous` must be
/// the preview of the site as it was just before these changes.
pub fn preview_edit(
    options: &BuildOptions,
    previous: &Preview,
    changed: &[PathBuf],
) -> Option<Preview> {
    let started = Instant::now();
    let mut csv_sources = previous.csv_sources.clone();
    let mut records = Vec::new();
    for shown in changed {
        // Files beside the roster that no build reads (an editor's `roster.csv.new`,
        // renamed over the roster) change nothing.
        let read = shown.extension().is_some_and(|e| e == "csv" || e == "toml");
        if shown.starts_with(load::CREDENTIALS_DIR) && !read && !options.root.join(shown).is_dir() {
            continue;
        }
        let old = previous.csv_sources.get(shown)?;
        let text = load::read(&options.root.join(shown), shown).ok()?;
        records.extend(load::records::edited_rows(old, &text, shown)?);
        csv_sources.insert(shown.clone(), text.into());
    }
    let site = previous.site.with_changed_records(records)?;
    Some(Preview {
        site,
        state: previous.state.clone(),
        issuer: previous.issuer.clone(),
        csv_sources,
        timings: vec![("rows edited in place", started.elapsed())],
    })
}

/// Stages 2 and 3 (the caller loads): validate → resolve, then the issuer's key
/// history. New credentials get their salt and status slot in `state`.
fn resolve(
    options: &BuildOptions,
    inputs: load::Inputs,
    issuer: &mut Issuer,
    state: &mut State,
    clock: &mut Clock,
) -> Result<site::Site> {
    let inputs = load::validate(inputs, options.as_of)?;
    clock.lap("validate");
    state.refuse_unrecorded(&inputs.records, &options.out_dir())?;
    let site = site::resolve(inputs, state, options.as_of)?;
    clock.lap("resolve");
    prepare_keys(options, issuer, state, &site.did.did)?;
    Ok(site)
}

/// The pipeline: load → validate → resolve → sign → render → write, from the loaded
/// `inputs`. Updates `state` with what was newly issued.
fn pipeline(
    options: &BuildOptions,
    inputs: load::Inputs,
    issuer: &mut Issuer,
    state: &mut State,
    sink: &impl Sink,
) -> Result<Report> {
    let mut clock = Clock::new();
    let known = state.credentials.len();
    let site = resolve(options, inputs, issuer, state, &mut clock)?;
    let issuer = &*issuer;
    let signer = Signer::new(&site, issuer, state, &options.reissue)?
        .with_resign(options.resign.clone())?
        .with_published(options.out_dir())
        .with_kept(sink.kept());
    // A build asked to re-sign renders everything: the key it asks for is not among
    // the inputs an incremental build compares. (A re-issue needs no such care: a
    // credential whose content changed has changed inputs.)
    let reused = if options.resign.is_empty() {
        sink.reuse(&site, state, issuer)?
    } else {
        output::Reused::default()
    };
    clock.lap("compare with the previous build");
    // Two files per credential (rendered here, or taken over and added below), and the
    // site-wide pages: about one listing page per hundred holders, search shards,
    // feed pages (more than enough).
    let expected = 2 * site.credentials.len() + site.credentials.len() / 8 + 4096;
    let mut written = output::write(render::render(&site, &signer, &reused), sink, expected)?;
    signer.note_reused(&reused);
    // The files an incremental build took over from the previous output are listed
    // in the manifest too.
    written.files.extend(sink.reused_files());
    written.sort()?;
    clock.lap("sign, render and write");
    if sink.takes_manifest() {
        let (unsigned, parts) = output::manifest::unsigned(
            site.config.base_url.as_str(),
            &written,
            output::manifest::PART_THRESHOLD,
            sink.kept(),
            |part| sink.put(part),
        )?;
        written.files.extend(parts);
        let manifest = signer.manifest(unsigned)?;
        let manifest = render::Page::new(urls::MANIFEST, render::pretty(&manifest)?);
        written.files.push((
            manifest.path.clone(),
            output::manifest::FileEntry::of(&manifest.bytes),
        ));
        sink.put(manifest)?;
    }
    // The output's shape and the last batch of signature checks, side by side.
    let (shape, signed) = rayon::join(|| output::limits::shape(&written), || signer.finish());
    free_later(written);
    let signed = signed?;
    clock.lap("manifest, and the last signature checks");

    let review = signed.review.clone();
    let resigned = signed.resigned.len();
    let reissued = state.record_signed(signed);
    let count = |status| {
        site.credentials
            .iter()
            .filter(|c| c.status == status)
            .count()
    };
    if !matches!(issuer.source, KeySource::Throwaway { .. }) {
        state.record_key(&issuer.public_multibase(), options.as_of);
    }
    let report = Report {
        programs: site.programs.len(),
        credentials: site.credentials.len(),
        expired: count(Status::Expired),
        revoked: count(Status::Revoked),
        suspended: count(Status::Suspended),
        new: state.credentials.len() - known,
        reissued,
        resigned,
        review,
        key_log_created: matches!(issuer.key_log, Some((_, true))),
        files: sink.count(),
        shape,
        did: site.did.did.clone(),
        key: issuer.source,
        timings: clock.laps,
        savings: incremental::Savings::default(),
        notes: Vec::new(),
    };
    free_later(site);
    Ok(report)
}

/// Frees `value` on a thread of its own, so that nothing waits for it: what a build
/// holds at 100,000 credentials takes about 50 ms to free, on one thread at the end of
/// the build. (If no thread can be started, it is freed here.)
pub(crate) fn free_later<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new()
        .name("free".into())
        .spawn(move || drop(value));
}

/// Times the stages.
struct Clock {
    last: Instant,
    laps: Vec<(&'static str, Duration)>,
}

impl Clock {
    fn new() -> Self {
        Clock {
            last: Instant::now(),
            laps: Vec::new(),
        }
    }

    fn lap(&mut self, stage: &'static str) {
        self.laps.push((stage, self.last.elapsed()));
        self.last = Instant::now();
    }
}

/// Refuses an output folder that would swallow the site or an unrelated folder.
fn check_out_dir(root: &Path, out: &Path) -> anyhow::Result<()> {
    let abs = |p: &Path| {
        std::path::absolute(p).with_context(|| format!("cannot resolve {}", p.display()))
    };
    let (root_abs, out_abs) = (abs(root)?, abs(out)?);
    if root_abs.starts_with(&out_abs) {
        bail!(
            "the output folder {} contains the site itself: choose another --out",
            out.display()
        );
    }
    for protected in ["content", "keys", "themes", "templates", "static"] {
        if out_abs.starts_with(root_abs.join(protected)) {
            bail!(
                "the output folder {} is inside the site's {protected}/ folder: choose another --out",
                out.display()
            );
        }
    }
    if out.is_dir() {
        let empty = std::fs::read_dir(out)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !empty && !out.join(urls::FEED).is_file() {
            bail!(
                "{} exists and does not look like a credsite output (no {}): refusing to replace it\n     hint: remove it or choose another --out",
                out.display(),
                urls::FEED
            );
        }
    }
    Ok(())
}
