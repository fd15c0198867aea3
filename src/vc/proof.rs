//! Data Integrity proofs with the `eddsa-jcs-2022` and `eddsa-rdfc-2022` cryptosuites,
//! as a proof set: `proof` is an array (the 1EdTech Open Badges 3.0 schema requires an
//! array; a single proof object is still read).
//!
//! The algorithm (W3C Data Integrity EdDSA Cryptosuites v1.0, sections 3.2 and 3.3):
//! canonicalize the proof configuration and the document without its proof, with JCS
//! (RFC 8785) for `eddsa-jcs-2022` or RDFC-1.0 for `eddsa-rdfc-2022` ([`super::rdfc`]),
//! hash each with SHA-256, sign `proofHash ‖ docHash` with Ed25519, and store the
//! signature as a base58btc multibase `proofValue`. Every proof of a set signs the
//! document without any proof (a set, not a chain).

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The proof type.
pub const PROOF_TYPE: &str = "DataIntegrityProof";
/// The name of the JCS cryptosuite.
pub const CRYPTOSUITE: &str = "eddsa-jcs-2022";
/// The name of the RDFC cryptosuite.
pub const CRYPTOSUITE_RDFC: &str = "eddsa-rdfc-2022";

/// A cryptosuite credsite signs and verifies with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cryptosuite {
    /// `eddsa-jcs-2022`: JSON Canonicalization Scheme; checked by the in-page verifier.
    EddsaJcs2022,
    /// `eddsa-rdfc-2022`: RDF Dataset Canonicalization of the JSON-LD, with the bundled
    /// contexts; what rdfc-only verifiers (and 1EdTech's OB 3.0 certification) accept.
    EddsaRdfc2022,
}

impl Cryptosuite {
    /// Every cryptosuite, in the order proofs are added.
    pub const ALL: [Cryptosuite; 2] = [Cryptosuite::EddsaJcs2022, Cryptosuite::EddsaRdfc2022];

    /// The `cryptosuite` value of its proofs.
    pub fn name(self) -> &'static str {
        match self {
            Cryptosuite::EddsaJcs2022 => CRYPTOSUITE,
            Cryptosuite::EddsaRdfc2022 => CRYPTOSUITE_RDFC,
        }
    }

    /// The cryptosuite named `name`, if credsite implements it.
    pub fn from_name(name: &str) -> Option<Cryptosuite> {
        Cryptosuite::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The bytes that are signed: `SHA-256(C(proofConfig)) ‖ SHA-256(C(document))`,
    /// with C the suite's canonicalization.
    pub fn hash_data(
        self,
        proof_config: &Value,
        unsecured: &Value,
    ) -> Result<[u8; 64], ProofError> {
        match self {
            Cryptosuite::EddsaJcs2022 => hash_data(proof_config, unsecured),
            Cryptosuite::EddsaRdfc2022 => {
                let rdfc = |v: &Value| {
                    super::rdfc::canonicalize(v)
                        .map_err(|e| ProofError::Canonicalize(e.to_string()))
                };
                let mut out = [0u8; 64];
                out[..32].copy_from_slice(&Sha256::digest(rdfc(proof_config)?));
                out[32..].copy_from_slice(&Sha256::digest(rdfc(unsecured)?));
                Ok(out)
            }
        }
    }
}

impl std::fmt::Display for Cryptosuite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Cryptosuite {
    type Err = String;
    fn from_str(name: &str) -> Result<Self, String> {
        Cryptosuite::from_name(name).ok_or_else(|| {
            format!("unknown cryptosuite \"{name}\" (credsite signs with eddsa-jcs-2022 and eddsa-rdfc-2022)")
        })
    }
}

/// One proof of a proof set that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Its cryptosuite.
    pub cryptosuite: Cryptosuite,
    /// Its verification method.
    pub method: String,
}
/// The proof purpose credsite signs and expects.
pub const ASSERTION_METHOD: &str = "assertionMethod";

/// Why a proof does not verify.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProofError {
    /// The document is not a JSON object.
    #[error("the document is not a JSON object")]
    NotAnObject,
    /// The document has no `proof` object or non-empty array of proof objects.
    #[error("the document has no `proof` (an object or an array of objects)")]
    NoProof,
    /// A proof's cryptosuite is not one credsite implements.
    #[error(
        "cryptosuite \"{0}\" is not supported (credsite verifies eddsa-jcs-2022 and eddsa-rdfc-2022)"
    )]
    UnknownSuite(String),
    /// One proof of a set does not verify.
    #[error("{suite} proof: {source}")]
    InSet {
        /// The proof's cryptosuite as it names it.
        suite: String,
        /// Why it does not verify.
        source: Box<ProofError>,
    },
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
    super::jcs::to_vec(value).map_err(ProofError::Canonicalize)
}

/// The bytes that are signed: `SHA-256(JCS(proofConfig)) ‖ SHA-256(JCS(document))`.
/// The second half is the digest of the signed content, which the site state keeps.
pub fn hash_data(proof_config: &Value, unsecured: &Value) -> Result<[u8; 64], ProofError> {
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&Sha256::digest(canonicalize(proof_config)?));
    out[32..].copy_from_slice(&Sha256::digest(canonicalize(unsecured)?));
    Ok(out)
}

/// The `eddsa-jcs-2022` proof configuration for `unsecured`: a proof without
/// `proofValue`, with the document's `@context` when it has one.
pub fn proof_config(unsecured: &Value, verification_method: &str, created: Option<&str>) -> Value {
    suite_config(
        Cryptosuite::EddsaJcs2022,
        unsecured,
        verification_method,
        created,
    )
}

/// The proof configuration of `suite` for `unsecured`, with the document's
/// `@context` when it has one (both suites hash it so; only the JCS proof keeps it
/// when published, as the W3C test vectors do).
pub fn suite_config(
    suite: Cryptosuite,
    unsecured: &Value,
    verification_method: &str,
    created: Option<&str>,
) -> Value {
    Proof::config(
        suite,
        unsecured.get("@context"),
        verification_method,
        created,
    )
    .to_value()
    .expect("a proof of strings and JSON values serializes")
}

/// A proof credsite makes, its members in their published order. Without its
/// `proofValue` it is the proof configuration that is hashed; both suites hash the
/// document's `@context` with it, and only the JCS proof keeps it when published (as
/// the W3C test vectors do). [`Proof::write_canonical`] writes its JCS form directly.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Proof<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    cryptosuite: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    created: Option<String>,
    #[serde(rename = "verificationMethod")]
    verification_method: String,
    #[serde(rename = "proofPurpose")]
    proof_purpose: &'static str,
    #[serde(rename = "@context", skip_serializing_if = "Option::is_none")]
    context: Option<&'a Value>,
    #[serde(rename = "proofValue", skip_serializing_if = "Option::is_none")]
    proof_value: Option<String>,
}

impl<'a> Proof<'a> {
    /// The proof configuration of `suite` (a proof without `proofValue`), with the
    /// document's `@context` when it has one.
    fn config(
        suite: Cryptosuite,
        context: Option<&'a Value>,
        verification_method: &str,
        created: Option<&str>,
    ) -> Self {
        Proof {
            kind: PROOF_TYPE,
            cryptosuite: suite.name(),
            created: created.map(str::to_string),
            verification_method: verification_method.to_string(),
            proof_purpose: ASSERTION_METHOD,
            context,
            proof_value: None,
        }
    }

    /// Writes its JCS form (members in the order of their names); `false` if its
    /// `@context` needs the general path.
    pub(crate) fn write_canonical(&self, out: &mut Vec<u8>) -> bool {
        let mut object = super::jcs::Object::new(out);
        if let Some(context) = self.context {
            object.value("@context", context);
        }
        if let Some(created) = &self.created {
            object.string("created", created);
        }
        object.string("cryptosuite", self.cryptosuite);
        object.string("proofPurpose", self.proof_purpose);
        if let Some(value) = &self.proof_value {
            object.string("proofValue", value);
        }
        object.string("type", self.kind);
        object.string("verificationMethod", &self.verification_method);
        object.end()
    }

    /// Its JCS form.
    fn canonical(&self) -> Result<Vec<u8>, ProofError> {
        let mut out = Vec::with_capacity(512);
        if self.write_canonical(&mut out) {
            return Ok(out);
        }
        canonicalize(&self.to_value()?)
    }

    fn to_value(&self) -> Result<Value, ProofError> {
        json_value(self)
    }
}

/// A typed document (or proof) as a JSON value, for the paths that need one: the
/// general canonicalizer and `eddsa-rdfc-2022`.
pub fn json_value(document: &impl serde::Serialize) -> Result<Value, ProofError> {
    serde_json::to_value(document).map_err(|e| ProofError::Canonicalize(e.to_string()))
}

/// Signs `unsecured` (a JSON object without `proof`) with `eddsa-jcs-2022` and
/// returns it with a proof set of one.
pub fn sign(
    unsecured: Value,
    key: &SigningKey,
    verification_method: &str,
    created: Option<&str>,
) -> Result<Value, ProofError> {
    sign_with_digest(unsecured, key, verification_method, created).map(|(signed, _)| signed)
}

/// [`sign`], also returning SHA-256 of the JCS canonical document (without the
/// proof): the digest of what was signed.
pub fn sign_with_digest(
    unsecured: Value,
    key: &SigningKey,
    verification_method: &str,
    created: Option<&str>,
) -> Result<(Value, [u8; 32]), ProofError> {
    sign_set(
        unsecured,
        &[Cryptosuite::EddsaJcs2022],
        key,
        verification_method,
        created,
    )
}

/// Signs `unsecured` (a JSON object without `proof`) once per suite of `suites` and
/// returns it with the proof set (`proof` is an array, in the order of `suites`),
/// and SHA-256 of its JCS canonical form: the digest of the signed content, which the
/// site state keeps whatever the suites. Every signature is checked against the
/// signing key's public half before returning.
pub fn sign_set(
    mut unsecured: Value,
    suites: &[Cryptosuite],
    key: &SigningKey,
    verification_method: &str,
    created: Option<&str>,
) -> Result<(Value, [u8; 32]), ProofError> {
    if !unsecured.is_object() {
        return Err(ProofError::NotAnObject);
    }
    let canonical = canonicalize(&unsecured)?;
    let (proofs, digest) = proof_set_of_canonical(
        &canonical,
        unsecured.get("@context"),
        // Only eddsa-rdfc-2022 needs the document itself (its canonicalization costs
        // far more than this copy).
        || Ok(unsecured.clone()),
        suites,
        key,
        verification_method,
        created,
        None,
    )?;
    let proofs = proofs
        .iter()
        .map(Proof::to_value)
        .collect::<Result<_, _>>()?;
    unsecured
        .as_object_mut()
        .expect("checked above")
        .insert("proof".into(), Value::Array(proofs));
    Ok((unsecured, digest))
}

/// The proof set of a document given by its JCS canonical form (`canonical`, without
/// proof) and its `@context`, as a typed document gives them: one proof per suite of
/// `suites`, in their order. `document` makes the document as a JSON value, which only
/// `eddsa-rdfc-2022` needs. Returns the proofs and SHA-256 of `canonical`, as
/// [`sign_set`] does. Without `checks`, each signature is checked at once, as
/// [`sign_set`] does; with them, later in a batch.
#[allow(clippy::too_many_arguments)]
pub fn proof_set_of_canonical<'c>(
    canonical: &[u8],
    context: Option<&'c Value>,
    document: impl FnOnce() -> Result<Value, ProofError>,
    suites: &[Cryptosuite],
    key: &SigningKey,
    verification_method: &str,
    created: Option<&str>,
    checks: Option<&Checks>,
) -> Result<(Vec<Proof<'c>>, [u8; 32]), ProofError> {
    let digest: [u8; 32] = Sha256::digest(canonical).into();
    let mut document = Some(document);
    let mut made = None;
    let mut proofs = Vec::with_capacity(suites.len());
    for &suite in suites {
        let mut proof = Proof::config(suite, context, verification_method, created);
        let data = match suite {
            // The document's JCS digest is the one given.
            Cryptosuite::EddsaJcs2022 => {
                let mut data = [0u8; 64];
                data[..32].copy_from_slice(&Sha256::digest(proof.canonical()?));
                data[32..].copy_from_slice(&digest);
                data
            }
            Cryptosuite::EddsaRdfc2022 => {
                if let Some(make) = document.take() {
                    made = Some(make()?);
                }
                let config = proof.to_value()?;
                suite.hash_data(&config, made.as_ref().expect("made on first use"))?
            }
        };
        let signature = key.sign(&data);
        // Check the signature against the public key before it leaves, as minisign
        // does: now, or in a batch before the build publishes anything.
        match checks {
            Some(checks) => checks.add(data, signature, key.verifying_key())?,
            None => key
                .verifying_key()
                .verify_strict(&data, &signature)
                .map_err(|_| ProofError::BadSignature)?,
        }
        if suite == Cryptosuite::EddsaRdfc2022 {
            // As the W3C eddsa-rdfc-2022 vectors: the verifier takes the document's.
            proof.context = None;
        }
        proof.proof_value = Some(proof_value(&signature));
        proofs.push(proof);
    }
    Ok((proofs, digest))
}

/// Signatures awaiting their check against the public key. A signature computed
/// wrongly (a fault in the machine) can reveal the secret key, so every signature
/// credsite makes is verified before it leaves. Checking a batch of `BATCH` at once
/// (one multiscalar multiplication, weighted by a hash of all inputs: see
/// [`check_batch`]) gives the same assurance for signatures credsite has just made
/// with its own keys: the batch fails if any signature in it is wrong, and so does
/// the build. [`Checks::finish`] checks the rest; a build calls it (through
/// [`super::sign::Signer::finish`]) before it publishes anything.
#[derive(Default)]
pub struct Checks {
    pending: std::sync::Mutex<Vec<Pending>>,
}

struct Pending {
    message: [u8; 64],
    signature: Signature,
    key: VerifyingKey,
}

/// Signatures per batch: a larger batch costs less per signature, but little beyond
/// this. On the 2-core dev machine, in one micro-benchmark run: 6.0 µs each at 1,024
/// and 5.4 to 6.1 µs at 4,096 (`ed25519_dalek::verify_batch`, with a term per key
/// and signature: 8.8 and 8.2 µs; one `verify_strict`: 50 µs, measured in an earlier
/// session). The batch left at the end is checked on one thread.
const BATCH: usize = 1024;

impl Checks {
    fn add(
        &self,
        message: [u8; 64],
        signature: Signature,
        key: VerifyingKey,
    ) -> Result<(), ProofError> {
        let full = {
            let mut pending = self.pending.lock().expect("not poisoned");
            pending.push(Pending {
                message,
                signature,
                key,
            });
            if pending.len() < BATCH {
                return Ok(());
            }
            std::mem::take(&mut *pending)
        };
        check_batch(&full)
    }

    /// Checks every signature still pending.
    pub fn finish(&self) -> Result<(), ProofError> {
        let rest = std::mem::take(&mut *self.pending.lock().expect("not poisoned"));
        check_batch(&rest)
    }
}

/// Checks a batch with one multiscalar multiplication. Each signature `(R, s)` of
/// `M` by `A` satisfies `s·B = R + k·A`, with `k = SHA-512(R ‖ A ‖ M)`; weighted by
/// a 128-bit `z` each, the sum `Σz·s·B − Σz·R − Σ(z·k)·A` is then the identity. The
/// weights are drawn from a hash of every input (as `ed25519_dalek::verify_batch`
/// draws them), so no wrong signature can cancel another. Unlike
/// `verify_batch`, the terms of one key are summed into one coefficient: a batch
/// of credsite's signatures has one key or a few, so the multiplication has `n + 2`
/// points, not `2n + 1`.
fn check_batch(batch: &[Pending]) -> Result<(), ProofError> {
    use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
    use curve25519_dalek::scalar::Scalar;
    use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
    use sha2::Sha512;

    if batch.is_empty() {
        return Ok(());
    }
    let mut transcript = Sha512::new_with_prefix(b"credsite signature batch");
    let mut terms = Vec::with_capacity(batch.len());
    for pending in batch {
        let (r, s) = (pending.signature.r_bytes(), pending.signature.s_bytes());
        let s = Option::<Scalar>::from(Scalar::from_canonical_bytes(*s))
            .ok_or(ProofError::BadSignature)?;
        let point = CompressedEdwardsY(*r)
            .decompress()
            .ok_or(ProofError::BadSignature)?;
        let hram: [u8; 64] = Sha512::new()
            .chain_update(r)
            .chain_update(pending.key.as_bytes())
            .chain_update(pending.message)
            .finalize()
            .into();
        transcript.update(hram);
        transcript.update(s.as_bytes());
        terms.push((point, s, Scalar::from_bytes_mod_order_wide(&hram)));
    }
    let seed = transcript.finalize();
    let mut base = Scalar::ZERO;
    let mut weights = Vec::with_capacity(batch.len());
    let mut keys: Vec<(&VerifyingKey, Scalar)> = Vec::new();
    for (i, (pending, (_, s, k))) in batch.iter().zip(&terms).enumerate() {
        let wide = Sha512::new()
            .chain_update(seed)
            .chain_update((i as u64).to_le_bytes())
            .finalize();
        let mut z = [0u8; 16];
        z.copy_from_slice(&wide[..16]);
        let z = Scalar::from(u128::from_le_bytes(z));
        base += z * s;
        match keys.iter_mut().find(|(key, _)| *key == &pending.key) {
            Some((_, sum)) => *sum += z * k,
            None => keys.push((&pending.key, z * k)),
        }
        weights.push(z);
    }
    let sum = EdwardsPoint::vartime_multiscalar_mul(
        std::iter::once(-base)
            .chain(weights)
            .chain(keys.iter().map(|(_, sum)| *sum)),
        std::iter::once(curve25519_dalek::constants::ED25519_BASEPOINT_POINT)
            .chain(terms.iter().map(|(point, _, _)| *point))
            .chain(keys.iter().map(|(key, _)| key.to_edwards())),
    );
    if sum.is_identity() {
        Ok(())
    } else {
        Err(ProofError::BadSignature)
    }
}

/// The proofs of `secured`: its `proof` object, or every object of its `proof` array.
pub fn proofs(secured: &Value) -> Result<Vec<&Map<String, Value>>, ProofError> {
    let doc = secured.as_object().ok_or(ProofError::NotAnObject)?;
    match doc.get("proof") {
        Some(Value::Object(proof)) => Ok(vec![proof]),
        Some(Value::Array(set)) if !set.is_empty() => set
            .iter()
            .map(|p| p.as_object().ok_or(ProofError::NoProof))
            .collect(),
        _ => Err(ProofError::NoProof),
    }
}

/// Verifies every proof of `secured` (a single proof or a proof set; each must be
/// `eddsa-jcs-2022` or `eddsa-rdfc-2022` and verify). `resolve` maps a proof's
/// `verificationMethod` to a public key (or says why it cannot). Returns what
/// verified, in the document's order.
pub fn verify(
    secured: &Value,
    resolve: impl Fn(&str) -> Result<VerifyingKey, String>,
) -> Result<Vec<Verified>, ProofError> {
    let set = proofs(secured)?;
    let mut unsecured = secured.as_object().ok_or(ProofError::NotAnObject)?.clone();
    unsecured.remove("proof");
    let single = set.len() == 1;
    set.into_iter()
        .map(|proof| {
            verify_one(&unsecured, proof, &resolve).map_err(|e| match e {
                // A lone proof's error needs no "which proof".
                e if single => e,
                e => ProofError::InSet {
                    suite: proof
                        .get("cryptosuite")
                        .and_then(Value::as_str)
                        .unwrap_or("(no cryptosuite)")
                        .to_string(),
                    source: Box::new(e),
                },
            })
        })
        .collect()
}

/// Verifies one proof of the document `unsecured` (which has no `proof`).
fn verify_one(
    unsecured: &Map<String, Value>,
    proof: &Map<String, Value>,
    resolve: &impl Fn(&str) -> Result<VerifyingKey, String>,
) -> Result<Verified, ProofError> {
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
    let name = member("cryptosuite", None)?;
    let suite =
        Cryptosuite::from_name(name).ok_or_else(|| ProofError::UnknownSuite(name.to_string()))?;
    member("proofPurpose", Some(ASSERTION_METHOD))?;
    let method = member("verificationMethod", None)?;
    let signature = decode_proof_value(member("proofValue", None)?)?;

    let mut options = proof.clone();
    options.remove("proofValue");
    let mut unsecured = unsecured.clone();
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
    if suite == Cryptosuite::EddsaRdfc2022 {
        // 3.2.5 Proof Configuration: "Set proofConfig.@context to unsecuredDocument.@context".
        match unsecured.get("@context") {
            Some(context) => options.insert("@context".into(), context.clone()),
            None => return Err(ProofError::ContextMismatch),
        };
    }
    let key = resolve(method).map_err(|why| ProofError::UnknownKey(method.to_string(), why))?;
    let data = suite.hash_data(&Value::Object(options), &Value::Object(unsecured))?;
    key.verify_strict(&data, &signature)
        .map_err(|_| ProofError::BadSignature)?;
    Ok(Verified {
        cryptosuite: suite,
        method: method.to_string(),
    })
}

/// A signature as a `proofValue`: multibase base58btc (`z` + base58 of its 64
/// bytes). `five8` encodes exactly 64 bytes about 20 times faster than `bs58`'s
/// general loop, which was a few percent of a large build.
fn proof_value(signature: &Signature) -> String {
    let mut out = [0u8; 88];
    let len = five8::encode_64(&signature.to_bytes(), &mut out) as usize;
    let mut value = String::with_capacity(len + 1);
    value.push('z');
    // Base58 digits are ASCII.
    value.extend(out[..len].iter().map(|&b| b as char));
    value
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

    #[test]
    fn proof_values_are_base58btc_as_bs58_writes_them() {
        // Signatures with leading zero bytes (base58 '1's) and ones of all 0xff.
        let mut samples = vec![[0u8; 64], [0xff; 64]];
        let mut leading = [0x5au8; 64];
        leading[..3].fill(0);
        samples.push(leading);
        let key = SigningKey::from_bytes(&[9; 32]);
        samples.extend((0..200u32).map(|i| key.sign(&i.to_le_bytes()).to_bytes()));
        for bytes in samples {
            let signature = Signature::from_bytes(&bytes);
            let value = proof_value(&signature);
            assert_eq!(value, format!("z{}", bs58::encode(bytes).into_string()));
            assert_eq!(decode_proof_value(&value).unwrap(), signature);
        }
    }

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }

    fn methods(verified: Vec<Verified>) -> Vec<String> {
        verified.into_iter().map(|v| v.method).collect()
    }

    #[test]
    fn a_wrong_signature_fails_its_batch_and_right_ones_pass() {
        let key = key();
        let message = |i: u8| [i; 64];
        let checks = Checks::default();
        // More than one batch: the first is checked when it fills, the rest at the end.
        for i in 0..(BATCH + 10) {
            let m = message(i as u8);
            checks.add(m, key.sign(&m), key.verifying_key()).unwrap();
        }
        checks.finish().unwrap();
        let checks = Checks::default();
        checks
            .add(message(1), key.sign(&message(2)), key.verifying_key())
            .unwrap();
        checks
            .add(message(3), key.sign(&message(3)), key.verifying_key())
            .unwrap();
        assert_eq!(checks.finish(), Err(ProofError::BadSignature));
        // A wrong signature filling a batch fails as the batch is checked.
        let checks = Checks::default();
        let results: Vec<_> = (0..BATCH)
            .map(|i| {
                let signed = if i == 7 { message(0) } else { message(i as u8) };
                checks.add(message(i as u8), key.sign(&signed), key.verifying_key())
            })
            .collect();
        assert_eq!(results.last(), Some(&Err(ProofError::BadSignature)));
    }

    #[test]
    fn a_batch_of_several_keys_is_checked_key_by_key() {
        use curve25519_dalek::scalar::Scalar;
        let (one, two) = (key(), SigningKey::from_bytes(&[8u8; 32]));
        let message = |i: u8| [i; 64];
        let checks = Checks::default();
        for i in 0..100u8 {
            let key = if i % 3 == 0 { &two } else { &one };
            checks
                .add(message(i), key.sign(&message(i)), key.verifying_key())
                .unwrap();
        }
        checks.finish().unwrap();
        // A right signature, but by the other key than the one it names.
        let checks = Checks::default();
        checks
            .add(message(1), one.sign(&message(1)), one.verifying_key())
            .unwrap();
        checks
            .add(message(2), two.sign(&message(2)), one.verifying_key())
            .unwrap();
        assert_eq!(checks.finish(), Err(ProofError::BadSignature));
        // Two wrong signatures whose errors cancel out in an unweighted sum: s + 1 in
        // one, s - 1 in the other.
        let (a, b) = (one.sign(&message(1)), one.sign(&message(2)));
        let shift = |signature: &Signature, by: Scalar| {
            let s = Scalar::from_canonical_bytes(*signature.s_bytes()).unwrap();
            let mut bytes = signature.to_bytes();
            bytes[32..].copy_from_slice((s + by).as_bytes());
            Signature::from_bytes(&bytes)
        };
        let checks = Checks::default();
        checks
            .add(message(1), shift(&a, Scalar::ONE), one.verifying_key())
            .unwrap();
        checks
            .add(message(2), shift(&b, -Scalar::ONE), one.verifying_key())
            .unwrap();
        assert_eq!(checks.finish(), Err(ProofError::BadSignature));
        // s not below the group order (s + l, which `verify` would reject too).
        let mut bytes = a.to_bytes();
        let order: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        let mut carry = 0u16;
        for (byte, add) in bytes[32..].iter_mut().zip(order) {
            let sum = *byte as u16 + add as u16 + carry;
            *byte = sum as u8;
            carry = sum >> 8;
        }
        let checks = Checks::default();
        checks
            .add(
                message(1),
                Signature::from_bytes(&bytes),
                one.verifying_key(),
            )
            .unwrap();
        assert_eq!(checks.finish(), Err(ProofError::BadSignature));
    }

    #[test]
    fn sign_then_verify_round_trips_and_detects_changes() {
        let doc =
            json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "name": "A", "n": 1.5});
        let signed = sign(doc, &key(), "did:web:x#k", Some("2024-01-01T00:00:00Z")).unwrap();
        assert!(signed["proof"].is_array(), "a proof set");
        let vk = key().verifying_key();
        assert_eq!(
            methods(verify(&signed, |_| Ok(vk)).unwrap()),
            ["did:web:x#k"]
        );
        let mut changed = signed.clone();
        changed["name"] = json!("B");
        assert_eq!(verify(&changed, |_| Ok(vk)), Err(ProofError::BadSignature));
        let mut changed = signed.clone();
        changed["proof"][0]["created"] = json!("2024-01-02T00:00:00Z");
        assert_eq!(verify(&changed, |_| Ok(vk)), Err(ProofError::BadSignature));
        let other = SigningKey::from_bytes(&[8u8; 32]).verifying_key();
        assert_eq!(
            verify(&signed, |_| Ok(other)),
            Err(ProofError::BadSignature)
        );
    }

    #[test]
    fn a_single_proof_object_is_read_too() {
        let doc = json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "name": "A"});
        let mut signed = sign(doc, &key(), "did:web:x#k", None).unwrap();
        let single = signed["proof"][0].clone();
        signed["proof"] = single;
        let vk = key().verifying_key();
        assert_eq!(
            methods(verify(&signed, |_| Ok(vk)).unwrap()),
            ["did:web:x#k"]
        );
        signed["proof"] = json!([]);
        assert_eq!(verify(&signed, |_| Ok(vk)), Err(ProofError::NoProof));
    }

    #[test]
    fn both_suites_sign_and_each_proof_of_the_set_is_checked() {
        let doc = json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "issuer": "did:web:x",
            "credentialSubject": {"name": "A"}
        });
        let (signed, digest) = sign_set(
            doc.clone(),
            &Cryptosuite::ALL,
            &key(),
            "did:web:x#k",
            Some("2024-01-01T00:00:00Z"),
        )
        .unwrap();
        assert_eq!(
            digest,
            <[u8; 32]>::from(Sha256::digest(canonicalize(&doc).unwrap()))
        );
        assert_eq!(signed["proof"][0]["cryptosuite"], "eddsa-jcs-2022");
        assert_eq!(signed["proof"][1]["cryptosuite"], "eddsa-rdfc-2022");
        assert!(signed["proof"][1].get("@context").is_none());
        let vk = key().verifying_key();
        let verified = verify(&signed, |_| Ok(vk)).unwrap();
        let suites: Vec<_> = verified.iter().map(|v| v.cryptosuite).collect();
        assert_eq!(suites, Cryptosuite::ALL);
        // A change RDF does not see (JSON key order) keeps both valid; a change of a
        // value breaks both.
        let mut changed = signed.clone();
        changed["credentialSubject"]["name"] = json!("B");
        let err = verify(&changed, |_| Ok(vk)).unwrap_err();
        assert!(
            matches!(err, ProofError::InSet { ref suite, .. } if suite == "eddsa-jcs-2022"),
            "{err}"
        );
        // Only the rdfc proof broken: the error names it.
        let mut changed = signed.clone();
        changed["proof"][1]["created"] = json!("2024-01-02T00:00:00Z");
        let err = verify(&changed, |_| Ok(vk)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "eddsa-rdfc-2022 proof: the signature does not match the document: it was changed after signing, or signed by another key"
        );
    }

    #[test]
    fn documents_without_context_get_proofs_without_context() {
        let signed = sign(json!({"version": "x"}), &key(), "did:web:x#k", None).unwrap();
        assert!(signed["proof"][0].get("@context").is_none());
        assert!(signed["proof"][0].get("created").is_none());
        let vk = key().verifying_key();
        assert!(verify(&signed, |_| Ok(vk)).is_ok());
    }

    #[test]
    fn rejects_wrong_suite_purpose_and_context() {
        let doc = json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "a": 1});
        let signed = sign(doc, &key(), "did:web:x#k", None).unwrap();
        let vk = key().verifying_key();
        let mut bad = signed.clone();
        bad["proof"][0]["cryptosuite"] = json!("ecdsa-rdfc-2019");
        assert!(matches!(
            verify(&bad, |_| Ok(vk)),
            Err(ProofError::UnknownSuite(_))
        ));
        let mut bad = signed.clone();
        bad["proof"][0]["proofPurpose"] = json!("authentication");
        assert!(matches!(
            verify(&bad, |_| Ok(vk)),
            Err(ProofError::BadMember("proofPurpose", _))
        ));
        let mut bad = signed.clone();
        bad["@context"] = json!(["https://example.org/other"]);
        assert_eq!(verify(&bad, |_| Ok(vk)), Err(ProofError::ContextMismatch));
        let mut bad = signed;
        bad["proof"][0]["proofValue"] = json!("not-multibase");
        assert_eq!(verify(&bad, |_| Ok(vk)), Err(ProofError::BadProofValue));
    }
}
