//! The W3C eddsa-jcs-2022 and eddsa-rdfc-2022 test vectors (w3c/vc-di-eddsa
//! `TestVectors/`, copied into tests/vectors/): signing reproduces them byte for byte
//! (canonical forms, hashes, signature), and verification accepts the signed vectors
//! and rejects every one-byte change of the jcs one.

use std::fs;
use std::path::PathBuf;

use credsite::issuer::keys;
use credsite::vc::proof::{self, Cryptosuite};
use credsite::vc::rdfc;
use ed25519_dalek::VerifyingKey;
use serde_json::Value;
use sha2::{Digest, Sha256};

fn vector(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(name);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json(name: &str) -> Value {
    serde_json::from_str(&vector(name)).unwrap()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn key_pair() -> (ed25519_dalek::SigningKey, VerifyingKey) {
    let pair = json("keyPair.json");
    let secret = keys::decode_secret(pair["privateKeyMultibase"].as_str().unwrap()).unwrap();
    let public = keys::decode_public(pair["publicKeyMultibase"].as_str().unwrap()).unwrap();
    assert_eq!(
        secret.verifying_key(),
        public,
        "the vector's key pair belongs together"
    );
    (secret, public)
}

fn proof_config() -> Value {
    json("eddsa-jcs-2022/proofConfigJCS.json")
}

#[test]
fn canonical_forms_match() {
    let unsigned = json("unsigned.json");
    assert_eq!(
        proof::canonicalize(&unsigned).unwrap(),
        vector("eddsa-jcs-2022/canonDocJCS.txt").trim().as_bytes()
    );
    assert_eq!(
        proof::canonicalize(&proof_config()).unwrap(),
        vector("eddsa-jcs-2022/proofCanonJCS.txt").trim().as_bytes()
    );
}

#[test]
fn hashes_match() {
    let unsigned = json("unsigned.json");
    let doc_hash = Sha256::digest(proof::canonicalize(&unsigned).unwrap());
    let proof_hash = Sha256::digest(proof::canonicalize(&proof_config()).unwrap());
    assert_eq!(
        hex(&doc_hash),
        vector("eddsa-jcs-2022/docHashJCS.txt").trim()
    );
    assert_eq!(
        hex(&proof_hash),
        vector("eddsa-jcs-2022/proofHashJCS.txt").trim()
    );
    let combined = proof::hash_data(&proof_config(), &unsigned).unwrap();
    assert_eq!(
        hex(&combined),
        vector("eddsa-jcs-2022/combinedHashJCS.txt").trim()
    );
}

#[test]
fn proof_config_is_built_as_in_the_vector() {
    let config = proof_config();
    let built = proof::proof_config(
        &json("unsigned.json"),
        config["verificationMethod"].as_str().unwrap(),
        config["created"].as_str(),
    );
    assert_eq!(built, config);
}

#[test]
fn signing_reproduces_the_signed_vector() {
    let (secret, _) = key_pair();
    let config = proof_config();
    let signed = proof::sign(
        json("unsigned.json"),
        &secret,
        config["verificationMethod"].as_str().unwrap(),
        config["created"].as_str(),
    )
    .unwrap();
    let proof_value = signed["proof"][0]["proofValue"].as_str().unwrap();
    assert_eq!(proof_value, vector("eddsa-jcs-2022/sigBTC58JCS.txt").trim());
    let raw = bs58::decode(&proof_value[1..]).into_vec().unwrap();
    assert_eq!(hex(&raw), vector("eddsa-jcs-2022/sigHexJCS.txt").trim());
    // credsite writes a proof set (an array); the vector has the one proof as an object.
    let mut expected = json("eddsa-jcs-2022/signedJCS.json");
    expected["proof"] = Value::Array(vec![expected["proof"].take()]);
    assert_eq!(signed, expected);
}

/// The bundled contexts, and the W3C examples context the rdfc vector names (a test
/// file, not bundled: see tests/vectors/SOURCE.md).
fn vector_contexts(url: &str) -> Option<&'static str> {
    const EXAMPLES: &str = include_str!("vectors/contexts/examples-v2.jsonld");
    match url {
        "https://www.w3.org/ns/credentials/examples/v2" => Some(EXAMPLES),
        _ => rdfc::bundled(url),
    }
}

fn rdfc_config() -> Value {
    json("eddsa-rdfc-2022/proofConfigDataInt.json")
}

#[test]
fn rdfc_canonical_forms_and_hashes_match() {
    let doc = rdfc::canonicalize_with(&json("unsigned.json"), vector_contexts).unwrap();
    assert_eq!(doc, vector("eddsa-rdfc-2022/canonDocDataInt.txt"));
    let config = rdfc::canonicalize_with(&rdfc_config(), vector_contexts).unwrap();
    assert_eq!(config, vector("eddsa-rdfc-2022/proofCanonDataInt.txt"));
    assert_eq!(
        hex(&Sha256::digest(&doc)),
        vector("eddsa-rdfc-2022/docHashDataInt.txt").trim()
    );
    assert_eq!(
        hex(&Sha256::digest(&config)),
        vector("eddsa-rdfc-2022/proofHashDataInt.txt").trim()
    );
    let mut combined = Sha256::digest(&config).to_vec();
    combined.extend(Sha256::digest(&doc));
    assert_eq!(
        hex(&combined),
        vector("eddsa-rdfc-2022/combinedHashDataInt.txt").trim()
    );
}

#[test]
fn rdfc_signature_matches() {
    let (secret, public) = key_pair();
    let config = rdfc_config();
    let built = proof::suite_config(
        Cryptosuite::EddsaRdfc2022,
        &json("unsigned.json"),
        config["verificationMethod"].as_str().unwrap(),
        config["created"].as_str(),
    );
    assert_eq!(built, config);
    let doc = rdfc::canonicalize_with(&json("unsigned.json"), vector_contexts).unwrap();
    let canon_config = rdfc::canonicalize_with(&config, vector_contexts).unwrap();
    let mut data = Sha256::digest(&canon_config).to_vec();
    data.extend(Sha256::digest(&doc));
    use ed25519_dalek::Signer;
    let signature = secret.sign(&data).to_bytes();
    assert_eq!(
        hex(&signature),
        vector("eddsa-rdfc-2022/sigHexDataInt.txt").trim()
    );
    let proof_value = format!("z{}", bs58::encode(signature).into_string());
    assert_eq!(
        proof_value,
        vector("eddsa-rdfc-2022/sigBTC58DataInt.txt").trim()
    );
    let signed = json("eddsa-rdfc-2022/signedDataInt.json");
    assert_eq!(signed["proof"]["proofValue"], proof_value.as_str());
    assert!(
        public
            .verify_strict(&data, &ed25519_dalek::Signature::from_bytes(&signature))
            .is_ok()
    );
}

fn verify_vector(doc: &Value, public: VerifyingKey) -> Result<String, proof::ProofError> {
    let expected = proof_config()["verificationMethod"]
        .as_str()
        .unwrap()
        .to_string();
    proof::verify(doc, |method| {
        if method == expected {
            Ok(public)
        } else {
            Err("unknown key".into())
        }
    })
    .map(|verified| verified[0].method.clone())
}

#[test]
fn verification_accepts_the_signed_vector() {
    let (_, public) = key_pair();
    assert!(verify_vector(&json("eddsa-jcs-2022/signedJCS.json"), public).is_ok());
}

#[test]
fn verification_rejects_every_one_byte_change() {
    let (_, public) = key_pair();
    let canonical = proof::canonicalize(&json("eddsa-jcs-2022/signedJCS.json")).unwrap();
    // About 1,500 verifications: spread over every core, each thread taking every
    // `threads`-th byte.
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let checked: usize = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|first| {
                let canonical = &canonical;
                scope.spawn(move || {
                    let mut checked = 0;
                    for i in (first..canonical.len()).step_by(threads) {
                        for replacement in [canonical[i] ^ 0x01, b'A'] {
                            if replacement == canonical[i] {
                                continue;
                            }
                            let mut changed = canonical.clone();
                            changed[i] = replacement;
                            // A change that breaks the JSON is rejected by parsing; every
                            // other must fail verification.
                            let Ok(doc) = serde_json::from_slice::<Value>(&changed) else {
                                continue;
                            };
                            assert!(
                                verify_vector(&doc, public).is_err(),
                                "byte {i} changed to {:?} still verifies",
                                replacement as char
                            );
                            checked += 1;
                        }
                    }
                    checked
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .sum()
    });
    assert!(
        checked > canonical.len(),
        "most one-byte changes keep valid JSON and were checked ({checked})"
    );
}
