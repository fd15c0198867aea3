//! The credential lifecycle (issue 9): the status log's rules, renewals, the status
//! lists, and the promise that a change of status changes no signed credential.

mod common;

use std::fs;
use std::path::Path;

use common::*;
use credsite::state::{STATE_FILE, State};
use credsite::vc::status_list;
use serde_json::Value;

fn status_log(root: &Path) -> std::path::PathBuf {
    root.join("content/status.csv")
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

/// Is the bit of `purpose` set for credential `id` in the built site at `root`?
fn bit(root: &Path, id: &str, purpose: &str) -> bool {
    let public = root.join("public");
    let c = json(&public.join(cred(id, "credential.json")));
    let entry = c["credentialStatus"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["statusPurpose"] == purpose)
        .unwrap();
    let url = entry["statusListCredential"].as_str().unwrap();
    let rel = url
        .strip_prefix("https://registry.harbourline.example/")
        .unwrap();
    let list = json(&public.join(rel));
    assert_eq!(list["credentialSubject"]["statusPurpose"], purpose);
    let bits =
        status_list::decode(list["credentialSubject"]["encodedList"].as_str().unwrap()).unwrap();
    assert!(bits.len() * 8 >= 131_072, "at least 131,072 entries");
    let index: usize = entry["statusListIndex"].as_str().unwrap().parse().unwrap();
    status_list::get(&bits, index).unwrap()
}

#[test]
fn the_example_lists_say_exactly_who_is_revoked_and_suspended() {
    let root = built_site();
    let ids: Vec<String> = credsite::walk::credential_folders(&root.join("public"))
        .unwrap()
        .into_iter()
        .map(|(_, slug)| slug)
        .collect();
    assert_eq!(ids.len(), 52);
    let revoked: Vec<&String> = ids
        .iter()
        .filter(|id| bit(root, id, "revocation"))
        .collect();
    let suspended: Vec<&String> = ids
        .iter()
        .filter(|id| bit(root, id, "suspension"))
        .collect();
    let mut revoked: Vec<&str> = revoked.iter().map(|s| s.as_str()).collect();
    revoked.sort();
    let mut suspended: Vec<&str> = suspended.iter().map(|s| s.as_str()).collect();
    suspended.sort();
    assert_eq!(revoked, ["cdpp-2021-0003", "cdpp-2024-0002"]);
    assert_eq!(
        suspended,
        ["cops-2024-0002", "csla-2022-0001"],
        "cdpp-2022-0001 was suspended, then reinstated"
    );
    let list = json(&root.join("public/status/revocation-1.json"));
    assert_eq!(
        list["type"],
        serde_json::json!(["VerifiableCredential", "BitstringStatusListCredential"])
    );
    assert_eq!(list["validFrom"], "2026-11-24T00:00:00Z");
    assert_eq!(
        list["validUntil"], "2026-12-24T00:00:00Z",
        "30 days by default"
    );
    assert_eq!(list["credentialSubject"]["ttl"], 2_592_000_000u64);
    let headers = fs::read_to_string(root.join("public/_headers")).unwrap();
    assert!(headers.contains("/status/*\n  Cache-Control: public, max-age=2592000"));
}

#[test]
fn pages_say_what_is_true_with_reason_and_history() {
    let public = built_site().join("public");
    let page = |id: &str| fs::read_to_string(public.join(cred(id, "index.html"))).unwrap();
    let revoked = page("cdpp-2021-0003");
    assert!(revoked.contains("status-revoked"), "{revoked}");
    assert!(revoked.contains("Revoked on 2024-09-30"));
    assert!(revoked.contains("Breach of the Code of Ethics (disciplinary case 2024-07)"));
    let suspended = page("cops-2024-0002");
    assert!(suspended.contains("Suspended since 2026-02-10"));
    assert!(suspended.contains("Pending an ethics investigation"));
    let reinstated = page("cdpp-2022-0001");
    assert!(reinstated.contains("status-valid") || reinstated.contains("status-expired"));
    assert!(reinstated.contains("suspended. Annual certification fee unpaid"));
    assert!(reinstated.contains("reinstated. Fee paid in full"));
    let renewed = page("csla-2021-0001");
    assert!(renewed.contains("status-replaced"), "{renewed}");
    assert!(renewed.contains(&format!("href=\"../../../{}\"", cred("csla-2024-0101", ""))));
    let renewal = page("csla-2024-0101");
    assert!(renewal.contains("<dt>Renews</dt>"));
    assert!(renewal.contains(&format!("href=\"../../../{}\"", cred("csla-2021-0001", ""))));
    for page in [revoked, suspended, renewed] {
        assert!(page.contains("status as of 2026-11-24"));
    }
    let listing = fs::read_to_string(public.join("programs/cdpp/index.html")).unwrap();
    assert!(
        listing.contains("Revoked 2024-09-30"),
        "listings show each status"
    );
}

#[test]
fn a_change_of_status_changes_no_signed_credential() {
    let site = built_site_copy();
    let root = site.path();
    let before = tree(&root.join("public"));
    append(
        &status_log(root),
        "cdpp-2025-0101,2026-11-20,revoke,Certificate obtained by fraud\ncops-2025-0001,2026-11-21,suspend,Fees unpaid\ncops-2024-0002,2026-11-22,reinstate,Investigation closed\n",
    );
    build(root);
    let after = tree(&root.join("public"));
    let mut changed: Vec<&String> = before.keys().filter(|k| before[*k] != after[*k]).collect();
    changed.sort();
    assert!(
        !changed.iter().any(|k| k.ends_with("credential.json")),
        "{changed:?}"
    );
    for expected in [
        "status/revocation-1.json",
        "status/suspension-1.json",
        "feed.json",
        "programs/cdpp/index.html",
        "manifest.json",
        &cred("cdpp-2025-0101", "index.html"),
        &cred("cops-2025-0001", "index.html"),
        &cred("cops-2024-0002", "index.html"),
    ] {
        assert!(
            changed.iter().any(|k| *k == expected),
            "{expected} in {changed:?}"
        );
    }
    assert!(bit(root, "cdpp-2025-0101", "revocation"));
    assert!(bit(root, "cops-2025-0001", "suspension"));
    assert!(!bit(root, "cops-2024-0002", "suspension"));
}

/// Breaks the status log (or records) and checks the error and that the previous site
/// and the state are untouched.
fn refused(breakage: impl FnOnce(&Path), expected: &[&str]) {
    let site = built_site_copy();
    let root = site.path();
    let before = tree(&root.join("public"));
    breakage(root);
    let state = fs::read(root.join(STATE_FILE)).unwrap();
    let err = build_error(root);
    for part in expected {
        assert!(err.contains(part), "expected {part:?} in:\n{err}");
    }
    assert!(
        before == tree(&root.join("public")),
        "the previous site was changed"
    );
    assert!(
        fs::read(root.join(STATE_FILE)).unwrap() == state,
        "the state was changed"
    );
}

#[test]
fn an_event_for_an_unknown_id() {
    refused(
        |root| append(&status_log(root), "nobody-1,2025-01-01,revoke,x\n"),
        &["content/status.csv:8: field `id`: unknown credential id \"nobody-1\""],
    );
}

#[test]
fn revoking_twice() {
    refused(
        |root| {
            append(
                &status_log(root),
                "cdpp-2021-0003,2025-01-01,revoke,again\n",
            )
        },
        &[
            "content/status.csv:8: field `action`: \"cdpp-2021-0003\" was revoked on 2024-09-30 (line 4): revocation is final",
        ],
    );
}

#[test]
fn reinstating_what_was_never_suspended() {
    refused(
        |root| append(&status_log(root), "cdpp-2025-0101,2026-01-01,reinstate,x\n"),
        &[
            "content/status.csv:8: field `action`: \"cdpp-2025-0101\" is not suspended: only a suspended credential can be reinstated",
        ],
    );
}

#[test]
fn suspending_twice() {
    refused(
        |root| append(&status_log(root), "cops-2024-0002,2026-03-01,suspend,x\n"),
        &["\"cops-2024-0002\" is already suspended"],
    );
}

#[test]
fn an_event_before_issue_or_after_the_build_date_or_out_of_order() {
    refused(
        |root| append(&status_log(root), "cdpp-2025-0101,2025-01-01,suspend,x\n"),
        &[
            "content/status.csv:8: field `date`: 2025-01-01 is before the credential was issued (2025-09-01)",
        ],
    );
    refused(
        |root| append(&status_log(root), "cdpp-2025-0101,2026-12-01,suspend,x\n"),
        &["content/status.csv:8: field `date`: 2026-12-01 is after the build date 2026-11-24"],
    );
    refused(
        |root| append(&status_log(root), "cops-2024-0002,2026-01-01,reinstate,x\n"),
        &[
            "2026-01-01 is before the previous event of \"cops-2024-0002\" (2026-02-10, line 6)",
            "date order",
        ],
    );
}

#[test]
fn a_malformed_status_line() {
    refused(
        |root| {
            append(
                &status_log(root),
                "cdpp-2025-0101,2026-01-01,delete,x\ncdpp-2025-0101,2026-01-01,revoke,\n",
            )
        },
        &[
            "content/status.csv:8: field `action`: unknown action \"delete\"",
            "content/status.csv:9: field `reason`: is required and empty",
        ],
    );
}

#[test]
fn a_duplicate_replaces_and_a_loop() {
    let renewals = |root: &Path| root.join("content/credentials/renewals.toml");
    refused(
        |root| {
            append(
                &renewals(root),
                "\n[[credential]]\nid = \"csla-2024-0102\"\nholder_name = \"Chidi MacLeod\"\nprogram = \"csla\"\nissued = 2024-02-01\nreplaces = \"csla-2021-0001\"\n",
            )
        },
        &[
            "content/credentials/renewals.toml:33: field `replaces`: credential \"csla-2021-0001\" is already replaced by \"csla-2024-0101\"",
        ],
    );
    refused(
        |root| {
            let text = fs::read_to_string(renewals(root))
                .unwrap()
                .replace(
                    "issued = 2024-01-05\n",
                    "issued = 2024-01-05\nreplaces = \"csla-2024-0101\"\n",
                )
                .replacen("replaces = \"csla-2021-0001\"\n", "", 1);
            fs::write(renewals(root), text).unwrap();
        },
        &["cannot replace itself"],
    );
    refused(
        |root| {
            let roster = roster(root);
            let text = fs::read_to_string(&roster).unwrap();
            let text = text.replacen("\n", ",replaces\n", 1);
            // Every other row gets an empty `replaces`; csla-2021-0001 replaces its renewal.
            let text: String = text
                .lines()
                .enumerate()
                .map(|(i, l)| match i {
                    0 => format!("{l}\n"),
                    _ if l.starts_with("csla-2021-0001,") => format!("{l},csla-2024-0101\n"),
                    _ => format!("{l},\n"),
                })
                .collect();
            fs::write(roster, text).unwrap();
        },
        &["replacements loop: csla-2021-0001 -> csla-2024-0101 -> csla-2021-0001"],
    );
}

#[test]
fn a_state_without_the_entry_of_a_published_credential() {
    refused(
        |root| {
            let mut state = State::load(root).unwrap();
            state.credentials.remove("cdpp-2025-0101");
            state.save(root).unwrap();
        },
        &[
            "credential \"cdpp-2025-0101\" is published in",
            "has no entry for it",
            "credsite recover-state",
        ],
    );
}

#[test]
fn a_state_without_the_entry_of_a_credential_published_under_the_old_layout() {
    let site = built_site_copy();
    let root = site.path();
    // As a site last built by credsite 0.1: credentials/<id>/, no c/.
    let public = root.join("public");
    let legacy = public.join("credentials/cdpp-2025-0101");
    fs::create_dir_all(&legacy).unwrap();
    fs::write(legacy.join("credential.json"), "{}").unwrap();
    fs::remove_dir_all(public.join("c")).unwrap();
    let mut state = State::load(root).unwrap();
    state.credentials.remove("cdpp-2025-0101");
    state.save(root).unwrap();
    let before = tree(&public);
    let err = build_error(root);
    assert!(
        err.contains("credential \"cdpp-2025-0101\" is published in")
            && err.contains("has no entry for it"),
        "{err}"
    );
    assert!(before == tree(&public), "the previous site was changed");
}

#[test]
fn a_state_edited_into_a_conflict() {
    refused(
        |root| {
            let path = root.join(STATE_FILE);
            let state = State::load(root).unwrap();
            let a = &state.credentials["cdpp-2025-0101"];
            let b = &state.credentials["cops-2025-0001"];
            let text = fs::read_to_string(&path).unwrap().replace(
                &format!("\"status_index\":{},", b.status_index),
                &format!("\"status_index\":{},", a.status_index),
            );
            fs::write(path, text).unwrap();
        },
        &[
            "credsite.state.json: credential",
            "shares status list 1 slot",
        ],
    );
}

/// The feed lists items oldest first by date, then by `id` as a string, whatever the
/// id ends with: `#event-10` sorts before `#event-2`, and a credential's events after
/// its `credential.json` on the same day. Archive pages depend on this order never
/// changing.
#[test]
fn the_feed_orders_items_by_date_then_id_as_strings() {
    let site = example_site();
    let root = site.path();
    let mut log = fs::read_to_string(status_log(root)).unwrap();
    for n in 0..11 {
        let action = if n % 2 == 0 { "suspend" } else { "reinstate" };
        log.push_str(&format!("cdpp-2023-0001,2023-08-08,{action},Check {n}\n"));
    }
    fs::write(status_log(root), log).unwrap();
    build(root);
    let feed = json(&root.join("public/feed.json"));
    let items: Vec<(String, String)> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|item| {
            (
                item["date_published"].as_str().unwrap().to_string(),
                item["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut sorted = items.clone();
    sorted.sort();
    assert_eq!(items, sorted);
    let ids: Vec<&str> = items
        .iter()
        .filter(|(date, id)| date.starts_with("2023-08-08") && id.contains("cdpp-2023-0001"))
        .map(|(_, id)| id.rsplit('/').next().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "#event-1",
            "#event-10",
            "#event-11",
            "#event-2",
            "#event-3",
            "#event-4",
            "#event-5",
            "#event-6",
            "#event-7",
            "#event-8",
            "#event-9",
            "credential.json"
        ]
    );
}
