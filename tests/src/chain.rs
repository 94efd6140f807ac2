//! The chain on the local cloud: buckets, function processes, the local Eventarc.
//!
//! Each function's environment comes from the function itself: its `SETTINGS` with their local
//! values (`starvit_runtime::settings::local_env`), stack variables filled in. Nothing here
//! restates a function's settings; the names below are read from those settings too.
//!
//! Module map: [`storage`] (uploads and bucket reads), [`bigquery`] (reading BigQuery back),
//! [`events`] (`load-complete` by hand, export triggers), [`fhir`] (the stack's FHIR server),
//! [`wait`] (waiting for the chain, and what a timed-out wait prints), [`warehouse`] (the
//! tables Terraform owns in production, created here in its place), [`approval`] (the local
//! approval of the chain's policy version, as `starvit approve` writes it), [`dlp`] (the DLP
//! stub of a policy that sends text to Cloud DLP), [`start`] (provisioning and starting the
//! function processes and the local Eventarc).

pub mod approval;
mod bigquery;
mod dlp;
mod events;
mod export;
mod fhir;
mod start;
pub use start::function_env;
mod storage;
pub use storage::downloaded_type;
mod wait;
pub mod warehouse;

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context as _;
use serde::Deserialize;
use starvit_gcp::storage::StorageClient;
use starvit_local_eventarc::Router;
use starvit_runtime::settings::common;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::procs::FunctionProcess;
use crate::stack::Stack;

/// The PHI staging bucket of the local chain.
pub const PHI_BUCKET: &str = common::PHI_BUCKET.local_value();
/// The de-identified bucket.
pub const DEID_BUCKET: &str = common::DEID_BUCKET.local_value();
/// Quarantine, on the PHI side.
pub const QUARANTINE_BUCKET: &str = common::QUARANTINE_BUCKET.local_value();
/// The topic `bq-load` publishes to when a file is loaded.
pub const LOAD_COMPLETE_TOPIC: &str = bq_load::config::LOAD_COMPLETE_TOPIC.local_value();
/// A subscription on it that the suite and the demo read.
pub const LOAD_COMPLETE_TAP: &str = "load-complete-tap";
/// Topic of Pattern B's de-identified events (`subscription-relay` publishes there).
pub const DEID_EVENTS_TOPIC: &str = subscription_relay::config::DEID_EVENTS_TOPIC.local_value();
/// A subscription on [`DEID_EVENTS_TOPIC`] that tests pull from.
pub const DEID_EVENTS_TAP: &str = "deid-events-tap";
/// The Subscription secret the relay verifies `X-Signature` with (local only).
pub const RELAY_SECRET: &str = subscription_relay::config::SUBSCRIPTION_SECRET.local_value();
/// Topic Cloud Scheduler publishes export triggers to (routed to `bulk-export`).
pub const EXPORT_TRIGGER_TOPIC: &str = "export-trigger";
/// The resource types `bulk-export` asks for in the suite (what `starvit synth` writes).
pub const EXPORT_TYPES: &str = bulk_export::config::EXPORT_TYPES.local_value();
/// Raw de-ID dataset.
pub const RAW_DATASET: &str = starvit_warehouse::datasets::RAW.default_value();
/// Governance dataset (lineage, policy versions).
pub const GOVERNANCE_DATASET: &str = starvit_warehouse::datasets::GOVERNANCE.default_value();
/// Labels of the harness's own read queries (so label checks can tell them from the pipeline's).
pub const HARNESS_LABELS: [(&str, &str); 5] = [
    ("service", "starvit-e2e"),
    ("owner", "data-platform"),
    ("env", "local"),
    ("pipeline", "fhir-batch"),
    ("purpose", "verify"),
];
/// Dataset of the node/edge tables.
pub const GRAPH_DATASET: &str = starvit_warehouse::datasets::GRAPH.default_value();
/// Secret of the local TigerGraph stub's token endpoint (local only).
pub const TIGERGRAPH_SECRET: &str = graph_snapshot::config::TIGERGRAPH_SECRET.local_value();
/// A key for local runs only (production keys live in Secret Manager).
pub const LOCAL_KEY_HEX: &str = common::DEID_KEY.local_value();

/// Paths of the function binaries to run.
#[derive(Debug, Clone)]
pub struct Binaries {
    /// The `deidentify` service.
    pub deidentify: PathBuf,
    /// The `bq-load` service.
    pub bq_load: PathBuf,
    /// The `graph-snapshot` service.
    pub graph_snapshot: PathBuf,
    /// The `bulk-export` service.
    pub bulk_export: PathBuf,
    /// The `subscription-relay` service.
    pub relay: PathBuf,
}

impl Binaries {
    /// The binaries built beside the running executable (`target/<profile>/`).
    ///
    /// # Errors
    /// When the current executable's directory is unknown.
    pub fn beside_current_exe() -> anyhow::Result<Self> {
        let exe = std::env::current_exe()?;
        let mut dir = exe.parent().context("exe dir")?.to_path_buf();
        if dir.ends_with("deps") {
            dir.pop();
        }
        Ok(Self {
            deidentify: dir.join("fn-deidentify"),
            bq_load: dir.join("fn-bq-load"),
            graph_snapshot: dir.join("fn-graph-snapshot"),
            bulk_export: dir.join("fn-bulk-export"),
            relay: dir.join("fn-subscription-relay"),
        })
    }
}

/// Options of a chain.
#[derive(Debug, Clone)]
pub struct ChainOptions {
    /// Deliver every event this many times (at-least-once testing).
    pub duplicate: u32,
    /// De-ID policy name or file.
    pub policy: String,
    /// Also run the graph stage (`graph-snapshot` + the TigerGraph stub) on `load-complete`.
    pub graph: bool,
    /// Extra settings of `graph-snapshot` (e.g. `STARVIT_TIGERGRAPH_API=3`).
    pub graph_env: Vec<(String, String)>,
    /// Also run `bulk-export` on the `export-trigger` topic, against the stack's FHIR server
    /// (a stack started with `LOCALCLOUD_FHIR=1`).
    pub bulk_export: bool,
    /// Extra settings of `bulk-export` (e.g. a small `STARVIT_EXPORT_PART_BYTES`).
    pub bulk_export_env: Vec<(String, String)>,
    /// Also run `subscription-relay` (Pattern B), publishing to [`DEID_EVENTS_TOPIC`].
    pub relay: bool,
    /// Approve the policy version before the functions start (default true); false to test
    /// the refusal of an unapproved version ([`Chain::approve`] later).
    pub approve: bool,
    /// Deliveries in flight per route (the local Eventarc's default, 16, when `None`).
    pub max_in_flight: Option<usize>,
}

impl Default for ChainOptions {
    fn default() -> Self {
        Self {
            duplicate: 1,
            policy: "shifted".into(),
            graph: false,
            graph_env: Vec::new(),
            bulk_export: false,
            bulk_export_env: Vec::new(),
            relay: false,
            approve: true,
            max_in_flight: None,
        }
    }
}

/// The graph stage of a chain.
#[derive(Debug)]
pub struct GraphStage {
    /// The TigerGraph contract stub the snapshots are loaded into.
    pub tigergraph: starvit_tigergraph_stub::Stub,
    /// The `graph-snapshot` service.
    pub service: FunctionProcess,
}

/// A running chain. Dropping it stops the router, the functions and the stack.
#[derive(Debug)]
pub struct Chain {
    /// The `deidentify` service.
    pub deidentify: FunctionProcess,
    /// The `bq-load` service.
    pub bq_load: FunctionProcess,
    /// The graph stage, when [`ChainOptions::graph`] asked for it.
    pub graph: Option<GraphStage>,
    /// The `bulk-export` service, when [`ChainOptions::bulk_export`] asked for it.
    pub bulk_export: Option<FunctionProcess>,
    /// The `subscription-relay` service, when [`ChainOptions::relay`] asked for it.
    pub relay: Option<FunctionProcess>,
    /// The Cloud DLP stub `deidentify` calls, when the policy has a `[text]` section.
    pub dlp: Option<starvit_dlp_stub::Stub>,
    router: Router,
    router_stop: Option<oneshot::Sender<()>>,
    router_task: Option<JoinHandle<()>>,
    storage: StorageClient,
    http: reqwest::Client,
    gcs_endpoint: String,
    /// The stack (last field: dropped after the functions).
    pub stack: Stack,
}

/// An object as the fake-gcs JSON API lists it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    /// Object name.
    pub name: String,
    /// Generation (string in the JSON API).
    pub generation: String,
    /// Size (string in the JSON API).
    #[serde(default)]
    pub size: String,
    /// Custom metadata.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    /// Creation time (RFC 3339).
    #[serde(default)]
    pub time_created: String,
}

impl Drop for Chain {
    fn drop(&mut self) {
        if let Some(stop) = self.router_stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.router_task.take() {
            task.abort();
        }
        if let Some(dlp) = &self.dlp {
            dlp.stop();
        }
    }
}
