//! Building the example site: it verifies, it is reproducible, tampering is caught,
//! and nothing secret or unescaped reaches the output.
//!
//! The example site is built once for the whole binary ([`built_site`]); the tests that
//! only read it share that build, a test that changes the built site works on its own
//! copy ([`built_site_copy`]), and a test that changes the input builds its own site.

mod common;

use std::fs;

use common::*;
use credsite::issuer::keys;
use credsite::vc::verify::verify_path;
use serde_json::Value;

#[test]
fn example_site_builds_and_verifies() {
    let report = built_report();
    assert_eq!(report.programs, 3);
    assert!(report.credentials >= 45, "{}", report.credentials);
    assert!(report.expired > 0, "the example has expired credentials");
    assert_eq!(report.key, credsite::issuer::KeySource::Created);
    let public = built_site().join("public");
    for rel in [
        "index.html",
        "404.html",
        "feed.json",
        ".well-known/did.json",
        "style.css",
        "logo.svg",
        "programs/cdpp/index.html",
    ] {
        assert!(public.join(rel).is_file(), "{rel} missing");
    }
    let folder = public.join(cred("cdpp-2021-0099", ""));
    let mut files: Vec<String> = fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        ["credential.json", "index.html"],
        "two files per credential"
    );
    let verified = verify_path(&public, None, as_of()).unwrap();
    assert!(verified.ok(), "{:?}", verified.failures);
    assert_eq!(
        verified.verified.len(),
        report.credentials,
        "every credential"
    );
    assert_eq!(verified.feed_pages.len(), 1, "the feed");
    assert_eq!(verified.manifest_files, Some(report.files as usize - 1));
}

#[test]
fn credentials_have_the_open_badges_shape_and_record_dates() {
    let site = built_site();
    let text = fs::read_to_string(site.join(format!(
        "public/{}",
        cred("cdpp-2021-0099", "credential.json")
    )))
    .unwrap();
    let c: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        c["type"],
        serde_json::json!(["VerifiableCredential", "OpenBadgeCredential"])
    );
    assert_eq!(c["@context"][0], "https://www.w3.org/ns/credentials/v2");
    assert_eq!(c["issuer"]["id"], "did:web:registry.harbourline.example");
    assert_eq!(c["validFrom"], "2021-02-15T00:00:00Z");
    assert_eq!(
        c["validUntil"], "2023-02-15T23:59:59Z",
        "an explicit expiry wins over the program validity"
    );
    assert_eq!(
        c["@context"],
        serde_json::json!([
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
        ]),
        "the extensions context defines credentialSchema's type"
    );
    let proofs = c["proof"].as_array().expect("a proof set (array)");
    let suites: Vec<&str> = proofs
        .iter()
        .map(|p| p["cryptosuite"].as_str().unwrap())
        .collect();
    assert_eq!(suites, ["eddsa-jcs-2022", "eddsa-rdfc-2022"]);
    for proof in proofs {
        assert_eq!(
            proof["created"], "2021-02-15T00:00:00Z",
            "created comes from the record, not the clock"
        );
    }
    let method = c["proof"][0]["verificationMethod"].as_str().unwrap();
    assert!(
        method.starts_with("did:web:registry.harbourline.example#z6Mk"),
        "{method}"
    );
    assert_eq!(
        c["credentialSubject"]["achievement"]["name"],
        "Certified Data Protection Practitioner"
    );

    // Default expiry: issued + program validity (3 years).
    let c: Value = serde_json::from_str(
        &fs::read_to_string(site.join(format!(
            "public/{}",
            cred("cdpp-2025-0101", "credential.json")
        )))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(c["validUntil"], "2028-09-01T23:59:59Z");
    let page =
        fs::read_to_string(site.join(format!("public/{}", cred("cdpp-2021-0099", "index.html"))))
            .unwrap();
    assert!(
        page.contains("status-expired"),
        "an expired credential says so"
    );
    assert!(
        !page.to_lowercase().contains("verified"),
        "no fake verification badge"
    );
}

#[test]
fn holder_email_is_published_only_as_a_salted_hash() {
    let all = tree(&built_site().join("public"));
    for (rel, bytes) in &all {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            !text.contains("m.vanderlinde@mail.example"),
            "email in clear in {rel}"
        );
    }
    let c: Value =
        serde_json::from_slice(&all[&cred("csla-2018-0007", "credential.json")]).unwrap();
    let email = &c["credentialSubject"]["identifier"][1];
    assert_eq!(email["hashed"], true);
    let salt = email["salt"].as_str().unwrap();
    assert_eq!(
        email["identityHash"],
        credsite::vc::credential::identity_hash("m.vanderlinde@mail.example", salt)
    );
}

/// The second build of a site (here of a copy of the shared, once-built site, in
/// another folder) writes exactly what the first one wrote.
#[test]
fn two_builds_are_byte_identical() {
    let first = tree(&built_site().join("public"));
    let site = built_site_copy();
    let report = build(site.path());
    assert_eq!(
        report.key,
        credsite::issuer::KeySource::Existing,
        "the second build signs with the first build's key"
    );
    assert_eq!(report.new, 0, "nothing new to issue the second time");
    let second = tree(&site.path().join("public"));
    assert_eq!(
        first.keys().collect::<Vec<_>>(),
        second.keys().collect::<Vec<_>>()
    );
    for (rel, bytes) in &first {
        assert!(bytes == &second[rel], "{rel} differs between builds");
    }
    assert!(first.len() > 150);
}

#[test]
fn qr_code_holds_the_absolute_page_url() {
    let site = built_site();
    let page =
        fs::read_to_string(site.join(format!("public/{}", cred("cdpp-2025-0101", "index.html"))))
            .unwrap();
    assert!(page.contains(&format!(
        "https://registry.harbourline.example/{}",
        cred("cdpp-2025-0101", "")
    )));
    let svg = credsite::render::qr::svg(&format!(
        "https://registry.harbourline.example/{}",
        cred("cdpp-2025-0101", "")
    ))
    .unwrap();
    // Inline, and offered for download (made in the browser), with no file of its own.
    assert!(
        page.contains(&format!(
            "aria-label=\"QR code linking to this page\">{svg}"
        )),
        "shown inline"
    );
    assert!(
        page.contains("<a id=\"qr-download\" download=\"cdpp-2025-0101-qr.svg\" hidden>"),
        "offered for download"
    );
}

/// Every string, number and boolean in a JSON value, as JSON pointers.
fn leaves(value: &Value, pointer: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => map.iter().for_each(|(k, v)| {
            leaves(
                v,
                format!("{pointer}/{}", k.replace('~', "~0").replace('/', "~1")),
                out,
            )
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, v)| leaves(v, format!("{pointer}/{i}"), out)),
        _ => out.push(pointer),
    }
}

/// `doc` with the leaf at `pointer` changed: a string gets an extra letter, a boolean
/// flips, a number becomes 42.
fn tampered(doc: &Value, pointer: &str) -> String {
    let mut changed = doc.clone();
    let leaf = changed.pointer_mut(pointer).unwrap();
    *leaf = match leaf {
        Value::String(s) => Value::String(format!("{s}x")),
        Value::Bool(b) => Value::Bool(!*b),
        Value::Number(_) => Value::from(42),
        _ => Value::String("x".into()),
    };
    serde_json::to_string_pretty(&changed).unwrap()
}

#[test]
fn changing_any_field_of_a_credential_fails_verification() {
    let site = built_site_copy();
    let public = site.path().join("public");
    let did_path = public.join(".well-known/did.json");
    let path = public.join(cred("cdpp-2025-0101", "credential.json"));
    // Each change is checked on the changed file alone (against the site's DID
    // document): verifying the whole site once per field would take most of the run.
    let verify_file = || verify_path(&path, Some(&did_path), as_of()).unwrap();
    let report = verify_file();
    assert!(
        report.ok() && report.verified == [path.clone()],
        "the unchanged credential verifies: {:?}",
        report.failures
    );
    let original = fs::read_to_string(&path).unwrap();
    let doc: Value = serde_json::from_str(&original).unwrap();
    let mut pointers = Vec::new();
    leaves(&doc, String::new(), &mut pointers);
    assert!(pointers.len() > 30, "{pointers:?}");
    for pointer in &pointers {
        fs::write(&path, tampered(&doc, pointer)).unwrap();
        let report = verify_file();
        assert!(!report.ok(), "changing {pointer} still verifies");
        assert!(
            report.verified.is_empty(),
            "{pointer}: {:?}",
            report.verified
        );
        assert_eq!(report.failures.len(), 1, "{pointer}: {:?}", report.failures);
        assert_eq!(report.failures[0].0, path, "the failure names the file");
    }

    // Verifying the whole site with one field changed: that file, and only that file,
    // fails; every other credential and the feed still verify.
    let pointer = "/credentialSubject/identifier/0/identityHash";
    assert!(pointers.iter().any(|p| p == pointer), "{pointers:?}");
    fs::write(&path, tampered(&doc, pointer)).unwrap();
    let report = verify_path(&public, None, as_of()).unwrap();
    assert!(!report.ok(), "changing {pointer} still verifies");
    // Its signature fails, and the signed manifest says it changed.
    assert_eq!(report.failures.len(), 2, "{:?}", report.failures);
    assert!(
        report.failures.iter().all(|(p, _)| p == &path),
        "the failures name the file: {:?}",
        report.failures
    );
    assert!(
        report.failures[1]
            .1
            .contains("changed since the issuer signed the manifest")
    );
    assert_eq!(report.feed_pages.len(), 1, "the feed verifies");
    assert_eq!(
        report.verified.len(),
        built_report().credentials - 1,
        "every other credential verifies"
    );

    fs::write(&path, original).unwrap();
    assert!(verify_file().ok());
}

#[test]
fn changing_the_key_in_did_json_fails_every_credential() {
    let site = built_site_copy();
    let public = site.path().join("public");
    let did_path = public.join(".well-known/did.json");
    let did = fs::read_to_string(&did_path).unwrap();
    let other = keys::encode_public(&keys::generate().unwrap().verifying_key());
    let old: Value = serde_json::from_str(&did).unwrap();
    let old_key = old["verificationMethod"][0]["publicKeyMultibase"]
        .as_str()
        .unwrap();
    let mut doc = old.clone();
    doc["verificationMethod"][0]["publicKeyMultibase"] = Value::String(other);
    fs::write(&did_path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let report = verify_path(&public, None, as_of()).unwrap();
    assert!(!report.ok());
    assert!(
        report.verified.is_empty(),
        "nothing verifies against another key: {:?}",
        report.verified
    );
    assert!(report.failures.iter().any(|(p, why)| {
        p.ends_with(cred("cdpp-2025-0101", "credential.json")) && why.contains("signature")
    }));
    assert!(
        report
            .failures
            .iter()
            .any(|(p, _)| p.ends_with("feed.json"))
    );
    assert_ne!(old_key, doc["verificationMethod"][0]["publicKeyMultibase"]);
}

#[test]
fn a_signed_feed_lists_every_credential_newest_first() {
    let report = built_report();
    let feed: Value =
        serde_json::from_str(&fs::read_to_string(built_site().join("public/feed.json")).unwrap())
            .unwrap();
    assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
    let items = feed["items"].as_array().unwrap();
    let events = fs::read_to_string(repo().join("content/status.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    assert_eq!(
        items.len(),
        report.credentials + events,
        "one item per credential and per status event"
    );
    let revocation = items
        .iter()
        .find(|i| {
            i["id"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/{}#event-1", cred("cdpp-2021-0003", "")))
        })
        .expect("the revocation has its own item");
    assert_eq!(revocation["date_published"], "2024-09-30T00:00:00Z");
    assert!(
        revocation["content_text"]
            .as_str()
            .unwrap()
            .contains("was revoked on 2024-09-30")
    );
    let dates: Vec<&str> = items
        .iter()
        .map(|i| i["date_published"].as_str().unwrap())
        .collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "newest first");
    assert_eq!(
        feed["proof"][0]["created"], dates[0],
        "signed as of the newest credential, not the clock"
    );
    assert_eq!(
        feed["proof"],
        serde_json::json!([feed["proof"][0].clone()]),
        "the feed (plain JSON, no @context) carries a proof set of one"
    );
    assert_eq!(feed["proof"][0]["cryptosuite"], "eddsa-jcs-2022");
}

#[test]
fn holder_names_are_escaped_in_every_page() {
    let site = example_site();
    append(
        &roster(site.path()),
        "xss-1,<script>alert(1)</script>,,cdpp,2025-05-05,,\"<img src=x onerror=alert(2)>\",,\n\
         xss-2,\"x\"\" onmouseover=\"\"alert(3)\",,cops,2025-05-06,,,,\n\
         xss-3,o' onfocus='alert(4),,csla,2025-05-07,,,,\n",
    );
    build(site.path());
    let all = tree(&site.path().join("public"));
    let mut pages_with_name = 0;
    for (rel, bytes) in all.iter().filter(|(rel, _)| rel.ends_with(".html")) {
        let html = String::from_utf8_lossy(bytes);
        // The embedded credential is JSON, where `\"` is an escaped quote, not the end
        // of an attribute: check the markup around it.
        let markup = without_json_blocks(&html);
        assert!(
            !markup.contains("\" onmouseover="),
            "attribute injection in {rel}"
        );
        // A theme may quote its attributes with `'`: those are escaped too.
        assert!(
            !markup.contains("' onfocus='"),
            "single-quoted attribute injection in {rel}"
        );
        assert!(
            !html.contains("<script>alert(1)"),
            "unescaped holder name in {rel}"
        );
        assert!(!html.contains("<img src=x"), "unescaped evidence in {rel}");
        if html.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;")
            || html.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
        {
            pages_with_name += 1;
        }
    }
    let page = String::from_utf8_lossy(&all[&cred("xss-2", "index.html")]);
    assert!(
        page.contains("x&quot; onmouseover=&quot;alert(3)"),
        "the quoted name is shown, escaped"
    );
    let page = String::from_utf8_lossy(&all[&cred("xss-3", "index.html")]);
    assert!(
        page.contains("<h1>o&#39; onfocus=&#39;alert(4)</h1>"),
        "a name with single quotes is shown, escaped"
    );
    assert_eq!(
        pages_with_name, 2,
        "the credential page and the program page show the name, escaped"
    );
}

#[test]
fn no_secret_key_material_is_published() {
    let secret = keys::read_secret(&built_site().join(keys::SECRET_KEY_FILE)).unwrap();
    let bytes = secret.to_bytes();
    let forms = [
        keys::encode_secret(&secret),
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>(),
        bs58::encode(bytes).into_string(),
    ];
    for (rel, content) in tree(&built_site().join("public")) {
        let text = String::from_utf8_lossy(&content);
        for form in &forms {
            assert!(
                !text.contains(form.as_str()),
                "secret key material in {rel}"
            );
        }
        assert!(
            !content.windows(32).any(|w| w == bytes),
            "raw secret key bytes in {rel}"
        );
    }
    // A static file holding the secret key is refused, not published.
    let site = built_site_copy();
    fs::copy(
        site.path().join(keys::SECRET_KEY_FILE),
        site.path().join("static/issuer.key"),
    )
    .unwrap();
    let err = build_error(site.path());
    assert!(
        err.contains("static file issuer.key contains the issuer's secret key"),
        "{err}"
    );
    assert!(!site.path().join("public/issuer.key").exists());
}

#[test]
fn base_url_with_a_path_puts_did_json_at_the_site_root() {
    let site = example_site();
    let config = site.path().join("credsite.toml");
    let text = fs::read_to_string(&config).unwrap().replace(
        "https://registry.harbourline.example",
        "https://harbourline.github.io/registry",
    );
    fs::write(&config, text).unwrap();
    build(site.path());
    let public = site.path().join("public");
    assert!(!public.join(".well-known/did.json").exists());
    let did: Value =
        serde_json::from_str(&fs::read_to_string(public.join("did.json")).unwrap()).unwrap();
    assert_eq!(did["id"], "did:web:harbourline.github.io:registry");
    assert!(verify_path(&public, None, as_of()).unwrap().ok());
    let page = fs::read_to_string(public.join("404.html")).unwrap();
    assert!(
        page.contains("href=\"/registry/style.css\""),
        "404 links from the host root"
    );
}

#[test]
fn a_site_template_overrides_one_theme_file() {
    let site = example_site();
    fs::create_dir_all(site.path().join("templates")).unwrap();
    fs::write(
        site.path().join("templates/credential.html"),
        "{% extends \"base.html\" %}{% block content %}<p class=\"custom\">{{ credential.holder_name }}</p>{% endblock content %}",
    )
    .unwrap();
    build(site.path());
    let page = fs::read_to_string(
        site.path()
            .join(format!("public/{}", cred("cdpp-2025-0101", "index.html"))),
    )
    .unwrap();
    assert!(
        page.contains("<p class=\"custom\">Seán Ó Briain</p>"),
        "{page}"
    );
    assert!(
        page.contains("style.css"),
        "the default base.html is still used"
    );
    let home = fs::read_to_string(site.path().join("public/index.html")).unwrap();
    assert!(
        home.contains("id=\"search\""),
        "other templates stay default"
    );
}

#[test]
fn a_removed_or_unlisted_credential_is_caught_by_the_signed_feed() {
    let site = built_site_copy();
    let public = site.path().join("public");
    let folder = public.join(cred("cdpp-2025-0101", ""));
    fs::rename(&folder, site.path().join("hidden")).unwrap();
    let report = verify_path(&public, None, as_of()).unwrap();
    assert!(!report.ok());
    let reasons: Vec<&str> = report
        .failures
        .iter()
        .map(|(_, why)| why.as_str())
        .collect();
    assert!(
        report
            .failures
            .iter()
            .any(|(p, why)| p == &folder && why.contains("missing from the site")),
        "{:?}",
        report.failures
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("listed in the signed manifest, but missing")),
        "{reasons:?}"
    );

    // A validly signed credential copied under another folder name is not listed.
    fs::rename(site.path().join("hidden"), &folder).unwrap();
    copy_dir(&folder, &public.join(cred("extra-1", "")));
    let report = verify_path(&public, None, as_of()).unwrap();
    let reasons: Vec<&str> = report
        .failures
        .iter()
        .map(|(_, why)| why.as_str())
        .collect();
    // The copy's id names another folder, the feed does not list it, and the signed
    // manifest does not list its two files.
    assert_eq!(report.failures.len(), 4, "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains(&format!(
        "does not belong in folder {}",
        cred("extra-1", "")
    ))));
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("not listed in the signed feed"))
    );
}

#[test]
fn every_page_carries_a_content_security_policy_that_allows_only_its_own_scripts() {
    let all = tree(&built_site().join("public"));
    let mut pages = 0;
    for (rel, bytes) in all.iter().filter(|(rel, _)| rel.ends_with(".html")) {
        let html = String::from_utf8_lossy(bytes);
        let head = html.split("</head>").next().unwrap();
        assert_eq!(
            head.matches("http-equiv=\"Content-Security-Policy\"")
                .count(),
            1,
            "{rel}"
        );
        assert!(head.contains("default-src 'none'"), "{rel}");
        let scripts = html.matches("<script>").count();
        let hashes = head.matches("'sha256-").count();
        assert!(
            hashes <= scripts,
            "{rel}: a hash for a script that is not there"
        );
        let files = html.matches("<script src=").count();
        if scripts == 0 && files == 0 {
            assert!(head.contains("script-src 'none'"), "{rel}");
        } else if scripts > 0 {
            assert!(hashes >= 1, "{rel}");
        }
        // Only a page that loads the site's own script file allows 'self'.
        assert_eq!(head.contains("script-src 'self'"), files > 0, "{rel}");
        if rel.starts_with("c/") {
            assert_eq!(files, 1, "{rel} loads the shared verifier");
            assert!(
                html.contains("<script src=\"../../../verifier.js\">"),
                "{rel}"
            );
        }
        pages += 1;
    }
    assert!(pages > 50, "{pages}");
}

#[test]
fn each_page_embeds_its_exact_signed_credential_and_the_issuer_key() {
    let public = built_site().join("public");
    let page = fs::read_to_string(public.join(cred("cdpp-2025-0101", "index.html"))).unwrap();
    let file = fs::read_to_string(public.join(cred("cdpp-2025-0101", "credential.json"))).unwrap();
    let block = |id: &str| {
        let start = format!("<script type=\"application/json\" id=\"{id}\">");
        let from = page.find(&start).unwrap() + start.len();
        let to = from + page[from..].find("</script>").unwrap();
        page[from..to].to_string()
    };
    let embedded = block("credsite-credential");
    assert!(!embedded.contains('<'), "every < is escaped");
    assert_eq!(
        embedded.replace("\\u003c", "<"),
        file,
        "the exact text of the file"
    );
    let issuer: Value = serde_json::from_str(&block("credsite-issuer")).unwrap();
    let did: Value =
        serde_json::from_str(&fs::read_to_string(public.join(".well-known/did.json")).unwrap())
            .unwrap();
    assert_eq!(
        issuer["verificationMethod"],
        did["verificationMethod"][0]["id"]
    );
    assert_eq!(
        issuer["publicKeyMultibase"],
        did["verificationMethod"][0]["publicKeyMultibase"]
    );
    assert_eq!(issuer["root"], "../../../");
    assert!(page.contains("data-verdict=\"pending\""));
    assert!(public.join("verify/index.html").is_file());
}

#[test]
fn a_holder_named_script_end_tag_cannot_break_out_of_the_embedded_json() {
    let site = example_site();
    append(
        &roster(site.path()),
        "xss-9,\"</script><script>alert(1)</script>\",,cdpp,2025-05-05,,,,\n",
    );
    build(site.path());
    let page = fs::read_to_string(
        site.path()
            .join(format!("public/{}", cred("xss-9", "index.html"))),
    )
    .unwrap();
    assert!(!page.contains("<script>alert(1)"), "{page}");
    let file: Value = serde_json::from_str(
        &fs::read_to_string(
            site.path()
                .join(format!("public/{}", cred("xss-9", "credential.json"))),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        file["credentialSubject"]["identifier"][0]["identityHash"],
        "</script><script>alert(1)</script>"
    );
}

/// `html` without its `<script type="application/json">` data blocks.
fn without_json_blocks(html: &str) -> String {
    let open = "<script type=\"application/json\"";
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find(open) {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("</script>").expect("a closed block") + start;
        assert!(
            !rest[start + open.len()..end].contains('<'),
            "a data block holds a raw '<'"
        );
        rest = &rest[end + "</script>".len()..];
    }
    out.push_str(rest);
    out
}

#[test]
fn the_statistics_page_shows_no_count_below_the_minimum() {
    let public = built_site().join("public");
    let page = fs::read_to_string(public.join("statistics/index.html")).unwrap();
    assert!(page.contains("fewer than 5"), "small counts are withheld");
    // Every number in the tables is 0 or at least the minimum.
    for cell in page.split("<td>").skip(1) {
        let text = cell.split("</td>").next().unwrap();
        if let Ok(n) = text.parse::<u32>() {
            assert!(
                n == 0 || n >= 5 || (1900..2200).contains(&n),
                "count {n} shown"
            );
        }
    }
    assert!(!page.contains("<script"), "no script needed to read it");
    let home = fs::read_to_string(public.join("index.html")).unwrap();
    assert!(home.contains("href=\"statistics/\""));

    // Off unless the site enables it.
    let site = example_site();
    let config = site.path().join("credsite.toml");
    let text = fs::read_to_string(&config)
        .unwrap()
        .replace("enabled = true", "enabled = false");
    fs::write(&config, text).unwrap();
    build(site.path());
    assert!(!site.path().join("public/statistics").exists());
}

#[test]
fn no_holder_email_and_nothing_from_the_exam_files_reaches_the_public_site() {
    use std::collections::HashSet;
    let public = tree(&built_site().join("public"));
    // Every email of the roster and every candidate reference of the exam files, read
    // independently of credsite's parsers.
    let words = |text: &str| -> Vec<String> {
        text.split(|c: char| !(c.is_alphanumeric() || "@._-".contains(c)))
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    };
    let mut private: HashSet<String> = HashSet::new();
    for entry in fs::read_dir(repo().join("content/credentials")).unwrap() {
        let text = fs::read_to_string(entry.unwrap().path()).unwrap();
        private.extend(words(&text).into_iter().filter(|w| w.contains('@')));
    }
    let emails = private.len();
    assert!(emails > 20, "{private:?}");
    for entry in fs::read_dir(repo().join("content/exams")).unwrap() {
        let text = fs::read_to_string(entry.unwrap().path()).unwrap();
        private.extend(
            text.lines()
                .skip(1)
                .map(|l| l.split(',').next().unwrap().to_string()),
        );
    }
    assert!(private.len() > emails + 200, "candidate references read");
    for (rel, bytes) in &public {
        for word in words(&String::from_utf8_lossy(bytes)) {
            assert!(!private.contains(&word), "{word} in {rel}");
        }
    }
}
