//! The sentences inside signed documents, rendered from the site's `[texts]` templates.
//!
//! A template made only of text, `{{ variable }}`s and `{% if a and b %}…{% else
//! %}…{% endif %}` on whether values are empty (as the defaults for credentials and
//! feed items are) is rendered directly: a build renders three or four texts per
//! credential, and Tera's context and interpreter cost about 0.5 µs each. Every other
//! template, and one whose variables are not all given, goes through Tera. A test
//! checks that both ways write the same text.

use std::collections::BTreeMap;

use anyhow::{Result, anyhow};
use tera::{Context, Tera};

use crate::config::{CONFIG_FILE, Texts};

/// The `[texts]` templates, compiled once.
pub struct SignedTexts {
    tera: Tera,
    /// The templates rendered without Tera, as their pieces.
    simple: BTreeMap<String, Vec<Piece>>,
}

/// A piece of a template that [`simple_pieces`] reads.
#[derive(Debug, PartialEq, Eq)]
enum Piece {
    Text(String),
    Variable(String),
    /// `{% if a and b %}then{% else %}otherwise{% endif %}`: `then` when none of the
    /// named values is empty (Tera's truth of a string).
    If {
        all: Vec<String>,
        then: Vec<Piece>,
        otherwise: Vec<Piece>,
    },
}

/// A template's tokens: text, `{{ name }}` and `{% tag %}`.
enum Token<'t> {
    Text(&'t str),
    Variable(&'t str),
    Tag(&'t str),
}

fn identifier(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The pieces of `template` if it is only text, `{{ name }}`s and `if` blocks on names
/// (no filters, expressions, comments or whitespace control); `None` otherwise.
fn simple_pieces(template: &str) -> Option<Vec<Piece>> {
    let mut tokens = tokens(template)?.into_iter();
    match block(&mut tokens)? {
        (pieces, None) => Some(pieces),
        _ => None,
    }
}

fn tokens(template: &str) -> Option<Vec<Token<'_>>> {
    let syntax = |text: &str| {
        ["{{", "}}", "{%", "%}", "{#", "#}"]
            .iter()
            .any(|mark| text.contains(mark))
    };
    let mut tokens = Vec::new();
    let mut rest = template;
    while let Some(start) = [rest.find("{{"), rest.find("{%")]
        .into_iter()
        .flatten()
        .min()
    {
        let text = &rest[..start];
        if syntax(text) {
            return None;
        }
        if !text.is_empty() {
            tokens.push(Token::Text(text));
        }
        let variable = rest[start..].starts_with("{{");
        let tail = &rest[start + 2..];
        let end = tail.find(if variable { "}}" } else { "%}" })?;
        let inner = tail[..end].trim();
        tokens.push(if variable {
            identifier(inner).then_some(Token::Variable(inner))?
        } else {
            Token::Tag(inner)
        });
        rest = &tail[end + 2..];
    }
    if syntax(rest) {
        return None;
    }
    if !rest.is_empty() {
        tokens.push(Token::Text(rest));
    }
    Some(tokens)
}

/// Reads pieces up to an `else` or `endif` tag (returned) or the end (`None`).
fn block<'t>(
    tokens: &mut impl Iterator<Item = Token<'t>>,
) -> Option<(Vec<Piece>, Option<&'t str>)> {
    let mut pieces = Vec::new();
    while let Some(token) = tokens.next() {
        match token {
            Token::Text(text) => pieces.push(Piece::Text(text.to_string())),
            Token::Variable(name) => pieces.push(Piece::Variable(name.to_string())),
            Token::Tag(tag @ ("else" | "endif")) => return Some((pieces, Some(tag))),
            Token::Tag(tag) => {
                let all = tag
                    .strip_prefix("if ")?
                    .split(" and ")
                    .map(|name| {
                        let name = name.trim();
                        identifier(name).then(|| name.to_string())
                    })
                    .collect::<Option<Vec<_>>>()?;
                let (then, end) = block(tokens)?;
                let otherwise = match end? {
                    "else" => match block(tokens)? {
                        (otherwise, Some("endif")) => otherwise,
                        _ => return None,
                    },
                    _ => Vec::new(),
                };
                pieces.push(Piece::If {
                    all,
                    then,
                    otherwise,
                });
            }
        }
    }
    Some((pieces, None))
}

impl SignedTexts {
    /// Compiles the templates; a broken one is reported with its key.
    pub fn new(texts: &Texts) -> Result<Self> {
        let mut tera = Tera::new();
        // The text goes into JSON strings, not HTML: no escaping.
        tera.autoescape_on(Vec::<&str>::new());
        let mut simple = BTreeMap::new();
        let value = serde_json::to_value(texts)?;
        for (name, template) in value.as_object().expect("a struct").iter() {
            let template = template.as_str().unwrap_or_default();
            tera.add_raw_template(name, template).map_err(|e| {
                anyhow!("{CONFIG_FILE}: field `texts.{name}`: cannot read the template: {e}")
            })?;
            if let Some(pieces) = simple_pieces(template) {
                simple.insert(name.clone(), pieces);
            }
        }
        Ok(SignedTexts { tera, simple })
    }

    /// Renders the text `name` with `values`, given as (variable, text) pairs.
    pub fn render(&self, name: &str, values: &[(&'static str, &str)]) -> Result<String> {
        if let Some(pieces) = self.simple.get(name) {
            let mut text = String::with_capacity(128);
            if put_in_place(pieces, values, &mut text).is_some() {
                return Ok(text);
            }
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

/// Writes the text of a simple template; `None` if a variable it needs has no value
/// (Tera then reports it).
fn put_in_place(
    pieces: &[Piece],
    values: &[(&'static str, &str)],
    text: &mut String,
) -> Option<()> {
    let value = |name: &str| values.iter().find(|(key, _)| *key == name).map(|(_, v)| *v);
    for piece in pieces {
        match piece {
            Piece::Text(part) => text.push_str(part),
            Piece::Variable(name) => text.push_str(value(name)?),
            Piece::If {
                all,
                then,
                otherwise,
            } => {
                let mut holds = true;
                for name in all {
                    holds &= !value(name)?.is_empty();
                }
                put_in_place(if holds { then } else { otherwise }, values, text)?;
            }
        }
    }
    Some(())
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
    fn simple_templates_render_as_tera_renders_them() {
        let special = "O'Brien & <Co> \\ \"Seán\" {{ program }} {% if %}";
        // (template, whether it is rendered without Tera)
        let cases = [
            ("{{ holder }}: {{ program }}", true),
            ("{{holder}}{{program}}", true),
            ("  {{   holder\n }} and {{ program }} end.\n", true),
            ("a { b } c 50% # {{ holder }} }", true),
            ("no variables at all", true),
            ("", true),
            ("{% if holder %}[{{ holder }}]{% endif %}", true),
            (
                "{%if holder and   program%}both{%else%}not both{%endif%}.",
                true,
            ),
            (
                "{% if holder %}{% if program %}{{ program }}{% else %}-{% endif %}{% endif %}!",
                true,
            ),
            ("{{ holder | upper }}", false),
            ("{{- holder }}", false),
            ("{{ holder }} }} stray", false),
            ("{% if not holder %}x{% endif %}", false),
            ("{% if holder or program %}x{% endif %}", false),
            ("{% if holder == \"a\" %}x{% endif %}", false),
            ("{% if holder %}x{% elif program %}y{% endif %}", false),
            ("{% for c in holder %}{{ c }}{% endfor %}", false),
            ("{# note #}{{ holder }}", false),
            ("{{ holder ~ program }}", false),
            ("{{ 'text' }}", false),
        ];
        for (template, simple) in cases {
            let texts = SignedTexts::new(&Texts {
                feed_item_title: template.into(),
                ..Texts::default()
            })
            .unwrap();
            assert_eq!(
                texts.simple.contains_key("feed_item_title"),
                simple,
                "{template:?}"
            );
            for holder in ["", special] {
                for program in ["", "Ωμέγα 認定 100%\n"] {
                    let values = [("holder", holder), ("program", program)];
                    assert_eq!(
                        texts.render("feed_item_title", &values).unwrap(),
                        texts.render_with_tera("feed_item_title", &values).unwrap(),
                        "{template:?} with {values:?}"
                    );
                }
            }
        }
        // Unbalanced blocks are not simple (and Tera refuses them).
        assert_eq!(simple_pieces("{% if holder %}x"), None);
        assert_eq!(simple_pieces("x{% endif %}"), None);
        assert_eq!(
            simple_pieces("{% if a %}x{% else %}y{% else %}z{% endif %}"),
            None
        );
        // Every default but the status events' (which compare `action`) is simple, and
        // renders as Tera does with and without each value.
        let defaults = SignedTexts::new(&Texts::default()).unwrap();
        let simple: Vec<&str> = defaults.simple.keys().map(String::as_str).collect();
        assert_eq!(
            simple,
            [
                "accreditation",
                "credential_description",
                "evidence_description",
                "feed_item_text",
                "feed_item_title",
                "feed_title",
                "unlisted_holder"
            ]
        );
        let names = [
            "holder",
            "program",
            "issuer",
            "body",
            "standard",
            "exam",
            "score",
            "date",
            "site",
            "issued",
            "valid_until",
        ];
        for template in simple {
            for empty in 0..names.len() {
                let values: Vec<(&'static str, &str)> = names
                    .iter()
                    .enumerate()
                    .map(|(i, name)| (*name, if i == empty { "" } else { special }))
                    .collect();
                assert_eq!(
                    defaults.render(template, &values).unwrap(),
                    defaults.render_with_tera(template, &values).unwrap(),
                    "{template} without {}",
                    names[empty]
                );
            }
        }
        // A variable without a value is Tera's error, as before.
        let texts = SignedTexts::new(&Texts {
            feed_item_title: "{{ nobody }}".into(),
            ..Texts::default()
        })
        .unwrap();
        let err = texts
            .render("feed_item_title", &[("holder", "x")])
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
