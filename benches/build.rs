//! Build throughput: generates a site with N synthetic credential records (default
//! 100,000; set CREDSITE_BENCH_N) and times a full `credsite build` of it, printing
//! credentials per second and the process's peak memory. The site is the example site's
//! configuration, with both proofs (`[signing] proofs = ["eddsa-jcs-2022",
//! "eddsa-rdfc-2022"]`); the same site is then rebuilt with both and with
//! `["eddsa-jcs-2022"]` only, and the cost of the rdfc proof is printed (the target: a
//! build with it at most 2x the time of one without; it is over, so it is opt-in).
//!
//! Run with `cargo bench --bench build` (or `scripts/bench.sh`).

use std::fs;
use std::path::Path;
use std::time::Instant;

use chrono::NaiveDate;

mod common;

/// The allocator of the `credsite` binary (src/main.rs), so that the figure is the CLI's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let n = common::count();
    let base = common::work_dir();
    println!("building {n} synthetic credentials in {base}");
    let site = tempfile::tempdir_in(&base).expect("temp dir");
    let root = site.path();
    common::generate_site(root, n);

    let options = credsite::BuildOptions::new(root, NaiveDate::from_ymd_opt(2026, 11, 24).unwrap());
    // The first build creates the key pair; time a second, ordinary build too
    // (unless CREDSITE_BENCH_RUNS=1: the scale benchmark times one clean build).
    timed_build("first build (creates the key)", &options);
    shape(&root.join("public"));
    if std::env::var("CREDSITE_BENCH_RUNS").is_ok_and(|runs| runs == "1") {
        print_peak_memory();
        return;
    }
    timed_build("rebuild (replaces public/)", &options);
    // One status change: revoke one credential, rebuild. No credential.json may change.
    let before = credential_digests(&root.join("public"));
    fs::write(
        root.join("content/status.csv"),
        "id,date,action,reason\nbench-0000042,2026-11-20,revoke,Benchmark revocation\n",
    )
    .unwrap();
    timed_build("rebuild after one revocation", &options);
    let after = credential_digests(&root.join("public"));
    let changed = before.iter().zip(&after).filter(|(a, b)| a != b).count();
    assert_eq!(before.len(), after.len());
    println!(
        "  credential.json files changed by the revocation: {changed} of {}",
        after.len()
    );
    assert_eq!(
        changed, 0,
        "a change of status must change no signed credential"
    );
    // The same site, the same run: with the eddsa-rdfc-2022 proof, then without it
    // (the default; the synthetic site's config says so).
    let config = root.join("credsite.toml");
    let original = fs::read_to_string(&config).unwrap();
    let jcs = r#"proofs = ["eddsa-jcs-2022"]"#;
    assert!(original.contains(jcs), "the bench config names its proofs");
    fs::write(
        &config,
        original.replace(jcs, r#"proofs = ["eddsa-jcs-2022", "eddsa-rdfc-2022"]"#),
    )
    .unwrap();
    let both = timed_build("rebuild, proofs jcs + rdfc", &options);
    fs::write(&config, &original).unwrap();
    let jcs_only = timed_build("rebuild, proofs jcs only", &options);
    let ratio = both / jcs_only;
    println!(
        "eddsa-rdfc-2022 cost: {both:.2} s with it, {jcs_only:.2} s without = {ratio:.2}x ({}; target: at most 2x)",
        if ratio <= 2.0 { "PASS" } else { "FAIL" }
    );
    print_peak_memory();
}

fn print_peak_memory() {
    println!("threads: {}", rayon::current_num_threads());
    match peak_memory() {
        Some(kib) => println!("peak memory (VmHWM): {:.1} MiB", kib as f64 / 1024.0),
        None => println!("peak memory: not available on this platform"),
    }
}

/// The host-safety limits of issue 11, measured on the built site: no folder over
/// 10,000 entries, no HTML page over 200 KB.
fn shape(public: &Path) {
    use std::collections::HashMap;
    let mut entries: HashMap<std::path::PathBuf, u64> = HashMap::new();
    let (mut largest_html, mut largest_html_path) = (0u64, String::new());
    let (mut files, mut bytes) = (0u64, 0u64);
    for entry in walkdir::WalkDir::new(public).min_depth(1) {
        let entry = entry.unwrap();
        *entries
            .entry(entry.path().parent().unwrap().to_path_buf())
            .or_default() += 1;
        if entry.file_type().is_file() {
            let size = entry.metadata().unwrap().len();
            files += 1;
            bytes += size;
            if entry.path().extension().is_some_and(|e| e == "html") && size > largest_html {
                largest_html = size;
                largest_html_path = entry.path().display().to_string();
            }
        }
    }
    let (folder, most) = entries.into_iter().max_by_key(|(_, n)| *n).unwrap();
    println!(
        "  output: {files} files, {:.2} GB; largest folder {} ({most} entries): {}; largest HTML page {largest_html_path} ({largest_html} B): {}",
        bytes as f64 / 1e9,
        folder.display(),
        if most <= 10_000 {
            "PASS (<= 10,000)"
        } else {
            "FAIL (> 10,000)"
        },
        if largest_html <= 200_000 {
            "PASS (<= 200 KB)"
        } else {
            "FAIL (> 200 KB)"
        }
    );
}

/// Builds and prints the time and the stage timings.
fn timed_build(run: &str, options: &credsite::BuildOptions) -> f64 {
    let started = Instant::now();
    let report = credsite::build(options).expect("build");
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{run}: {} credentials, {} files in {secs:.2} s = {:.0} credentials/s",
        report.credentials,
        report.files,
        report.credentials as f64 / secs
    );
    for (phase, took) in &report.timings {
        println!("  {phase}: {:.2} s", took.as_secs_f64());
    }
    secs
}

/// SHA-256 of every credential.json of a built site, in path order.
fn credential_digests(public: &Path) -> Vec<(String, [u8; 32])> {
    use sha2::{Digest, Sha256};
    let mut out: Vec<(String, [u8; 32])> = credsite::walk::credential_folders(public)
        .unwrap()
        .into_iter()
        .map(|(dir, slug)| {
            let bytes = fs::read(dir.join("credential.json")).unwrap();
            (slug, Sha256::digest(bytes).into())
        })
        .collect();
    out.sort();
    out
}

/// The process's peak resident memory in KiB (Linux).
fn peak_memory() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
