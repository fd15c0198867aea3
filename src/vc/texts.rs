//! The sentences inside signed documents, rendered from the site's `[texts]` templates.

use anyhow::{Result, anyhow};
use tera::{Context, Tera};

use crate::config::{CONFIG_FILE, Texts};

/// The `[texts]` templates, compiled once.
pub struct SignedTexts {
    tera: Tera,
}

impl SignedTexts {
    /// Compiles the templates; a broken one is reported with its key.
    pub fn new(texts: &Texts) -> Result<Self> {
        let mut tera = Tera::new();
        // The text goes into JSON strings, not HTML: no escaping.
        tera.autoescape_on(Vec::<&str>::new());
        let value = serde_json::to_value(texts)?;
        for (name, template) in value.as_object().expect("a struct").iter() {
            let template = template.as_str().unwrap_or_default();
            tera.add_raw_template(name, template).map_err(|e| {
                anyhow!("{CONFIG_FILE}: field `texts.{name}`: cannot read the template: {e}")
            })?;
        }
        Ok(SignedTexts { tera })
    }

    /// Renders the text `name` with `values`, given as (variable, text) pairs.
    pub fn render(&self, name: &str, values: &[(&'static str, &str)]) -> Result<String> {
        let mut context = Context::new();
        for (key, value) in values {
            context.insert(*key, value);
        }
        self.tera
            .render(name, &context)
            .map_err(|e| anyhow!("{CONFIG_FILE}: field `texts.{name}`: {e}"))
    }
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
    fn a_broken_template_names_its_key() {
        let texts = Texts {
            feed_title: "{{ site".into(),
            ..Texts::default()
        };
        let err = SignedTexts::new(&texts).err().unwrap().to_string();
        assert!(err.contains("field `texts.feed_title`"), "{err}");
    }
}
