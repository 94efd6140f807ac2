//! `starvit-deid`: the fail-closed FHIR R4 de-identification engine.
//!
//! Module map:
//! - [`policy`]     versioned TOML policies (`policies/`): the per-type allow-list, compiled.
//! - [`key`]        the HMAC key (redacting `Debug`).
//! - [`pseudonym`]  keyed pseudonyms for ids and references, per-patient date shifts.
//! - [`reference`]  every reference form and how it is rewritten.
//! - [`dates`]      date shift / year-only on FHIR date strings.
//! - `generalize`   3-digit ZIP with restricted prefixes, ages over 89.
//! - `transform`    the per-resource walk (in place) and the rebuilt `meta`.
//! - [`engine`]     streaming NDJSON engine, bounded lines, multi-file on a thread pool.
//! - `json`         a line as a borrowed flat document (the fast path) and the read-only
//!   view it shares with `serde_json::Value`.
//! - [`export`]     the people index of a whole export (for the gate), from its files.
//! - [`quarantine`] the sink trait for bad lines and two sinks.
//! - [`gate`]       the leak gate: identifying values of a line ([`gate::LineValues`]) and of
//!   the export's people ([`gate::PeopleIndex`]) vs the output's open values; linear.
//! - [`scan`]       standalone directory leak scan (same folding and matching as the gate).
//! - [`settings`]   the one parser of the de-ID settings (key as hex, key file, policy).
//! - `shape`, `vocab` what a kept value must look like; closed vocabularies.
//! - [`summary`]    counts per resource type.
//! - [`text`]       the free text a profile sends to Cloud DLP: placeholders, pending
//!   texts, [`text::fill`].
//! - [`error`]      [`DeidError`]: never carries PHI.
//!
//! ```
//! use starvit_deid::{Engine, Key, Policy, MemoryQuarantine};
//! let engine = Engine::new(Policy::builtin("shifted")?, &Key::from_bytes(b"a-local-test-key-0001".to_vec())?);
//! let input = br#"{"resourceType":"Patient","id":"p1","name":[{"family":"Doe"}],"gender":"female"}"#;
//! let mut out = Vec::new();
//! let summary = engine.deid_ndjson(&input[..], &mut out, &mut MemoryQuarantine::default())?;
//! assert_eq!(summary.by_type["Patient"].output, 1);
//! assert!(!String::from_utf8_lossy(&out).contains("Doe"));
//! # Ok::<(), starvit_deid::DeidError>(())
//! ```

pub mod dates;
pub mod engine;
pub mod error;
pub mod export;
pub mod gate;
mod generalize;
mod json;
pub mod key;
mod linereader;
pub mod policy;
pub mod pseudonym;
pub mod quarantine;
pub mod reference;
pub mod scan;
pub mod settings;
mod shape;
pub mod summary;
pub mod text;
mod transform;
mod vocab;

pub use engine::{Engine, EngineOptions, FileJob, FileReport};
pub use error::DeidError;
pub use gate::ValueKind;
pub use key::Key;
pub use policy::Policy;
pub use quarantine::{
    MemoryQuarantine, NdjsonQuarantine, QuarantineReason, QuarantineRecord, QuarantineSink,
};
pub use scan::{ScanHit, ScanReport, leakscan};
pub use summary::{Summary, TypeCounts};
pub use transform::{POLICY_PROFILE_SYSTEM, POLICY_VERSION_SYSTEM, SECURITY_SYSTEM};
