//! The sentences inside signed documents, rendered from the site's `[texts]` templates.
//!
//! A template made only of text and `{{ variable }}`s (as most of the defaults are) is
//! rendered by putting the values in place: a build renders two or three texts per
//! credential, and Tera's context and interpreter cost about 0.5 µs each. The others,
//! and any template whose variables are not all given, go through Tera. A test checks
//! that both ways write the same text.

use std::collections::BTreeMap;

use anyhow::{Result, anyhow};
use tera::{Context, Tera};

use crate::config::{CONFIG_FILE, Texts};

/// The `[texts]` templates, compiled once.
pub struct SignedTexts {
    tera: Tera,
    /// The templates that are only text and variables, split into their pieces.
    plain: BTreeMap<String, Vec<Piece>>,
}

/// A piece of a template that is only text and variables.
#[derive(Debug, PartialEq, Eq)]
enum Piece {
    Text(String),
    Variable(String),
}

/// The pieces of `template` if it is only text and `{{ name }}`s (no tags, comments,
/// filters, whitespace control or expressions); `None` otherwise.
fn plain_pieces(template: &str) -> Option<Vec<Piece>> {
    let syntax = |text: &str| {
        ["{{", "}}", "{%", "%}", "{#", "#}"]
            .iter()
            .any(|mark| text.contains(mark))
    };
    let mut pieces = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let (text, tail) = (&rest[..start], &rest[start + 2..]);
        if syntax(text) {
            return None;
        }
        let end = tail.find("}}")?;
        let name = tail[..end].trim();
        let identifier = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !identifier {
            return None;
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text.to_string()));
        }
        pieces.push(Piece::Variable(name.to_string()));
        rest = &tail[end + 2..];
    }
    if syntax(rest) {
        return None;
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest.to_string()));
    }
    Some(pieces)
}

impl SignedTexts {
    /// Compiles the templates; a broken one is reported with its key.
    pub fn new(texts: &Texts) -> Result<Self> {
        let mut tera = Tera::new();
        // The text goes into JSON strings, not HTML: no escaping.
        tera.autoescape_on(Vec::<&str>::new());
        let mut plain = BTreeMap::new();
        let value = serde_json::to_value(texts)?;
        for (name, template) in value.as_object().expect("a struct").iter() {
            let template = template.as_str().unwrap_or_default();
            tera.add_raw_template(name, template).map_err(|e| {
                anyhow!("{CONFIG_FILE}: field `texts.{name}`: cannot read the template: {e}")
            })?;
            if let Some(pieces) = plain_pieces(template) {
                plain.insert(name.clone(), pieces);
            }
        }
        Ok(SignedTexts { tera, plain })
    }

    /// Renders the text `name` with `values`, given as (variable, text) pairs.
    pub fn render(&self, name: &str, values: &[(&'static str, &str)]) -> Result<String> {
        if let Some(text) = self
            .plain
            .get(name)
            .and_then(|pieces| put_in_place(pieces, values))
        {
            return Ok(text);
        }
        self.render_with_tera(name, values)
    }

    fn render_with_tera(&self, name: &str, values: &[(&'static str, &str)]) -> Result<String> {
        let mut context = Context::new();
        for (key, value) in values {
            context.insert(*key, value);
        }
        self.tera
            .render(name, &context)
            .map_err(|e| anyhow!("{CONFIG_FILE}: field `texts.{name}`: {e}"))
    }
}

/// The text of a plain template, or `None` if a variable has no value (Tera then
/// reports it).
fn put_in_place(pieces: &[Piece], values: &[(&'static str, &str)]) -> Option<String> {
    let mut text = String::with_capacity(128);
    for piece in pieces {
        match piece {
            Piece::Text(part) => text.push_str(part),
            Piece::Variable(name) => {
                let (_, value) = values.iter().find(|(key, _)| key == name)?;
                text.push_str(value);
            }
        }
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_render_without_escaping() {
        let texts = SignedTexts::new(&Texts::default()).unwrap();
        assert_eq!(
            texts
                .render(
                    "credential_description",
                    &[
                        ("holder", "O'Brien & <Co>"),
                        ("program", "CDPP"),
                        ("issuer", "X")
                    ]
                )
                .unwrap(),
            "O'Brien & <Co> holds the CDPP credential."
        );
        assert_eq!(
            texts
                .render(
                    "evidence_description",
                    &[("exam", "E"), ("score", "81%"), ("date", "2024-01-01")]
                )
                .unwrap(),
            "Result: 81%. Assessed on 2024-01-01"
        );
        assert_eq!(
            texts
                .render(
                    "evidence_description",
                    &[("exam", "E"), ("score", ""), ("date", "2024-01-01")]
                )
                .unwrap(),
            "Assessed on 2024-01-01"
        );
    }

    #[test]
    fn plain_templates_render_as_tera_renders_them() {
        let values: [(&'static str, &str); 2] = [
            (
                "holder",
                "O'Brien & <Co> \\ \"Seán\" {{ program }} {% if %}",
            ),
            ("program", "Ωμέγα 認定 100%\n"),
        ];
        // (template, whether it is rendered without Tera)
        let cases = [
            ("{{ holder }}: {{ program }}", true),
            ("{{holder}}{{program}}", true),
            ("  {{   holder\n }} and {{ program }} end.\n", true),
            ("a { b } c 50% # {{ holder }} }", true),
            ("no variables at all", true),
            ("", true),
            ("{{ holder | upper }}", false),
            ("{{- holder }}", false),
            ("{{ holder }} }} stray", false),
            ("{% if holder %}{{ holder }}{% endif %}", false),
            ("{# note #}{{ holder }}", false),
            ("{{ holder ~ program }}", false),
            ("{{ 'text' }}", false),
        ];
        for (template, plain) in cases {
            let texts = SignedTexts::new(&Texts {
                feed_item_title: template.into(),
                ..Texts::default()
            })
            .unwrap();
            assert_eq!(
                texts.plain.contains_key("feed_item_title"),
                plain,
                "{template:?}"
            );
            assert_eq!(
                texts.render("feed_item_title", &values).unwrap(),
                texts.render_with_tera("feed_item_title", &values).unwrap(),
                "{template:?}"
            );
        }
        // The defaults without tags take the direct way.
        let defaults = SignedTexts::new(&Texts::default()).unwrap();
        for name in [
            "credential_description",
            "feed_item_title",
            "unlisted_holder",
        ] {
            assert!(defaults.plain.contains_key(name), "{name}");
        }
        // A variable without a value is Tera's error, as before.
        let texts = SignedTexts::new(&Texts {
            feed_item_title: "{{ nobody }}".into(),
            ..Texts::default()
        })
        .unwrap();
        let err = texts
            .render("feed_item_title", &values)
            .unwrap_err()
            .to_string();
        assert!(err.contains("field `texts.feed_item_title`"), "{err}");
    }

    #[test]
    fn a_broken_template_names_its_key() {
        let texts = Texts {
            feed_title: "{{ site".into(),
            ..Texts::default()
        };
        let err = SignedTexts::new(&texts).err().unwrap().to_string();
        assert!(err.contains("field `texts.feed_title`"), "{err}");
    }
}
