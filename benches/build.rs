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
    // The first build creates the key pair; time a second, ordinary build too.
    for run in [
        "first build (creates the key)",
        "rebuild (replaces public/)",
    ] {
        timed_build(run, &options);
    }
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
    // The same site, the same run: with the eddsa-rdfc-2022 proof, then without it.
    let config = root.join("credsite.toml");
    let original = fs::read_to_string(&config).unwrap();
    let with_proofs = |proofs: &str| {
        let text = original.replace(
            r#"proofs = ["eddsa-jcs-2022", "eddsa-rdfc-2022"]"#,
            &format!("proofs = {proofs}"),
        );
        assert!(
            text.contains(proofs),
            "the example credsite.toml names its proofs"
        );
        fs::write(&config, text).unwrap();
    };
    with_proofs(r#"["eddsa-jcs-2022", "eddsa-rdfc-2022"]"#);
    let both = timed_build("rebuild, proofs jcs + rdfc", &options);
    with_proofs(r#"["eddsa-jcs-2022"]"#);
    let jcs_only = timed_build("rebuild, proofs jcs only", &options);
    fs::write(&config, original).unwrap();
    let ratio = both / jcs_only;
    println!(
        "eddsa-rdfc-2022 cost: {both:.2} s with it, {jcs_only:.2} s without = {ratio:.2}x ({}; target: at most 2x)",
        if ratio <= 2.0 { "PASS" } else { "FAIL" }
    );
    println!("threads: {}", rayon::current_num_threads());
    match peak_memory() {
        Some(kib) => println!("peak memory (VmHWM): {:.1} MiB", kib as f64 / 1024.0),
        None => println!("peak memory: not available on this platform"),
    }
}

/// Builds and prints the time and the stage timings; returns the seconds.
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
    let mut out: Vec<(String, [u8; 32])> = fs::read_dir(public.join("credentials"))
        .unwrap()
        .map(|e| {
            let dir = e.unwrap().path();
            let bytes = fs::read(dir.join("credential.json")).unwrap();
            (
                dir.file_name().unwrap().to_string_lossy().into_owned(),
                Sha256::digest(bytes).into(),
            )
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
