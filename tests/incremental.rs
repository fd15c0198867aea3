//! Incremental `credsite build` (issue 12): after random sequences of edits, each
//! incremental build gives byte for byte the output of a clean build of the same
//! inputs, keeps the modification time of every file whose bytes did not change, and
//! removes the files of removed records.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;
use std::time::SystemTime;

use common::{as_of, copy_dir, cred, example_site, repo, roster, tree};
use credsite::BuildOptions;
use credsite::vc::sign::Reissue;

/// A small seeded generator (SplitMix64), so that a failing sequence can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Records the test adds, kept in their own file.
struct Added {
    id: String,
    name: String,
    program: &'static str,
    issued: String,
    revoked: bool,
}

const PROGRAMS: [&str; 3] = ["cdpp", "cops", "csla"];

fn options(root: &Path, clean: bool) -> BuildOptions {
    let mut options = BuildOptions::new(root, as_of());
    // Edits change issued credentials on purpose: re-issue them, in both builds alike.
    options.reissue = Reissue::parse(["all"]);
    options.clean = clean;
    options
}

fn write_added(root: &Path, added: &[Added]) {
    let mut text = String::new();
    for a in added {
        text.push_str(&format!(
            "[[credential]]\nid = \"{}\"\nholder_name = \"{}\"\nprogram = \"{}\"\nissued = {}\n\n",
            a.id, a.name, a.program, a.issued
        ));
    }
    fs::write(root.join("content/credentials/added.toml"), text).unwrap();
}

/// Applies one random edit to the site at `root`; returns what it did.
fn edit(root: &Path, rng: &mut Rng, step: usize, added: &mut Vec<Added>) -> String {
    let n = step;
    match rng.below(9) {
        0 | 1 => {
            let program = PROGRAMS[rng.below(3)];
            let a = Added {
                id: format!("prop-{n:03}"),
                name: format!("Holder {} {n}", ["Ana", "Bo", "Cy", "Di"][rng.below(4)]),
                program,
                issued: format!("2025-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28)),
                revoked: false,
            };
            let what = format!("add record {}", a.id);
            added.push(a);
            write_added(root, added);
            what
        }
        2 if !added.is_empty() => {
            let i = rng.below(added.len());
            added[i].name = format!("Renamed {n}");
            write_added(root, added);
            format!("rename record {}", added[i].id)
        }
        2 => {
            let roster = roster(root);
            let text = fs::read_to_string(&roster).unwrap();
            let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
            let i = 1 + rng.below(lines.len() - 1);
            let mut fields: Vec<&str> = lines[i].split(',').collect();
            if lines[i].contains('"') {
                return "nothing (quoted row)".into();
            }
            let name = format!("Changed Name {n}");
            fields[1] = &name;
            lines[i] = fields.join(",");
            fs::write(&roster, lines.join("\n") + "\n").unwrap();
            format!("change roster row {i}")
        }
        3 => {
            let removable: Vec<usize> = (0..added.len()).filter(|&i| !added[i].revoked).collect();
            if removable.is_empty() {
                return remove_roster_row(root, rng);
            }
            let a = added.remove(removable[rng.below(removable.len())]);
            write_added(root, added);
            format!("remove record {}", a.id)
        }
        4 => {
            let program = PROGRAMS[rng.below(3)];
            let path = root.join(format!("content/programs/{program}.md"));
            let text = fs::read_to_string(&path).unwrap();
            let text = text.replacen("summary = \"", &format!("summary = \"(rev {n}) "), 1);
            fs::write(&path, text).unwrap();
            format!("edit program {program}")
        }
        5 => {
            let name = ["credential.html", "base.html", "index.html"][rng.below(3)];
            let default =
                fs::read_to_string(repo().join("themes/default/templates").join(name)).unwrap();
            fs::create_dir_all(root.join("templates")).unwrap();
            // Child templates allow text only inside their blocks.
            let changed = if default.contains("{% endblock content %}") {
                default.replacen(
                    "{% endblock content %}",
                    &format!("<!-- rev {n} -->{{% endblock content %}}"),
                    1,
                )
            } else {
                format!("{default}\n<!-- rev {n} -->\n")
            };
            fs::write(root.join("templates").join(name), changed).unwrap();
            format!("edit template {name}")
        }
        6 => {
            let path = root.join("credsite.toml");
            let text = fs::read_to_string(&path).unwrap();
            let text = text.replacen(
                "description = \"",
                &format!("description = \"(rev {n}) "),
                1,
            );
            fs::write(&path, text).unwrap();
            "change config".into()
        }
        7 => {
            let open: Vec<usize> = (0..added.len()).filter(|&i| !added[i].revoked).collect();
            if open.is_empty() {
                return "nothing (no record to revoke)".into();
            }
            let i = open[rng.below(open.len())];
            added[i].revoked = true;
            let path = root.join("content/status.csv");
            let mut text = fs::read_to_string(&path).unwrap();
            text.push_str(&format!(
                "{},2026-11-20,revoke,Test revocation {n}\n",
                added[i].id
            ));
            fs::write(&path, text).unwrap();
            format!("revoke {}", added[i].id)
        }
        _ => "nothing".into(),
    }
}

/// Removes a roster row whose id nothing else in the site names.
fn remove_roster_row(root: &Path, rng: &mut Rng) -> String {
    let mut all = String::new();
    for entry in fs::read_dir(root.join("content/credentials")).unwrap() {
        all.push_str(&fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    all.push_str(&fs::read_to_string(root.join("content/status.csv")).unwrap());
    let roster = roster(root);
    let text = fs::read_to_string(&roster).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let free: Vec<usize> = (1..lines.len())
        .filter(|&i| {
            let id = lines[i].split(',').next().unwrap();
            all.matches(id).count() == 1
        })
        .collect();
    if free.is_empty() {
        return "nothing (no free roster row)".into();
    }
    let i = free[rng.below(free.len())];
    let id = lines[i].split(',').next().unwrap().to_string();
    let kept: Vec<&str> = lines
        .iter()
        .enumerate()
        .filter(|(j, _)| *j != i)
        .map(|(_, l)| *l)
        .collect();
    fs::write(&roster, kept.join("\n") + "\n").unwrap();
    format!("remove roster row {id}")
}

fn mtimes(dir: &Path) -> BTreeMap<String, SystemTime> {
    tree(dir)
        .into_keys()
        .map(|p| {
            let t = fs::metadata(dir.join(&p)).unwrap().modified().unwrap();
            (p, t)
        })
        .collect()
}

/// A clean build of the same inputs as `site`: its files, key and state (salts and
/// status slots are drawn at random once, when a credential is first built, and kept
/// in the state; so the state after the incremental build is the input to compare
/// with).
fn clean_build(site: &Path, state: Option<&[u8]>) -> tempfile::TempDir {
    let clean = tempfile::tempdir().unwrap();
    for dir in ["content", "static", "templates", "keys"] {
        if site.join(dir).is_dir() {
            copy_dir(&site.join(dir), &clean.path().join(dir));
        }
    }
    fs::copy(
        site.join("credsite.toml"),
        clean.path().join("credsite.toml"),
    )
    .unwrap();
    if let Some(state) = state {
        fs::write(clean.path().join("credsite.state.json"), state).unwrap();
    }
    credsite::build(&options(clean.path(), true)).unwrap();
    clean
}

fn run_sequence(seed: u64, steps: usize) {
    let site = example_site();
    let root = site.path();
    let mut rng = Rng(seed);
    let mut added = Vec::new();
    write_added(root, &added);
    let mut log = Vec::new();
    for step in 0..steps {
        let what = if step == 0 {
            "first build".to_string()
        } else {
            edit(root, &mut rng, step, &mut added)
        };
        log.push(what);
        let public = root.join("public");
        let before = if public.is_dir() {
            tree(&public)
        } else {
            BTreeMap::new()
        };
        let times_before = if public.is_dir() {
            mtimes(&public)
        } else {
            BTreeMap::new()
        };
        credsite::build(&options(root, false))
            .unwrap_or_else(|e| panic!("seed {seed}, steps {log:?}: {e:#}"));
        let state = fs::read(root.join("credsite.state.json")).ok();
        let clean = clean_build(root, state.as_deref());

        let incremental = tree(&public);
        let expected = tree(&clean.path().join("public"));
        let mut differ: Vec<&String> = expected
            .keys()
            .chain(incremental.keys())
            .filter(|p| expected.get(*p) != incremental.get(*p))
            .collect();
        differ.dedup();
        differ.truncate(10);
        assert!(
            differ.is_empty(),
            "seed {seed}, steps {log:?}: incremental and clean builds differ in {differ:?}"
        );
        assert_eq!(
            fs::read(root.join("credsite.state.json")).unwrap(),
            fs::read(clean.path().join("credsite.state.json")).unwrap(),
            "seed {seed}, steps {log:?}: the site states differ"
        );
        let times_after = mtimes(&public);
        for (path, bytes) in &incremental {
            if before.get(path) == Some(bytes) {
                assert_eq!(
                    times_before[path], times_after[path],
                    "seed {seed}, steps {log:?}: unchanged {path} was written again"
                );
            }
        }
    }
}

#[test]
fn incremental_builds_equal_clean_builds_after_random_edits() {
    for seed in [1, 2, 3] {
        run_sequence(seed, 12);
    }
}

#[test]
fn a_corrupt_or_foreign_cache_is_discarded_with_a_note() {
    let site = example_site();
    let root = site.path();
    credsite::build(&options(root, false)).unwrap();
    let manifest = root.join(".public.manifest");
    let good = fs::read_to_string(&manifest).unwrap();
    let expected = tree(&root.join("public"));

    fs::write(&manifest, &good[..good.len() / 2]).unwrap();
    let report = credsite::build(&options(root, false)).unwrap();
    assert_eq!(report.notes.len(), 1, "{:?}", report.notes);
    assert!(
        report.notes[0].contains("was discarded"),
        "{:?}",
        report.notes
    );
    assert_eq!(report.savings.unchanged, 0);
    assert_eq!(tree(&root.join("public")), expected);

    // Another credsite's fingerprint, whatever the format number.
    let (format, _) = good["credsite-manifest ".len()..].split_once(' ').unwrap();
    let foreign = good.replacen(
        &format!("credsite-manifest {format} "),
        &format!("credsite-manifest {format} 0.0.0-"),
        1,
    );
    assert_ne!(foreign, good);
    fs::write(&manifest, foreign).unwrap();
    let report = credsite::build(&options(root, false)).unwrap();
    assert!(
        report.notes[0].contains("another credsite version"),
        "{:?}",
        report.notes
    );

    // A trusted cache: the next build keeps every file; --clean writes them all.
    let report = credsite::build(&options(root, false)).unwrap();
    assert!(report.notes.is_empty());
    assert_eq!(report.savings.unchanged, report.files);
    assert_eq!(report.savings.reused as usize, report.credentials);
    let report = credsite::build(&options(root, true)).unwrap();
    assert_eq!(report.savings.unchanged, 0);
    assert_eq!(tree(&root.join("public")), expected);

    // A file changed behind credsite's back is not trusted: it is rendered again.
    let page = root
        .join("public")
        .join(cred("cdpp-2019-0001", "index.html"));
    fs::write(&page, "tampered").unwrap();
    credsite::build(&options(root, false)).unwrap();
    assert_eq!(tree(&root.join("public")), expected);
    // So is one of the same size given an older time, and a deleted one is made again.
    let json = root
        .join("public")
        .join(cred("cdpp-2019-0001", "credential.json"));
    let size = fs::metadata(&json).unwrap().len() as usize;
    fs::write(&json, "x".repeat(size)).unwrap();
    fs::File::options()
        .write(true)
        .open(&json)
        .unwrap()
        .set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_nanos(1_500_000_001))
        .unwrap();
    fs::remove_file(&page).unwrap();
    let report = credsite::build(&options(root, false)).unwrap();
    assert_eq!(report.savings.reused as usize, report.credentials - 1);
    assert_eq!(tree(&root.join("public")), expected);
}

/// An incremental build keeps unchanged files in place, so a collision it cannot see
/// on disk (a static file added at a page's path) is still refused, and a refused
/// build leaves `public/` as it was.
#[test]
fn an_incremental_build_refuses_a_path_written_twice_and_keeps_the_site() {
    let site = example_site();
    let root = site.path();
    credsite::build(&options(root, false)).unwrap();
    let before = tree(&root.join("public"));
    fs::create_dir_all(root.join("static")).unwrap();
    fs::write(root.join("static/feed.json"), "{}").unwrap();
    let err = credsite::build(&options(root, false)).unwrap_err();
    assert!(
        format!("{err:#}").contains("feed.json is written twice"),
        "{err:#}"
    );
    assert_eq!(tree(&root.join("public")), before);
    assert!(!root.join(".public.staging").exists());
    assert!(!root.join(".public.apply").exists());
}

/// `credsite serve` renders every page when it is first asked for (credentials' files
/// each time, the site-wide pages in parts): each is byte for byte what a full render
/// gives, and there is no other page.
#[test]
fn serve_renders_pages_on_request_as_a_full_render_does() {
    use credsite::issuer::{Issuer, MissingKey};
    use credsite::output::Memory;
    use credsite::serve::served::Served;

    let site = example_site();
    let root = site.path();
    let issuer = Issuer::load(root, None, MissingKey::Throwaway).unwrap();
    let options = options(root, false);
    let mut kept = Default::default();
    // The first preview allocates salts and slots; the next ones keep them.
    credsite::preview(&options, &issuer, &mut kept).unwrap();
    let roster = roster(root);
    let text = fs::read_to_string(&roster).unwrap();
    fs::write(&roster, text.replace("Javier Rahman", "Javier Served")).unwrap();

    let served = Served::new(credsite::preview(&options, &issuer, &mut kept).unwrap());
    let full = Memory::new();
    served.render_all(&full).unwrap();
    let full = full.into_pages();
    // A build has the same files, and its signed manifest.
    let report = credsite::check(&options).unwrap();
    assert_eq!(report.files as usize, full.len() + 1);
    // Credentials' files before the site-wide pages: neither needs the other.
    let mut paths: Vec<&String> = full.keys().collect();
    paths.sort_by_key(|p| !p.starts_with("c/"));
    for path in paths {
        let file = served
            .file(path)
            .unwrap_or_else(|| panic!("{path} is missing"))
            .unwrap();
        assert!(file.bytes == full[path], "{path} differs");
        assert!(file.warning.is_none());
    }
    let page = served
        .file(&cred("cdpp-2019-0001", "index.html"))
        .unwrap()
        .unwrap();
    assert!(
        String::from_utf8(page.bytes)
            .unwrap()
            .contains("Javier Served")
    );
    for missing in [
        "credentials/nope/index.html",
        "c/66/nope/index.html",
        "feed/999.json",
        "search/n/zz.json",
        "nope.html",
    ] {
        assert!(served.file(missing).is_none(), "{missing}");
    }
}

/// `credsite serve` resolves only the rows of a roster edited in place: the site is
/// the one a full load gives; any other edit is left to a full load.
#[test]
fn serve_resolves_rows_edited_in_place_as_a_full_load_does() {
    use credsite::issuer::{Issuer, MissingKey};

    let site = example_site();
    let root = site.path();
    let issuer = Issuer::load(root, None, MissingKey::Throwaway).unwrap();
    let options = options(root, false);
    let mut kept = Default::default();
    let first = credsite::preview(&options, &issuer, &mut kept).unwrap();
    let roster = roster(root);
    let shown = roster.strip_prefix(root).unwrap().to_path_buf();
    let text = fs::read_to_string(&roster).unwrap();
    let sites = |quick: &credsite::Preview, full: &credsite::Preview| {
        assert_eq!(
            format!("{:?}", quick.site.credentials),
            format!("{:?}", full.site.credentials)
        );
    };

    // A holder renamed (first row), another's dates and listing changed (two rows
    // further down, at once), and a file beside the roster that no build reads.
    let edited = text
        .replacen("Javier Rahman,", "Javier Edited,", 1)
        .replacen(
            "csla-2020-0001,Hana Haddad,,csla,2020-04-13,",
            "csla-2020-0001,Hana Haddad,,csla,2020-04-14,2030-01-01",
            1,
        );
    assert_ne!(edited, text);
    fs::write(&roster, &edited).unwrap();
    let beside = shown.with_extension("csv.new");
    let quick = credsite::preview_edit(&options, &first, &[shown.clone(), beside])
        .expect("rows edited in place");
    let full = credsite::preview(&options, &issuer, &mut kept).unwrap();
    sites(&quick, &full);
    assert!(format!("{:?}", quick.site.credentials).contains("Javier Edited"));

    // Unchanged: the same site.
    let same = credsite::preview_edit(&options, &quick, std::slice::from_ref(&shown)).unwrap();
    sites(&same, &full);

    // Not in place, or with a problem: a full load.
    let line = edited.lines().nth(2).unwrap();
    for other in [
        format!("{edited}new-0001,A Holder,,cdpp,2024-01-01,,,,\n"),
        edited.replacen("cdpp-2019-0001,", "cdpp-2019-9999,", 1),
        edited.replacen("Javier Edited,", "\"Javier, Edited\",", 1),
        edited.replacen(
            "2019-03-10,,Written examination (form C)",
            "2019-02-30,,Written examination (form C)",
            1,
        ),
        edited.replacen(&format!("{line}\n"), "", 1),
        edited.replacen(",cdpp,2019-03-10,", ",nope,2019-03-10,", 1),
    ] {
        assert_ne!(other, edited);
        fs::write(&roster, &other).unwrap();
        assert!(
            credsite::preview_edit(&options, &full, std::slice::from_ref(&shown)).is_none(),
            "{}",
            &other[..300]
        );
    }
    // Another input changed: a full load.
    assert!(
        credsite::preview_edit(&options, &full, &[Path::new("credsite.toml").into()]).is_none()
    );
}

/// An incremental build takes over the feed pages made of the same content as the
/// previous build's without signing them again; the pages it signs, and the chain,
/// are those of a feed signed in full.
#[test]
fn feed_pages_of_unchanged_content_are_kept_and_the_chain_holds() {
    use credsite::issuer::{Issuer, MissingKey};
    use credsite::state::State;
    use credsite::vc::feed::Kept;
    use credsite::vc::sign::Signer;
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};

    /// The incremental build's feed cache, with its real input keys.
    #[derive(Default)]
    struct Cache {
        previous: HashMap<String, (String, String)>,
        now: Mutex<HashMap<String, (String, String)>>,
        keys: OnceLock<(String, Box<credsite::vc::feed::CredentialKeys>)>,
    }
    impl Kept for Cache {
        fn input_keys(&self) -> Option<(&str, &credsite::vc::feed::CredentialKeys)> {
            let (global, credentials) = self.keys.get()?;
            Some((global, credentials))
        }
        fn kept(&self, path: &str, key: &[u8; 32]) -> Option<String> {
            let (previous, digest) = self.previous.get(path)?;
            (*previous == hex(key)).then(|| {
                self.signed(path, key, digest);
                digest.clone()
            })
        }
        fn signed(&self, path: &str, key: &[u8; 32], digest: &str) {
            let entry = (hex(key), digest.to_string());
            self.now.lock().unwrap().insert(path.into(), entry);
        }
        // Only feed pages here (the signer makes no listing pages).
        fn keep_page(
            &self,
            _: &str,
            _: &[u8; 32],
        ) -> Option<credsite::output::manifest::FileEntry> {
            None
        }
        fn made_page(&self, _: &str, _: &[u8; 32]) {}
    }
    fn hex(key: &[u8; 32]) -> String {
        key.iter().map(|b| format!("{b:02x}")).collect()
    }

    let site = example_site();
    let root = site.path();
    // 2,500 more credentials, issued a day apart: two full archive pages.
    let mut csv = String::from("id,holder_name,program,issued,listed\n");
    let start = chrono::NaiveDate::from_ymd_opt(2019, 1, 1).unwrap();
    for n in 0..2500 {
        let issued = start + chrono::Duration::days(n);
        csv.push_str(&format!("feed-{n:04},Holder {n},cdpp,{issued},yes\n"));
    }
    let extra = root.join("content/credentials/feed.csv");
    fs::write(&extra, &csv).unwrap();
    let issuer = Issuer::load(root, None, MissingKey::Throwaway).unwrap();
    let mut state = State::new();
    let feeds = |state: &mut State, cache: Option<&Cache>| {
        let inputs =
            credsite::load::validate(credsite::load::load(root).unwrap(), as_of()).unwrap();
        let site = credsite::site::resolve(inputs, state, as_of()).unwrap();
        let reissue = Default::default();
        if let Some(cache) = cache {
            let global = credsite::incremental::global_key(&site, &issuer).unwrap();
            let prefix = credsite::incremental::KeyPrefix::of(&global);
            let keys = site
                .credentials
                .iter()
                .map(|c| {
                    let key = credsite::incremental::credential_key(&prefix, c, state);
                    (c.id().to_string(), key)
                })
                .collect::<Vec<_>>()
                .into_boxed_slice();
            cache.keys.set((global, keys)).unwrap();
        }
        let signer = Signer::new(&site, &issuer, state, &reissue).unwrap();
        let as_values = |signer: &Signer| -> BTreeMap<String, serde_json::Value> {
            signer
                .feed()
                .map(|page| {
                    let (path, page) = page.unwrap();
                    (path, serde_json::to_value(page).unwrap())
                })
                .collect()
        };
        let full = as_values(&signer);
        let signer = signer.with_kept(cache.map(|c| c as &dyn Kept));
        let signed = as_values(&signer);
        (full, signed)
    };

    let first = Cache::default();
    let (full, signed) = feeds(&mut state, Some(&first));
    assert!(full.len() >= 3, "{:?}", full.keys());
    assert_eq!(signed, full, "nothing to keep yet");

    // Nothing changed: every page is kept.
    let second = Cache {
        previous: first.now.into_inner().unwrap(),
        ..Cache::default()
    };
    let (full_again, signed) = feeds(&mut state, Some(&second));
    assert_eq!(full_again, full);
    assert!(signed.is_empty(), "{:?}", signed.keys());

    // The newest credential renamed: only the newest page is signed again, as in full.
    fs::write(&extra, csv.replace("Holder 2499,", "Holder Renamed,")).unwrap();
    let third = Cache {
        previous: second.now.into_inner().unwrap(),
        ..Cache::default()
    };
    let (full, signed) = feeds(&mut state, Some(&third));
    assert_eq!(signed.keys().collect::<Vec<_>>(), ["feed.json"]);
    assert_eq!(signed["feed.json"], full["feed.json"]);
    assert!(
        serde_json::to_string(&full["feed.json"])
            .unwrap()
            .contains("Holder Renamed")
    );

    // The oldest renamed: every page from the first on is signed again (the chain).
    fs::write(&extra, csv.replace("Holder 0,", "Holder First,")).unwrap();
    let fourth = Cache {
        previous: third.now.into_inner().unwrap(),
        ..Cache::default()
    };
    let (full, signed) = feeds(&mut state, Some(&fourth));
    assert_eq!(signed, full);
}

/// Builds the site at `root` clean and checks that the output is the one the
/// incremental build before left.
fn assert_a_clean_build_writes_the_same(root: &Path) {
    let incremental = tree(&root.join("public"));
    credsite::build(&options(root, true)).unwrap();
    assert_eq!(tree(&root.join("public")), incremental);
}

/// The input keys of the pages under `folder` that the build cache holds (`k` lines).
fn page_keys(root: &Path, folder: &str) -> BTreeMap<String, String> {
    fs::read_to_string(root.join(".public.manifest"))
        .unwrap()
        .lines()
        .filter_map(|line| line.strip_prefix("k "))
        .map(|rest| {
            let (key, path) = rest.split_once(' ').unwrap();
            (path.to_string(), key.to_string())
        })
        .filter(|(path, _)| path.starts_with(folder))
        .collect()
}

/// The pages of `after` that are new or have another key than in `before`.
fn rekeyed(before: &BTreeMap<String, String>, after: &BTreeMap<String, String>) -> Vec<String> {
    after
        .iter()
        .filter(|(path, key)| before.get(*path) != Some(key))
        .map(|(path, _)| path.clone())
        .collect()
}

/// Listing pages and search shards are kept by the key of their inputs: a holder
/// added to one program changes the keys of that program's pages, of the one lookup
/// shard and of the one name shard that hold the new entries only, and the result is
/// still that of a clean build.
#[test]
fn listing_pages_and_lookup_shards_are_kept_by_the_key_of_their_inputs() {
    let site = example_site();
    let root = site.path();
    credsite::build(&options(root, false)).unwrap();
    let before = page_keys(root, "programs/");
    let lookup_before = page_keys(root, "search/l/");
    assert!(!lookup_before.is_empty(), "lookup shards are keyed");
    let names_before = page_keys(root, "search/n/");
    assert!(!names_before.is_empty(), "name shards are keyed");
    assert!(
        before.keys().any(|p| p.starts_with("programs/cdpp/"))
            && before.keys().any(|p| p.starts_with("programs/csla/")),
        "every listing page is keyed: {before:?}"
    );
    write_added(
        root,
        &[Added {
            id: "keyed-001".into(),
            name: "Aaron Aabye".into(),
            program: "csla",
            issued: "2025-05-05".into(),
            revoked: false,
        }],
    );
    credsite::build(&options(root, false)).unwrap();
    let after = page_keys(root, "programs/");
    assert_eq!(
        before.len(),
        after.len(),
        "one page more would be a new key"
    );
    for (path, key) in &after {
        if path.starts_with("programs/csla/") {
            continue;
        }
        assert_eq!(before.get(path), Some(key), "{path} kept its key");
    }
    assert!(
        after
            .iter()
            .any(|(path, key)| path.starts_with("programs/csla/") && before[path] != *key),
        "the page listing the new holder was made again"
    );
    let changed = rekeyed(&lookup_before, &page_keys(root, "search/l/"));
    assert_eq!(changed.len(), 1, "one new entry, one shard: {changed:?}");
    // "Aaron Aabye": both words under the key "aa".
    let changed = rekeyed(&names_before, &page_keys(root, "search/n/"));
    assert_eq!(changed.len(), 1, "one name shard: {changed:?}");
    assert!(changed[0].ends_with("/6161.json"), "{changed:?}");
    assert_a_clean_build_writes_the_same(root);
}

/// A first key with more holders than one shard holds is split into several pages,
/// made together: an incremental build keeps them all while their holders are the
/// same, makes them all again when one is added, and the result is that of a clean
/// build each time.
#[test]
fn the_pages_of_a_split_name_shard_are_kept_together() {
    let site = example_site();
    let root = site.path();
    let holders = |n: usize| -> Vec<Added> {
        (0..n)
            .map(|i| Added {
                id: format!("split-{i:04}"),
                // Long: fewer holders fill a shard.
                name: format!("Zzyzx {}", "Zzyzx".repeat(16)),
                program: "csla",
                issued: "2025-05-05".into(),
                revoked: false,
            })
            .collect()
    };
    write_added(root, &holders(600));
    credsite::build(&options(root, false)).unwrap();
    // "zz" (hex 7a7a): too big for one shard, split into longer keys.
    let split = page_keys(root, "search/n/7a7a/");
    assert!(split.len() > 1, "the group is split: {split:?}");
    let keys: BTreeSet<&String> = split.values().collect();
    assert_eq!(keys.len(), 1, "one key for the group's pages: {split:?}");
    let mtimes = |root: &Path| -> BTreeMap<String, std::time::SystemTime> {
        split
            .keys()
            .map(|path| {
                let meta = fs::metadata(root.join("public").join(path)).unwrap();
                (path.clone(), meta.modified().unwrap())
            })
            .collect()
    };
    let written = mtimes(root);

    // Another group changes: this one's pages are kept, untouched.
    let mut more = holders(600);
    more.push(Added {
        id: "split-aaron".into(),
        name: "Aaron Aabye".into(),
        program: "csla",
        issued: "2025-05-05".into(),
        revoked: false,
    });
    write_added(root, &more);
    credsite::build(&options(root, false)).unwrap();
    assert_eq!(page_keys(root, "search/n/7a7a/"), split);
    assert_eq!(mtimes(root), written);
    assert_a_clean_build_writes_the_same(root);

    // One more holder in the group: all its pages get a new key.
    write_added(root, &holders(601));
    credsite::build(&options(root, false)).unwrap();
    let rekeyed_split = page_keys(root, "search/n/7a7a/");
    assert_eq!(rekeyed(&split, &rekeyed_split).len(), rekeyed_split.len());
    assert_a_clean_build_writes_the_same(root);
}
