//! What the benchmarks share: how many credentials, where to work, and the synthetic
//! site they build or report on.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use chrono::{Days, NaiveDate};

/// How many synthetic credentials: `CREDSITE_BENCH_N`, default 100,000.
pub fn count() -> usize {
    std::env::var("CREDSITE_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

/// Where to work: tmpfs (/dev/shm) where there is one, so that the figure measures
/// credsite's own work. On disk it is set as much by the file system as by credsite
/// (creating and deleting 400,000 inodes; on an ext4 without journal, mounted with
/// `discard`, it varies threefold with what was deleted just before). Set
/// `CREDSITE_BENCH_DIR` to work elsewhere, e.g. `CREDSITE_BENCH_DIR=target`.
pub fn work_dir() -> String {
    std::env::var("CREDSITE_BENCH_DIR").unwrap_or_else(|_| {
        let shm = Path::new("/dev/shm");
        let dir = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        };
        dir.to_string_lossy().into_owned()
    })
}

/// The repository's config, programs and logo in `root`: a site without records.
pub fn copy_site_files(root: &Path) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The example turns the eddsa-rdfc-2022 proof on; benchmarks measure the default.
    let config = fs::read_to_string(repo.join("credsite.toml"))
        .unwrap()
        .replace(
            r#"proofs = ["eddsa-jcs-2022", "eddsa-rdfc-2022"]"#,
            r#"proofs = ["eddsa-jcs-2022"]"#,
        );
    fs::write(root.join("credsite.toml"), config).unwrap();
    fs::create_dir_all(root.join("content/credentials")).unwrap();
    fs::create_dir_all(root.join("content/programs")).unwrap();
    for program in PROGRAMS {
        let file = format!("content/programs/{program}.md");
        fs::copy(repo.join(&file), root.join(&file)).unwrap();
    }
    // The config names static/logo.svg, and validation checks that it exists.
    fs::create_dir_all(root.join("static")).unwrap();
    fs::copy(repo.join("static/logo.svg"), root.join("static/logo.svg")).unwrap();
}

/// The example site's programs.
pub const PROGRAMS: [&str; 3] = ["cdpp", "csla", "cops"];

/// Syllables of the synthetic names (some accented, as real rosters are).
const SYLLABLES: [&str; 24] = [
    "an", "bel", "cor", "dá", "el", "fin", "gar", "hol", "is", "jo", "ka", "lin", "mor", "né",
    "or", "pa", "qui", "ros", "ši", "tan", "ul", "ver", "wen", "zo",
];

/// A synthetic name: 24³ = 13,824 family names and 24² = 576 given names, spread
/// evenly, so that the directory's search shards see realistic variety.
pub fn name(i: usize) -> String {
    let s = |k: usize| SYLLABLES[k % SYLLABLES.len()];
    let cap = |w: String| {
        let mut c = w.chars();
        c.next()
            .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
            .unwrap_or_default()
    };
    let j = i.wrapping_mul(2_654_435_761) % 13_824;
    let given = cap(format!("{}{}", s(i / 7), s(i / 168)));
    let family = cap(format!("{}{}{}", s(j), s(j / 24), s(j / 576)));
    format!("{given} {family}")
}

/// The synthetic site: the repository's config, programs and logo, and `n` records in
/// one CSV file (issued 2019–2026, every other one with an email).
pub fn generate_site(root: &Path, n: usize) {
    copy_site_files(root);
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
            "bench-{i:07},{},{email},{},{issued},,Written exam,{}%,{issued}",
            name(i),
            PROGRAMS[i % 3],
            70 + i % 30
        )
        .unwrap();
    }
    fs::write(root.join("content/credentials/bench.csv"), csv).unwrap();
}
