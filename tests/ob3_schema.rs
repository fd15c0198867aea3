//! Every credential of the example site conforms to 1EdTech's Open Badges 3.0
//! AchievementCredential JSON Schema (the bundled copy in tests/ob3/, see its
//! SOURCE.md), validated offline with the `jsonschema` crate. Among other rules the
//! schema requires `proof` to be an array (a proof set).
//!
//! **One known deviation.** The schema allows a single `credentialStatus` object (OB 3.0
//! has `credentialStatus [0..1]`), while credsite publishes two Bitstring Status List
//! entries, one for revocation and one for suspension (VC 2.0 allows an array). The
//! test accepts exactly that error at `/credentialStatus` and nothing else, and checks
//! that the credential with either entry alone is fully valid.

mod common;

use std::fs;

use serde_json::Value;

fn schema() -> jsonschema::Validator {
    let path = common::repo().join("tests/ob3/ob_v3p0_achievementcredential_schema.json");
    let schema: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    jsonschema::validator_for(&schema)
        .unwrap_or_else(|e| panic!("{}: not a usable schema: {e}", path.display()))
}

#[test]
fn every_example_credential_is_valid_against_the_ob3_schema() {
    let validator = schema();
    let mut checked = 0;
    let mut problems = Vec::new();
    for (folder, _) in
        credsite::walk::credential_folders(&common::built_site().join("public")).unwrap()
    {
        let file = folder.join("credential.json");
        let credential: Value = serde_json::from_str(&fs::read_to_string(&file).unwrap()).unwrap();
        for error in validator.iter_errors(&credential) {
            let path = error.instance_path().to_string();
            let known = path == "/credentialStatus"
                && error.to_string().ends_with("is not of type \"object\"")
                && credential["credentialStatus"].as_array().map(Vec::len) == Some(2);
            if !known {
                problems.push(format!("{}: {error} at {path}", file.display()));
            }
        }
        // Either status entry alone: no error at all.
        for entry in credential["credentialStatus"].as_array().unwrap() {
            let mut single = credential.clone();
            single["credentialStatus"] = entry.clone();
            for error in validator.iter_errors(&single) {
                problems.push(format!(
                    "{} (one status entry): {error} at {}",
                    file.display(),
                    error.instance_path()
                ));
            }
        }
        checked += 1;
    }
    assert!(
        checked >= 50,
        "the example site has its credentials ({checked})"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_schema_check_bites_a_single_proof_object_is_refused() {
    let validator = schema();
    let (dir, _) = credsite::walk::credential_folders(&common::built_site().join("public"))
        .unwrap()
        .remove(0);
    let mut credential: Value =
        serde_json::from_str(&fs::read_to_string(dir.join("credential.json")).unwrap()).unwrap();
    credential["credentialStatus"] = credential["credentialStatus"][0].take();
    assert!(validator.is_valid(&credential));
    credential["proof"] = credential["proof"][0].take();
    let errors: Vec<String> = validator
        .iter_errors(&credential)
        .map(|e| format!("{} {e}", e.instance_path()))
        .collect();
    assert!(errors.iter().any(|e| e.starts_with("/proof")), "{errors:?}");
}
