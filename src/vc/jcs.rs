//! RFC 8785 JSON Canonicalization Scheme (JCS): the bytes that `eddsa-jcs-2022`
//! hashes, and the digests of the site state, the feed chain and the manifest.
//!
//! `serde_json_canonicalizer` is the reference and handles every document. It is
//! general, and slow for what credsite signs most: it copies each key into UTF-16 and
//! formats every number as an IEEE double, about 30 µs for one credential, a tenth of
//! a build's work per credential. Documents whose numbers are all integers of at most
//! 2^53 (every credential, feed page, status list and manifest credsite makes) take a
//! direct path here instead, which writes the same bytes:
//!
//! - object members sorted by the UTF-16 code units of their names (RFC 8785 §3.2.3);
//! - strings escaped as ECMAScript's `JSON.stringify` does, which is exactly what
//!   `serde_json` writes: `\b \t \n \f \r \" \\`, other controls as lowercase
//!   `\u00xx`, everything else as is (§3.2.2.2);
//! - integers in their shortest decimal form, which is the ECMAScript form of a double
//!   for integers of magnitude up to 2^53 (§3.2.2.3).
//!
//! Any other number (a fraction, an exponent, a larger integer) sends the whole
//! document to the crate. A test compares both paths on generated documents.
//!
//! The documents credsite makes by the thousand (credentials, feed pages) are typed,
//! and write their canonical form themselves with [`Object`], member by member in
//! canonical order, without a `serde_json::Value` to build and sort. Tests compare
//! what they write with the reference crate's form of the same JSON.

use std::cmp::Ordering;

use serde_json::{Map, Number, Value};

/// The largest integer magnitude an IEEE double holds exactly.
const EXACT: u64 = 1 << 53;

/// The JCS canonical bytes of `value`.
pub fn to_vec(value: &Value) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(4096);
    if write(value, &mut out) {
        Ok(out)
    } else {
        serde_json_canonicalizer::to_vec(value).map_err(|e| e.to_string())
    }
}

/// Writes an object whose members the caller gives in canonical order (by the UTF-16
/// code units of their names), as a typed document knows them: no map is built and
/// nothing is sorted. Debug builds check the order.
pub(crate) struct Object<'o> {
    out: &'o mut Vec<u8>,
    last: Option<&'static str>,
    /// `false` once a value needed the general path.
    exact: bool,
}

impl<'o> Object<'o> {
    /// Opens the object.
    pub(crate) fn new(out: &'o mut Vec<u8>) -> Self {
        out.push(b'{');
        Object {
            out,
            last: None,
            exact: true,
        }
    }

    /// Starts member `name` and returns the output, for its value.
    pub(crate) fn member(&mut self, name: &'static str) -> &mut Vec<u8> {
        if let Some(last) = self.last {
            debug_assert_eq!(
                utf16_order(last, name),
                Ordering::Less,
                "JCS members out of order: {last} before {name}"
            );
            self.out.push(b',');
        }
        self.last = Some(name);
        write_string(name, self.out);
        self.out.push(b':');
        self.out
    }

    /// A string member.
    pub(crate) fn string(&mut self, name: &'static str, value: &str) {
        write_string(value, self.member(name));
    }

    /// An array of strings.
    pub(crate) fn strings(&mut self, name: &'static str, values: &[&str]) {
        self.array(name, values, |value, out| write_string(value, out));
    }

    /// An array of items that `write` writes in canonical form.
    pub(crate) fn array<T>(
        &mut self,
        name: &'static str,
        items: &[T],
        mut write: impl FnMut(&T, &mut Vec<u8>),
    ) {
        let out = self.member(name);
        out.push(b'[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write(item, out);
        }
        out.push(b']');
    }

    /// A member whose value is a JSON value.
    pub(crate) fn value(&mut self, name: &'static str, value: &Value) {
        let exact = write(value, self.member(name));
        self.exact &= exact;
    }

    /// A member whose value is given in its JCS form already.
    pub(crate) fn canonical(&mut self, name: &'static str, canonical: &[u8]) {
        self.member(name).extend_from_slice(canonical);
    }

    /// Closes the object; `false` if a value needed the general path (see [`to_vec`]).
    pub(crate) fn end(self) -> bool {
        self.out.push(b'}');
        self.exact
    }
}

/// Writes `value` canonically; `false` (and partial output) when a number needs the
/// general path.
fn write(value: &Value, out: &mut Vec<u8>) -> bool {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(number) => return write_integer(number, out),
        Value::String(text) => write_string(text, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                if !write(item, out) {
                    return false;
                }
            }
            out.push(b']');
        }
        Value::Object(map) => return write_object(map, out),
    }
    true
}

fn write_object(map: &Map<String, Value>, out: &mut Vec<u8>) -> bool {
    let mut members: Vec<(&String, &Value)> = map.iter().collect();
    members.sort_unstable_by(|a, b| utf16_order(a.0, b.0));
    out.push(b'{');
    for (i, (name, value)) in members.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_string(name, out);
        out.push(b':');
        if !write(value, out) {
            return false;
        }
    }
    out.push(b'}');
    true
}

/// Orders names by their UTF-16 code units. For text without characters beyond
/// U+FFFF that is the order of the UTF-8 bytes; only those characters (written as
/// surrogates, U+D800..U+DFFF) sort differently, before U+E000..U+FFFF.
fn utf16_order(a: &str, b: &str) -> Ordering {
    if a.is_ascii() || b.is_ascii() {
        // An ASCII byte sorts the same in both encodings, before any other character.
        a.as_bytes().cmp(b.as_bytes())
    } else {
        a.encode_utf16().cmp(b.encode_utf16())
    }
}

pub(crate) fn write_string(text: &str, out: &mut Vec<u8>) {
    serde_json::to_writer(&mut *out, text).expect("writing to a Vec does not fail");
}

fn write_integer(number: &Number, out: &mut Vec<u8>) -> bool {
    if let Some(n) = number.as_u64().filter(|n| *n <= EXACT) {
        out.extend_from_slice(n.to_string().as_bytes());
        true
    } else if let Some(n) = number.as_i64().filter(|n| n.unsigned_abs() <= EXACT) {
        out.extend_from_slice(n.to_string().as_bytes());
        true
    } else {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reference(value: &Value) -> Vec<u8> {
        serde_json_canonicalizer::to_vec(value).unwrap()
    }

    /// A small deterministic generator (xorshift), so that the documents are the same
    /// on every run.
    struct Gen(u64);

    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }

        /// Text mixing ASCII, controls, Latin, CJK, the private use area and
        /// characters beyond U+FFFF (the ones whose UTF-16 order differs).
        fn text(&mut self) -> String {
            const PIECES: &[&str] = &[
                "a",
                "Z",
                "_",
                "@",
                "0",
                "\"",
                "\\",
                "/",
                "\n",
                "\t",
                "\u{1}",
                "\u{1f}",
                "\u{7f}",
                "é",
                "ß",
                "Ω",
                "Ж",
                "中",
                "\u{e000}",
                "\u{fffd}",
                "\u{ffff}",
                "😀",
                "𝄞",
                "\u{10ffff}",
                "\u{2028}",
            ];
            (0..self.below(6))
                .map(|_| PIECES[self.below(PIECES.len() as u64) as usize])
                .collect()
        }

        fn value(&mut self, depth: u32) -> Value {
            match self.below(if depth > 3 { 4 } else { 6 }) {
                0 => Value::Null,
                1 => Value::Bool(self.below(2) == 0),
                2 => match self.below(4) {
                    0 => json!(self.below(1000) as i64 - 500),
                    1 => json!(EXACT - self.below(3)),
                    2 => json!(-((EXACT - self.below(3)) as i64)),
                    _ => json!(self.next() >> self.below(24)),
                },
                3 => Value::String(self.text()),
                4 => Value::Array((0..self.below(5)).map(|_| self.value(depth + 1)).collect()),
                _ => Value::Object(
                    (0..self.below(7))
                        .map(|_| (self.text(), self.value(depth + 1)))
                        .collect(),
                ),
            }
        }
    }

    #[test]
    fn writes_what_the_reference_crate_writes_on_generated_documents() {
        let mut generator = Gen(0x9e37_79b9_7f4a_7c15);
        for _ in 0..5_000 {
            let value = generator.value(0);
            assert_eq!(
                to_vec(&value).unwrap(),
                reference(&value),
                "document {value}"
            );
        }
    }

    #[test]
    fn sorts_names_by_utf16_code_units() {
        // U+1D11E is the surrogate pair D834 DD1E: before U+E000 in UTF-16, after it
        // in UTF-8 bytes and code points.
        let value = json!({"\u{e000}": 1, "𝄞": 2, "b": 3, "a": 4, "é": 5});
        let expected = "{\"a\":4,\"b\":3,\"é\":5,\"𝄞\":2,\"\u{e000}\":1}";
        assert_eq!(
            String::from_utf8(to_vec(&value).unwrap()).unwrap(),
            expected
        );
        assert_eq!(to_vec(&value).unwrap(), reference(&value));
    }

    #[test]
    fn numbers_that_are_not_small_integers_take_the_general_path() {
        for value in [
            json!({"a": 1.5}),
            json!([1e21, 0.1]),
            json!({"n": u64::MAX}),
            json!({"n": i64::MIN}),
            json!(-0.0),
        ] {
            assert_eq!(to_vec(&value).unwrap(), reference(&value), "{value}");
        }
    }
}
