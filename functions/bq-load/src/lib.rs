//! `bq-load`: the Cloud Run function that loads de-identified FHIR NDJSON into BigQuery.
//!
//! On `google.cloud.storage.object.v1.finalized` in the de-ID bucket it streams exactly that
//! object generation into a load-ready NDJSON staging object (one row per resource, columns
//! extracted in Rust), loads it into a per-object staging table, MERGEs that into the raw table
//! of the resource type (`ON id AND version_id`: replays insert nothing), records the lineage
//! row and the policy version, and publishes `load-complete` with the lineage in attributes.
//!
//! Module map:
//! - [`config`]   typed settings, parsed once from `(key, value)` pairs.
//! - [`naming`]   deterministic object names, table names and job ids (the idempotency keys).
//! - [`columns`]  the raw table columns and the per-type rules that fill them.
//! - [`extract`]  one resource -> one row (pure).
//! - [`staging`]  streaming NDJSON -> load-ready NDJSON.
//! - [`sql`]      the DDL and MERGE statements.
//! - [`jobs`]     job bodies (load, query) and the submit/poll/attempt loop.
//! - [`policy`]   policy versions whose text can be recorded.
//! - `governance` datasets, tables (DDL jobs) and the policy-version row.
//! - [`error`]    the error enum and its Retry/Drop classification.
//! - [`context`]  [`Context`]: settings, clients and caches, built once ([`starvit_runtime::Service`]).
//! - [`handler`]  `handle(&Context, Event) -> Result<Outcome, Error>`.

pub mod columns;
pub mod config;
pub mod context;
pub mod error;
pub mod extract;
mod governance;
pub mod handler;
pub mod jobs;
pub mod naming;
pub mod policy;
pub mod sql;
pub mod staging;

pub use config::Config;
pub use context::Context;
pub use error::Error;
pub use handler::handle;
