//! The issuer's `did:web` identifier and DID document.
//!
//! did:web maps `https://host[:port]/a/b/` to `did:web:host%3Aport:a:b`, whose
//! document is served at `/.well-known/did.json` for a bare host and at
//! `/a/b/did.json` otherwise (W3C CCG did:web method, "Read (Resolve)").

use chrono::NaiveDate;
use ed25519_dalek::VerifyingKey;
use serde_json::{Value, json};
use url::Url;

use super::keys;
use crate::dates::date_time;
use crate::urls;

/// The issuer's DID and where its document lives in the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DidWeb {
    /// The DID, e.g. `did:web:certs.example.org`.
    pub did: String,
    /// The document's path inside the site, e.g. `.well-known/did.json`.
    pub document_path: String,
}

impl DidWeb {
    /// The did:web identifier of a site served at `base_url`.
    pub fn from_base_url(base_url: &Url) -> DidWeb {
        let host = base_url.host_str().unwrap_or_default();
        let mut did = format!("did:web:{host}");
        if let Some(port) = base_url.port() {
            did.push_str(&format!("%3A{port}"));
        }
        let segments: Vec<&str> = base_url
            .path()
            .split('/')
            .filter(|s| !s.is_empty())
            .collect();
        for segment in &segments {
            did.push(':');
            did.push_str(segment);
        }
        DidWeb {
            did,
            document_path: urls::did_document(base_url).to_string(),
        }
    }

    /// The verification method id of a key: `<did>#<publicKeyMultibase>`.
    pub fn key_id(&self, key: &VerifyingKey) -> String {
        format!("{}#{}", self.did, keys::encode_public(key))
    }

    /// The DID document listing `key` as a Multikey for assertions.
    pub fn document(&self, key: &VerifyingKey) -> Value {
        self.document_of(&[(*key, None)])
    }

    /// The DID document listing every key the issuer has used, oldest first, each a
    /// Multikey for assertions, so that credentials signed before a rotation still
    /// verify. A merely rotated key carries no `revoked` or `expires` (some verifiers
    /// reject every proof of a method with `revoked`, whatever the dates); a
    /// compromised key carries `revoked`, the day from which it may have been misused.
    pub fn document_of(&self, keys: &[(VerifyingKey, Option<NaiveDate>)]) -> Value {
        let methods: Vec<Value> = keys
            .iter()
            .map(|(key, revoked)| {
                let mut method = json!({
                    "id": self.key_id(key),
                    "type": "Multikey",
                    "controller": self.did,
                    "publicKeyMultibase": keys::encode_public(key),
                });
                if let Some(since) = revoked {
                    method["revoked"] = date_time(*since).into();
                }
                method
            })
            .collect();
        let ids: Vec<Value> = keys.iter().map(|(k, _)| self.key_id(k).into()).collect();
        json!({
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
            "id": self.did,
            "verificationMethod": methods,
            "assertionMethod": ids,
        })
    }
}

/// Finds the key that a DID document lists for `method` under `assertionMethod`.
pub fn resolve_assertion_key(document: &Value, method: &str) -> Result<VerifyingKey, String> {
    let did = document
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if method.split('#').next() != Some(did) {
        return Err(format!("it is not a key of {did}"));
    }
    let listed = document
        .get("assertionMethod")
        .and_then(Value::as_array)
        .is_some_and(|ms| {
            ms.iter().any(|m| {
                m.as_str() == Some(method) || m.get("id").and_then(Value::as_str) == Some(method)
            })
        });
    if !listed {
        return Err("it is not listed under assertionMethod in the DID document".into());
    }
    let vm = document
        .get("verificationMethod")
        .and_then(Value::as_array)
        .and_then(|vms| {
            vms.iter()
                .find(|vm| vm.get("id").and_then(Value::as_str) == Some(method))
        })
        .ok_or("the DID document has no such verificationMethod")?;
    if let Some(revoked) = vm.get("revoked") {
        return Err(format!(
            "the DID document marks the key revoked ({}): it may have been misused since, so nothing it signed is accepted",
            revoked.as_str().unwrap_or("no date")
        ));
    }
    if vm.get("type").and_then(Value::as_str) != Some("Multikey") {
        return Err("the verification method is not a Multikey".into());
    }
    let multibase = vm
        .get("publicKeyMultibase")
        .and_then(Value::as_str)
        .ok_or("no publicKeyMultibase")?;
    keys::decode_public(multibase).map_err(|e| format!("{e:#}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn did(url: &str) -> DidWeb {
        DidWeb::from_base_url(&Url::parse(url).unwrap())
    }

    #[test]
    fn maps_urls_to_did_web() {
        assert_eq!(
            did("https://certs.example.org/").did,
            "did:web:certs.example.org"
        );
        assert_eq!(
            did("https://certs.example.org/").document_path,
            ".well-known/did.json"
        );
        assert_eq!(
            did("https://org.github.io/registry/").did,
            "did:web:org.github.io:registry"
        );
        assert_eq!(
            did("https://org.github.io/registry/").document_path,
            "did.json"
        );
        assert_eq!(
            did("https://localhost:8443/a/b/").did,
            "did:web:localhost%3A8443:a:b"
        );
    }

    #[test]
    fn resolves_only_listed_assertion_keys() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[1; 32]).verifying_key();
        let d = did("https://certs.example.org/");
        let doc = d.document(&key);
        let id = d.key_id(&key);
        assert_eq!(resolve_assertion_key(&doc, &id).unwrap(), key);
        assert!(resolve_assertion_key(&doc, "did:web:evil.example#x").is_err());
        let mut unlisted = doc.clone();
        unlisted["assertionMethod"] = serde_json::json!([]);
        assert!(resolve_assertion_key(&unlisted, &id).is_err());
    }
}
