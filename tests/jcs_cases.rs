//! The JCS (RFC 8785) edge cases that the in-browser verifier is tested on
//! (`tests/browser/`): the Rust canonicalizer that signs credentials must give exactly
//! the bytes in `tests/browser/jcs-expected.json`, which the JavaScript one is held to
//! in headless Chromium. So both sides agree byte for byte.

use std::fs;
use std::path::Path;

mod common;

fn read(name: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/browser")
        .join(name);
    serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap()
}

#[test]
fn rust_canonical_forms_match_the_ones_the_browser_is_tested_against() {
    let cases = read("jcs-cases.json");
    let expected = read("jcs-expected.json");
    assert_eq!(cases.len(), expected.len());
    assert!(cases.len() >= 10, "{}", cases.len());
    for (input, want) in cases.iter().zip(&expected) {
        let value: serde_json::Value = serde_json::from_str(input).unwrap();
        let canonical = serde_json_canonicalizer::to_string(&value).unwrap();
        assert_eq!(&canonical, want, "for {input}");
        // credsite's own path for documents of small integers writes the same.
        let fast = String::from_utf8(credsite::vc::jcs::to_vec(&value).unwrap()).unwrap();
        assert_eq!(&fast, want, "credsite::vc::jcs for {input}");
    }
}

/// A credential's document writes its JCS form itself, member by member, and its
/// published text from its fields. On every credential of the example site (with and
/// without an email and evidence; names with accents and quotes),
/// the JCS form is the general canonicalizer's, the published text is that document's
/// pretty form, and the proof verifies.
#[test]
fn a_credential_document_writes_the_canonical_form_of_its_published_json() {
    use credsite::vc::sign::SignedCredential;
    let root = common::built_site();
    let as_of = common::as_of();
    let inputs = credsite::load::validate(credsite::load::load(root).unwrap(), as_of).unwrap();
    let mut state = credsite::state::State::load(root).unwrap();
    let site = credsite::site::resolve(inputs, &mut state, as_of).unwrap();
    let issuer =
        credsite::issuer::Issuer::load(root, None, credsite::issuer::MissingKey::Create).unwrap();
    let reissue = credsite::vc::sign::Reissue::default();
    let signer = credsite::vc::sign::Signer::new(&site, &issuer, &state, &reissue).unwrap();
    let (mut with_email, mut with_evidence) = (0, 0);
    for credential in &site.credentials {
        let SignedCredential::Made(doc) = signer.credential(credential).unwrap() else {
            panic!("{}: not signed by this build", credential.id());
        };
        let text = credsite::render::pretty(&doc).unwrap();
        let published = fs::read(
            root.join("public")
                .join(credsite::urls::json_in(&credential.dir)),
        )
        .unwrap();
        assert_eq!(text, published, "{}", credential.id());
        let mut value: serde_json::Value = serde_json::from_slice(&text).unwrap();
        // The parts written as they were made (issuer, achievement) sit in the text
        // as serde_json would write them there.
        assert_eq!(
            text,
            credsite::render::pretty(&value).unwrap(),
            "{}",
            credential.id()
        );
        credsite::vc::proof::verify(&value, |_| Ok(issuer.key.verifying_key())).unwrap();
        value.as_object_mut().unwrap().remove("proof");
        assert_eq!(
            doc.canonical(),
            serde_json_canonicalizer::to_vec(&value).unwrap(),
            "{}",
            credential.id()
        );
        let subject = &value["credentialSubject"];
        with_email += usize::from(subject["identifier"].as_array().unwrap().len() == 2);
        with_evidence += usize::from(value.get("evidence").is_some());
    }
    assert!(with_email > 0 && with_email < site.credentials.len());
    assert!(with_evidence > 0 && with_evidence < site.credentials.len());
}
