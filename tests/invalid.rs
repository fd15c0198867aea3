//! Bad input: a clear error naming file, line and field, and the previous site untouched.

mod common;

use std::fs;
use std::path::Path;

use common::*;

/// Takes a good built site (a copy of the example site built once for this test
/// binary), breaks it with `breakage`, and checks the build error contains every one
/// of `expected` while the previous public/ stays byte for byte the same.
fn fails_cleanly(breakage: impl FnOnce(&Path), expected: &[&str]) {
    let site = built_site_copy();
    let before = tree(&site.path().join("public"));
    assert!(
        before.contains_key("index.html") && before.contains_key("feed.json"),
        "the copy holds a built site"
    );
    breakage(site.path());
    let err = build_error(site.path());
    for part in expected {
        assert!(err.contains(part), "expected {part:?} in:\n{err}");
    }
    assert!(
        before == tree(&site.path().join("public")),
        "the previous site was changed"
    );
    let leftovers: Vec<_> = fs::read_dir(site.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.contains("staging") || n.contains(".old"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn unknown_program_id() {
    fails_cleanly(
        |root| append(&roster(root), "new-1,Jo Bloggs,,cdppx,2025-01-01,,,,\n"),
        &[
            "content/credentials/roster-2019-2026.csv:48: field `program`: unknown program id \"cdppx\"",
            "known programs: cdpp, cops, csla",
        ],
    );
}

#[test]
fn duplicate_credential_id() {
    fails_cleanly(
        |root| {
            append(
                &roster(root),
                "cdpp-2019-0001,Jo Bloggs,,cdpp,2025-01-01,,,,\n",
            )
        },
        &[
            "content/credentials/roster-2019-2026.csv:48: field `id`: duplicate credential id \"cdpp-2019-0001\", first used at content/credentials/roster-2019-2026.csv:2",
        ],
    );
}

#[test]
fn duplicate_id_across_csv_and_toml() {
    fails_cleanly(
        |root| {
            append(
                &roster(root),
                "csla-2018-0007,Jo Bloggs,,csla,2025-01-01,,,,\n",
            )
        },
        &[
            "field `id`: duplicate credential id \"csla-2018-0007\"",
            "content/credentials/manual-entries.toml:4",
        ],
    );
}

#[test]
fn ids_differing_only_in_case() {
    fails_cleanly(
        |root| {
            append(
                &roster(root),
                "CDPP-2019-0001,Jo Bloggs,,cdpp,2025-01-01,,,,\n",
            )
        },
        &[
            "content/credentials/roster-2019-2026.csv:48: field `id`: credential id \"CDPP-2019-0001\" differs only in letter case from \"cdpp-2019-0001\", first used at content/credentials/roster-2019-2026.csv:2",
        ],
    );
}

#[test]
fn a_csv_that_is_not_utf8() {
    fails_cleanly(
        |root| {
            let mut bytes = fs::read(roster(root)).unwrap();
            bytes.extend_from_slice(b"new-1,Jos\xe9 Ruiz,,cdpp,2025-01-01,,,,\n");
            fs::write(roster(root), bytes).unwrap();
        },
        &[
            "roster-2019-2026.csv:48: the file is not UTF-8 text",
            "CSV UTF-8",
        ],
    );
}

#[test]
fn malformed_date() {
    fails_cleanly(
        |root| append(&roster(root), "new-1,Jo Bloggs,,cdpp,01/02/2025,,,,\n"),
        &[
            "content/credentials/roster-2019-2026.csv:48: field `issued`: malformed date \"01/02/2025\": expected YYYY-MM-DD",
        ],
    );
}

#[test]
fn malformed_date_in_toml() {
    fails_cleanly(
        |root| {
            append(
                &root.join("content/credentials/manual-entries.toml"),
                "\n[[credential]]\nid = \"t-9\"\nholder_name = \"T\"\nprogram = \"cops\"\nissued = \"2025-02-30\"\n",
            )
        },
        &[
            "content/credentials/manual-entries.toml:45: field `issued`: malformed date \"2025-02-30\"",
        ],
    );
}

#[test]
fn missing_required_column() {
    fails_cleanly(
        |root| {
            fs::write(
                root.join("content/credentials/extra.csv"),
                "id,holder_name,issued\nx-1,Jo,2025-01-01\n",
            )
            .unwrap()
        },
        &["content/credentials/extra.csv:1: field `program`: missing required column \"program\""],
    );
}

#[test]
fn id_with_a_slash() {
    fails_cleanly(
        |root| append(&roster(root), "new/1,Jo Bloggs,,cdpp,2025-01-01,,,,\n"),
        &[
            "content/credentials/roster-2019-2026.csv:48: field `id`: invalid credential id \"new/1\"",
            "no '/', no '..'",
        ],
    );
}

#[test]
fn id_with_dot_dot() {
    fails_cleanly(
        |root| append(&roster(root), "..,Jo Bloggs,,cdpp,2025-01-01,,,,\n"),
        &["content/credentials/roster-2019-2026.csv:48: field `id`: invalid credential id \"..\""],
    );
}

#[test]
fn program_id_with_path_tricks() {
    fails_cleanly(
        |root| {
            let path = root.join("content/programs/cops.md");
            let text = fs::read_to_string(&path)
                .unwrap()
                .replace("id = \"cops\"", "id = \"../../etc\"");
            fs::write(path, text).unwrap();
        },
        &["content/programs/cops.md:2: field `id`: invalid program id \"../../etc\""],
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    fails_cleanly(
        |root| {
            append(
                &roster(root),
                "a/b,Jo,,cdpp,2025-01-01,,,,\nc-1,Jo,,nope,2025-01-01,,,,\nc-2,Jo,,cdpp,2025-13-01,,,,\n",
            )
        },
        &[
            "found 3 problems",
            ":48: field `id`",
            ":49: field `program`",
            ":50: field `issued`",
        ],
    );
}

#[cfg(unix)]
#[test]
fn world_readable_secret_key() {
    use std::os::unix::fs::PermissionsExt;
    fails_cleanly(
        |root| {
            fs::set_permissions(
                root.join("keys/issuer.key"),
                fs::Permissions::from_mode(0o644),
            )
            .unwrap()
        },
        &[
            "keys/issuer.key can be read by other users (mode 644)",
            "chmod 600",
        ],
    );
}

#[test]
fn unreadable_secret_key() {
    fails_cleanly(
        |root| {
            let key = root.join("keys/issuer.key");
            fs::remove_file(&key).unwrap();
            fs::create_dir(&key).unwrap();
        },
        &["cannot read the secret key", "keys/issuer.key"],
    );
}

#[test]
fn damaged_secret_key() {
    fails_cleanly(
        |root| {
            let key = root.join("keys/issuer.key");
            let text = fs::read_to_string(&key).unwrap().replace('z', "Q");
            fs::write(key, text).unwrap();
        },
        &["keys/issuer.key does not hold an issuer secret key"],
    );
}

#[test]
fn missing_secret_key_with_public_key_present() {
    fails_cleanly(
        |root| fs::remove_file(root.join("keys/issuer.key")).unwrap(),
        &[
            "keys/issuer.pub exists but its secret key",
            "is missing: refusing to create a new issuer identity",
        ],
    );
}

#[test]
fn broken_template() {
    fails_cleanly(
        |root| {
            fs::create_dir_all(root.join("templates")).unwrap();
            fs::write(root.join("templates/program.html"), "{% extends \"base.html\" %}{% block content %}{{ program.name {% endblock content %}").unwrap();
        },
        &["cannot load the theme templates", "templates/program.html"],
    );
}

#[test]
fn bad_config() {
    fails_cleanly(
        |root| {
            let path = root.join("credsite.toml");
            let text = fs::read_to_string(&path)
                .unwrap()
                .replace("https://registry", "ftp://registry");
            fs::write(path, text).unwrap();
        },
        &["credsite.toml:3: field `base_url`", "must be an https URL"],
    );
}
