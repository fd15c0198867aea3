//! Data Integrity proofs with the `eddsa-jcs-2022` cryptosuite.
//!
//! The algorithm (W3C Data Integrity EdDSA Cryptosuites v1.0, sections 3.3.1–3.3.6):
//! canonicalize the proof configuration and the document without its proof with JCS
//! (RFC 8785), hash each with SHA-256, sign `proofHash ‖ docHash` with Ed25519, and
//! store the signature as a base58btc multibase `proofValue`.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The proof type.
pub const PROOF_TYPE: &str = "DataIntegrityProof";
/// The cryptosuite name.
pub const CRYPTOSUITE: &str = "eddsa-jcs-2022";
/// The proof purpose credsite signs and expects.
pub const ASSERTION_METHOD: &str = "assertionMethod";

/// Why a proof does not verify.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProofError {
    /// The document is not a JSON object.
    #[error("the document is not a JSON object")]
    NotAnObject,
    /// The document has no single `proof` object.
    #[error("the document has no `proof` object")]
    NoProof,
    /// A proof member is missing or has the wrong value.
    #[error("proof member `{0}` is missing or not {1}")]
    BadMember(&'static str, String),
    /// The proof's `@context` is not a prefix of the document's.
    #[error("the proof's @context does not match the start of the document's @context")]
    ContextMismatch,
    /// `proofValue` cannot be decoded.
    #[error("proofValue is not a base58btc multibase Ed25519 signature")]
    BadProofValue,
    /// The verification method cannot be resolved to a key.
    #[error("verification method {0}: {1}")]
    UnknownKey(String, String),
    /// The signature does not match the document.
    #[error(
        "the signature does not match the document: it was changed after signing, or signed by another key"
    )]
    BadSignature,
    /// The document cannot be canonicalized.
    #[error("cannot canonicalize the document: {0}")]
    Canonicalize(String),
}

/// RFC 8785 (JCS) canonical bytes of a JSON value.
pub fn canonicalize(value: &Value) -> Result<Vec<u8>, ProofError> {
    serde_json_canonicalizer::to_vec(value).map_err(|e| ProofError::Canonicalize(e.to_string()))
}

/// The bytes that are signed: `SHA-256(JCS(proofConfig)) ‖ SHA-256(JCS(document))`.
/// The second half is the digest of the signed content, which the site state keeps.
pub fn hash_data(proof_config: &Value, unsecured: &Value) -> Result<[u8; 64], ProofError> {
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&Sha256::digest(canonicalize(proof_config)?));
    out[32..].copy_from_slice(&Sha256::digest(canonicalize(unsecured)?));
    Ok(out)
}

/// The proof configuration for `unsecured`: a proof without `proofValue`, with the
/// document's `@context` when it has one.
pub fn proof_config(unsecured: &Value, verification_method: &str, created: Option<&str>) -> Value {
    let mut config = Map::new();
    config.insert("type".into(), PROOF_TYPE.into());
    config.insert("cryptosuite".into(), CRYPTOSUITE.into());
    if let Some(created) = created {
        config.insert("created".into(), created.into());
    }
    config.insert("verificationMethod".into(), verification_method.into());
    config.insert("proofPurpose".into(), ASSERTION_METHOD.into());
    if let Some(context) = unsecured.get("@context") {
        config.insert("@context".into(), context.clone());
    }
    Value::Object(config)
}

/// Signs `unsecured` (a JSON object without `proof`) and returns it with a `proof`.
/// The signature is checked against the signing key's public half before returning.
pub fn sign(
    unsecured: Value,
    key: &SigningKey,
    verification_method: &str,
    created: Option<&str>,
) -> Result<Value, ProofError> {
    sign_with_digest(unsecured, key, verification_method, created).map(|(signed, _)| signed)
}

/// [`sign`], also returning SHA-256 of the canonical document (without the proof):
/// the digest of what was signed.
pub fn sign_with_digest(
    mut unsecured: Value,
    key: &SigningKey,
    verification_method: &str,
    created: Option<&str>,
) -> Result<(Value, [u8; 32]), ProofError> {
    if !unsecured.is_object() {
        return Err(ProofError::NotAnObject);
    }
    let mut proof = proof_config(&unsecured, verification_method, created);
    let data = hash_data(&proof, &unsecured)?;
    let signature = key.sign(&data);
    // Check the signature against the public key before it leaves, as minisign does.
    key.verifying_key()
        .verify_strict(&data, &signature)
        .map_err(|_| ProofError::BadSignature)?;
    let value = format!("z{}", bs58::encode(signature.to_bytes()).into_string());
    proof
        .as_object_mut()
        .expect("built as object")
        .insert("proofValue".into(), value.into());
    unsecured
        .as_object_mut()
        .expect("checked above")
        .insert("proof".into(), proof);
    let digest: [u8; 32] = data[32..].try_into().expect("32 bytes");
    Ok((unsecured, digest))
}

/// Verifies the `eddsa-jcs-2022` proof of `secured`. `resolve` maps the proof's
/// `verificationMethod` to a public key (or says why it cannot). Returns the
/// verification method on success.
pub fn verify(
    secured: &Value,
    resolve: impl Fn(&str) -> Result<VerifyingKey, String>,
) -> Result<String, ProofError> {
    let doc = secured.as_object().ok_or(ProofError::NotAnObject)?;
    let proof = doc
        .get("proof")
        .and_then(Value::as_object)
        .ok_or(ProofError::NoProof)?;
    let member = |name: &'static str, expected: Option<&str>| -> Result<&str, ProofError> {
        let value = proof.get(name).and_then(Value::as_str);
        match (value, expected) {
            (Some(v), Some(e)) if v == e => Ok(v),
            (Some(v), None) => Ok(v),
            _ => Err(ProofError::BadMember(
                name,
                expected.map_or("a string".into(), |e| format!("\"{e}\"")),
            )),
        }
    };
    member("type", Some(PROOF_TYPE))?;
    member("cryptosuite", Some(CRYPTOSUITE))?;
    member("proofPurpose", Some(ASSERTION_METHOD))?;
    let method = member("verificationMethod", None)?;
    let signature = decode_proof_value(member("proofValue", None)?)?;

    let mut options = proof.clone();
    options.remove("proofValue");
    let mut unsecured = doc.clone();
    unsecured.remove("proof");
    if let Some(context) = options.get("@context") {
        let wanted = context.as_array().ok_or(ProofError::ContextMismatch)?;
        let have = unsecured
            .get("@context")
            .and_then(Value::as_array)
            .ok_or(ProofError::ContextMismatch)?;
        if have.len() < wanted.len() || have[..wanted.len()] != wanted[..] {
            return Err(ProofError::ContextMismatch);
        }
        unsecured.insert("@context".into(), context.clone());
    }
    let key = resolve(method).map_err(|why| ProofError::UnknownKey(method.to_string(), why))?;
    let data = hash_data(&Value::Object(options), &Value::Object(unsecured))?;
    key.verify_strict(&data, &signature)
        .map_err(|_| ProofError::BadSignature)?;
    Ok(method.to_string())
}

fn decode_proof_value(text: &str) -> Result<Signature, ProofError> {
    let b58 = text.strip_prefix('z').ok_or(ProofError::BadProofValue)?;
    let bytes = bs58::decode(b58)
        .into_vec()
        .map_err(|_| ProofError::BadProofValue)?;
    let bytes: [u8; 64] = bytes.try_into().map_err(|_| ProofError::BadProofValue)?;
    Ok(Signature::from_bytes(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }

    #[test]
    fn sign_then_verify_round_trips_and_detects_changes() {
        let doc =
            json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "name": "A", "n": 1.5});
        let signed = sign(doc, &key(), "did:web:x#k", Some("2024-01-01T00:00:00Z")).unwrap();
        let vk = key().verifying_key();
        assert_eq!(verify(&signed, |_| Ok(vk)).unwrap(), "did:web:x#k");
        let mut changed = signed.clone();
        changed["name"] = json!("B");
        assert_eq!(verify(&changed, |_| Ok(vk)), Err(ProofError::BadSignature));
        let mut changed = signed.clone();
        changed["proof"]["created"] = json!("2024-01-02T00:00:00Z");
        assert_eq!(verify(&changed, |_| Ok(vk)), Err(ProofError::BadSignature));
        let other = SigningKey::from_bytes(&[8u8; 32]).verifying_key();
        assert_eq!(
            verify(&signed, |_| Ok(other)),
            Err(ProofError::BadSignature)
        );
    }

    #[test]
    fn documents_without_context_get_proofs_without_context() {
        let signed = sign(json!({"version": "x"}), &key(), "did:web:x#k", None).unwrap();
        assert!(signed["proof"].get("@context").is_none());
        assert!(signed["proof"].get("created").is_none());
        let vk = key().verifying_key();
        assert!(verify(&signed, |_| Ok(vk)).is_ok());
    }

    #[test]
    fn rejects_wrong_suite_purpose_and_context() {
        let doc = json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "a": 1});
        let signed = sign(doc, &key(), "did:web:x#k", None).unwrap();
        let vk = key().verifying_key();
        let mut bad = signed.clone();
        bad["proof"]["cryptosuite"] = json!("eddsa-rdfc-2022");
        assert!(matches!(
            verify(&bad, |_| Ok(vk)),
            Err(ProofError::BadMember("cryptosuite", _))
        ));
        let mut bad = signed.clone();
        bad["proof"]["proofPurpose"] = json!("authentication");
        assert!(matches!(
            verify(&bad, |_| Ok(vk)),
            Err(ProofError::BadMember("proofPurpose", _))
        ));
        let mut bad = signed.clone();
        bad["@context"] = json!(["https://example.org/other"]);
        assert_eq!(verify(&bad, |_| Ok(vk)), Err(ProofError::ContextMismatch));
        let mut bad = signed;
        bad["proof"]["proofValue"] = json!("not-multibase");
        assert_eq!(verify(&bad, |_| Ok(vk)), Err(ProofError::BadProofValue));
    }
}
