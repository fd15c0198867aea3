//! Verifiable credentials: the documents credsite signs and checks.
//!
//! [`credential`] and [`feed`] shape the documents, [`proof`] is the `eddsa-jcs-2022`
//! Data Integrity proof, [`sign`] is the pipeline's signing stage with the snapshot
//! rule, [`status_list`] the W3C Bitstring Status Lists, [`texts`] renders the
//! sentences inside signed documents, [`jcs`] writes canonical JSON, [`rdfc`]
//! canonical RDF, and [`verify`] checks published documents offline.

pub mod credential;
pub mod feed;
pub mod jcs;
pub mod proof;
pub mod rdfc;
pub mod sign;
pub mod status_list;
pub mod texts;
pub mod verify;
