//! `starvit-adversary`: issue 15's adversarial suite. A seeded generator of adversarial FHIR R4
//! exports (every Safe Harbor identifier class and every attack class of the issue, each
//! planted value recorded) and an independent scanner. It deliberately does not depend on
//! `starvit-deid`: the scanner must not share the engine's code or its blind spots. The tests
//! that drive the real CLI live in `cli/starvit/tests/adversary.rs`.
//!
//! Module map:
//! - [`plant`]   Safe Harbor classes, attack classes, the planted-value record.
//! - [`export`]  [`Suite::generate`]: one export per attack class from a seed.
//! - [`scan`]    the scanner: folded/digit/base64 needles, names, console, structure, linkage.
//! - [`cli`]     runs `starvit deid` black-box and reads its summary.
//! - [`harvest`] identifying values and known instants of a real export (Medplum, Synthea).
//! - [`attack`]  one attack end to end: both profiles, every check, the findings.
//! - [`real`]    a real export through both profiles: findings and the share of content kept.

pub mod attack;
pub mod cli;
pub mod export;
pub mod harvest;
pub mod plant;
pub mod real;
pub mod scan;

pub use export::Suite;
pub use plant::{Attack, IdClass, Planted};
pub use scan::{Check, Finding, Scanner};
