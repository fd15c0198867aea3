//! Certification programs: `content/programs/*.md`, TOML front matter between `+++`
//! lines followed by a Markdown description.

use std::path::Path;

use serde::Deserialize;

use crate::dates::Validity;
use crate::diag::{Diagnostic, line_of, toml_diagnostic};
use crate::ids;
use crate::load::validate;

/// A certification program: what a credential certifies.
#[derive(Debug, Clone)]
pub struct Program {
    /// The identifier records refer to; also the folder under `programs/`.
    pub id: String,
    /// The program's full name, e.g. "Certified Data Protection Engineer".
    pub name: String,
    /// One or two sentences shown in listings and credentials.
    pub summary: String,
    /// What a holder had to do to earn the credential.
    pub criteria: String,
    /// How long a credential stays valid when its record gives no expiry.
    pub validity: Option<Validity>,
    /// The validity as written, e.g. "3 years".
    pub validity_text: Option<String>,
    /// The version of the scheme, e.g. "2.1".
    pub version: Option<String>,
    /// Who accredits the program and against which standard.
    pub accreditation: Option<Accreditation>,
    /// The Markdown description after the front matter.
    pub body: String,
    /// The file the program came from.
    pub path: std::path::PathBuf,
}

/// The accreditation of a program.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Accreditation {
    /// The accreditation body, e.g. "National Accreditation Service".
    pub body: String,
    /// The standard accredited against, e.g. "ISO/IEC 17024:2012".
    pub standard: String,
    /// A public page about the accreditation, if there is one.
    #[serde(default)]
    pub url: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    id: Option<toml::Spanned<String>>,
    name: String,
    summary: String,
    criteria: String,
    validity: Option<toml::Spanned<String>>,
    version: Option<String>,
    accreditation: Option<RawAccreditation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAccreditation {
    body: String,
    standard: String,
    #[serde(default)]
    url: Option<toml::Spanned<String>>,
}

const DELIMITER: &str = "+++";

/// Parses a program file's text. `path` names the file in messages; the file stem is
/// the id unless the front matter gives one.
pub fn parse(text: &str, path: &Path) -> Result<Program, Vec<Diagnostic>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (front, body) = split_front_matter(text).ok_or_else(|| {
        vec![Diagnostic::new(path, "no front matter").line(1).hint(
            "start the file with a line `+++`, then TOML fields (id, name, summary, criteria, …), then `+++`",
        )]
    })?;
    // The front matter starts on line 2, after the opening delimiter.
    let fm: FrontMatter =
        toml::from_str(front).map_err(|e| vec![toml_diagnostic(path, front, &e, 1)])?;
    let at = |span: std::ops::Range<usize>, field: &str, message: String| {
        Diagnostic::new(path, message)
            .line(line_of(front, span.start) + 1)
            .field(field)
    };
    let mut problems = Vec::new();
    let id = match &fm.id {
        Some(id) => {
            if !ids::is_valid_id(id.get_ref()) {
                problems.push(
                    at(
                        id.span(),
                        "id",
                        format!("invalid program id \"{}\"", id.get_ref()),
                    )
                    .hint(ids::id_rules()),
                );
            }
            id.get_ref().clone()
        }
        None => {
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string();
            if !ids::is_valid_id(&stem) {
                problems.push(
                    Diagnostic::new(
                        path,
                        format!("file name \"{stem}\" is not a valid program id"),
                    )
                    .field("id")
                    .hint(ids::id_rules()),
                );
            }
            stem
        }
    };
    let validity = match &fm.validity {
        Some(v) => match Validity::parse(v.get_ref()) {
            Ok(validity) => Some(validity),
            Err(message) => {
                problems.push(at(v.span(), "validity", message));
                None
            }
        },
        None => None,
    };
    for (field, value) in [
        ("name", &fm.name),
        ("summary", &fm.summary),
        ("criteria", &fm.criteria),
    ] {
        if value.trim().is_empty() {
            problems.push(Diagnostic::new(path, "must not be empty").field(field));
        }
    }
    if let Some(url) = fm.accreditation.as_ref().and_then(|a| a.url.as_ref())
        && let Err(message) = validate::web_url(url.get_ref())
    {
        problems.push(
            at(url.span(), "accreditation.url", message)
                .hint("a public https page about the accreditation"),
        );
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Program {
        id,
        name: fm.name,
        summary: fm.summary,
        criteria: fm.criteria,
        validity,
        validity_text: fm.validity.map(toml::Spanned::into_inner),
        version: fm.version,
        accreditation: fm.accreditation.map(|a| Accreditation {
            body: a.body,
            standard: a.standard,
            url: a.url.map(toml::Spanned::into_inner),
        }),
        body: body.to_string(),
        path: path.to_path_buf(),
    })
}

/// Splits `+++\n<toml>\n+++\n<body>`.
fn split_front_matter(text: &str) -> Option<(&str, &str)> {
    let rest = text.strip_prefix(DELIMITER)?;
    let rest = rest
        .strip_prefix("\r\n")
        .or_else(|| rest.strip_prefix('\n'))?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == DELIMITER {
            return Some((&rest[..offset], &rest[offset + line.len()..]));
        }
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "+++\nname = \"Certified Tester\"\nsummary = \"S\"\ncriteria = \"C\"\nvalidity = \"3 years\"\n[accreditation]\nbody = \"NAS\"\nstandard = \"ISO/IEC 17024:2012\"\n+++\n# About\n\nText *here*.\n";

    #[test]
    fn parses_front_matter_and_body() {
        let p = parse(GOOD, Path::new("content/programs/ct.md")).unwrap();
        assert_eq!(p.id, "ct");
        assert_eq!(p.validity, Some(Validity::Months(36)));
        assert_eq!(p.accreditation.unwrap().standard, "ISO/IEC 17024:2012");
        assert!(p.body.contains("Text *here*."), "{}", p.body);
    }

    #[test]
    fn reports_bad_validity_with_file_line_and_field() {
        let text = GOOD.replace("3 years", "three years");
        let errs = parse(&text, Path::new("content/programs/ct.md")).unwrap_err();
        assert_eq!(errs.len(), 1);
        let msg = errs[0].to_string();
        assert!(
            msg.starts_with("content/programs/ct.md:5: field `validity`"),
            "{msg}"
        );
    }

    #[test]
    fn reports_toml_errors_with_file_line() {
        let text = GOOD.replace("criteria = \"C\"", "criteria = C");
        let errs = parse(&text, Path::new("p.md")).unwrap_err();
        assert!(errs[0].to_string().starts_with("p.md:4:"), "{}", errs[0]);
    }

    #[test]
    fn refuses_path_tricks_in_id() {
        let text = GOOD.replace("name =", "id = \"../x\"\nname =");
        let errs = parse(&text, Path::new("p.md")).unwrap_err();
        assert!(
            errs[0]
                .to_string()
                .contains("p.md:2: field `id`: invalid program id \"../x\""),
            "{}",
            errs[0]
        );
    }

    #[test]
    fn requires_front_matter() {
        let errs = parse("# no front matter", Path::new("p.md")).unwrap_err();
        assert!(errs[0].to_string().contains("no front matter"));
    }

    #[test]
    fn refuses_unsafe_accreditation_links() {
        let text = GOOD.replace(
            "standard = \"ISO/IEC 17024:2012\"",
            "standard = \"ISO/IEC 17024:2012\"\nurl = \"javascript:alert(1)\"",
        );
        let errs = parse(&text, Path::new("p.md")).unwrap_err();
        assert!(
            errs[0]
                .to_string()
                .starts_with("p.md:9: field `accreditation.url`: \"javascript:alert(1)\""),
            "{}",
            errs[0]
        );
    }
}
