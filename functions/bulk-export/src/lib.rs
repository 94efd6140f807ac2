//! `bulk-export`: the Cloud Run function that starts Pattern A. A trigger message (Cloud Scheduler
//! -> Pub/Sub -> Eventarc `messagePublished`) kicks off a FHIR Bulk Data `$export` on Medplum (or
//! any Bulk Data server), follows it to its manifest, and streams every NDJSON file into the PHI
//! staging bucket under `exports/<export job id>/`, in parts of bounded size, with the lineage in
//! the object metadata. The finalize of each part starts `deidentify`.
//!
//! Module map:
//! - [`config`]   typed settings (the FHIR server, the resource types, the bucket, budgets).
//! - [`fhir`]     the Bulk Data client: kick-off, status polling, file download.
//! - [`download`] one file's download from a byte offset (`Range`; a 200 is skipped locally).
//! - [`wire`]     the Bulk Data wire types: manifest, output file, status.
//! - [`fhir_error`] what went wrong talking to the FHIR server (Retry or Drop).
//! - [`auth`]     credentials for the FHIR server and the cached access token.
//! - [`parts`]    a file cut on line boundaries into parts of at most `STARVIT_EXPORT_PART_BYTES`.
//! - [`resume`]   where a file resumes: its landed parts' byte lineage, the boundary check.
//! - [`cursor`]   the incremental cursor: `_since` of the next incremental export.
//! - [`record`]   the run record that makes a redelivered trigger resume instead of re-exporting.
//! - [`error`]    the error enum and its Retry/Drop classification.
//! - [`context`]  [`Context`]: settings and clients, built once ([`starvit_runtime::Service`]).
//! - [`handler`]  `handle(&Context, Event) -> Result<Outcome, Error>`: start or follow the export.
//! - `land`       a finished export's files, in parts, into the PHI bucket; `_manifest.json`; the
//!   cursor.

pub mod auth;
pub mod config;
pub mod context;
pub mod cursor;
pub mod download;
pub mod error;
pub mod fhir;
pub mod fhir_error;
pub mod handler;
mod land;
pub mod parts;
pub mod record;
pub mod resume;
pub mod wire;

pub use config::Config;
pub use context::Context;
pub use error::Error;
pub use handler::handle;
