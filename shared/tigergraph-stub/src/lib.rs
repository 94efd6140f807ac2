//! `starvit-tigergraph-stub`: a contract stub of the TigerGraph REST endpoints Starvit calls.
//!
//! TigerGraph has no emulator, so tests run the real client against this axum server on
//! `127.0.0.1:0`. It implements exactly these endpoints, and answers anything else with an
//! error (404 unknown path, 405 wrong method, 401 missing/unknown token, 400 malformed body):
//!
//! | endpoint | version | request | response |
//! |---|---|---|---|
//! | `POST /gsql/v1/tokens` | 4.x | `{"secret": s, "lifetime"?: n}` | `{"error":false,"message":..,"token":t,"expiration":n}` |
//! | `POST /gsql/v1/loading-jobs/run?graph=G` | 4.x | `[{"name": job, "dataSources": [{"filename": f, "name": src, "path": uri}]}]` | `{"error":false,"message":..,"jobIds":[..]}` |
//! | `GET /gsql/v1/loading-jobs/status/{jobId}?graph=G` | 4.x | - | `{"error":false,"results":[{"jobId","overall":{"status":"FINISHED","statistics":{"fileLevel":{"validLine","rejectLine"},"objectLevel":{"vertex":[..],"edge":[..]}}}}]}` |
//! | `POST /restpp/requesttoken` | 3.x | `{"secret": s, "lifetime"?: n}` | `{"error":false,"code":"REST-0000","results":{"token":t},"expiration":n}` |
//! | `POST /restpp/ddl/{graph}?tag={job}&filename={f}` | 3.x | JSON lines | `{"error":false,"results":[{"sourceFileName":"Online_POST","statistics":{"validLine","rejectLine","vertex":[..],"edge":[..]}}]}` |
//!
//! The loading jobs (from `infra/tigergraph/`) must be `USING JSON_FILE="true"`, the documented
//! way to load Parquet and JSON. Data sources of the 4.x run are read over HTTP from a fake-gcs
//! JSON API: `gs://b/prefix` lists `prefix*`; `.parquet` objects are read as Parquet (one record
//! per row), anything else as JSON lines; no object at all fails the run. A record is rejected
//! when a `$"key"` of a `LOAD` is missing, an id is empty, or a value does not fit its attribute
//! type ([`records`]). Accepted records are counted per type ([`Stub::counts`]) and upserted into
//! an in-memory graph ([`Received::vertices`], [`Received::edges`], [`Stub::dangling_edges`]).
//! [`Stub::fail_next`] makes the next N requests 503; [`Stub::reject_next`] rejects the next N
//! loadable records.

pub mod gsql;
pub mod records;
mod server;

use std::collections::{BTreeMap, BTreeSet};

pub use server::Stub;

/// What the stub is configured with.
#[derive(Debug, Clone)]
pub struct StubConfig {
    /// `schema.gsql` text.
    pub schema_gsql: String,
    /// `loading_jobs.gsql` text.
    pub loading_jobs_gsql: String,
    /// The secret that buys a token.
    pub secret: String,
    /// Base URL of a GCS JSON API (fake-gcs) to read `gs://` data sources from.
    pub storage_base: Option<String>,
}

/// What the stub has received, for assertions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Received {
    /// Accepted objects per vertex/edge type.
    pub counts: BTreeMap<String, u64>,
    /// The graph as loaded: vertex ids per vertex type (upserted, so a reload adds nothing).
    pub vertices: BTreeMap<String, BTreeSet<String>>,
    /// The graph as loaded: `(from, to)` per edge type (upserted).
    pub edges: BTreeMap<String, BTreeSet<(String, String)>>,
    /// Rejected lines per loading job.
    pub rejected: BTreeMap<String, u64>,
    /// Loading-job runs accepted (4.x run entries + 3.x ddl posts).
    pub runs: u64,
    /// Requests answered 503 by [`Stub::fail_next`].
    pub failed: u64,
}

/// Line statistics of one loading-job run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Lines accepted.
    pub valid_lines: u64,
    /// Lines rejected.
    pub reject_lines: u64,
    /// Accepted objects per vertex type.
    pub vertex: BTreeMap<String, u64>,
    /// Accepted objects per edge type.
    pub edge: BTreeMap<String, u64>,
}
