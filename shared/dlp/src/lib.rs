//! `starvit-dlp`: free text through Cloud DLP `content:deidentify` (issue 13).
//!
//! The engine drops every free-text element. This crate is the DLP route for the text a
//! profile opts in: each text of a record goes to DLP with the built-in detectors for names,
//! contact details, identifiers, dates and locations, the project's own regular expressions
//! (dates, phones, e-mail, long numbers, ages over 89) and a custom dictionary of the record's
//! people (names, MRNs, phones, address parts); every finding becomes `[INFO_TYPE]`. Every
//! result then passes the leak gate (`starvit_deid::gate`) against the record's own values and
//! the export's people: any hit drops that text. Dates inside text are replaced, not shifted.
//!
//! Module map:
//! - [`request`] the documented request and response shapes (`item.table`, `inspectConfig`,
//!   `deidentifyConfig.infoTypeTransformations` with `replaceWithInfoTypeConfig`).
//! - [`client`]  [`DlpClient`]: batches under 0.5 MB, the per-minute quota, Retry on 429/5xx.
//! - [`words`]   [`PeopleWords`]: the identifying values of each person of an export, and the
//!   dictionary of one record (its subject, the people it references, the subject's relatives).
//! - [`text`]    [`text::deidentify_texts`]: DLP then the gate, per record.
//!
//! Locally the client talks to `starvit-dlp-stub`, which applies the dictionaries and regular
//! expressions it is sent and none of DLP's learned detectors: see its crate docs and
//! ARCHITECTURE.md for what that means for a deployment.

pub mod client;
pub mod request;
pub mod text;
pub mod words;

pub use client::{DlpClient, DlpConfig, DlpError};
pub use words::PeopleWords;
