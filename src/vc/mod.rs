//! Verifiable credentials: the documents credsite signs and checks.
//!
//! [`credential`] and [`feed`] shape the documents, [`proof`] is the `eddsa-jcs-2022`
//! Data Integrity proof, [`sign`] is the pipeline's signing stage with the snapshot
//! rule, [`status_list`] the W3C Bitstring Status Lists, [`texts`] renders the sentences inside signed documents, and [`verify`] checks
//! published documents offline.

pub mod credential;
pub mod feed;
pub mod jcs;
pub mod proof;
pub mod rdfc;
pub mod sign;
pub mod status_list;
pub mod texts;
pub mod verify;

use serde_json::{Map, Value};

/// A JSON object of `entries`, in their order. Built directly, with room for them all:
/// `json!` grows its map entry by entry and copies each value given as an expression
/// through the serializer (a deep copy for a `Value`). The feed's items use it.
pub(crate) fn object<const N: usize>(entries: [(&str, Value); N]) -> Value {
    let mut map = Map::with_capacity(N);
    for (key, value) in entries {
        map.insert(key.to_string(), value);
    }
    Value::Object(map)
}
