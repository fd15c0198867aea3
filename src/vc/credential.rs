//! Open Badges 3.0 `OpenBadgeCredential`s (W3C VC 2.0 data model) built from resolved credentials.

use anyhow::Result;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::object;
use super::texts::SignedTexts;
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

/// The unsigned credential. `issuer` is [`issuer_profile`] and `achievement` the
/// program's [`achievement`], made once per site and per program; `salt` is the salt
/// of its hashed holder email, from the site state.
pub fn unsigned(
    site: &Site,
    credential: &Credential,
    issuer: &Value,
    achievement: &Value,
    texts: &SignedTexts,
    salt: &str,
) -> Result<Value> {
    let record = &credential.record;
    let program = site.program_of(credential);
    let mut identifiers = Vec::with_capacity(2);
    identifiers.push(object([
        ("type", "IdentityObject".into()),
        ("identityType", "name".into()),
        ("hashed", false.into()),
        ("identityHash", record.holder_name.as_str().into()),
    ]));
    if let Some(email) = &record.holder_email {
        identifiers.push(object([
            ("type", "IdentityObject".into()),
            ("identityType", "emailAddress".into()),
            ("hashed", true.into()),
            ("identityHash", identity_hash(email, salt).into()),
            ("salt", salt.into()),
        ]));
    }
    let mut doc = Map::with_capacity(13);
    doc.insert("@context".into(), strings(&CONTEXT));
    doc.insert("id".into(), credential.json_url(&site.urls).into());
    doc.insert(
        "type".into(),
        strings(&["VerifiableCredential", "OpenBadgeCredential"]),
    );
    doc.insert("name".into(), program.name.as_str().into());
    let description = texts.render(
        "credential_description",
        &[
            ("holder", &record.holder_name),
            ("program", &program.name),
            ("issuer", &site.config.issuer.name),
        ],
    )?;
    doc.insert("description".into(), description.into());
    doc.insert("issuer".into(), issuer.clone());
    doc.insert("validFrom".into(), date_time(record.issued).into());
    if let Some(until) = credential.valid_until {
        doc.insert("validUntil".into(), valid_until_time(until).into());
    }
    doc.insert(
        "credentialSubject".into(),
        object([
            ("type", strings(&["AchievementSubject"])),
            ("identifier", Value::Array(identifiers)),
            ("achievement", achievement.clone()),
        ]),
    );
    if let Some(evidence) = &record.evidence {
        let mut e = Map::with_capacity(3);
        e.insert("type".into(), strings(&["Evidence"]));
        e.insert("name".into(), evidence.exam.as_str().into());
        if evidence.score.is_some() || evidence.date.is_some() {
            let date = evidence.date.map(|d| d.to_string()).unwrap_or_default();
            let description = texts.render(
                "evidence_description",
                &[
                    ("exam", &evidence.exam),
                    ("score", evidence.score.as_deref().unwrap_or_default()),
                    ("date", &date),
                ],
            )?;
            e.insert("description".into(), description.into());
        }
        doc.insert("evidence".into(), Value::Array(vec![Value::Object(e)]));
    }
    doc.insert(
        "credentialStatus".into(),
        super::status_list::entries(site, credential),
    );
    // Lets Open Badges validators check the shape against 1EdTech's JSON Schema.
    doc.insert(
        "credentialSchema".into(),
        Value::Array(vec![object([
            ("id", OB3_SCHEMA.into()),
            ("type", "1EdTechJsonSchemaValidator2019".into()),
        ])]),
    );
    Ok(Value::Object(doc))
}

/// A JSON array of strings.
fn strings(items: &[&str]) -> Value {
    Value::Array(items.iter().map(|item| Value::from(*item)).collect())
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
