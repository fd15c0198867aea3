//! CPU per credential against the sum of its parts.
//!
//! Builds N synthetic credentials (CREDSITE_BENCH_N, default 100,000) and reports the
//! CPU time per credential (user + system, all threads) of a first build and of a
//! clean rebuild (`--clean`), both of which sign and render every credential, beside
//! the sum of what one credential needs at least, each part timed alone on one thread
//! in the same run: its Ed25519 signature, the JCS and SHA-256 of its document, its QR
//! code, its page render, and writing its two files. The ratio says how much the build
//! spends beyond the work itself (listings, search index, feed, manifest, signature
//! checks, scheduling, allocation, and for the rebuild, replacing the old output).
//!
//! Each build runs as its own `credsite build` process, as a manager runs it and as
//! `scripts/bench-hugo.sh` times Hugo; its CPU time is the child's, read from
//! `/proc/self/stat` once it has been waited for. (Run in this process, after the
//! first build, the clean rebuild took about 50% more CPU than the same command run
//! alone: a quarter of its samples were the kernel copying into tmpfs pages.)
//!
//! Run with `cargo bench --bench parts` (or `scripts/bench.sh`).

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use chrono::NaiveDate;
use ed25519_dalek::Signer as _;
use sha2::{Digest, Sha256};

mod common;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Items timed per part (a sample of the site's credentials).
const SAMPLE: usize = 2_000;

fn main() {
    let n = common::count();
    let base = common::work_dir();
    println!("{n} synthetic credentials in {base}");
    let site_dir = tempfile::tempdir_in(&base).expect("temp dir");
    let root = site_dir.path();
    common::generate_site(root, n);
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
    // Two builds that sign and render everything: the first (into an empty output
    // folder), then a clean rebuild (`--clean`: an incremental one would take most
    // files over from the first), which also replaces and deletes the first's output.
    let as_of_arg = as_of.to_string();
    let first = timed_build("first build", root, &["--as-of", &as_of_arg], n);
    let clean = timed_build(
        "clean rebuild",
        root,
        &["--as-of", &as_of_arg, "--clean"],
        n,
    );

    // The parts, on one thread, over a sample of the same site.
    let inputs = credsite::load::validate(credsite::load::load(root).unwrap(), as_of).unwrap();
    let mut state = credsite::state::State::load(root).unwrap();
    let site = credsite::site::resolve(inputs, &mut state, as_of).unwrap();
    let issuer =
        credsite::issuer::Issuer::load(root, None, credsite::issuer::MissingKey::Create).unwrap();
    let reissue = credsite::vc::sign::Reissue::default();
    let signer = credsite::vc::sign::Signer::new(&site, &issuer, &state, &reissue).unwrap();
    let sample: Vec<_> = site.credentials.iter().take(SAMPLE).collect();
    let docs: Vec<serde_json::Value> = sample
        .iter()
        .map(|c| serde_json::to_value(signer.credential(c).unwrap()).unwrap())
        .collect();
    let time = |name: &str, f: &mut dyn FnMut(usize)| {
        let started = Instant::now();
        for i in 0..sample.len() {
            f(i);
        }
        let us = started.elapsed().as_secs_f64() / sample.len() as f64 * 1e6;
        println!("  {name}: {us:.1} µs");
        us
    };
    let mut sum = 0.0;
    sum += time("Ed25519 signature", &mut |i| {
        std::hint::black_box(issuer.key.sign(&[i as u8; 64]));
    });
    sum += time("JCS and SHA-256 of the credential", &mut |i| {
        let canonical = credsite::vc::jcs::to_vec(&docs[i]).unwrap();
        std::hint::black_box(Sha256::digest(canonical));
    });
    let mut qrs = Vec::with_capacity(sample.len());
    sum += time("QR code", &mut |i| {
        qrs.push(credsite::render::qr::svg(&sample[i].page_url(&site.urls)).unwrap());
    });
    let method = signer.verification_method();
    let public = issuer.public_multibase();
    let keys = credsite::issuer::keylog::keys_json(&site.did.did, &issuer.history_state());
    let embedded = credsite::render::pages::EmbeddedIssuer {
        verification_method: &method,
        public_key_multibase: &public,
        keys: &keys,
    };
    let pages = credsite::render::pages::Pages::new(&site, &embedded, 3);
    let texts: Vec<String> = docs
        .iter()
        .map(|d| serde_json::to_string_pretty(d).unwrap())
        .collect();
    let mut htmls = Vec::with_capacity(sample.len());
    sum += time("page render", &mut |i| {
        let view = credsite::render::views::CredentialView::new(&site, sample[i], &qrs[i]);
        htmls.push(pages.credential(&view, &texts[i]).unwrap());
    });
    let out = tempfile::tempdir_in(&base).unwrap();
    sum += time("write its two files", &mut |i| {
        let dir = out.path().join(format!("{i}"));
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join("credential.json"), &texts[i]).unwrap();
        fs::write(dir.join("index.html"), &htmls[i]).unwrap();
    });
    for (build, per_credential) in [("first build", first), ("clean rebuild", clean)] {
        println!(
            "sum of the parts: {sum:.1} µs; {build} CPU per credential: {per_credential:.1} µs = {:.2}x the sum (target: under 1.5x)",
            per_credential / sum
        );
    }
}

/// Runs `credsite build` with `args` on the site at `root`, as its own process, and
/// prints the wall and CPU time; returns the CPU µs per credential.
fn timed_build(name: &str, root: &Path, args: &[&str], n: usize) -> f64 {
    let cpu_before = children_cpu_seconds();
    let started = Instant::now();
    let run = Command::new(env!("CARGO_BIN_EXE_credsite"))
        .args(["build", "--root"])
        .arg(root)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("credsite runs");
    assert!(
        run.status.success(),
        "{name} failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let wall = started.elapsed().as_secs_f64();
    let cpu = children_cpu_seconds() - cpu_before;
    let per_credential = cpu / n as f64 * 1e6;
    println!(
        "{name}: {n} credentials in {wall:.2} s wall, {cpu:.2} s CPU = {per_credential:.1} µs CPU per credential"
    );
    per_credential
}

/// The CPU time of this process's children that have ended and been waited for
/// (user + system, all threads), from /proc.
fn children_cpu_seconds() -> f64 {
    let stat = fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    // After the command name: state is field 3, cutime 16 and cstime 17 (1-based).
    let ticks = |i: usize| fields.get(i - 3).and_then(|v| v.parse::<f64>().ok());
    let hz = 100.0; // USER_HZ on Linux
    (ticks(16).unwrap_or(0.0) + ticks(17).unwrap_or(0.0)) / hz
}
