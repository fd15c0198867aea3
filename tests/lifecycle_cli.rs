//! The lifecycle from the command line: `revoke`, `suspend` and `reinstate` append to
//! the status log after checking it, `build` publishes the status lists, and
//! `verify` reads them back (offline) and reports each credential's status.

mod common;

use std::fs;
use std::path::Path;

use common::*;

/// Runs a command and returns (exit code, stdout, stderr).
fn run(root: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = credsite(root, args);
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

/// Runs a command that must succeed; returns its stderr.
fn ok(root: &Path, args: &[&str]) -> String {
    let (code, stdout, stderr) = run(root, args);
    assert_eq!(code, Some(0), "{args:?}\n{stdout}\n{stderr}");
    stderr
}

fn status_log(root: &Path) -> Vec<u8> {
    fs::read(root.join("content/status.csv")).unwrap()
}

fn credential(id: &str) -> String {
    format!("public/{}", cred(id, "credential.json"))
}

/// A credential that is valid on 2026-11-24 and has no status event.
const VALID: &str = "cdpp-2025-0101";

#[test]
fn a_revoked_credential_is_reported_revoked_after_the_build() {
    let site = built_site_copy();
    let root = site.path();
    let (code, stdout, _) = run(root, &["verify", &credential(VALID)]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("(1 valid, 0 expired, 0 suspended, 0 revoked, 0 unknown as of 2026-11-24) and 2 status lists; 0 failed"), "{stdout}");

    let stderr = ok(
        root,
        &["revoke", VALID, "--reason", "Certificate obtained by fraud"],
    );
    assert!(
        stderr.contains(&format!("revoked {VALID} on 2026-11-24")),
        "{stderr}"
    );
    assert!(
        stderr.contains("run `credsite build` to publish it"),
        "{stderr}"
    );
    assert!(text(&status_log(root)).ends_with(&format!(
        "{VALID},2026-11-24,revoke,Certificate obtained by fraud\n"
    )));
    ok(root, &["build"]);

    let (code, stdout, _) = run(root, &["verify", "public"]);
    assert_eq!(code, Some(1), "revoked credentials fail: {stdout}");
    assert!(
        stdout.contains(&format!("REVOKED {}\n", credential(VALID))),
        "{stdout}"
    );
    for id in ["cdpp-2021-0003", "cdpp-2024-0002"] {
        assert!(
            stdout.contains(&format!("REVOKED {}\n", credential(id))),
            "{stdout}"
        );
    }
    assert!(
        stdout.contains("3 revoked, 0 unknown as of 2026-11-24), the feed, 2 status lists and the manifest (221 files, all present and unchanged); 0 failed; issuer did:web:registry.harbourline.example"),
        "{stdout}"
    );
    let (code, stdout, _) = run(root, &["verify", &credential(VALID)]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.starts_with(&format!("REVOKED {}\n", credential(VALID))));
}

#[test]
fn a_suspension_passes_unless_strict_and_a_reinstatement_restores_it() {
    let site = built_site_copy();
    let root = site.path();
    let file = credential(VALID);
    ok(
        root,
        &["suspend", VALID, "--reason", "Pending an investigation"],
    );
    ok(root, &["build"]);
    let (code, stdout, _) = run(root, &["verify", &file]);
    assert_eq!(code, Some(0), "a suspension alone passes: {stdout}");
    assert!(stdout.contains(&format!("SUSPENDED {file}\n")), "{stdout}");
    assert!(
        stdout.contains("(0 valid, 0 expired, 1 suspended"),
        "{stdout}"
    );
    let (code, stdout, _) = run(root, &["verify", &file, "--strict"]);
    assert_eq!(code, Some(1), "--strict fails a suspension: {stdout}");
    let (code, stdout, _) = run(root, &["verify", "public"]);
    assert_eq!(code, Some(1), "the example site has revocations: {stdout}");
    assert!(stdout.contains("3 suspended, 2 revoked"), "{stdout}");

    // The same day is fine: events of one day keep their order.
    ok(
        root,
        &["reinstate", VALID, "--reason", "Investigation closed"],
    );
    ok(root, &["build"]);
    let (code, stdout, _) = run(root, &["verify", &file, "--strict"]);
    assert_eq!(code, Some(0), "valid again: {stdout}");
    assert!(
        stdout.starts_with("Verified 1 credential (1 valid, 0 expired, 0 suspended, 0 revoked, 0 unknown as of 2026-11-24)"),
        "{stdout}"
    );

    // An expired credential passes, except with --strict.
    let expired = credential("cdpp-2019-0001");
    let (code, stdout, _) = run(root, &["verify", &expired]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains(&format!("EXPIRED {expired}\n")), "{stdout}");
    let (code, _, _) = run(root, &["verify", &expired, "--strict"]);
    assert_eq!(code, Some(1));
}

#[test]
fn refused_events_leave_the_log_untouched() {
    let site = example_site();
    let root = site.path();
    let before = status_log(root);
    let refused = |args: &[&str], expected: &str| {
        let (code, stdout, stderr) = run(root, args);
        assert_eq!(code, Some(1), "{args:?}: {stdout}{stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert_eq!(status_log(root), before, "{args:?} changed the log");
    };
    refused(
        &["revoke", "cdpp-2021-0003", "--reason", "Again"],
        "content/status.csv:8: field `action`: \"cdpp-2021-0003\" was revoked on 2024-09-30 (line 4): revocation is final",
    );
    refused(
        &["reinstate", VALID, "--reason", "Never suspended"],
        "\"cdpp-2025-0101\" is not suspended: only a suspended credential can be reinstated",
    );
    refused(
        &["suspend", "cops-2024-0002", "--reason", "Twice"],
        "\"cops-2024-0002\" is already suspended",
    );
    refused(
        &["revoke", "nobody-1", "--reason", "Unknown"],
        "field `id`: unknown credential id \"nobody-1\"",
    );
    refused(
        &[
            "suspend",
            VALID,
            "--reason",
            "Early",
            "--date",
            "2020-01-01",
        ],
        "2020-01-01 is before the credential was issued",
    );
    refused(
        &[
            "suspend",
            VALID,
            "--reason",
            "Later",
            "--date",
            "2026-12-01",
        ],
        "2026-12-01 is after the build date 2026-11-24",
    );
    // Revoking twice: the second is refused.
    ok(
        root,
        &["revoke", VALID, "--reason", "Fraud", "--date", "2026-01-05"],
    );
    let after_first = status_log(root);
    let (code, _, stderr) = run(root, &["revoke", VALID, "--reason", "Fraud again"]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("revocation is final"), "{stderr}");
    assert_eq!(status_log(root), after_first);
    // A reason is required.
    let (code, _, stderr) = run(root, &["suspend", VALID, "--reason", " "]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("a reason is required"), "{stderr}");
    let (code, _, _) = run(root, &["suspend", VALID]);
    assert_eq!(code, Some(2));
    assert_eq!(status_log(root), after_first);
}

#[test]
fn a_reason_with_commas_and_quotes_round_trips() {
    let site = example_site();
    let root = site.path();
    let reason = "Fees unpaid, \"second\" notice; see case 7, part 2";
    ok(
        root,
        &["suspend", VALID, "--reason", reason, "--date", "2026-03-01"],
    );
    let log = text(&status_log(root));
    assert!(
        log.ends_with(
            "cdpp-2025-0101,2026-03-01,suspend,\"Fees unpaid, \"\"second\"\" notice; see case 7, part 2\"\n"
        ),
        "{log}"
    );
    let (events, problems) = credsite::load::status::parse(&log, Path::new("content/status.csv"));
    assert!(problems.is_empty(), "{problems:?}");
    let last = events.last().unwrap();
    assert_eq!(
        (last.id.as_str(), last.reason.as_str(), last.origin.line),
        (VALID, reason, 8)
    );
    ok(root, &["build"]);
    let page =
        fs::read_to_string(root.join(format!("public/{}", cred("cdpp-2025-0101", "index.html"))))
            .unwrap();
    assert!(
        page.contains("Fees unpaid, &quot;second&quot; notice; see case 7, part 2")
            || page.contains("Fees unpaid, \"second\" notice; see case 7, part 2"),
        "the page shows the reason"
    );
}

#[test]
fn a_missing_log_is_created_with_its_header_and_a_last_line_is_ended() {
    let site = example_site();
    let root = site.path();
    let log = root.join("content/status.csv");
    fs::remove_file(&log).unwrap();
    ok(root, &["suspend", VALID, "--reason", "Fees unpaid"]);
    assert_eq!(
        text(&status_log(root)),
        "id,date,action,reason\ncdpp-2025-0101,2026-11-24,suspend,Fees unpaid\n"
    );
    let without_newline = text(&status_log(root)).trim_end().to_string();
    fs::write(&log, &without_newline).unwrap();
    ok(root, &["reinstate", VALID, "--reason", "Paid"]);
    assert_eq!(
        text(&status_log(root)),
        format!("{without_newline}\ncdpp-2025-0101,2026-11-24,reinstate,Paid\n")
    );
}

/// Changes one character in the middle of a string member of a status list.
fn tamper(path: &Path, pointer: &str) {
    let mut doc: serde_json::Value = serde_json::from_slice(&fs::read(path).unwrap()).unwrap();
    let value = doc.pointer_mut(pointer).unwrap();
    let mut chars: Vec<char> = value.as_str().unwrap().chars().collect();
    let i = chars.len() / 2;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    *value = serde_json::Value::String(chars.into_iter().collect());
    fs::write(path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
}

#[test]
fn a_tampered_status_list_makes_every_status_unknown() {
    // A revocation read from a list that verified stands; nothing else does.
    // The encoded list breaks both proofs (the first, jcs, is named); a changed
    // signature of the second proof, eddsa-rdfc-2022, is caught by that proof alone.
    for (list, pointer, suite, counts) in [
        (
            "revocation-1.json",
            "/credentialSubject/encodedList",
            "eddsa-jcs-2022",
            "(0 valid, 0 expired, 0 suspended, 0 revoked, 52 unknown as of 2026-11-24)",
        ),
        (
            "suspension-1.json",
            "/proof/1/proofValue",
            "eddsa-rdfc-2022",
            "(0 valid, 0 expired, 0 suspended, 2 revoked, 50 unknown as of 2026-11-24)",
        ),
    ] {
        let site = built_site_copy();
        let root = site.path();
        let path = root.join("public/status").join(list);
        tamper(&path, pointer);
        let (code, stdout, _) = run(root, &["verify", "public"]);
        assert_eq!(code, Some(1), "{stdout}");
        assert!(
            stdout.contains(&format!(
                "FAILED public/status/{list}: {suite} proof: the signature does not match the document"
            )),
            "{stdout}"
        );
        assert!(
            // The signature fails, and the signed manifest says the file changed.
            stdout.contains(&format!("{counts}, the feed and 1 status list; 2 failed")),
            "{list}: {stdout}"
        );
        assert!(
            stdout.contains(&format!(
                "UNKNOWN {}: status could not be checked: the status list public/status/{list} is invalid: ",
                credential(VALID)
            )),
            "{stdout}"
        );
        let (code, stdout, _) = run(root, &["verify", &credential(VALID)]);
        assert_eq!(code, Some(1), "{stdout}");
        assert!(stdout.contains("1 unknown"), "{stdout}");
    }
}

#[test]
fn a_status_list_past_its_valid_until_makes_every_status_unknown() {
    let root = built_site();
    let (code, stdout, _) = run(root, &["verify", "public", "--as-of", "2027-01-03"]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("NOT IN FORCE public/status/revocation-1.json: it was valid until 2026-12-24 00:00:00 UTC, before 2027-01-03: the issuer must rebuild and publish the site"),
        "{stdout}"
    );
    assert!(
        stdout.contains("(0 valid, 0 expired, 0 suspended, 0 revoked, 52 unknown as of 2027-01-03), the feed and the manifest (221 files, all present and unchanged); 0 failed"),
        "{stdout}"
    );
    // Still in force on its last day.
    let (_, stdout, _) = run(root, &["verify", "public", "--as-of", "2026-12-24"]);
    assert!(stdout.contains("0 unknown as of 2026-12-24"), "{stdout}");
    // Without status, only the dates count.
    let (code, stdout, _) = run(
        root,
        &["verify", "public", "--as-of", "2027-01-03", "--no-status"],
    );
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("status not checked"), "{stdout}");
}

#[test]
fn a_credential_copied_out_of_the_site_needs_the_site_for_its_status() {
    let root = built_site();
    let elsewhere = tempfile::tempdir().unwrap();
    let dir = elsewhere.path();
    for (id, name) in [(VALID, "valid.json"), ("cdpp-2021-0003", "revoked.json")] {
        fs::copy(root.join(credential(id)), dir.join(name)).unwrap();
    }
    fs::copy(
        root.join("public/.well-known/did.json"),
        dir.join("issuer-did.json"),
    )
    .unwrap();
    let public = root.join("public");
    let public = public.to_str().unwrap();

    let (code, stdout, _) = run(dir, &["verify", "valid.json", "--did", "issuer-did.json"]);
    assert_eq!(code, Some(1), "an unchecked status fails: {stdout}");
    assert!(
        stdout.contains("UNKNOWN valid.json: status could not be checked: no copy of the status list https://registry.harbourline.example/status/revocation-1.json"),
        "{stdout}"
    );
    assert!(
        stdout.contains("hint: give the issuer's built site with --site DIR"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Verified 1 credential (0 valid, 0 expired, 0 suspended, 0 revoked, 1 unknown as of 2026-11-24); 0 failed"),
        "{stdout}"
    );

    let (code, stdout, _) = run(
        dir,
        &[
            "verify",
            "valid.json",
            "--did",
            "issuer-did.json",
            "--site",
            public,
        ],
    );
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("(1 valid,"), "{stdout}");
    let (code, stdout, _) = run(dir, &["verify", "revoked.json", "--site", public]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.starts_with("REVOKED revoked.json\n"), "{stdout}");
    assert!(
        stdout.contains("keys from "),
        "the DID document of the site given"
    );

    // The built site of --root is looked in too.
    let (code, stdout, _) = run(
        dir,
        &[
            "verify",
            "revoked.json",
            "--did",
            "issuer-did.json",
            "--root",
            root.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.starts_with("REVOKED revoked.json\n"), "{stdout}");

    // Signature and dates only, on purpose.
    let (code, stdout, _) = run(
        dir,
        &[
            "verify",
            "valid.json",
            "--did",
            "issuer-did.json",
            "--no-status",
        ],
    );
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.contains(
            "Verified 1 credential (0 expired as of 2026-11-24; status not checked); 0 failed"
        ),
        "{stdout}"
    );
}

#[test]
fn a_list_published_under_another_name_is_refused() {
    // An authentic revocation list in the suspension list's place would say that
    // no suspended credential is suspended: its id names its own URL.
    let site = built_site_copy();
    let root = site.path();
    fs::copy(
        root.join("public/status/revocation-1.json"),
        root.join("public/status/suspension-1.json"),
    )
    .unwrap();
    let (code, stdout, _) = run(root, &["verify", "public"]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("FAILED public/status/suspension-1.json: its id is https://registry.harbourline.example/status/revocation-1.json, not https://registry.harbourline.example/status/suspension-1.json"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("SUSPENDED") && stdout.contains("2 revoked, 50 unknown"),
        "{stdout}"
    );
}
