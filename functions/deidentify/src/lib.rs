//! `deidentify`: the Cloud Run function at the PHI → de-ID boundary.
//!
//! On `google.cloud.storage.object.v1.finalized` in the PHI staging bucket it reads exactly that
//! generation, de-identifies it with the configured policy (streaming, constant memory), runs the
//! leak gate against the line and every person of the export ([`people`]: built once per export
//! from its manifest; an export whose manifest has not landed yet is retried), and writes the result create-only to the de-ID bucket under a deterministic name with
//! the lineage in the object metadata. Bad lines go to the quarantine bucket on the PHI side.
//!
//! Module map:
//! - [`config`]  typed settings, parsed once from `(key, value)` pairs.
//! - [`naming`]  deterministic output names and run ids (the idempotency keys).
//! - [`error`]   the error enum and its Retry/Drop classification.
//! - [`people`]  the export's people index for the leak gate (from the export's manifest), cached
//!   for the last export.
//! - [`handler`] the handler: a plain `async fn handle(&Context, Event) -> Result<Outcome, Error>`.
//! - [`text`]    a `[text]` policy's free text through Cloud DLP (engine thread → bounded
//!   channel → DLP and the gate → fill → spool, in input order).
//!
//! Idempotency: the output name is a function of (source name, generation, policy version), and it
//! is written with `ifGenerationMatch=0`, so a duplicate event or a retry after a crash writes
//! nothing new (412 = already done). The de-identified bytes are deterministic too, so a retry after
//! a crash between the quarantine write and the output write converges to the same objects.

pub mod config;
pub mod error;
pub mod handler;
pub mod naming;
pub mod people;
pub mod text;

pub use config::Config;
pub use error::Error;
pub use handler::Context;
