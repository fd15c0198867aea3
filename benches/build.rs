//! Build throughput: generates a site with N synthetic credential records (default
//! 100,000; set CREDSITE_BENCH_N) and times a full `credsite build` of it, printing
//! credentials per second and the process's peak memory.
//!
//! Run with `cargo bench --bench build` (or `scripts/bench.sh`).

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{Days, NaiveDate};

/// The allocator of the `credsite` binary (src/main.rs), so that the figure is the CLI's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let n: usize = std::env::var("CREDSITE_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    // By default build on tmpfs (/dev/shm) where there is one: that measures
    // credsite's own work. On disk the figure is set as much by the file system as by
    // credsite (creating and deleting 400,000 inodes; on an ext4 without journal,
    // mounted with `discard`, it varies threefold with what was deleted just before).
    // Set CREDSITE_BENCH_DIR to build elsewhere, e.g. CREDSITE_BENCH_DIR=target.
    let base = std::env::var("CREDSITE_BENCH_DIR").unwrap_or_else(|_| {
        let shm = Path::new("/dev/shm");
        let dir = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        };
        dir.to_string_lossy().into_owned()
    });
    println!("building {n} synthetic credentials in {base}");
    let site = tempfile::tempdir_in(&base).expect("temp dir");
    let root = site.path();
    fs::copy(repo.join("credsite.toml"), root.join("credsite.toml")).unwrap();
    fs::create_dir_all(root.join("content/credentials")).unwrap();
    fs::create_dir_all(root.join("content/programs")).unwrap();
    for program in ["cdpp", "csla", "cops"] {
        let file = format!("content/programs/{program}.md");
        fs::copy(repo.join(&file), root.join(&file)).unwrap();
    }
    // The config names static/logo.svg, and a build checks that it exists.
    fs::create_dir_all(root.join("static")).unwrap();
    fs::copy(repo.join("static/logo.svg"), root.join("static/logo.svg")).unwrap();
    let programs = ["cdpp", "csla", "cops"];
    let start = NaiveDate::from_ymd_opt(2019, 1, 1).unwrap();
    let mut csv = String::from(
        "id,holder_name,holder_email,program,issued,expires,evidence_exam,evidence_score,evidence_date\n",
    );
    for i in 0..n {
        let issued = start
            .checked_add_days(Days::new((i * 7919 % 2870) as u64))
            .unwrap();
        let email = if i % 2 == 0 {
            format!("holder{i}@mail.example")
        } else {
            String::new()
        };
        writeln!(
            csv,
            "bench-{i:07},Holder Number {i},{email},{},{issued},,Written exam,{}%,{issued}",
            programs[i % 3],
            70 + i % 30
        )
        .unwrap();
    }
    fs::write(root.join("content/credentials/bench.csv"), csv).unwrap();

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
    println!("threads: {}", rayon::current_num_threads());
    match peak_memory() {
        Some(kib) => println!("peak memory (VmHWM): {:.1} MiB", kib as f64 / 1024.0),
        None => println!("peak memory: not available on this platform"),
    }
}

/// Builds and prints the time and the stage timings.
fn timed_build(run: &str, options: &credsite::BuildOptions) {
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
