//! The directory at scale: the permanent layout, who is listed, the search index, the
//! paginated signed feed, the signed manifest and `credsite diff`.

mod common;

use std::fs;
use std::path::Path;

use credsite::render::search;
use credsite::state::State;
use credsite::vc::verify::verify_path;
use serde_json::Value;

use common::*;

/// Holders that exercise the directory: one who chose not to be listed, names in
/// Greek, Cyrillic and CJK (with a family name given), and two identical names.
const HOLDERS: &str = r#"
[[credential]]
id = "cdpp-2026-0901"
holder_name = "Quillon Privatus-Hidden"
program = "cdpp"
issued = 2026-03-02
listed = false

[[credential]]
id = "cdpp-2026-0902"
holder_name = "Οδυσσέας Παπαδόπουλος"
program = "cdpp"
issued = 2026-03-02

[[credential]]
id = "cdpp-2026-0903"
holder_name = "Анна Иванова"
program = "cdpp"
issued = 2026-03-02

[[credential]]
id = "cdpp-2026-0904"
holder_name = "王芳"
family_name = "王"
program = "cdpp"
issued = 2026-03-02

[[credential]]
id = "cdpp-2026-0905"
holder_name = "Maria Santos"
program = "cdpp"
issued = 2026-03-02

[[credential]]
id = "cdpp-2026-0906"
holder_name = "Maria Santos"
program = "cdpp"
issued = 2026-03-02
"#;

fn directory_site() -> tempfile::TempDir {
    let site = example_site();
    fs::write(
        site.path().join("content/credentials/directory.toml"),
        HOLDERS,
    )
    .unwrap();
    build(site.path());
    site
}

/// Every file of the built site whose text contains `needle`.
fn files_containing(public: &Path, needle: &str) -> Vec<String> {
    tree(public)
        .into_iter()
        .filter(|(_, bytes)| String::from_utf8_lossy(bytes).contains(needle))
        .map(|(path, _)| path)
        .collect()
}

/// The holders of the name shard for `key`.
fn shard(public: &Path, key: &str) -> Value {
    let path = public.join(credsite::urls::search_names(key));
    serde_json::from_str(&fs::read_to_string(&path).unwrap_or_else(|e| panic!("{key}: {e}")))
        .unwrap()
}

/// The names in the shard for `key`, none if there is no such shard.
fn shard_names(public: &Path, key: &str) -> Vec<String> {
    if !public.join(credsite::urls::search_names(key)).exists() {
        return Vec::new();
    }
    shard(public, key)["holders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h[0].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn an_unlisted_holder_has_a_page_but_appears_nowhere_else() {
    let site = directory_site();
    let public = site.path().join("public");
    let state = State::load(site.path()).unwrap();
    let folder = &state.credentials["cdpp-2026-0901"].path;
    assert!(
        !folder.contains("cdpp-2026-0901"),
        "an unguessable folder: {folder}"
    );
    let page = fs::read_to_string(public.join(folder).join("index.html")).unwrap();
    assert!(page.contains("<meta name=\"robots\" content=\"noindex\">"));
    assert!(page.contains("Quillon Privatus-Hidden"));
    // The name is on its own page and in its own signed credential, nowhere else: no
    // listing, search shard, sitemap, feed page or manifest.
    let mut found = files_containing(&public, "Privatus");
    found.sort();
    assert_eq!(
        found,
        [
            format!("{folder}credential.json"),
            format!("{folder}index.html")
        ]
    );
    assert!(
        files_containing(&public, &folder[5..]).len() > 2,
        "the manifest lists it"
    );
    let sitemap = fs::read_to_string(public.join("sitemap.xml")).unwrap();
    assert!(!sitemap.contains(folder.as_str()));
    assert!(sitemap.contains(&cred("cdpp-2026-0902", "")));
    // The feed names it without the name.
    let feed = fs::read_to_string(public.join("feed.json")).unwrap();
    assert!(feed.contains("An unlisted holder: "), "{feed}");
    // It can be looked up by id and last name, and only so.
    let (tag, sealed) = search::lookup_entry(
        "cdpp-2026-0901",
        "Privatus-Hidden",
        folder.strip_prefix("c/").unwrap(),
    )
    .unwrap();
    let digits = fs::read_dir(public.join("search/l"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name()
        .to_string_lossy()
        .len()
        - ".json".len();
    let lookup: Value = serde_json::from_str(
        &fs::read_to_string(public.join(format!("search/l/{}.json", &tag[..digits]))).unwrap(),
    )
    .unwrap();
    assert_eq!(lookup["entries"][&tag], sealed.as_str());
    let (by_part, _) = search::lookup_entry(
        "cdpp-2026-0901",
        "hidden",
        folder.strip_prefix("c/").unwrap(),
    )
    .unwrap();
    assert!(
        files_containing(&public, &by_part).len() == 1,
        "each word of a double-barrelled name works too"
    );
    let verified = verify_path(&public, None, as_of()).unwrap();
    assert!(verified.ok(), "{:?}", verified.failures);
}

#[test]
fn search_shards_fold_accents_case_and_scripts() {
    let site = directory_site();
    let public = site.path().join("public");
    assert!(shard_names(&public, "se").contains(&"Seán Ó Briain".to_string()));
    assert!(shard_names(&public, "br").contains(&"Seán Ó Briain".to_string()));
    let si = shard_names(&public, "si");
    assert!(si.contains(&"Lena Hoffmann-Šimić".to_string()), "{si:?}");
    assert!(shard_names(&public, "ho").contains(&"Lena Hoffmann-Šimić".to_string()));
    assert!(shard_names(&public, "οδ").contains(&"Οδυσσέας Παπαδόπουλος".to_string()));
    assert!(shard_names(&public, "πα").contains(&"Οδυσσέας Παπαδόπουλος".to_string()));
    assert!(shard_names(&public, "ив").contains(&"Анна Иванова".to_string()));
    assert!(shard_names(&public, "王芳").contains(&"王芳".to_string()));
    let santos = shard(&public, "sa")["holders"].clone();
    let twins: Vec<&Value> = santos
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h[0] == "Maria Santos")
        .collect();
    assert_eq!(twins.len(), 2, "two holders with one name are both found");
    assert_ne!(twins[0][2], twins[1][2]);
    // Shards stay small and list no unlisted holder.
    for (path, bytes) in tree(&public.join("search")) {
        assert!(bytes.len() <= 50 * 1024, "{path}: {} bytes", bytes.len());
    }
}

#[test]
fn listings_are_paginated_alphabetically_with_a_letter_index() {
    let site = example_site();
    fs::write(
        site.path().join("content/credentials/directory.toml"),
        HOLDERS,
    )
    .unwrap();
    let config = site.path().join("credsite.toml");
    append(&config, "\n[directory]\npage_size = 10\n");
    build(site.path());
    let public = site.path().join("public");
    let first = fs::read_to_string(public.join("programs/cdpp/index.html")).unwrap();
    assert!(
        first.contains("rel=\"next\" href=\"../../programs/cdpp/page/2/\""),
        "{first}"
    );
    assert!(first.contains("Holders 1–10 of"), "{first}");
    assert!(!first.contains("rel=\"prev\""));
    let second = fs::read_to_string(public.join("programs/cdpp/page/2/index.html")).unwrap();
    assert!(second.contains("rel=\"prev\" href=\"../../../../programs/cdpp/\""));
    assert!(second.contains("class=\"letters\""));
    // Every listed cdpp holder appears exactly once across the pages, in order of
    // family name; the unlisted one never.
    let mut names = Vec::new();
    let mut n = 1;
    loop {
        let path = if n == 1 {
            public.join("programs/cdpp/index.html")
        } else {
            public.join(format!("programs/cdpp/page/{n}/index.html"))
        };
        let Ok(html) = fs::read_to_string(path) else {
            break;
        };
        for row in html.split("<tr><td><a href=\"").skip(1) {
            let name = row.split('>').nth(1).unwrap().split('<').next().unwrap();
            names.push(name.to_string());
        }
        n += 1;
    }
    assert!(n > 3, "several pages");
    assert!(!names.iter().any(|n| n.contains("Privatus")));
    assert_eq!(names.iter().filter(|n| *n == "Maria Santos").count(), 2);
    let families: Vec<String> = names
        .iter()
        .map(|n| credsite::names::words(n.rsplit(' ').next().unwrap()).join(" "))
        .collect();
    let mut sorted = families.clone();
    sorted.sort();
    let latin: Vec<&String> = families.iter().filter(|f| f.is_ascii()).collect();
    let mut latin_sorted = latin.clone();
    latin_sorted.sort();
    assert_eq!(latin, latin_sorted, "alphabetical by family name");
    // The home page lists programs and searches; it lists no holder.
    let home = fs::read_to_string(public.join("index.html")).unwrap();
    assert!(!home.contains("Seán Ó Briain"));
    assert!(home.contains("id=\"search-name\""));
    assert!(home.contains("id=\"lookup-form\""));
}

#[test]
fn a_holder_who_stops_being_listed_keeps_the_address_and_leaves_the_index() {
    let site = example_site();
    build(site.path());
    let public = site.path().join("public");
    let id = "cdpp-2025-0101";
    let before = State::load(site.path()).unwrap().credentials[id]
        .path
        .clone();
    assert_eq!(before, cred(id, ""));
    assert!(shard_names(&public, "se").contains(&"Seán Ó Briain".to_string()));
    let toml = site.path().join("content/credentials/manual-entries.toml");
    let text = fs::read_to_string(&toml).unwrap();
    let text = text.replacen(
        "holder_name = \"Seán Ó Briain\"",
        "holder_name = \"Seán Ó Briain\"\nlisted = false",
        1,
    );
    fs::write(&toml, text).unwrap();
    build(site.path());
    let after = State::load(site.path()).unwrap().credentials[id]
        .path
        .clone();
    assert_eq!(before, after, "a published address never moves");
    let page = fs::read_to_string(public.join(&after).join("index.html")).unwrap();
    assert!(page.contains("noindex"));
    assert!(!shard_names(&public, "se").contains(&"Seán Ó Briain".to_string()));
    let sitemap = fs::read_to_string(public.join("sitemap.xml")).unwrap();
    assert!(!sitemap.contains(&after));
    let listing = fs::read_to_string(public.join("programs/cdpp/index.html")).unwrap();
    assert!(!listing.contains("Seán"));
}

#[test]
fn a_site_published_under_the_old_layout_redirects_and_keeps_its_ids() {
    let site = example_site();
    build(site.path());
    // Turn the state into a credsite 0.1 (version 1) state: no folders.
    let state_file = site.path().join("credsite.state.json");
    let mut state: Value = serde_json::from_str(&fs::read_to_string(&state_file).unwrap()).unwrap();
    state["version"] = 1.into();
    for entry in state["credentials"].as_object_mut().unwrap().values_mut() {
        let entry = entry.as_object_mut().unwrap();
        entry.remove("path");
        entry.remove("digest");
    }
    fs::write(&state_file, serde_json::to_string(&state).unwrap()).unwrap();
    fs::remove_dir_all(site.path().join("public")).unwrap();
    build(site.path());
    let public = site.path().join("public");
    let id = "cdpp-2025-0101";
    let redirect = fs::read_to_string(public.join(format!("credentials/{id}/index.html"))).unwrap();
    let target = format!("../../{}", cred(id, ""));
    assert!(
        redirect.contains(&format!(
            "<meta http-equiv=\"refresh\" content=\"0; url={target}\">"
        )),
        "{redirect}"
    );
    let redirects = fs::read_to_string(public.join("_redirects")).unwrap();
    assert!(redirects.contains(&format!("/credentials/{id}/* /{}:splat 301", cred(id, ""))));
    let doc: Value = serde_json::from_str(
        &fs::read_to_string(public.join(cred(id, "credential.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(
        doc["id"],
        format!("https://registry.harbourline.example/credentials/{id}/credential.json"),
        "a credential's id never changes"
    );
    let verified = verify_path(&public, None, as_of()).unwrap();
    assert!(verified.ok(), "{:?}", verified.failures);
    let state = State::load(site.path()).unwrap();
    assert_eq!(
        state.credentials[id].moved_from.as_deref(),
        Some("credentials/cdpp-2025-0101/")
    );
}

/// A roster of `n` generated credentials.
fn generated_roster(n: usize, from: usize) -> String {
    let mut csv = String::from("id,holder_name,program,issued\n");
    for i in from..from + n {
        csv.push_str(&format!(
            "gen-{i:05},Holder{i} Family{},cops,2025-{:02}-{:02}\n",
            i % 97,
            1 + i % 12,
            1 + i % 28
        ));
    }
    csv
}

#[test]
fn the_feed_is_paged_chained_and_stable() {
    let site = example_site();
    let roster = site.path().join("content/credentials/generated.csv");
    fs::write(&roster, generated_roster(1100, 0)).unwrap();
    build(site.path());
    let public = site.path().join("public");
    let newest: Value =
        serde_json::from_str(&fs::read_to_string(public.join("feed.json")).unwrap()).unwrap();
    assert_eq!(
        newest["next_url"],
        "https://registry.harbourline.example/feed/1.json"
    );
    assert!(
        newest["_credsite"]["previous"]["digest"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    let archive = fs::read(public.join("feed/1.json")).unwrap();
    let page: Value = serde_json::from_slice(&archive).unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1000);
    assert!(archive.len() < 1_000_000, "{} bytes", archive.len());
    let verified = verify_path(&public, None, as_of()).unwrap();
    assert!(verified.ok(), "{:?}", verified.failures);
    assert_eq!(verified.feed_pages.len(), 2);

    // One more credential: the archive page does not change, byte for byte.
    append(&roster, "gen-09999,Late Holder,cops,2026-11-01\n");
    build(site.path());
    assert_eq!(fs::read(public.join("feed/1.json")).unwrap(), archive);

    // A rewritten archive page (even re-signed by the issuer) breaks the chain.
    let site_copy = built_site_copy_of(site.path());
    let public = site_copy.path().join("public");
    let mut page: Value =
        serde_json::from_str(&fs::read_to_string(public.join("feed/1.json")).unwrap()).unwrap();
    page["items"].as_array_mut().unwrap().pop();
    fs::write(
        public.join("feed/1.json"),
        serde_json::to_string(&page).unwrap(),
    )
    .unwrap();
    let report = verify_path(&public, None, as_of()).unwrap();
    assert!(
        report
            .failures
            .iter()
            .any(|(p, why)| p.ends_with("feed/1.json") && why.contains("signature")),
        "{:?}",
        report.failures
    );
}

fn built_site_copy_of(root: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(root, dir.path());
    dir
}

#[test]
fn diff_lists_a_handful_of_files_for_one_changed_record() {
    let site = example_site();
    build(site.path());
    let old = site.path().join("old-manifest.json");
    fs::copy(site.path().join("public/manifest.json"), &old).unwrap();
    let roster = roster(site.path());
    let text = fs::read_to_string(&roster).unwrap();
    fs::write(
        &roster,
        text.replacen("Javier Rahman", "Javier Rahman-Ortiz", 1),
    )
    .unwrap();
    let out = credsite(
        site.path(),
        &[
            "build",
            "--as-of",
            "2026-11-24",
            "--reissue",
            "cdpp-2019-0001",
        ],
    );
    assert!(out.status.success(), "{}", text_of(&out.stderr));
    let out = credsite(site.path(), &["diff", old.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text_of(&out.stderr));
    let lines = text_of(&out.stdout);
    let uploads: Vec<&str> = lines
        .lines()
        .filter_map(|l| l.strip_prefix("upload "))
        .collect();
    assert!(
        uploads.contains(&cred("cdpp-2019-0001", "credential.json").as_str()),
        "{lines}"
    );
    assert!(uploads.len() <= 12, "a handful: {uploads:?}");
    assert_eq!(uploads.last(), Some(&"manifest.json"));
    assert!(!lines.contains("delete "), "{lines}");
}

fn text_of(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_lost_state_is_recovered_with_every_folder_including_unlisted_ones() {
    let site = directory_site();
    let before = State::load(site.path()).unwrap();
    fs::remove_file(site.path().join("credsite.state.json")).unwrap();
    let out = credsite(site.path(), &["recover-state", "--as-of", "2026-11-24"]);
    assert!(out.status.success(), "{}", text_of(&out.stderr));
    let after = State::load(site.path()).unwrap();
    assert_eq!(before.credentials.len(), after.credentials.len());
    for (id, entry) in &before.credentials {
        let got = &after.credentials[id];
        assert_eq!(got.path, entry.path, "{id}");
        // (Salts are published, hence recovered, only for holders with an email: the
        // rebuild below checks every published credential.json is unchanged.)
        assert_eq!(
            (got.status_list, got.status_index),
            (entry.status_list, entry.status_index),
            "{id}"
        );
    }
    // The next build changes nothing that was published.
    let published = tree(&site.path().join("public"));
    build(site.path());
    let rebuilt = tree(&site.path().join("public"));
    for (path, bytes) in &published {
        if path.ends_with("credential.json") {
            assert_eq!(Some(bytes), rebuilt.get(path), "{path}");
        }
    }
}
