//! Open Badges 3.0 `OpenBadgeCredential`s (W3C VC 2.0 data model) built from records.

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::dates::date_time;
use crate::did::DidWeb;
use crate::programs::Program;
use crate::records::Record;
use crate::site::Site;

/// The `@context` of every credential.
pub const CONTEXT: [&str; 2] = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
];

/// 1EdTech's JSON Schema of an Open Badges 3.0 `AchievementCredential`.
pub const OB3_SCHEMA: &str =
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json";

/// The site path of a credential's folder, e.g. `credentials/abc/`.
pub fn page_path(id: &str) -> String {
    format!("credentials/{id}/")
}

/// The site path of a program's folder.
pub fn program_path(id: &str) -> String {
    format!("programs/{id}/")
}

/// The end of the last valid day, as VC `validUntil`.
pub fn valid_until_time(date: chrono::NaiveDate) -> String {
    format!("{}T23:59:59Z", date.format("%Y-%m-%d"))
}

/// The issuer's OB3 `Profile`.
pub fn issuer_profile(site: &Site, did: &DidWeb) -> Value {
    let config = &site.config;
    let mut profile = Map::new();
    profile.insert("id".into(), did.did.clone().into());
    profile.insert("type".into(), json!(["Profile"]));
    profile.insert("name".into(), config.issuer.name.clone().into());
    profile.insert("url".into(), config.issuer_url().into());
    if let Some(description) = &config.issuer.description {
        profile.insert("description".into(), description.clone().into());
    }
    if let Some(email) = &config.issuer.contact {
        profile.insert("email".into(), email.clone().into());
    }
    if let Some(logo) = &config.issuer.logo {
        profile.insert(
            "image".into(),
            json!({"id": config.url_for(logo), "type": "Image"}),
        );
    }
    Value::Object(profile)
}

/// The OB3 `Achievement` a program stands for.
pub fn achievement(site: &Site, program: &Program) -> Value {
    let url = site.config.url_for(&program_path(&program.id));
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
        achievement.insert(
            "alignment".into(),
            json!([{
                "type": ["Alignment"],
                "targetName": acc.standard,
                "targetDescription": format!("Accredited by {} against {}", acc.body, acc.standard),
                "targetType": "ext:Accreditation",
                "targetUrl": acc.url.clone().unwrap_or(url),
            }]),
        );
    }
    Value::Object(achievement)
}

/// The unsigned credential of `record`. `salt_key` makes the per-credential salt of
/// the hashed holder email unguessable but reproducible.
pub fn unsigned(site: &Site, issuer: &Value, record: &Record, salt_key: &[u8; 32]) -> Value {
    let program = site.program_of(record);
    let mut identifiers = vec![json!({
        "type": "IdentityObject",
        "identityType": "name",
        "hashed": false,
        "identityHash": record.holder_name,
    })];
    if let Some(email) = &record.holder_email {
        let salt = salt(salt_key, &record.id);
        identifiers.push(json!({
            "type": "IdentityObject",
            "identityType": "emailAddress",
            "hashed": true,
            "identityHash": identity_hash(email, &salt),
            "salt": salt,
        }));
    }
    let mut credential = Map::new();
    credential.insert("@context".into(), json!(CONTEXT));
    credential.insert(
        "id".into(),
        site.config
            .url_for(&format!("{}credential.json", page_path(&record.id)))
            .into(),
    );
    credential.insert(
        "type".into(),
        json!(["VerifiableCredential", "OpenBadgeCredential"]),
    );
    credential.insert("name".into(), program.name.clone().into());
    credential.insert(
        "description".into(),
        format!(
            "{} holds the {} credential.",
            record.holder_name, program.name
        )
        .into(),
    );
    credential.insert("issuer".into(), issuer.clone());
    credential.insert("validFrom".into(), date_time(record.issued).into());
    if let Some(until) = site.valid_until(record) {
        credential.insert("validUntil".into(), valid_until_time(until).into());
    }
    credential.insert(
        "credentialSubject".into(),
        json!({
            "type": ["AchievementSubject"],
            "identifier": identifiers,
            "achievement": achievement(site, program),
        }),
    );
    if let Some(evidence) = &record.evidence {
        let mut details = Vec::new();
        if let Some(score) = &evidence.score {
            details.push(format!("Result: {score}"));
        }
        if let Some(date) = evidence.date {
            details.push(format!("Assessed on {date}"));
        }
        let mut e = Map::new();
        e.insert("type".into(), json!(["Evidence"]));
        e.insert("name".into(), evidence.exam.clone().into());
        if !details.is_empty() {
            e.insert("description".into(), details.join(". ").into());
        }
        credential.insert("evidence".into(), json!([e]));
    }
    // Lets Open Badges validators check the shape against 1EdTech's JSON Schema.
    credential.insert(
        "credentialSchema".into(),
        json!([{"id": OB3_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}]),
    );
    Value::Object(credential)
}

/// A per-credential salt: 16 bytes of SHA-256(salt_key ‖ id), hex.
fn salt(salt_key: &[u8; 32], id: &str) -> String {
    let digest = Sha256::new()
        .chain_update(salt_key)
        .chain_update(id.as_bytes())
        .finalize();
    hex(&digest[..16])
}

/// An OB3 IdentityHash: `sha256$` + hex(SHA-256(identity ‖ salt)). Emails are lowercased.
pub fn identity_hash(email: &str, salt: &str) -> String {
    let digest = Sha256::new()
        .chain_update(email.trim().to_lowercase().as_bytes())
        .chain_update(salt.as_bytes())
        .finalize();
    format!("sha256${}", hex(&digest))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The key from which email salts are derived, itself derived from the secret key.
pub fn salt_key(secret: &ed25519_dalek::SigningKey) -> [u8; 32] {
    Sha256::new()
        .chain_update(b"credsite email salt v1")
        .chain_update(secret.to_bytes())
        .finalize()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_hash_is_sha256_of_email_and_salt() {
        // echo -n 'jane@example.orgabc' | sha256sum
        assert_eq!(
            identity_hash(" Jane@Example.org ", "abc"),
            format!("sha256${}", hex(&Sha256::digest(b"jane@example.orgabc")))
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
