//! Regression tests for the defects found when the foundation was tried as a new user
//! would (issue 8), and for the site state and the snapshot rule that came with it.
//! Each test names the defect it covers; each fails on the code before the fix.

mod common;

use std::fs;
use std::path::Path;
use std::process::Output;

use common::*;
use credsite::state::{STATE_FILE, State};
use serde_json::Value;

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

fn replace_in(path: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from:?} not in {}", path.display());
    fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// Defect 1: `check` on a site with only `keys/issuer.pub` (a registry's CI) exits 0.
#[test]
fn check_passes_with_only_the_public_key() {
    let site = example_site();
    build(site.path());
    fs::remove_file(site.path().join("keys/issuer.key")).unwrap();
    let state_before = fs::read(site.path().join(STATE_FILE)).unwrap();
    let out = credsite(site.path(), &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the secret key is not here; checked with a throwaway key"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        fs::read(site.path().join(STATE_FILE)).unwrap(),
        state_before,
        "check writes no state"
    );
    // `build` still refuses to invent a new issuer identity.
    let out = credsite(site.path(), &["build"]);
    assert_eq!(out.status.code(), Some(2));
}

/// Defect 2: a `javascript:` link in a program's Markdown is rendered as text.
#[test]
fn markdown_links_with_unsafe_schemes_are_not_links() {
    let site = example_site();
    append(
        &site.path().join("content/programs/cdpp.md"),
        "\n[click me](javascript:alert(1)) and [the body](https://example.org/b) ![x](data:image/svg+xml,x)\n",
    );
    build(site.path());
    let page = fs::read_to_string(site.path().join("public/programs/cdpp/index.html")).unwrap();
    assert!(!page.contains("javascript:"), "unsafe link kept");
    assert!(!page.contains("data:image"), "unsafe image kept");
    assert!(page.contains("click me"), "the link text stays");
    assert!(page.contains("href=\"https://example.org/b\""));
}

/// Defect 3: URL and file fields are checked: https only, files inside static/.
#[test]
fn unsafe_urls_and_file_references_are_refused_with_file_line_and_field() {
    let site = example_site();
    let config = site.path().join("credsite.toml");
    replace_in(
        &config,
        "url = \"https://www.harbourline.example\"",
        "url = \"javascript:alert(1)\"",
    );
    replace_in(&config, "logo = \"logo.svg\"", "logo = \"../../x\"");
    let err = build_error(site.path());
    assert!(
        err.contains("credsite.toml:11: field `issuer.url`"),
        "{err}"
    );
    assert!(err.contains("only https links are allowed"), "{err}");
    assert!(
        err.contains("credsite.toml:12: field `issuer.logo`"),
        "{err}"
    );

    replace_in(
        &config,
        "url = \"javascript:alert(1)\"",
        "url = \"https://www.harbourline.example\"",
    );
    replace_in(&config, "logo = \"../../x\"", "logo = \"missing.svg\"");
    let err = build_error(site.path());
    assert!(
        err.contains(
            "credsite.toml:12: field `issuer.logo`: \"missing.svg\" is not a file under static/"
        ),
        "{err}"
    );

    replace_in(&config, "logo = \"missing.svg\"", "logo = \"logo.svg\"");
    let program = site.path().join("content/programs/cdpp.md");
    replace_in(
        &program,
        "standard = \"ISO/IEC 17024:2012\"",
        "standard = \"ISO/IEC 17024:2012\"\nurl = \"data:text/html,x\"",
    );
    let err = build_error(site.path());
    assert!(
        err.contains("content/programs/cdpp.md:12: field `accreditation.url`"),
        "{err}"
    );
    assert!(
        !site.path().join("public").exists(),
        "nothing was published"
    );
}

/// Defect 4: dates with absurd years are refused; verify compares parsed dates.
#[test]
fn out_of_range_dates_are_refused() {
    let site = example_site();
    append(
        &roster(site.path()),
        "far-1,Jo Bloggs,,cdpp,9999-01-01,,,,\n",
    );
    let err = build_error(site.path());
    assert!(
        err.contains(
            "roster-2019-2026.csv:48: field `issued`: date \"9999-01-01\" is out of range"
        ),
        "{err}"
    );
}

#[test]
fn verify_judges_expiry_by_parsed_dates_and_as_of() {
    let site = example_site();
    build(site.path());
    let public = site.path().join("public");
    let early = credsite::vc::verify::verify_path(&public, None, as_of()).unwrap();
    let late =
        credsite::vc::verify::verify_path(&public, None, "2099-01-01".parse().unwrap()).unwrap();
    assert!(early.ok() && late.ok());
    assert_eq!(early.expired.len(), 20);
    assert_eq!(late.expired.len(), 52, "every credential expires by 2099");
    let out = credsite(site.path(), &["verify", "public", "--as-of", "2099-01-01"]);
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("Verified 52 credentials (0 valid, 0 expired, 0 suspended, 0 revoked, 52 unknown as of 2099-01-01), the feed and the manifest (221 files, all present and unchanged); 0 failed"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Defect 5: line numbers in a large TOML file are right (the line index replaces a
/// scan from the start per field; the speed is measured by `benches/load.rs`).
#[test]
fn large_toml_files_report_the_right_line() {
    let site = example_site();
    let mut text = String::new();
    for i in 0..20_000 {
        text.push_str(&format!(
            "[[credential]]\nid = \"t-{i}\"\nholder_name = \"H {i}\"\nprogram = \"cops\"\nissued = 2025-01-01\n\n"
        ));
    }
    text.push_str("[[credential]]\nid = \"t-last\"\nholder_name = \"H\"\nprogram = \"cops\"\nissued = \"2025-02-30\"\n");
    fs::write(site.path().join("content/credentials/big.toml"), text).unwrap();
    let err = format!("{:#}", credsite::check(&options(site.path())).unwrap_err());
    assert!(
        err.contains("content/credentials/big.toml:120005: field `issued`: malformed date"),
        "{err}"
    );
}

/// Defect 6: hidden files under static/ are published; version-control folders are not.
#[test]
fn hidden_static_files_are_published() {
    let site = example_site();
    let static_dir = site.path().join("static");
    for (rel, text) in [
        (
            ".well-known/security.txt",
            "Contact: mailto:security@harbourline.example\n",
        ),
        (".htaccess", "Options -Indexes\n"),
        ("_redirects", "/old /new 301\n"),
        ("_headers", "/*\n  X-Frame-Options: DENY\n"),
        (".git/config", "[core]\n"),
        (".svn/entries", "x\n"),
    ] {
        let path = static_dir.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    build(site.path());
    let public = site.path().join("public");
    assert!(public.join(".well-known/security.txt").is_file());
    assert!(public.join(".well-known/did.json").is_file());
    assert!(public.join(".htaccess").is_file());
    assert!(public.join("_redirects").is_file());
    assert!(!public.join(".git").exists() && !public.join(".svn").exists());
    let headers = fs::read_to_string(public.join("_headers")).unwrap();
    assert!(
        headers.contains("X-Frame-Options: DENY"),
        "the site's own headers stay"
    );
    assert!(
        headers.contains("Access-Control-Allow-Origin: *"),
        "credsite's are added"
    );
}

/// Defect 7: a second build of the same site while one runs is refused, naming the pid.
#[test]
fn a_second_concurrent_build_is_refused() {
    let site = example_site();
    build(site.path());
    let before = tree(&site.path().join("public"));
    let holder = credsite::output::Staging::create(&site.path().join("public"))
        .unwrap_or_else(|e| panic!("{e:#}"));
    let out = credsite(site.path(), &["build"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(&format!(
            "another build of this site is running (pid {})",
            std::process::id()
        )),
        "{}",
        stderr(&out)
    );
    holder.abandon();
    assert!(
        before == tree(&site.path().join("public")),
        "the site is untouched"
    );
    assert!(credsite(site.path(), &["build"]).status.success());
}

/// Defect 8: `keygen --force` keeps the old pair under keys/retired/ and records the
/// new key in the state's key history.
#[test]
fn keygen_force_retires_the_old_pair_and_records_the_new_key() {
    let site = example_site();
    build(site.path());
    let old = fs::read_to_string(site.path().join("keys/issuer.key")).unwrap();
    let out = credsite(site.path(), &["keygen", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let today = "2026-11-24"; // SOURCE_DATE_EPOCH
    let retired = site.path().join(format!("keys/retired/{today}-issuer.key"));
    assert!(
        stderr(&out).contains(&format!(
            "Moved the old key file to {}",
            Path::new(".")
                .join(format!("keys/retired/{today}-issuer.key"))
                .display()
        )),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        fs::read_to_string(&retired).unwrap(),
        old,
        "the old secret key is kept"
    );
    let state = State::load(site.path()).unwrap();
    assert_eq!(state.keys.len(), 2, "{:?}", state.keys);
    let new_public = fs::read_to_string(site.path().join("keys/issuer.pub")).unwrap();
    assert_eq!(state.keys[1].public, new_public.trim());
}

/// Defect 9: email salts are per-credential random values kept in the state, so a new
/// key leaves every published `identityHash` as it was.
#[test]
fn a_new_key_keeps_every_identity_hash() {
    let site = example_site();
    build(site.path());
    let file = site.path().join(format!(
        "public/{}",
        cred("csla-2018-0007", "credential.json")
    ));
    let before = json(&file)["credentialSubject"]["identifier"][1].clone();
    assert_eq!(before["hashed"], true);
    let out = credsite(site.path(), &["keygen", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    build(site.path());
    let after = json(&file)["credentialSubject"]["identifier"][1].clone();
    assert_eq!(before, after);
    let state = State::load(site.path()).unwrap();
    assert_eq!(
        before["salt"],
        state.credentials["csla-2018-0007"].salt.as_str()
    );
}

/// Defect 10: sentences in signed documents come from the site's config.
#[test]
fn signed_sentences_come_from_the_config() {
    let site = example_site();
    build(site.path());
    append(
        &site.path().join("credsite.toml"),
        "\n[texts]\ncredential_description = \"{{ holder }} ist Inhaber:in des Zertifikats {{ program }}.\"\nfeed_title = \"{{ site }}: Zertifikate\"\n",
    );
    // Changing signed text is a re-issue: refused until the manager says so.
    let err = build_error(site.path());
    assert!(err.contains("was issued with other content"), "{err}");
    let mut opts = options(site.path());
    opts.reissue = credsite::vc::sign::Reissue::parse(["all"]);
    let report = credsite::build(&opts).unwrap();
    assert_eq!(report.reissued, 52);
    let c = json(&site.path().join(format!(
        "public/{}",
        cred("cdpp-2025-0101", "credential.json")
    )));
    assert_eq!(
        c["description"],
        "Seán Ó Briain ist Inhaber:in des Zertifikats Certified Data Protection Practitioner."
    );
    let feed = json(&site.path().join("public/feed.json"));
    assert!(feed["title"].as_str().unwrap().ends_with(": Zertifikate"));
    assert!(
        credsite::vc::verify::verify_path(&site.path().join("public"), None, as_of())
            .unwrap()
            .ok()
    );
}

/// An issued credential is a snapshot: a changed program text is refused until it is
/// re-issued explicitly, and then only what was named is re-issued.
#[test]
fn a_changed_program_text_needs_an_explicit_reissue() {
    let site = example_site();
    build(site.path());
    let before = tree(&site.path().join("public"));
    replace_in(
        &site.path().join("content/programs/cops.md"),
        "name = \"",
        "name = \"Renamed ",
    );
    let err = build_error(site.path());
    assert!(err.contains("credential \"cops-"), "{err}");
    assert!(err.contains("--reissue"), "{err}");
    assert!(
        !err.contains("(cdpp)"),
        "other programs are unaffected: {err}"
    );
    assert!(
        before == tree(&site.path().join("public")),
        "the site is untouched"
    );

    let mut opts = options(site.path());
    opts.reissue = credsite::vc::sign::Reissue::parse(["program:nope"]);
    let err = format!("{:#}", credsite::build(&opts).unwrap_err());
    assert!(err.contains("there is no program \"nope\""), "{err}");

    opts.reissue = credsite::vc::sign::Reissue::parse(["program:cops"]);
    let report = credsite::build(&opts).unwrap();
    assert!(report.reissued > 0);
    let after = tree(&site.path().join("public"));
    let changed: Vec<&String> = before
        .keys()
        .filter(|k| k.ends_with("credential.json") && before[*k] != after[*k])
        .collect();
    assert!(changed.iter().all(|k| k.contains("/cops-")), "{changed:?}");
    assert_eq!(changed.len(), report.reissued);
    // The next plain build accepts the new text.
    build(site.path());
}

/// The state keeps every allocation, even for a credential removed from the roster,
/// so that its status-list slot is never given to another credential.
#[test]
fn the_state_never_forgets_a_credential() {
    let site = example_site();
    build(site.path());
    let state = State::load(site.path()).unwrap();
    let slot = state.credentials["cdpp-2019-0001"].clone();
    let roster = roster(site.path());
    let text = fs::read_to_string(&roster).unwrap();
    let without: String = text
        .lines()
        .filter(|l| !l.starts_with("cdpp-2019-0001,"))
        .map(|l| format!("{l}\n"))
        .collect();
    fs::write(&roster, without).unwrap();
    append(&roster, "new-1,Jo Bloggs,,cdpp,2026-01-05,,,,\n");
    build(site.path());
    let state = State::load(site.path()).unwrap();
    assert_eq!(state.credentials["cdpp-2019-0001"], slot);
    let new = &state.credentials["new-1"];
    assert!(
        (new.status_list, new.status_index) != (slot.status_list, slot.status_index),
        "a slot is never reused"
    );
    assert_eq!(state.credentials.len(), 53);
}

/// A lost state is rebuilt from the published site: the next build needs no re-issue
/// and gives the same site, hashed emails included.
#[test]
fn a_lost_state_is_recovered_from_the_published_site() {
    let site = example_site();
    build(site.path());
    let before = tree(&site.path().join("public"));
    let original = State::load(site.path()).unwrap();
    fs::remove_file(site.path().join(STATE_FILE)).unwrap();
    let out = credsite(site.path(), &["recover-state"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Recovered 52 credentials and 1 issuer keys"),
        "{}",
        stderr(&out)
    );
    let recovered = State::load(site.path()).unwrap();
    for (id, entry) in &original.credentials {
        let back = &recovered.credentials[id];
        assert_eq!(back.digest, entry.digest, "{id}");
        if entry.digest.is_some()
            && before[&cred(id, "credential.json")]
                .windows(4)
                .any(|w| w == b"salt")
        {
            assert_eq!(back.salt, entry.salt, "{id}");
        }
    }
    build(site.path());
    assert!(before == tree(&site.path().join("public")), "the same site");
    let out = credsite(site.path(), &["recover-state"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "never replaces an existing state"
    );
}

/// A site published by an older credsite, with a single proof object instead of a
/// proof set, is read by `recover-state` alike: the digests are those of the signed
/// content, whatever the shape of `proof`.
#[test]
fn a_state_is_recovered_from_credentials_with_a_single_proof_object() {
    let site = example_site();
    build(site.path());
    let original = State::load(site.path()).unwrap();
    for (folder, _) in credsite::walk::credential_folders(&site.path().join("public")).unwrap() {
        let file = folder.join("credential.json");
        let mut doc: serde_json::Value = serde_json::from_slice(&fs::read(&file).unwrap()).unwrap();
        let single = doc["proof"][0].take();
        doc["proof"] = single;
        fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    }
    fs::remove_file(site.path().join(STATE_FILE)).unwrap();
    let out = credsite(site.path(), &["recover-state"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let recovered = State::load(site.path()).unwrap();
    for (id, entry) in &original.credentials {
        assert_eq!(recovered.credentials[id].digest, entry.digest, "{id}");
    }
}
