//! Open Badges 3.0 `OpenBadgeCredential`s (W3C VC 2.0 data model) built from resolved credentials.

use std::borrow::Cow;

use anyhow::Result;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::texts::SignedTexts;
use super::{jcs, status_list};
use crate::dates::date_time;
use crate::load::Program;
use crate::site::{Credential, Site};
use crate::urls;

/// The `@context` of every credential. The extensions context defines
/// `1EdTechJsonSchemaValidator2019` (the `credentialSchema` type): without it that
/// type is an undefined term, and strict JSON-LD processing rejects the credential.
/// Every one is bundled in the binary ([`super::rdfc::CONTEXTS`]).
pub const CONTEXT: [&str; 3] = [
    super::rdfc::CREDENTIALS_V2,
    super::rdfc::OB_V3P0,
    super::rdfc::OB_EXTENSIONS,
];

/// 1EdTech's JSON Schema of an Open Badges 3.0 `AchievementCredential`.
pub const OB3_SCHEMA: &str =
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json";

/// The end of the last valid day, as VC `validUntil`.
pub fn valid_until_time(date: chrono::NaiveDate) -> String {
    // `NaiveDate` displays as `%Y-%m-%d`, without parsing a format string per call.
    format!("{date}T23:59:59Z")
}

/// The issuer's OB3 `Profile`.
pub fn issuer_profile(site: &Site) -> Value {
    let config = &site.config;
    let mut profile = Map::new();
    profile.insert("id".into(), site.did.did.clone().into());
    profile.insert("type".into(), json!(["Profile"]));
    profile.insert("name".into(), config.issuer.name.clone().into());
    profile.insert("url".into(), site.issuer_url.clone().into());
    if let Some(description) = &config.issuer.description {
        profile.insert("description".into(), description.clone().into());
    }
    if let Some(email) = &config.issuer.contact {
        profile.insert("email".into(), email.clone().into());
    }
    if let Some(logo) = &config.issuer.logo {
        profile.insert(
            "image".into(),
            json!({"id": site.urls.absolute(logo), "type": "Image"}),
        );
    }
    Value::Object(profile)
}

/// The OB3 `Achievement` a program stands for.
pub fn achievement(site: &Site, program: &Program, texts: &SignedTexts) -> Result<Value> {
    let url = site.urls.absolute(&urls::program_dir(&program.id));
    let mut achievement = Map::new();
    achievement.insert("id".into(), url.clone().into());
    achievement.insert("type".into(), json!(["Achievement"]));
    achievement.insert("achievementType".into(), "Certification".into());
    achievement.insert("name".into(), program.name.clone().into());
    achievement.insert("description".into(), program.summary.clone().into());
    achievement.insert(
        "criteria".into(),
        json!({"id": url, "narrative": program.criteria}),
    );
    if let Some(version) = &program.version {
        achievement.insert("version".into(), version.clone().into());
    }
    if let Some(acc) = &program.accreditation {
        let description = texts.render(
            "accreditation",
            &[("body", &acc.body), ("standard", &acc.standard)],
        )?;
        achievement.insert(
            "alignment".into(),
            json!([{
                "type": ["Alignment"],
                "targetName": acc.standard,
                "targetDescription": description,
                "targetType": "ext:Accreditation",
                "targetUrl": acc.url.clone().unwrap_or(url),
            }]),
        );
    }
    Ok(Value::Object(achievement))
}

/// A part that every credential of the site (the issuer profile) or of a program (its
/// achievement) holds, made once: its published text, indented for its place in the
/// document, and its JCS form. A credential's document writes both as they are (a
/// compact serializer writes the text with its line breaks too: still the same JSON).
#[derive(Debug)]
pub struct Shared {
    text: Box<RawValue>,
    canonical: Vec<u8>,
}

impl Shared {
    /// `value`, for a place `depth` objects deep in the document (1: a member of the
    /// document itself).
    pub fn new(value: &Value, depth: usize) -> Result<Shared> {
        // serde_json's pretty form indents by two spaces per level; a raw value is
        // written as it is, so its lines after the first carry its place's indent.
        let text = serde_json::to_string_pretty(value)?
            .replace('\n', &format!("\n{}", "  ".repeat(depth)));
        Ok(Shared {
            text: RawValue::from_string(text)?,
            canonical: jcs::to_vec(value).map_err(anyhow::Error::msg)?,
        })
    }
}

impl Serialize for Shared {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.text.serialize(serializer)
    }
}

/// A credential's document, borrowing what the site and the signer hold. It
/// serializes in its published order, and [`Document::canonical`] writes its JCS form
/// directly: a build makes one per credential, and building it as a `serde_json::Value`
/// (with deep copies of the issuer profile and the achievement) and sorting each
/// object's members cost about 4 µs more per credential (user CPU of a first build of
/// 100,000, five runs alternated).
#[derive(Debug, Clone, Serialize)]
pub struct Document<'a> {
    #[serde(rename = "@context")]
    context: [&'static str; 3],
    id: String,
    #[serde(rename = "type")]
    kind: [&'static str; 2],
    name: &'a str,
    description: String,
    issuer: &'a Shared,
    #[serde(rename = "validFrom")]
    valid_from: String,
    #[serde(rename = "validUntil", skip_serializing_if = "Option::is_none")]
    valid_until: Option<String>,
    #[serde(rename = "credentialSubject")]
    subject: Subject<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    evidence: Option<[Evidence<'a>; 1]>,
    #[serde(rename = "credentialStatus")]
    status: [status_list::Entry; status_list::Purpose::ALL.len()],
    #[serde(rename = "credentialSchema")]
    schema: [Schema; 1],
    /// The proof set, once signed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proof: Option<Vec<super::proof::Proof<'a>>>,
}

/// The `credentialSubject`: the holder's identifiers and the achievement.
#[derive(Debug, Clone, Serialize)]
struct Subject<'a> {
    #[serde(rename = "type")]
    kind: [&'static str; 1],
    identifier: Vec<Identity<'a>>,
    achievement: &'a Shared,
}

/// An OB3 `IdentityObject`: the holder's name, or the hash of their email.
#[derive(Debug, Clone, Serialize)]
struct Identity<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "identityType")]
    identity_type: &'static str,
    hashed: bool,
    #[serde(rename = "identityHash")]
    identity_hash: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    salt: Option<&'a str>,
}

/// The record's exam, as OB3 `Evidence`.
#[derive(Debug, Clone, Serialize)]
struct Evidence<'a> {
    #[serde(rename = "type")]
    kind: [&'static str; 1],
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
}

/// The `credentialSchema` entry.
#[derive(Debug, Clone, Serialize)]
struct Schema {
    id: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
}

impl Document<'_> {
    /// The RFC 8785 (JCS) canonical form of the document without its proof: what
    /// `eddsa-jcs-2022` hashes, and the content digest the site state keeps.
    pub fn canonical(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4096);
        self.write_canonical(&mut out);
        out
    }

    /// Writes the members in the order of their names (RFC 8785 §3.2.3).
    fn write_canonical(&self, out: &mut Vec<u8>) {
        let mut doc = jcs::Object::new(out);
        doc.strings("@context", &self.context);
        doc.array("credentialSchema", &self.schema, Schema::write_canonical);
        doc.array(
            "credentialStatus",
            &self.status,
            status_list::Entry::write_canonical,
        );
        self.subject
            .write_canonical(doc.member("credentialSubject"));
        doc.string("description", &self.description);
        if let Some(evidence) = &self.evidence {
            doc.array("evidence", evidence, Evidence::write_canonical);
        }
        doc.string("id", &self.id);
        doc.canonical("issuer", &self.issuer.canonical);
        doc.string("name", self.name);
        doc.strings("type", &self.kind);
        doc.string("validFrom", &self.valid_from);
        if let Some(until) = &self.valid_until {
            doc.string("validUntil", until);
        }
        doc.end();
    }
}

impl Subject<'_> {
    fn write_canonical(&self, out: &mut Vec<u8>) {
        let mut subject = jcs::Object::new(out);
        subject.canonical("achievement", &self.achievement.canonical);
        subject.array("identifier", &self.identifier, Identity::write_canonical);
        subject.strings("type", &self.kind);
        subject.end();
    }
}

impl Identity<'_> {
    fn write_canonical(&self, out: &mut Vec<u8>) {
        let mut object = jcs::Object::new(out);
        let hashed = object.member("hashed");
        hashed.extend_from_slice(if self.hashed { b"true" } else { b"false" });
        object.string("identityHash", &self.identity_hash);
        object.string("identityType", self.identity_type);
        if let Some(salt) = self.salt {
            object.string("salt", salt);
        }
        object.string("type", self.kind);
        object.end();
    }
}

impl Evidence<'_> {
    fn write_canonical(&self, out: &mut Vec<u8>) {
        let mut object = jcs::Object::new(out);
        if let Some(description) = &self.description {
            object.string("description", description);
        }
        object.string("name", self.name);
        object.strings("type", &self.kind);
        object.end();
    }
}

impl Schema {
    fn write_canonical(&self, out: &mut Vec<u8>) {
        let mut object = jcs::Object::new(out);
        object.string("id", self.id);
        object.string("type", self.kind);
        object.end();
    }
}

/// The unsigned credential. `issuer` is [`issuer_profile`] and `achievement` the
/// program's [`achievement`], made once per site and per program (see [`Shared`]);
/// `salt` is the salt of its hashed holder email, from the site state.
pub fn unsigned<'a>(
    site: &'a Site,
    credential: &'a Credential,
    issuer: &'a Shared,
    achievement: &'a Shared,
    texts: &SignedTexts,
    salt: &'a str,
) -> Result<Document<'a>> {
    let record = &credential.record;
    let program = site.program_of(credential);
    let mut identifier = Vec::with_capacity(2);
    identifier.push(Identity {
        kind: "IdentityObject",
        identity_type: "name",
        hashed: false,
        identity_hash: Cow::Borrowed(&record.holder_name),
        salt: None,
    });
    if let Some(email) = &record.holder_email {
        identifier.push(Identity {
            kind: "IdentityObject",
            identity_type: "emailAddress",
            hashed: true,
            identity_hash: Cow::Owned(identity_hash(email, salt)),
            salt: Some(salt),
        });
    }
    let description = texts.render(
        "credential_description",
        &[
            ("holder", &record.holder_name),
            ("program", &program.name),
            ("issuer", &site.config.issuer.name),
        ],
    )?;
    let evidence = match &record.evidence {
        None => None,
        Some(evidence) => {
            let description = if evidence.score.is_some() || evidence.date.is_some() {
                let date = evidence.date.map(|d| d.to_string()).unwrap_or_default();
                Some(texts.render(
                    "evidence_description",
                    &[
                        ("exam", &evidence.exam),
                        ("score", evidence.score.as_deref().unwrap_or_default()),
                        ("date", &date),
                    ],
                )?)
            } else {
                None
            };
            Some([Evidence {
                kind: ["Evidence"],
                name: &evidence.exam,
                description,
            }])
        }
    };
    Ok(Document {
        context: CONTEXT,
        id: credential.json_url(&site.urls),
        kind: ["VerifiableCredential", "OpenBadgeCredential"],
        name: &program.name,
        description,
        issuer,
        valid_from: date_time(record.issued),
        valid_until: credential.valid_until.map(valid_until_time),
        subject: Subject {
            kind: ["AchievementSubject"],
            identifier,
            achievement,
        },
        evidence,
        status: status_list::entries(site, credential),
        // Lets Open Badges validators check the shape against 1EdTech's JSON Schema.
        schema: [Schema {
            id: OB3_SCHEMA,
            kind: "1EdTechJsonSchemaValidator2019",
        }],
        proof: None,
    })
}

/// An OB3 IdentityHash: `sha256$` + hex(SHA-256(identity ‖ salt)). Emails are lowercased.
pub fn identity_hash(email: &str, salt: &str) -> String {
    let digest = Sha256::new()
        .chain_update(email.trim().to_lowercase().as_bytes())
        .chain_update(salt.as_bytes())
        .finalize();
    format!("sha256${}", hex::encode(digest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_hash_is_sha256_of_email_and_salt() {
        // echo -n 'jane@example.orgabc' | sha256sum
        assert_eq!(
            identity_hash(" Jane@Example.org ", "abc"),
            format!(
                "sha256${}",
                hex::encode(Sha256::digest(b"jane@example.orgabc"))
            )
        );
        assert_ne!(
            identity_hash("jane@example.org", "abc"),
            identity_hash("jane@example.org", "abd")
        );
    }

    #[test]
    fn valid_until_is_end_of_day() {
        let d = chrono::NaiveDate::from_ymd_opt(2027, 1, 31).unwrap();
        assert_eq!(valid_until_time(d), "2027-01-31T23:59:59Z");
    }
}
