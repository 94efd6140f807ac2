//! `bulk-export`: the Cloud Run function that starts Pattern A. A trigger message (Cloud Scheduler
//! -> Pub/Sub -> Eventarc `messagePublished`) kicks off a FHIR Bulk Data `$export` on Medplum (or
//! any Bulk Data server), follows it to its manifest, and streams every NDJSON file into the PHI
//! staging bucket under `exports/<export job id>/`, with the lineage in the object metadata. The
//! finalize of each file starts `deidentify`.
//!
//! Module map:
//! - [`config`]   typed settings (the FHIR server, the resource types, the bucket, budgets).
//! - [`fhir`]     the Bulk Data client: kick-off, status polling, manifest, file download.
//! - [`cursor`]   the incremental cursor: `_since` of the next incremental export.
//! - [`record`]   the run record that makes a redelivered trigger resume instead of re-exporting.
//! - [`error`]    the error enum and its Retry/Drop classification.
//! - [`handler`]  [`Context`] and `handle(&Context, Event) -> Result<Outcome, Error>`.

pub mod config;
pub mod cursor;
pub mod error;
pub mod fhir;
pub mod handler;
pub mod record;

pub use config::Config;
pub use error::Error;
pub use handler::{Context, handle};

/// The service: settings from the environment, clients built once, serve until SIGTERM.
///
/// # Errors
/// Invalid settings, a client that cannot be built, or a failure to bind the port.
pub async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let runtime = starvit_runtime::RuntimeConfig::from_env()?;
    starvit_runtime::telemetry::init(&runtime)?;
    let config = Config::from_vars(std::env::vars())?;
    let context = Context::connect(config).await?;
    starvit_runtime::serve(std::sync::Arc::new(context), &runtime).await?;
    Ok(())
}
