//! The JCS (RFC 8785) edge cases that the in-browser verifier is tested on
//! (`tests/browser/`): the Rust canonicalizer that signs credentials must give exactly
//! the bytes in `tests/browser/jcs-expected.json`, which the JavaScript one is held to
//! in headless Chromium. So both sides agree byte for byte.

use std::fs;
use std::path::Path;

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
