//! The `credsite` binary: commands, messages and exit codes.

mod common;

use std::fs;

use common::*;

#[test]
fn first_build_creates_the_key_pair_and_the_site_verifies() {
    let site = example_site();
    let out = credsite(site.path(), &["build"]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("Created the issuer key pair"), "{stderr}");
    assert!(
        stderr.contains("Signed 52 credentials (16 expired, 2 revoked, 2 suspended as of 2026-11-24) in 3 programs"),
        "{stderr}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(site.path().join("keys/issuer.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let out = credsite(site.path(), &["build"]);
    assert!(
        !text(&out.stderr).contains("Created the issuer key pair"),
        "the second build reuses the key"
    );

    let out = credsite(site.path(), &["verify", "public"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the example site has revoked credentials: {}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stdout).contains("Verified 52 credentials (31 valid, 17 expired, 2 suspended, 2 revoked, 0 unknown as of 2026-11-24), the feed, 2 status lists and the manifest (221 files, all present and unchanged); 0 failed; issuer did:web:registry.harbourline.example"),
        "{}",
        text(&out.stdout)
    );

    let file = site.path().join(format!(
        "public/{}",
        cred("cops-2026-0050", "credential.json")
    ));
    let tampered = fs::read_to_string(&file)
        .unwrap()
        .replace("Lena Hoffmann-Šimić", "Lena Hoffmann");
    fs::write(&file, tampered).unwrap();
    let out = credsite(site.path(), &["verify", "public"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "FAILED public/{}: eddsa-jcs-2022 proof: the signature does not match",
            cred("cops-2026-0050", "credential.json")
        )),
        "{stdout}"
    );
    assert!(stdout.contains("Verified 51 credentials"), "{stdout}");
}

#[test]
fn verify_one_credential_with_an_explicit_did_document() {
    let site = example_site();
    assert!(credsite(site.path(), &["build"]).status.success());
    let elsewhere = tempfile::tempdir().unwrap();
    fs::copy(
        site.path().join(format!(
            "public/{}",
            cred("cdpp-2025-0101", "credential.json")
        )),
        elsewhere.path().join("c.json"),
    )
    .unwrap();
    fs::copy(
        site.path().join("public/.well-known/did.json"),
        elsewhere.path().join("issuer-did.json"),
    )
    .unwrap();
    let out = credsite(
        elsewhere.path(),
        &["verify", "c.json", "--did", "issuer-did.json"],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "no status list here: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("UNKNOWN c.json: status could not be checked: ")
            && text(&out.stdout).contains("Verified 1 credential (0 valid, 0 expired, 0 suspended, 0 revoked, 1 unknown as of 2026-11-24); 0 failed")
    );
    let out = credsite(elsewhere.path(), &["verify", "c.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no DID document found for c.json"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn check_validates_everything_and_writes_nothing() {
    let site = example_site();
    let out = credsite(site.path(), &["check"]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("throwaway key"), "{stderr}");
    assert!(
        stderr.contains("Check passed: 221 files would be written."),
        "{stderr}"
    );
    assert!(!site.path().join("public").exists());
    assert!(!site.path().join("keys").exists(), "check creates no key");

    append(&roster(site.path()), "bad,Jo,,cdpp,2025-02-30,,,,\n");
    let out = credsite(site.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1), "invalid input exits 1");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("error: found 1 problem in the site input"),
        "{stderr}"
    );
    assert!(stderr.contains("content/credentials/roster-2019-2026.csv:48: field `issued`: malformed date \"2025-02-30\""), "{stderr}");
}

#[test]
fn keygen_never_replaces_a_key_without_force() {
    let site = example_site();
    let out = credsite(site.path(), &["keygen"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let first = fs::read_to_string(site.path().join("keys/issuer.pub")).unwrap();
    let out = credsite(site.path(), &["keygen"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("already exists: keeping the issuer's key pair"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        first,
        fs::read_to_string(site.path().join("keys/issuer.pub")).unwrap()
    );
    let out = credsite(site.path(), &["keygen", "--force"]);
    assert!(out.status.success());
    assert_ne!(
        first,
        fs::read_to_string(site.path().join("keys/issuer.pub")).unwrap()
    );
}

#[test]
fn init_scaffolds_a_site_that_builds() {
    let dir = tempfile::tempdir().unwrap();
    let out = credsite(dir.path(), &["init", "mysite"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let site = dir.path().join("mysite");
    assert!(
        fs::read_to_string(site.join(".gitignore"))
            .unwrap()
            .contains("keys/*.key")
    );
    let out = credsite(dir.path(), &["build", "--root", "mysite"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("Signed 3 credentials"),
        "{}",
        text(&out.stderr)
    );
    let out = credsite(dir.path(), &["verify", "mysite/public"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let out = credsite(dir.path(), &["init", "mysite"]);
    assert_eq!(out.status.code(), Some(2), "init refuses an existing site");
}

#[test]
fn build_refuses_dangerous_output_folders() {
    let site = example_site();
    let out = credsite(site.path(), &["build", "--out", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("contains the site itself"),
        "{}",
        text(&out.stderr)
    );
    fs::create_dir(site.path().join("docs")).unwrap();
    fs::write(site.path().join("docs/notes.txt"), "mine").unwrap();
    let out = credsite(site.path(), &["build", "--out", "docs"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("does not look like a credsite output"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        fs::read_to_string(site.path().join("docs/notes.txt")).unwrap(),
        "mine"
    );
    let out = credsite(site.path(), &["build", "--out", "site-out"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(site.path().join("site-out/index.html").is_file());
}
