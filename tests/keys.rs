//! Key rotation with history, key compromise and passphrase-encrypted secret keys
//! (issue 13, parts 5 to 7), and their bad input, through the command line.

mod common;

use std::fs;
use std::path::Path;
use std::process::Output;

use base64::Engine as _;
use chrono::NaiveDate;
use common::*;
use credsite::issuer::keys;
use serde_json::Value;

const PASSPHRASE: &str = "correct horse battery staple";

/// Runs credsite in `root` on `date` (SOURCE_DATE_EPOCH), with `passphrase` in
/// CREDSITE_PASSPHRASE when given.
fn run_on(root: &Path, date: &str, passphrase: Option<&str>, args: &[&str]) -> Output {
    let day: NaiveDate = date.parse().unwrap();
    let epoch = day.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_credsite"));
    command
        .current_dir(root)
        .args(args)
        .env_remove("CREDSITE_SECRET_KEY")
        .env_remove("CREDSITE_PASSPHRASE")
        .env("SOURCE_DATE_EPOCH", epoch.to_string())
        .stdin(std::process::Stdio::null());
    if let Some(p) = passphrase {
        command.env("CREDSITE_PASSPHRASE", p);
    }
    command.output().unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout) + &text(&out.stderr)
}

fn failed(out: &Output, code: i32) -> String {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let all = text(&out.stdout) + &text(&out.stderr);
    assert!(!all.contains("panicked"), "{all}");
    all
}

/// `verify` output: exit 0, or 1 for the example site's revoked credentials, with no
/// document failed.
fn verified(out: &Output) -> String {
    let all = text(&out.stdout) + &text(&out.stderr);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{all}");
    assert!(text(&out.stdout).contains("; 0 failed;"), "{all}");
    all
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

fn method_of(root: &Path, id: &str) -> String {
    let doc = json(&root.join(format!("public/{}", cred(id, "credential.json"))));
    let proof = &doc["proof"];
    let proof = if proof.is_array() { &proof[0] } else { proof };
    proof["verificationMethod"].as_str().unwrap().to_string()
}

fn public_key(root: &Path) -> String {
    fs::read_to_string(root.join("keys/issuer.pub"))
        .unwrap()
        .trim()
        .to_string()
}

const DID: &str = "did:web:registry.harbourline.example";

/// A built example site (first key active from 2026-11-24), rotated on 2026-12-01,
/// with one credential issued after the rotation: (site, old key, new key).
fn rotated_site() -> (tempfile::TempDir, String, String) {
    let site = example_site();
    ok(&run_on(site.path(), "2026-11-24", None, &["build"]));
    let old = public_key(site.path());
    let out = ok(&run_on(
        site.path(),
        "2026-11-24",
        None,
        &["keygen", "--rotate", "--date", "2026-12-01"],
    ));
    assert!(out.contains("active from 2026-12-01"), "{out}");
    let new = public_key(site.path());
    assert_ne!(old, new);
    append(
        &roster(site.path()),
        "cdpp-2026-0900,Zed Newcomer,,cdpp,2026-12-02,,,,\n",
    );
    ok(&run_on(site.path(), "2026-12-05", None, &["build"]));
    (site, old, new)
}

#[test]
fn rotation_keeps_old_credentials_on_the_old_key_and_lists_both_keys() {
    let (site, old, new) = rotated_site();
    let root = site.path();
    // Signed with the key active on the issue date.
    assert_eq!(method_of(root, "cdpp-2025-0101"), format!("{DID}#{old}"));
    assert_eq!(method_of(root, "cdpp-2026-0900"), format!("{DID}#{new}"));
    // The DID document lists both, neither revoked nor expiring.
    let did = json(&root.join("public/.well-known/did.json"));
    let ids: Vec<&str> = did["assertionMethod"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(ids, [format!("{DID}#{old}"), format!("{DID}#{new}")]);
    for method in did["verificationMethod"].as_array().unwrap() {
        assert!(method.get("revoked").is_none() && method.get("expires").is_none());
    }
    // The state's history and the published key log.
    let state = credsite::state::State::load(root).unwrap();
    assert_eq!(state.keys.len(), 2);
    assert_eq!(state.keys[0].active_to, "2026-11-30".parse().ok());
    assert_eq!(state.keys[1].active_from, "2026-12-01".parse().unwrap());
    assert!(root.join("keys/retired/2026-11-24-issuer.key").is_file());
    let log = fs::read_to_string(root.join("public/.well-known/did.jsonl")).unwrap();
    assert_eq!(
        log,
        fs::read_to_string(root.join("keys/did.jsonl")).unwrap()
    );
    assert_eq!(log.lines().count(), 2, "{log}");
    let last: Value = serde_json::from_str(log.lines().last().unwrap()).unwrap();
    assert_eq!(last["parameters"]["event"], "rotate");
    assert_eq!(last["state"]["keys"][0]["activeTo"], "2026-11-30");
    // verify checks the log and says which key signed, and when it was active.
    let out = verified(&run_on(
        root,
        "2026-12-05",
        None,
        &["verify", "public", "--as-of", "2026-12-05"],
    ));
    assert!(
        out.contains(
            "Key log public/.well-known/did.jsonl: 2 entries, hash chain and signatures verified"
        ),
        "{out}"
    );
    assert!(out.contains("0 failed"), "{out}");
    assert!(
        out.contains(&format!("KEY 2 of 2 ({DID}#{new}), active from 2026-12-01: signed 1 credentials, 1 of them issued while it was active")),
        "{out}"
    );
    let out = verified(&run_on(
        root,
        "2026-12-05",
        None,
        &[
            "verify",
            &format!("public/{}", cred("cdpp-2025-0101", "credential.json")),
            "--as-of",
            "2026-12-05",
        ],
    ));
    assert!(
        out.contains(&format!("signed by key 1 of 2 ({DID}#{old}), active from 2026-11-24 to 2026-11-30; active on its issue date 2025-")),
        "{out}"
    );
}

#[test]
fn a_missing_retired_secret_key_keeps_the_published_copy() {
    let (site, _, _) = rotated_site();
    let root = site.path();
    let before = tree(&root.join("public"));
    fs::remove_file(root.join("keys/retired/2026-11-24-issuer.key")).unwrap();
    ok(&run_on(root, "2026-12-05", None, &["build"]));
    assert!(before == tree(&root.join("public")), "nothing re-signed");
    // Without the published copy either, the build names the credential and the ways out.
    fs::remove_dir_all(root.join(format!("public/{}", cred("cdpp-2025-0101", "")))).unwrap();
    let err = failed(&run_on(root, "2026-12-05", None, &["build"]), 2);
    assert!(err.contains("credential \"cdpp-2025-0101\""), "{err}");
    assert!(
        err.contains("whose secret key is not in keys/retired/"),
        "{err}"
    );
    assert!(
        err.contains("`credsite build --resign cdpp-2025-0101`"),
        "{err}"
    );
    let out = ok(&run_on(
        root,
        "2026-12-05",
        None,
        &["build", "--resign", "cdpp-2025-0101"],
    ));
    assert!(
        out.contains("Re-signed 1 credentials with the current key"),
        "{out}"
    );
    let new = public_key(root);
    assert_eq!(method_of(root, "cdpp-2025-0101"), format!("{DID}#{new}"));
    let state = credsite::state::State::load(root).unwrap();
    assert_eq!(
        state.credentials["cdpp-2025-0101"].key.as_deref(),
        Some(new.as_str())
    );
    let out = verified(&run_on(
        root,
        "2026-12-05",
        None,
        &["verify", "public", "--as-of", "2026-12-05"],
    ));
    assert!(
        out.contains(&format!(
            "RE-SIGNED public/{}: signed by key 2; not the key active on its issue date",
            cred("cdpp-2025-0101", "credential.json")
        )),
        "{out}"
    );
}

#[test]
fn resign_all_moves_every_credential_to_the_current_key() {
    let (site, _, new) = rotated_site();
    let root = site.path();
    ok(&run_on(
        root,
        "2026-12-05",
        None,
        &["build", "--resign", "all"],
    ));
    for id in ["cdpp-2025-0101", "csla-2018-0007", "cdpp-2026-0900"] {
        assert_eq!(method_of(root, id), format!("{DID}#{new}"), "{id}");
    }
    // Recorded: the next build keeps them on the current key.
    ok(&run_on(root, "2026-12-05", None, &["build"]));
    assert_eq!(method_of(root, "csla-2018-0007"), format!("{DID}#{new}"));
    // A lost state gets its key history back from the published key log, and the key
    // of each re-signed credential from its proof.
    let before = credsite::state::State::load(root).unwrap();
    fs::remove_file(root.join("credsite.state.json")).unwrap();
    ok(&run_on(root, "2026-12-05", None, &["recover-state"]));
    let after = credsite::state::State::load(root).unwrap();
    assert_eq!(after.keys, before.keys);
    for (id, entry) in &before.credentials {
        assert_eq!(after.credentials[id].key, entry.key, "{id}");
    }
    ok(&run_on(root, "2026-12-05", None, &["check"]));
}

#[test]
fn a_compromised_key_is_revoked_and_what_it_signed_is_re_signed_or_listed() {
    let (site, _, second) = rotated_site();
    let root = site.path();
    append(
        &roster(root),
        "cdpp-2026-0901,Yan Early,,cdpp,2026-12-01,,,,\ncdpp-2026-0902,Xia Late,,cdpp,2026-12-04,,,,\n",
    );
    ok(&run_on(root, "2026-12-05", None, &["build"]));
    // Bad input: a compromise date in the future.
    let err = failed(
        &run_on(
            root,
            "2026-12-05",
            None,
            &["key", "compromised", "--since", "2026-12-06"],
        ),
        2,
    );
    assert!(
        err.contains("--since 2026-12-06 is in the future (today is 2026-12-05)"),
        "{err}"
    );
    assert_eq!(public_key(root), second, "nothing changed");

    let out = run_on(
        root,
        "2026-12-06",
        None,
        &["key", "compromised", "--since", "2026-12-03"],
    );
    let all = ok(&out);
    let third = public_key(root);
    assert_ne!(third, second);
    assert!(
        all.contains(&format!(
            "Key {second} is marked compromised since 2026-12-03"
        )),
        "{all}"
    );
    assert!(
        all.contains("Re-signed with the new key the 2 credential(s) issued before 2026-12-03"),
        "{all}"
    );
    let stdout = text(&out.stdout);
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            "REVIEW cdpp-2026-0902 (Xia Late, cdpp, issued 2026-12-04) content/credentials/roster-2019-2026.csv:50"
        ],
        "{all}"
    );
    // The command rebuilt the site: already re-signed.
    assert!(
        all.contains("Rebuilt ./public: its DID document marks the old key revoked."),
        "{all}"
    );
    assert_eq!(method_of(root, "cdpp-2026-0900"), format!("{DID}#{third}"));
    let build = ok(&run_on(root, "2026-12-06", None, &["build"]));
    assert!(
        build.contains("warning: 1 credential(s) issued since their key was compromised"),
        "{build}"
    );
    let did = json(&root.join("public/.well-known/did.json"));
    let methods = did["verificationMethod"].as_array().unwrap();
    assert_eq!(methods.len(), 3);
    assert!(
        methods[0].get("revoked").is_none(),
        "a rotated key is not revoked"
    );
    assert_eq!(methods[1]["revoked"], "2026-12-03T00:00:00Z");
    assert!(methods[2].get("revoked").is_none());
    // Issued before the compromise: now signed with the new key.
    for id in ["cdpp-2026-0900", "cdpp-2026-0901"] {
        assert_eq!(method_of(root, id), format!("{DID}#{third}"), "{id}");
    }
    // Older credentials were never signed with the compromised key.
    assert_ne!(method_of(root, "cdpp-2025-0101"), format!("{DID}#{third}"));
    // The one under review still carries the revoked key: verify refuses it.
    assert_eq!(method_of(root, "cdpp-2026-0902"), format!("{DID}#{second}"));
    let out = failed(
        &run_on(
            root,
            "2026-12-06",
            None,
            &["verify", "public", "--as-of", "2026-12-06"],
        ),
        1,
    );
    assert!(
        out.contains(&format!(
            "FAILED public/{}",
            cred("cdpp-2026-0902", "credential.json")
        )),
        "{out}"
    );
    assert!(
        out.contains("the DID document marks the key revoked"),
        "{out}"
    );
    assert!(out.contains("; 1 failed;"), "{out}");
    // Reviewed and genuine: re-signed with the current key, then everything verifies.
    ok(&run_on(
        root,
        "2026-12-06",
        None,
        &["build", "--resign", "cdpp-2026-0902"],
    ));
    let out = run_on(
        root,
        "2026-12-06",
        None,
        &["verify", "public", "--as-of", "2026-12-06"],
    );
    assert!(
        text(&out.stdout).contains("; 0 failed;"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn a_rotation_dated_before_the_last_one_is_refused() {
    let (site, _, new) = rotated_site();
    let root = site.path();
    for date in ["2026-11-30", "2026-12-01"] {
        let err = failed(
            &run_on(
                root,
                "2026-12-05",
                None,
                &["keygen", "--rotate", "--date", date],
            ),
            2,
        );
        assert!(
            err.contains(&format!(
                "a rotation dated {date} is not after the last rotation"
            )),
            "{err}"
        );
        assert_eq!(public_key(root), new, "nothing changed");
    }
    assert!(!root.join("keys/retired/2026-12-05-issuer.key").exists());
}

#[test]
fn two_keys_active_on_one_date_in_the_state_are_refused() {
    let (site, _, _) = rotated_site();
    let root = site.path();
    let state = root.join("credsite.state.json");
    let text = fs::read_to_string(&state).unwrap();
    fs::write(
        &state,
        text.replace(
            "\"active_to\":\"2026-11-30\"",
            "\"active_to\":\"2026-12-01\"",
        ),
    )
    .unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("\"active_to\":\"2026-11-30\""))
        .unwrap()
        + 1;
    let err = failed(&run_on(root, "2026-12-05", None, &["build"]), 1);
    assert!(
        err.contains(&format!("credsite.state.json:{line}: field `keys[0].active_to`: two keys are active on 2026-12-01")),
        "{err}"
    );
    assert!(
        err.contains("hint: the key history is written by `credsite keygen`"),
        "{err}"
    );
}

#[test]
fn key_files_that_disagree_with_the_state_are_refused() {
    let (site, _, _) = rotated_site();
    let root = site.path();
    // Someone replaced the key pair by hand.
    fs::remove_file(root.join("keys/issuer.key")).unwrap();
    fs::remove_file(root.join("keys/issuer.pub")).unwrap();
    let paths = keys::KeyPaths::new(root, None);
    keys::write_key_pair(&paths, &keys::generate().unwrap()).unwrap();
    let stray = public_key(root);
    let before = tree(&root.join("public"));
    let err = failed(&run_on(root, "2026-12-05", None, &["build"]), 1);
    assert!(
        err.contains(&format!("keys/issuer.pub: field `credsite.state.json: keys[1].public`: keys/issuer.pub holds key {stray}, which the key history in credsite.state.json does not list")),
        "{err}"
    );
    assert!(err.contains("run `credsite keygen --rotate`"), "{err}");
    assert!(
        before == tree(&root.join("public")),
        "the site is untouched"
    );
    // And a state whose keys are there but whose key files are gone entirely.
    fs::remove_file(root.join("keys/issuer.key")).unwrap();
    fs::remove_file(root.join("keys/issuer.pub")).unwrap();
    let err = failed(&run_on(root, "2026-12-05", None, &["build"]), 2);
    assert!(
        err.contains("lists 2 issuer key(s) (field `keys`)"),
        "{err}"
    );
    assert!(!root.join("keys/issuer.pub").exists(), "no new identity");
}

#[test]
fn a_tampered_key_log_entry_is_named() {
    let (site, old, _) = rotated_site();
    let root = site.path();
    let published = root.join("public/.well-known/did.jsonl");
    let log = fs::read_to_string(&published).unwrap();
    // Move the first key's start a year earlier in entry 1.
    fs::write(
        &published,
        log.replacen(
            "\"activeFrom\":\"2026-11-24\"",
            "\"activeFrom\":\"2025-11-24\"",
            1,
        ),
    )
    .unwrap();
    let out = failed(
        &run_on(
            root,
            "2026-12-05",
            None,
            &["verify", "public", "--as-of", "2026-12-05"],
        ),
        1,
    );
    assert!(
        out.contains("FAILED public/.well-known/did.jsonl: the signed key log is broken at line 1: entry 1 was changed after it was written"),
        "{out}"
    );
    // A second entry that links to another first entry: the broken link is named.
    let mut lines: Vec<String> = log.lines().map(str::to_string).collect();
    let mut second: Value = serde_json::from_str(&lines[1]).unwrap();
    second["parameters"]["previousVersionId"] = "1-0000".into();
    lines[1] = serde_json::to_string(&second).unwrap();
    fs::write(&published, lines.join("\n") + "\n").unwrap();
    let out = failed(
        &run_on(
            root,
            "2026-12-05",
            None,
            &["verify", "public", "--as-of", "2026-12-05"],
        ),
        1,
    );
    assert!(out.contains("broken at line 2"), "{out}");
    // The source copy: the build refuses a broken log, with file and line.
    let source = root.join("keys/did.jsonl");
    assert!(log.contains(&old));
    fs::write(
        &source,
        log.replacen(
            "\"activeFrom\":\"2026-11-24\"",
            "\"activeFrom\":\"2026-11-23\"",
            1,
        ),
    )
    .unwrap();
    let err = failed(&run_on(root, "2026-12-05", None, &["build"]), 1);
    assert!(
        err.contains("keys/did.jsonl:1: the signed key log is broken: entry 1 was changed"),
        "{err}"
    );
}

#[test]
fn an_encrypted_key_signs_with_the_passphrase_and_refuses_a_wrong_one() {
    let site = example_site();
    let root = site.path();
    let out = ok(&run_on(
        root,
        "2026-11-24",
        Some(PASSPHRASE),
        &["keygen", "--encrypt"],
    ));
    assert!(out.contains("encrypted with your passphrase"), "{out}");
    let sealed = fs::read_to_string(root.join("keys/issuer.key")).unwrap();
    assert!(
        sealed.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"),
        "{sealed}"
    );
    ok(&run_on(root, "2026-11-24", Some(PASSPHRASE), &["build"]));
    for (given, expected) in [
        (
            Some("not it"),
            "error: wrong passphrase for the secret key ./keys/issuer.key\n",
        ),
        (
            None,
            "error: no passphrase was given for the encrypted key ./keys/issuer.key\n",
        ),
    ] {
        let err = failed(&run_on(root, "2026-11-24", given, &["build"]), 2);
        assert!(err.contains(expected), "{err}");
        assert!(err.contains("hint: "), "{err}");
    }
    let err = failed(
        &run_on(
            root,
            "2026-11-24",
            None,
            &["key", "encrypt", "--key", "keys/issuer.key"],
        ),
        2,
    );
    assert!(
        err.contains("is already encrypted: nothing was done"),
        "{err}"
    );
    // Decrypt in place, encrypt again: the same key throughout.
    let public = public_key(root);
    ok(&run_on(
        root,
        "2026-11-24",
        Some(PASSPHRASE),
        &["key", "decrypt"],
    ));
    let plain = fs::read_to_string(root.join("keys/issuer.key")).unwrap();
    assert!(plain.starts_with("z3u2"));
    let key = keys::decode_secret(&plain).unwrap();
    assert_eq!(keys::encode_public(&key.verifying_key()), public);
    let err = failed(
        &run_on(root, "2026-11-24", Some(PASSPHRASE), &["key", "decrypt"]),
        2,
    );
    assert!(err.contains("is not encrypted: nothing was done"), "{err}");
    ok(&run_on(
        root,
        "2026-11-24",
        Some("another passphrase"),
        &["key", "encrypt"],
    ));
    let err = failed(
        &run_on(root, "2026-11-24", Some(PASSPHRASE), &["key", "decrypt"]),
        2,
    );
    assert!(err.contains("wrong passphrase"), "{err}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(root.join("keys/issuer.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

/// Every form a secret key could leak in: its Multikey, raw bytes, hex, base64
/// (padded or not, standard or URL-safe) and bare base58.
fn forms(key: &ed25519_dalek::SigningKey) -> Vec<Vec<u8>> {
    let raw = key.to_bytes();
    let b64 = base64::engine::general_purpose::STANDARD.encode(raw);
    let b64url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
    vec![
        keys::encode_secret(key).into_bytes(),
        keys::encode_secret(key).as_bytes()[1..].to_vec(),
        raw.to_vec(),
        hex::encode(raw).into_bytes(),
        hex::encode_upper(raw).into_bytes(),
        b64.trim_end_matches('=').as_bytes().to_vec(),
        b64url.into_bytes(),
        bs58::encode(raw).into_string().into_bytes(),
    ]
}

fn leaks(haystack: &[u8], secrets: &[Vec<u8>]) -> bool {
    secrets
        .iter()
        .any(|s| haystack.windows(s.len()).any(|w| w == s.as_slice()))
}

/// The secret key bytes never appear in what any command prints, nor in anything
/// written outside keys/: build, check, keygen, verify, key …, report, recover-state.
#[test]
fn secret_keys_never_appear_in_output() {
    let site = example_site();
    let root = site.path();
    let p = Some(PASSPHRASE);
    let mut outputs: Vec<(String, Output)> = Vec::new();
    let mut step = |name: &str, date: &str, pass: Option<&str>, args: &[&str]| {
        outputs.push((name.to_string(), run_on(root, date, pass, args)));
    };
    step("keygen", "2026-11-24", p, &["keygen", "--encrypt"]);
    let first_sealed = fs::read_to_string(root.join("keys/issuer.key")).unwrap();
    step("build", "2026-11-24", p, &["build"]);
    step("build wrong", "2026-11-24", Some("nope"), &["build"]);
    step("check", "2026-11-24", p, &["check"]);
    step("verify", "2026-11-24", None, &["verify", "public"]);
    step("report", "2026-11-24", None, &["report"]);
    step(
        "report json",
        "2026-11-24",
        None,
        &["report", "--format", "json"],
    );
    step("report exams", "2026-11-24", None, &["report", "exams"]);
    step("decrypt", "2026-11-24", p, &["key", "decrypt"]);
    let first =
        keys::decode_secret(&fs::read_to_string(root.join("keys/issuer.key")).unwrap()).unwrap();
    step("keygen again", "2026-11-24", None, &["keygen"]);
    step("build plain", "2026-11-24", None, &["build", "-v"]);
    step("rotate", "2026-12-01", None, &["keygen", "--rotate"]);
    let second =
        keys::decode_secret(&fs::read_to_string(root.join("keys/issuer.key")).unwrap()).unwrap();
    step("encrypt", "2026-12-01", p, &["key", "encrypt"]);
    step("encrypt again", "2026-12-01", p, &["key", "encrypt"]);
    step(
        "build rotated",
        "2026-12-02",
        p,
        &["build", "--resign", "all"],
    );
    step(
        "compromised",
        "2026-12-03",
        p,
        &["key", "compromised", "--since", "2026-12-02"],
    );
    let third_sealed = fs::read_to_string(root.join("keys/issuer.key")).unwrap();
    step("build compromised", "2026-12-03", p, &["build"]);
    step(
        "check compromised",
        "2026-12-03",
        None,
        &["check", "--key", "/nonexistent"],
    );
    step(
        "verify compromised",
        "2026-12-03",
        None,
        &["verify", "public", "--as-of", "2026-12-03"],
    );
    step(
        "verify one",
        "2026-12-03",
        None,
        &[
            "verify",
            &format!("public/{}", cred("cdpp-2025-0101", "credential.json")),
        ],
    );
    step(
        "report expiring",
        "2026-12-03",
        None,
        &["report", "expiring", "--within", "90d"],
    );
    step(
        "recover",
        "2026-12-03",
        None,
        &["recover-state", "--from", "public"],
    );
    step(
        "future",
        "2026-12-03",
        p,
        &["key", "compromised", "--since", "2027-01-01"],
    );
    step(
        "rotate back",
        "2026-12-03",
        p,
        &["keygen", "--rotate", "--date", "2026-01-01"],
    );
    assert!(
        !third_sealed.starts_with("-----BEGIN"),
        "compromised makes a plain key"
    );
    let third = keys::decode_secret(&third_sealed).unwrap();
    let mut secrets = Vec::new();
    for key in [&first, &second, &third] {
        secrets.extend(forms(key));
    }
    assert!(!first_sealed.is_empty() && !third_sealed.is_empty());
    for (name, out) in &outputs {
        assert!(
            !leaks(&out.stdout, &secrets),
            "{name}: stdout holds a secret key"
        );
        assert!(
            !leaks(&out.stderr, &secrets),
            "{name}: stderr holds a secret key"
        );
        assert!(
            !text(&out.stderr).contains(PASSPHRASE),
            "{name}: stderr holds the passphrase"
        );
    }
    let ran: Vec<bool> = outputs.iter().map(|(_, o)| o.status.success()).collect();
    assert!(ran.iter().filter(|s| **s).count() >= 15, "{ran:?}");
    for (path, bytes) in tree(root) {
        if path.starts_with("keys/") {
            continue;
        }
        assert!(!leaks(&bytes, &secrets), "{path} holds a secret key");
        assert!(
            !leaks(&bytes, &[PASSPHRASE.as_bytes().to_vec()]),
            "{path} holds the passphrase"
        );
    }
}

#[test]
fn a_retired_secret_key_that_does_not_match_its_public_key_is_refused() {
    let (site, _, _) = rotated_site();
    let root = site.path();
    let retired = root.join("keys/retired/2026-11-24-issuer.key");
    fs::remove_file(&retired).unwrap();
    let other = keys::encode_secret(&keys::generate().unwrap());
    keys::write_secret_file(&retired, &format!("{other}\n"), false).unwrap();
    let err = failed(&run_on(root, "2026-12-05", None, &["build"]), 2);
    assert!(
        err.contains("the retired secret key ./keys/retired/2026-11-24-issuer.key does not belong to the public key beside it"),
        "{err}"
    );
    assert!(!err.contains(&other), "{err}");
}

#[test]
fn a_roster_with_problems_never_holds_up_a_compromise() {
    let site = example_site();
    let root = site.path();
    ok(&run_on(root, "2026-11-24", None, &["build"]));
    let old = public_key(root);
    append(&roster(root), "bad,Jo,,cdpp,2025-02-30,,,,\n");
    let out = ok(&run_on(
        root,
        "2026-11-25",
        None,
        &["key", "compromised", "--since", "2026-11-24"],
    ));
    assert!(
        out.contains(&format!("Key {old} is marked compromised since 2026-11-24")),
        "{out}"
    );
    assert!(
        out.contains("warning: the credentials could not be listed, the site input has problems"),
        "{out}"
    );
    let state = credsite::state::State::load(root).unwrap();
    assert_eq!(state.keys[0].compromised_since, "2026-11-24".parse().ok());
    assert_eq!(state.keys.len(), 2);
}
