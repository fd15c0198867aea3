//! RDFC-1.0 canonical N-Quads of a JSON-LD document, for the `eddsa-rdfc-2022` proof.
//!
//! JSON-LD to RDF is done by `oxjsonld` (Oxigraph's JSON-LD 1.1 processor) and RDF
//! Dataset Canonicalization by `rdf-canon` (which passes the W3C rdf-canon test suite).
//! The two speak different major versions of `oxrdf`, so quads are copied term by term.
//!
//! **Nothing is fetched.** Every context a document may name is bundled in the binary
//! (`src/vc/contexts/`, see its `SOURCE.md`); any other context URL is an error, at
//! signing and at verification time alike.

use oxjsonld::{JsonLdParser, JsonLdRemoteDocument};
use rdf_canon_oxrdf as canon_rdf;
use serde_json::Value;

/// The W3C Verifiable Credentials 2.0 context.
pub const CREDENTIALS_V2: &str = "https://www.w3.org/ns/credentials/v2";
/// The Open Badges 3.0.3 context.
pub const OB_V3P0: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
/// 1EdTech's extensions context (`1EdTechJsonSchemaValidator2019` and others).
pub const OB_EXTENSIONS: &str = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json";

/// Every context credsite knows: URL and the document, bundled at compile time.
pub const CONTEXTS: [(&str, &str); 3] = [
    (
        CREDENTIALS_V2,
        include_str!("contexts/credentials-v2.jsonld"),
    ),
    (OB_V3P0, include_str!("contexts/context-3.0.3.json")),
    (OB_EXTENSIONS, include_str!("contexts/extensions.json")),
];

/// The bundled context of `url`, if credsite bundles it.
pub fn bundled(url: &str) -> Option<&'static str> {
    CONTEXTS
        .iter()
        .find(|(u, _)| *u == url)
        .map(|(_, doc)| *doc)
}

/// Why a document cannot be canonicalized.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RdfcError {
    /// JSON-LD processing failed (a context that is not bundled, an invalid document).
    #[error("JSON-LD to RDF: {0}")]
    JsonLd(String),
    /// RDF canonicalization failed.
    #[error("RDFC-1.0: {0}")]
    Canon(String),
}

/// RDFC-1.0 canonical N-Quads of `doc`, with the bundled contexts only.
pub fn canonicalize(doc: &Value) -> Result<String, RdfcError> {
    canonicalize_with(doc, bundled)
}

/// RDFC-1.0 canonical N-Quads of `doc`; `load` maps a context URL to its document
/// (tests add the W3C examples context this way).
pub fn canonicalize_with(
    doc: &Value,
    load: fn(&str) -> Option<&'static str>,
) -> Result<String, RdfcError> {
    let bytes = serde_json::to_vec(doc).map_err(|e| RdfcError::JsonLd(e.to_string()))?;
    let quads = JsonLdParser::new()
        .for_slice(&bytes)
        .with_load_document_callback(move |url, _| match load(url) {
            Some(doc) => Ok(JsonLdRemoteDocument {
                document: doc.as_bytes().to_vec(),
                document_url: url.to_string(),
            }),
            None => Err(
                format!("context {url} is not bundled with credsite (nothing is fetched)").into(),
            ),
        })
        .map(|quad| {
            quad.map(convert)
                .map_err(|e| RdfcError::JsonLd(e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    rdf_canon::canonicalize_quads(&quads).map_err(|e| RdfcError::Canon(e.to_string()))
}

/// An `oxjsonld` quad as a quad of the `oxrdf` version `rdf-canon` uses.
fn convert(quad: oxrdf::Quad) -> canon_rdf::Quad {
    use canon_rdf::{BlankNode, GraphName, Literal, NamedNode, Subject, Term};
    let named = |n: oxrdf::NamedNode| NamedNode::new_unchecked(n.into_string());
    let blank = |b: oxrdf::BlankNode| BlankNode::new_unchecked(b.into_string());
    let subject = match quad.subject {
        oxrdf::NamedOrBlankNode::NamedNode(n) => Subject::NamedNode(named(n)),
        oxrdf::NamedOrBlankNode::BlankNode(b) => Subject::BlankNode(blank(b)),
    };
    let object = match quad.object {
        oxrdf::Term::NamedNode(n) => Term::NamedNode(named(n)),
        oxrdf::Term::BlankNode(b) => Term::BlankNode(blank(b)),
        oxrdf::Term::Literal(l) => Term::Literal(match l.language() {
            Some(language) => Literal::new_language_tagged_literal_unchecked(l.value(), language),
            None => Literal::new_typed_literal(
                l.value(),
                NamedNode::new_unchecked(l.datatype().as_str()),
            ),
        }),
    };
    let graph_name = match quad.graph_name {
        oxrdf::GraphName::NamedNode(n) => GraphName::NamedNode(named(n)),
        oxrdf::GraphName::BlankNode(b) => GraphName::BlankNode(blank(b)),
        oxrdf::GraphName::DefaultGraph => GraphName::DefaultGraph,
    };
    canon_rdf::Quad::new(subject, named(quad.predicate), object, graph_name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonicalizes_with_bundled_contexts_and_relabels_blank_nodes() {
        let doc = json!({
            "@context": [CREDENTIALS_V2],
            "type": ["VerifiableCredential"],
            "name": "A \"quoted\"\nname",
            "credentialSubject": {"name": "B"}
        });
        let nquads = canonicalize(&doc).unwrap();
        assert!(nquads.contains("_:c14n"), "{nquads}");
        assert!(nquads.contains(r#""A \"quoted\"\nname""#), "{nquads}");
        assert!(nquads.ends_with(" .\n"));
    }

    #[test]
    fn refuses_contexts_that_are_not_bundled() {
        let doc = json!({"@context": ["https://example.org/ctx"], "name": "A"});
        let err = canonicalize(&doc).unwrap_err().to_string();
        assert!(err.contains("https://example.org/ctx"), "{err}");
        assert!(err.contains("not bundled"), "{err}");
    }
}
