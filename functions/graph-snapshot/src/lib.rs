//! `graph-snapshot`: the Cloud Run function that turns the loaded raw de-ID tables into a
//! versioned graph: node/edge tables in BigQuery, a Parquet snapshot in GCS, TigerGraph loading
//! jobs, and a provenance row per element.
//!
//! On `google.cloud.pubsub.topic.v1.messagePublished` from `load-complete` it reads the
//! `bq-load` lineage rows, decides whether a snapshot is due and derives its `graph_version`
//! ([`version`]), materializes one table per vertex/edge type ([`sql`]), exports them, runs the
//! loading jobs ([`load`], [`tigergraph`]) and records `governance.graph_provenance`.
//!
//! Module map:
//! - [`model`]      `graph/model.toml`, parsed and validated; its hash is part of every version.
//! - [`gsql`]       the GSQL schema and loading jobs (checked in under `infra/tigergraph/`).
//! - [`sql`]        the BigQuery SQL: node/edge tables, exports, counts, provenance.
//! - [`version`]    the due rule and `graph_version` (pure).
//! - [`load`]       one type into TigerGraph: 4.x over the Parquet URIs, 3.x pushing JSON lines.
//! - [`tigergraph`] the TigerGraph REST client (4.x, 3.x fallback).
//! - [`jobs`]       query jobs through `starvit-gcp`'s one job runner, and their rows.
//! - [`snapshot`]   one due snapshot: tables, counts, exports, loads, provenance, marker.
//! - [`config`]     typed settings.
//! - [`error`]      the error enum and its Retry/Drop classification.
//! - [`context`]    [`Context`]: settings, model and clients, built once ([`starvit_runtime::Service`]).
//! - [`handler`]    `handle(&Context, Event) -> Result<Outcome, Error>`: the due rule, then [`snapshot`].

pub mod config;
pub mod context;
pub mod error;
pub mod gsql;
pub mod handler;
pub(crate) mod jobs;
pub mod load;
pub mod model;
pub(crate) mod snapshot;
pub mod sql;
pub mod tigergraph;
pub mod version;

pub use config::Config;
pub use context::Context;
pub use error::Error;
pub use handler::handle;
