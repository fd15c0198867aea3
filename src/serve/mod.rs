//! `credsite serve`: a live preview of the site (issue 12).
//!
//! The site is loaded, validated and resolved with the same pipeline as `build`
//! ([`crate::preview`]), its pages rendered as they are asked for ([`served`]), served
//! over HTTP ([`http`], axum on tokio), and resolved again when an input changes
//! ([`watch`]). Open pages are told to reload over server-sent
//! events by a small script that only the server adds ([`inject`]), so built bytes
//! stay those of a real build. A failed rebuild keeps the last good site and shows the
//! error on every page and in the terminal. Nothing is written: not the output folder,
//! not the site state, not a key.

pub mod http;
pub mod inject;
pub mod served;
pub mod store;
pub mod watch;

use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use tokio::sync::broadcast;

use crate::issuer::{Issuer, KeySource, MissingKey};
use crate::{BuildOptions, Error};
use inject::Extras;
use served::Served;

/// After a change, rebuild once no event came for this long: a burst of changes (a
/// `git checkout`) gives one rebuild. Short, because it adds to every save's wait for
/// the reload; a burst's events come much closer together than this.
const QUIET: Duration = Duration::from_millis(40);

/// How `credsite serve` runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The site, key and build date (the output folder is not used).
    pub build: BuildOptions,
    /// The address to listen on (`127.0.0.1` by default).
    pub bind: IpAddr,
    /// The port (0: any free port, printed at start).
    pub port: u16,
    /// Open the preview in the default browser.
    pub open: bool,
    /// Poll for changes instead of native file system events.
    pub poll: bool,
    /// Print how long each stage of a rebuild took.
    pub verbose: bool,
}

/// The site being served and what its pages get on their way out.
pub struct Current {
    /// The last site that built (none before the first one did).
    pub served: Option<Arc<Served>>,
    /// Banner, error overlay and `base_url`.
    pub extras: Extras,
}

/// A file of the served site, and a problem to show on its page.
pub struct File {
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// A problem that concerns this page only (an issued credential whose content
    /// changed: `build` would refuse it without `--reissue`).
    pub warning: Option<String>,
}

impl Current {
    /// The file at `path`, rendered now if it was not yet. `None` if the site has no
    /// such file; `Err` if rendering failed.
    pub fn file(&self, path: &str) -> Option<Result<File, String>> {
        self.served.as_ref()?.file(path)
    }

    /// Is there a file at `path`?
    pub fn contains(&self, path: &str) -> bool {
        self.served.as_ref().is_some_and(|s| s.contains(path))
    }
}

/// What the HTTP handlers share with the rebuild thread.
pub struct Shared {
    current: RwLock<Arc<Current>>,
    /// Each rebuild sends its number ([`Extras::build`]): the reload channel.
    pub reload: broadcast::Sender<u64>,
    /// The site state, with the salts and status slots of credentials it does not
    /// know yet, kept from one rebuild to the next (in memory only).
    state: Mutex<crate::PreviewState>,
}

impl Shared {
    /// The site as it is now.
    pub fn current(&self) -> Arc<Current> {
        self.current.read().expect("not poisoned").clone()
    }

    fn set(&self, current: Current) {
        *self.current.write().expect("not poisoned") = Arc::new(current);
    }
}

/// Runs the preview server until interrupted.
pub fn serve(options: ServeOptions) -> Result<()> {
    let root = options.build.root.clone();
    if !crate::load::is_site(&root) {
        return Err(anyhow!(
            "{} has no {}: not a credsite site\n     hint: run `credsite serve` in the site folder, or pass --root DIR",
            root.display(),
            crate::config::CONFIG_FILE
        ));
    }
    let listener = bind(options.bind, options.port)?;
    let address = listener
        .local_addr()
        .context("cannot read the bound address")?;
    if !options.bind.is_loopback() {
        eprintln!(
            "warning: serving on {} to the network: anyone who can reach this machine can read the preview, including unpublished records. Use --bind 127.0.0.1 to keep it local.",
            options.bind
        );
    }
    let issuer = Arc::new(Issuer::load(
        &root,
        options.build.secret_key.as_deref(),
        MissingKey::Throwaway,
    )?);
    if let KeySource::Throwaway { .. } = issuer.source {
        eprintln!(
            "note: no secret key here: the preview is signed with a throwaway key, and every page says so."
        );
    }
    let shared = Arc::new(Shared {
        current: RwLock::new(Arc::new(Current {
            served: None,
            extras: Extras {
                throwaway_key: matches!(issuer.source, KeySource::Throwaway { .. }),
                ..Extras::default()
            },
        })),
        reload: broadcast::channel(16).0,
        state: Mutex::default(),
    });
    let verbose = options.verbose;
    rebuild(&options.build, &issuer, &shared, &[], verbose);
    // Watch the canonical root: events name canonical paths, shown relative to it.
    let watched_root = root.canonicalize().unwrap_or_else(|_| root.clone());
    let mut watcher = watch::SiteWatcher::new(&watched_root, options.poll)?;
    let url = format!("http://{}/", display_address(address));
    eprintln!(
        "Serving the preview at {url} (Ctrl-C to stop); pages are rendered when they are asked for."
    );
    if options.open {
        open_browser(&url);
    }
    let rebuilds = {
        let shared = shared.clone();
        let build = options.build.clone();
        std::thread::Builder::new()
            .name("credsite-rebuild".into())
            .spawn(move || {
                while let Some(changed) = watcher.next_change(QUIET) {
                    watcher.refresh();
                    let changed: Vec<PathBuf> = changed
                        .iter()
                        .map(|p| p.strip_prefix(&watched_root).unwrap_or(p).to_path_buf())
                        .collect();
                    rebuild(&build, &issuer, &shared, &changed, verbose);
                }
            })
            .context("cannot start the rebuild thread")?
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the server runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)
            .context("cannot hand the socket to the server")?;
        let app = http::router(shared);
        tokio::select! {
            served = axum::serve(listener, app) => served.context("the server stopped"),
            _ = tokio::signal::ctrl_c() => {
                eprintln!("Stopped.");
                Ok(())
            }
        }
    })?;
    drop(rebuilds);
    runtime.shutdown_background();
    Ok(())
}

/// Binds the listening socket, with a clear error for a port in use.
fn bind(ip: IpAddr, port: u16) -> Result<std::net::TcpListener> {
    let address = SocketAddr::new(ip, port);
    let listener = std::net::TcpListener::bind(address).map_err(|e| match e.kind() {
        ErrorKind::AddrInUse => anyhow!(
            "port {port} on {ip} is already in use (another `credsite serve`, or another server)\n     hint: stop the other server, or pick another port: `credsite serve --port {}` (--port 0 picks a free one)",
            port.wrapping_add(1).max(1024)
        ),
        ErrorKind::PermissionDenied => anyhow!(
            "not allowed to listen on port {port} on {ip}\n     hint: pick a port above 1023: `credsite serve --port 1111`"
        ),
        ErrorKind::AddrNotAvailable => anyhow!(
            "{ip} is not an address of this machine\n     hint: use --bind 127.0.0.1 (the default)"
        ),
        _ => anyhow!(e).context(format!("cannot listen on {address}")),
    })?;
    listener
        .set_nonblocking(true)
        .context("cannot configure the socket")?;
    Ok(listener)
}

fn display_address(address: SocketAddr) -> String {
    if address.ip().is_unspecified() {
        format!("127.0.0.1:{}", address.port())
    } else {
        address.to_string()
    }
}

/// Loads, validates and resolves the site and serves it (its pages are rendered as
/// they are asked for); on failure keeps the last good site and shows the error. Then
/// tells open pages to reload.
fn rebuild(
    options: &BuildOptions,
    issuer: &Arc<Issuer>,
    shared: &Shared,
    changed: &[PathBuf],
    verbose: bool,
) {
    let started = Instant::now();
    let previous = shared.current();
    let mut extras = previous.extras.clone();
    let mut state = shared.state.lock().expect("not poisoned");
    // After a good build, rows edited in place need only those rows resolved again.
    let edited = match &previous.served {
        Some(served) if previous.extras.error.is_none() && !changed.is_empty() => {
            crate::preview_edit(options, served.preview(), changed)
        }
        _ => None,
    };
    let built = match edited {
        Some(preview) => Ok(preview),
        None => build(options, issuer, &mut state),
    };
    let served = match built.map(|preview| {
        let base_url = base_url(&preview.site);
        (preview, base_url)
    }) {
        Ok((preview, base_url)) => {
            if verbose {
                for (stage, took) in &preview.timings {
                    eprintln!("  {stage}: {} ms", took.as_millis());
                }
            }
            eprintln!(
                "{} {} credentials and {} programs in {} ms{}.",
                if changed.is_empty() {
                    "Built"
                } else {
                    "Rebuilt"
                },
                preview.site.credentials.len(),
                preview.site.programs.len(),
                started.elapsed().as_millis(),
                describe(changed)
            );
            extras.error = None;
            extras.base_url = base_url;
            Some(Arc::new(Served::new(preview)))
        }
        Err(message) => {
            eprintln!("error: {message}");
            eprintln!("The preview keeps the last site that built; fix the file and save.");
            extras.error = Some(message);
            previous.served.clone()
        }
    };
    extras.build = previous.extras.build + 1;
    let build = extras.build;
    shared.set(Current { served, extras });
    let _ = shared.reload.send(build);
}

/// The site's `base_url`, without its trailing '/'.
fn base_url(site: &crate::site::Site) -> String {
    site.config
        .base_url
        .as_str()
        .trim_end_matches('/')
        .to_string()
}

fn build(
    options: &BuildOptions,
    issuer: &Issuer,
    state: &mut crate::PreviewState,
) -> Result<crate::Preview, String> {
    let content = options.root.join("content");
    if !content.is_dir() {
        return Err(format!(
            "{}: the folder is missing (deleted or moved?): the site has no programs or records\n     hint: restore content/ (for example `git checkout -- content`)",
            Path::new("content").display()
        ));
    }
    crate::preview(options, issuer, state).map_err(|e| message(&e))
}

/// An error as the terminal and the overlay show it: every problem with file:line,
/// or the whole cause chain.
fn message(err: &Error) -> String {
    match err {
        Error::Other(inner) => format!("{inner:#}"),
        other => other.to_string(),
    }
}

fn describe(changed: &[PathBuf]) -> String {
    match changed {
        [] => String::new(),
        [one] => format!(" after a change to {}", one.display()),
        many => format!(" after {} changes", many.len()),
    }
}

/// Opens `url` in the default browser, best effort.
fn open_browser(url: &str) {
    let mut command = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    if let Err(e) = command.arg(url).spawn() {
        eprintln!("note: cannot open a browser ({e}); open {url} yourself.");
    }
}
