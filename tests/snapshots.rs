//! Snapshot tests: pages and documents of the built example site, compared with the
//! accepted copies in `tests/snapshots/*.snap`, so that any change to what a template,
//! the renderer or the signer writes shows up as a diff to review.
//!
//! The site is built with a fixed test key (so the DID document, key ids and proof
//! values are the same in every build) and the random per-credential salts, with the
//! identity hashes made from them, are replaced by placeholders.
//!
//! When a change to the output is intended, review and accept the new snapshots:
//!
//! ```sh
//! cargo insta review                      # needs `cargo install cargo-insta`
//! # or, without cargo-insta: overwrite them, then read the diff before committing
//! INSTA_UPDATE=always cargo test --test snapshots && git diff tests/snapshots/
//! ```
//!
//! A snapshot that changes when nothing should have is a bug: do not accept it.

mod common;

use std::fs;
use std::path::Path;
use std::sync::OnceLock;

use common::*;
use credsite::issuer::KeySource;
use credsite::issuer::keys::{self, KeyPaths};
use serde_json::Value;
use tempfile::TempDir;

/// The fixed issuer key of the snapshot site. A test key only: never use it for a site.
fn test_key() -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[7u8; 32])
}

/// The example site with the fixed test key, built as of [`as_of`]: built once for
/// this binary, and only read by the tests.
fn site() -> &'static Path {
    static SITE: OnceLock<TempDir> = OnceLock::new();
    SITE.get_or_init(|| {
        let dir = shared_temp_dir();
        copy_example_site(dir.path());
        write_test_key(dir.path());
        write_fixed_state(dir.path());
        let report = build(dir.path());
        assert_eq!(report.key, KeySource::Existing, "built with the test key");
        dir
    })
    .path()
}

/// Writes a site state with fixed salts and status-list slots for every credential of
/// the site at `root`, so that the snapshots do not depend on random allocation.
fn write_fixed_state(root: &Path) {
    let ids = credsite::load::validate(credsite::load::load(root).unwrap(), as_of())
        .unwrap()
        .records
        .into_iter()
        .map(|r| r.id);
    let mut state = credsite::state::State::new();
    let ids: Vec<String> = ids.collect();
    state
        .allocate(ids.iter().map(|id| (id.as_str(), true)))
        .unwrap();
    for (i, id) in ids.iter().enumerate() {
        let entry = state.credentials.get_mut(id).unwrap();
        entry.salt = format!("{:032x}", 0x5a17_0000 + i);
        entry.status_list = 1;
        entry.status_index = 1000 + 7 * i as u32;
    }
    state.save(root).unwrap();
}

/// Writes the fixed test key pair into the site at `root` (`keys/issuer.key`, 0600).
fn write_test_key(root: &Path) {
    keys::write_key_pair(&KeyPaths::new(root, None), &test_key()).unwrap();
}

/// The values that differ between two builds of the same input, with their
/// placeholders: every credential's random salt and the hashed identities made with
/// it, read from the site's credential.json files. (The snapshot site's state fixes
/// them too, with the status-list slots: see [`write_fixed_state`].)
fn volatile(public: &Path) -> Vec<(String, &'static str)> {
    let mut values = Vec::new();
    for (folder, _) in credsite::walk::credential_folders(public).unwrap() {
        let file = folder.join("credential.json");
        let c: Value = serde_json::from_str(&fs::read_to_string(&file).unwrap()).unwrap();
        let identifiers = c["credentialSubject"]["identifier"].as_array();
        for identity in identifiers.into_iter().flatten() {
            if identity["hashed"] == true {
                let salt = identity["salt"].as_str().unwrap();
                let hash = identity["identityHash"].as_str().unwrap();
                values.push((salt.to_string(), "[salt]"));
                values.push((hash.to_string(), "[identity hash]"));
            }
        }
    }
    assert!(
        values.iter().any(|(_, p)| *p == "[salt]"),
        "the example site has hashed emails, so salts to redact"
    );
    values
}

/// `text` with every volatile value of the site in `public` replaced by its placeholder.
fn redact(text: &str, public: &Path) -> String {
    volatile(public)
        .iter()
        .fold(text.to_string(), |text, (value, placeholder)| {
            text.replace(value.as_str(), placeholder)
        })
}

/// A file of the snapshot site's `public/`, redacted.
fn page(rel: &str) -> String {
    let public = site().join("public");
    let text = fs::read_to_string(public.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    redact(&text, &public)
}

#[test]
fn credential_page() {
    insta::assert_snapshot!(page(&cred("cdpp-2025-0101", "index.html")));
}

#[test]
fn program_page() {
    insta::assert_snapshot!(page("programs/cdpp/index.html"));
}

#[test]
fn home_page() {
    insta::assert_snapshot!(page("index.html"));
}

#[test]
fn credential_json() {
    insta::assert_snapshot!(page(&cred("cdpp-2025-0101", "credential.json")));
}

#[test]
fn did_document() {
    let did = page(".well-known/did.json");
    assert!(
        did.contains(&keys::encode_public(&test_key().verifying_key())),
        "the DID document publishes the test key"
    );
    insta::assert_snapshot!(did);
}

#[test]
fn redaction_replaces_salts_and_the_hashes_made_with_them() {
    let public = site().join("public");
    let rel = &cred("csla-2018-0007", "credential.json");
    let raw = fs::read_to_string(public.join(rel)).unwrap();
    let c: Value = serde_json::from_str(&raw).unwrap();
    let email = &c["credentialSubject"]["identifier"][1];
    assert_eq!(email["hashed"], true, "{email}");
    let redacted = page(rel);
    for field in ["salt", "identityHash"] {
        let value = email[field].as_str().unwrap();
        assert!(raw.contains(value));
        assert!(
            !redacted.contains(value),
            "{field} {value} left in:\n{redacted}"
        );
    }
    assert!(redacted.contains("\"salt\": \"[salt]\""), "{redacted}");
    assert!(
        redacted.contains("\"identityHash\": \"[identity hash]\""),
        "{redacted}"
    );
    // Nothing else is touched.
    assert_eq!(
        redacted
            .replace("[salt]", email["salt"].as_str().unwrap())
            .replace("[identity hash]", email["identityHash"].as_str().unwrap()),
        raw
    );
}

/// The accepted snapshot named `name`: the text after the `.snap` file's header.
fn accepted(name: &str) -> String {
    let path = repo().join(format!("tests/snapshots/snapshots__{name}.snap"));
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let body = text
        .strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .map(|(_, body)| body)
        .unwrap_or_else(|| panic!("no insta header in {}", path.display()));
    body.trim_end().to_string()
}

/// The snapshots would catch a template change: a line of markup of the theme's
/// credential template is in the accepted snapshot, and a site whose template changes
/// only that line renders a page that differs from today's (the snapshotted) page in
/// that line and nowhere else.
#[test]
fn a_template_change_shows_in_the_credential_page_snapshot() {
    let today = page(&cred("cdpp-2025-0101", "index.html"));
    let snapshot = accepted("credential_page");
    let template =
        fs::read_to_string(repo().join("themes/default/templates/credential.html")).unwrap();
    let line = template
        .lines()
        .map(str::trim)
        .find(|l| l.len() > 10 && !l.contains('{') && today.contains(l) && snapshot.contains(l))
        .expect("a line of the template's markup is in the page and its snapshot");
    let changed = format!("{line}<!-- a template change -->");

    let copy = tempfile::tempdir().unwrap();
    copy_example_site(copy.path());
    write_test_key(copy.path());
    write_fixed_state(copy.path());
    fs::create_dir_all(copy.path().join("templates")).unwrap();
    fs::write(
        copy.path().join("templates/credential.html"),
        template.replacen(line, &changed, 1),
    )
    .unwrap();
    build(copy.path());
    let public = copy.path().join("public");
    let rendered = redact(
        &fs::read_to_string(public.join(cred("cdpp-2025-0101", "index.html"))).unwrap(),
        &public,
    );
    assert_ne!(rendered, today, "the snapshot test would fail");
    assert!(rendered.contains(&changed), "{rendered}");
    assert_eq!(
        rendered.replacen(&changed, line, 1),
        today,
        "the changed line is the only difference"
    );
}
