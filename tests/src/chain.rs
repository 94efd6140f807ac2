//! The chain on the local cloud: buckets, function processes, the local Eventarc.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};
use serde::Deserialize;
use starvit_gcp::storage::{StorageClient, WriteAttrs};
use starvit_lineage::{ExportJobId, Lineage, PipelineName, StageName};
use starvit_local_eventarc::{Route, Router, RouterConfig, Source, Stats};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::procs::FunctionProcess;
use crate::stack::Stack;

/// Bucket names of the local chain.
pub const PHI_BUCKET: &str = "starvit-phi-staging";
/// The de-identified bucket.
pub const DEID_BUCKET: &str = "starvit-deid";
/// Quarantine, on the PHI side.
pub const QUARANTINE_BUCKET: &str = "starvit-phi-quarantine";
/// The topic `bq-load` publishes to when a file is loaded.
pub const LOAD_COMPLETE_TOPIC: &str = "load-complete";
/// A subscription on it that the suite and the demo read.
pub const LOAD_COMPLETE_TAP: &str = "load-complete-tap";
/// Topic of Pattern B's de-identified events (`subscription-relay` publishes there).
pub const DEID_EVENTS_TOPIC: &str = "deid-events";
/// A subscription on [`DEID_EVENTS_TOPIC`] that tests pull from.
pub const DEID_EVENTS_TAP: &str = "deid-events-tap";
/// The Subscription secret the relay verifies `X-Signature` with (local only).
pub const RELAY_SECRET: &str = "local-subscription-secret-0123456789";
/// Topic Cloud Scheduler publishes export triggers to (routed to `bulk-export`).
pub const EXPORT_TRIGGER_TOPIC: &str = "export-trigger";
/// The resource types `bulk-export` asks for in the suite (what `starvit synth` writes).
pub const EXPORT_TYPES: &str = "AllergyIntolerance,CarePlan,Claim,Condition,DiagnosticReport,\
DocumentReference,Encounter,Immunization,Location,MedicationRequest,Observation,Organization,\
Patient,Practitioner,Procedure";
/// Raw de-ID dataset.
pub const RAW_DATASET: &str = "deid_raw";
/// Governance dataset (lineage, policy versions).
pub const GOVERNANCE_DATASET: &str = "governance";
/// Labels of the harness's own read queries (so label checks can tell them from the pipeline's).
pub const HARNESS_LABELS: [(&str, &str); 5] = [
    ("service", "starvit-e2e"),
    ("owner", "data-platform"),
    ("env", "local"),
    ("pipeline", "fhir-batch"),
    ("purpose", "verify"),
];
/// Dataset of the node/edge tables.
pub const GRAPH_DATASET: &str = "graph";
/// Secret of the local TigerGraph stub's token endpoint (local only).
pub const TIGERGRAPH_SECRET: &str = "local-tigergraph-secret";
/// A key for local runs only (production keys live in Secret Manager).
pub const LOCAL_KEY_HEX: &str = "6c6f63616c2d6f6e6c792d737461727669742d6b65792d3030303030303031";

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
    /// Also run `subscription-relay` (Pattern B), publishing to [`DEID_EVENTS_TOPIC`].
    pub relay: bool,
}

impl Default for ChainOptions {
    fn default() -> Self {
        Self {
            duplicate: 1,
            policy: "shifted".into(),
            graph: false,
            graph_env: Vec::new(),
            bulk_export: false,
            relay: false,
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
}

impl Chain {
    /// Creates the buckets, starts the functions and the local Eventarc.
    ///
    /// # Errors
    /// When a piece fails to start.
    pub async fn start(
        stack: Stack,
        binaries: &Binaries,
        options: &ChainOptions,
    ) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()?;
        let gcs_endpoint = stack.var("GCS_ENDPOINT").to_owned();
        for bucket in [PHI_BUCKET, DEID_BUCKET, QUARANTINE_BUCKET] {
            let resp = http
                .post(format!(
                    "{gcs_endpoint}/storage/v1/b?project={}",
                    stack.project()
                ))
                .json(&serde_json::json!({ "name": bucket }))
                .send()
                .await?;
            if !resp.status().is_success() && resp.status() != reqwest::StatusCode::CONFLICT {
                bail!("creating bucket {bucket}: {}", resp.status());
            }
        }
        let mut env = stack.function_env();
        env.extend([
            ("STARVIT_PHI_BUCKET".to_owned(), PHI_BUCKET.to_owned()),
            ("STARVIT_DEID_BUCKET".to_owned(), DEID_BUCKET.to_owned()),
            (
                "STARVIT_QUARANTINE_BUCKET".to_owned(),
                QUARANTINE_BUCKET.to_owned(),
            ),
            ("STARVIT_DEID_POLICY".to_owned(), options.policy.clone()),
            ("STARVIT_DEID_KEY".to_owned(), LOCAL_KEY_HEX.to_owned()),
        ]);
        let deidentify =
            FunctionProcess::start("deidentify", &binaries.deidentify, env, stack.dir()).await?;
        let mut env = stack.function_env();
        env.extend([
            ("STARVIT_DEID_BUCKET".to_owned(), DEID_BUCKET.to_owned()),
            (
                "STARVIT_LOAD_COMPLETE_TOPIC".to_owned(),
                LOAD_COMPLETE_TOPIC.to_owned(),
            ),
            ("STARVIT_RAW_DATASET".to_owned(), RAW_DATASET.to_owned()),
            (
                "STARVIT_GOVERNANCE_DATASET".to_owned(),
                GOVERNANCE_DATASET.to_owned(),
            ),
            ("STARVIT_ENV".to_owned(), "local".to_owned()),
            ("STARVIT_OWNER".to_owned(), "data-platform".to_owned()),
            ("STARVIT_BQ_CONCURRENCY".to_owned(), "1".to_owned()),
        ]);
        let bq_load =
            FunctionProcess::start("bq-load", &binaries.bq_load, env, stack.dir()).await?;
        let graph = if options.graph {
            Some(start_graph(&stack, binaries, &gcs_endpoint, &options.graph_env).await?)
        } else {
            None
        };
        let bulk_export = if options.bulk_export {
            let mut env = stack.function_env();
            env.extend([
                ("STARVIT_PHI_BUCKET".to_owned(), PHI_BUCKET.to_owned()),
                (
                    "STARVIT_FHIR_BASE_URL".to_owned(),
                    stack.var("FHIR_BASE_URL").to_owned(),
                ),
                ("STARVIT_EXPORT_TYPES".to_owned(), EXPORT_TYPES.to_owned()),
                (
                    "STARVIT_FHIR_TOKEN_URL".to_owned(),
                    stack.var("FHIR_TOKEN_URL").to_owned(),
                ),
                (
                    "STARVIT_FHIR_CLIENT_ID".to_owned(),
                    stack.var("FHIR_CLIENT_ID").to_owned(),
                ),
                (
                    "STARVIT_FHIR_CLIENT_SECRET".to_owned(),
                    stack.var("FHIR_CLIENT_SECRET").to_owned(),
                ),
                // Short budget: a slow export is answered Retry and resumed by the redelivery.
                (
                    "STARVIT_EXPORT_POLL_BUDGET_SECS".to_owned(),
                    "20".to_owned(),
                ),
                ("STARVIT_EXPORT_POLL_MAX_SECS".to_owned(), "2".to_owned()),
            ]);
            Some(
                FunctionProcess::start("bulk-export", &binaries.bulk_export, env, stack.dir())
                    .await?,
            )
        } else {
            None
        };
        let emulator = starvit_local_eventarc::pubsub::Emulator::new(
            http.clone(),
            stack.var("PUBSUB_ENDPOINT"),
            stack.project(),
        );
        emulator.ensure_topic(LOAD_COMPLETE_TOPIC).await?;
        emulator.ensure_topic(EXPORT_TRIGGER_TOPIC).await?;
        emulator.ensure_topic(DEID_EVENTS_TOPIC).await?;
        emulator
            .ensure_subscription(DEID_EVENTS_TAP, DEID_EVENTS_TOPIC, 60)
            .await?;
        let relay = if options.relay {
            let mut env = stack.function_env();
            env.extend([
                (
                    "STARVIT_SUBSCRIPTION_SECRET".to_owned(),
                    RELAY_SECRET.to_owned(),
                ),
                ("STARVIT_DEID_KEY".to_owned(), LOCAL_KEY_HEX.to_owned()),
                ("STARVIT_DEID_POLICY".to_owned(), options.policy.clone()),
                (
                    "STARVIT_DEID_EVENTS_TOPIC".to_owned(),
                    DEID_EVENTS_TOPIC.to_owned(),
                ),
                (
                    "STARVIT_QUARANTINE_BUCKET".to_owned(),
                    QUARANTINE_BUCKET.to_owned(),
                ),
            ]);
            Some(
                FunctionProcess::start("subscription-relay", &binaries.relay, env, stack.dir())
                    .await?,
            )
        } else {
            None
        };
        emulator
            .ensure_subscription(LOAD_COMPLETE_TAP, LOAD_COMPLETE_TOPIC, 60)
            .await?;

        let config = RouterConfig {
            pubsub_endpoint: stack.var("PUBSUB_ENDPOINT").to_owned(),
            project: stack.project().to_owned(),
            gcs_notification_topic: stack.var("LOCALCLOUD_GCS_TOPIC").to_owned(),
            routes: vec![
                Route {
                    source: Source::Bucket(PHI_BUCKET.into()),
                    target: deidentify.url(),
                },
                Route {
                    source: Source::Bucket(DEID_BUCKET.into()),
                    target: bq_load.url(),
                },
            ],
            backoff_min: Duration::from_millis(200),
            backoff_max: Duration::from_secs(3),
            duplicate: options.duplicate,
            ..RouterConfig::default()
        };
        let mut config = config;
        if let Some(graph) = &graph {
            config.routes.push(Route {
                source: Source::Topic(LOAD_COMPLETE_TOPIC.into()),
                target: graph.service.url(),
            });
        }
        if let Some(bulk_export) = &bulk_export {
            config.routes.push(Route {
                source: Source::Topic(EXPORT_TRIGGER_TOPIC.into()),
                target: bulk_export.url(),
            });
        }
        let router = Router::new(config)?;
        router.prepare().await?;
        let (stop, stopped) = oneshot::channel::<()>();
        let runner = router.clone();
        let router_task = tokio::spawn(async move {
            runner
                .run(async {
                    let _ = stopped.await;
                })
                .await;
        });
        let storage = StorageClient::new(&stack.gcp_config()).await?;
        Ok(Self {
            deidentify,
            bq_load,
            graph,
            bulk_export,
            relay,
            router,
            router_stop: Some(stop),
            router_task: Some(router_task),
            storage,
            http,
            gcs_endpoint,
            stack,
        })
    }

    /// Uploads every `*.ndjson` of `dir` to the PHI bucket under `exports/<export_id>/`, with the
    /// export's lineage in the object metadata, as `bulk-export` does.
    ///
    /// # Errors
    /// Upload failures.
    pub async fn upload_export(&self, dir: &Path, export_id: &str) -> anyhow::Result<Vec<String>> {
        let mut lineage = Lineage::new(StageName::new("bulk-export")?);
        lineage.export_job_id = Some(ExportJobId::new(export_id)?);
        lineage.pipeline = Some(PipelineName::new("fhir-batch")?);
        let attrs = WriteAttrs {
            content_type: Some("application/x-ndjson".into()),
            metadata: lineage.to_object_metadata(),
        };
        let mut names = Vec::new();
        for path in starvit_deid::scan::ndjson_files(dir)? {
            let file = path
                .file_name()
                .context("file name")?
                .to_string_lossy()
                .into_owned();
            let name = format!("exports/{export_id}/{file}");
            self.storage
                .write_file_create_only(PHI_BUCKET, &name, &path, &attrs)
                .await?;
            names.push(name);
        }
        Ok(names)
    }

    /// Uploads raw bytes to the PHI bucket (e.g. a poison file).
    ///
    /// # Errors
    /// Upload failures.
    pub async fn upload_bytes(&self, name: &str, bytes: Vec<u8>) -> anyhow::Result<()> {
        let attrs = WriteAttrs {
            content_type: Some("application/x-ndjson".into()),
            ..WriteAttrs::default()
        };
        self.storage
            .write_bytes_create_only(PHI_BUCKET, name, bytes.into(), &attrs)
            .await?;
        Ok(())
    }

    /// Waits until the Eventarc router has nothing in flight for a while.
    pub async fn wait_idle(&self, timeout: Duration) -> bool {
        self.router
            .wait_idle(Duration::from_millis(1500), timeout)
            .await
    }

    /// Waits until `files` objects of export `export_id` have their `bq-load` lineage row (rows
    /// queryable), then until the router is idle. Stronger than [`Chain::wait_idle`] alone, which a
    /// finalize published late on a loaded machine could outrun.
    pub async fn wait_loaded(&self, export_id: &str, files: usize, timeout: Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        let lineage = self.table(GOVERNANCE_DATASET, "lineage");
        let sql = format!(
            "SELECT COUNT(*) FROM {lineage} WHERE stage = 'bq-load' AND export_job_id = '{export_id}'"
        );
        loop {
            let loaded = self.count(&sql).await.ok();
            if loaded.is_some_and(|n| n >= files as u64) {
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                if self.wait_idle(left).await {
                    return true;
                }
                self.diagnose(&format!(
                    "{export_id}: loaded, but the router never went idle"
                ));
                return false;
            }
            if std::time::Instant::now() >= deadline {
                self.diagnose(&format!(
                    "{export_id}: {loaded:?} of {files} files loaded after {timeout:?}"
                ));
                return false;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// Prints what a timed-out wait needs to be understood from CI output alone: the router's
    /// counters and the last lines of every function's log (the functions log no PHI).
    pub fn diagnose(&self, what: &str) {
        eprintln!("--- chain diagnosis: {what}");
        eprintln!("router: {:?}", self.router.stats());
        let mut services = vec![&self.deidentify, &self.bq_load];
        if let Some(graph) = &self.graph {
            services.push(&graph.service);
            eprintln!(
                "tigergraph stub: runs={} failed={}",
                graph.tigergraph.received().runs,
                graph.tigergraph.received().failed
            );
        }
        for service in services {
            let text = std::fs::read_to_string(service.log_path()).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            eprintln!("--- last lines of {}", service.log_path().display());
            for line in &lines[lines.len().saturating_sub(15)..] {
                eprintln!("{line}");
            }
        }
    }

    /// The router's counters.
    #[must_use]
    pub fn router_stats(&self) -> Stats {
        self.router.stats()
    }

    /// Lists a bucket through the fake-gcs JSON API (the official client lists over gRPC only).
    ///
    /// # Errors
    /// HTTP failures.
    pub async fn list(&self, bucket: &str) -> anyhow::Result<Vec<ObjectMeta>> {
        #[derive(Deserialize)]
        struct Page {
            #[serde(default)]
            items: Vec<ObjectMeta>,
        }
        let page: Page = self
            .http
            .get(format!("{}/storage/v1/b/{bucket}/o", self.gcs_endpoint))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let mut items = page.items;
        items.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(items)
    }

    /// [`Chain::list`] restricted to exported data (`exports/`), leaving out `bq-load`'s staging.
    ///
    /// # Errors
    /// HTTP failures.
    pub async fn list_exports(&self, bucket: &str) -> anyhow::Result<Vec<ObjectMeta>> {
        let mut items = self.list(bucket).await?;
        items.retain(|o| o.name.starts_with("exports/"));
        Ok(items)
    }

    /// Reads an object's bytes through the JSON API.
    ///
    /// # Errors
    /// HTTP failures.
    pub async fn read(&self, bucket: &str, name: &str) -> anyhow::Result<Vec<u8>> {
        let url = format!(
            "{}/storage/v1/b/{bucket}/o/{}?alt=media",
            self.gcs_endpoint,
            encode(name)
        );
        Ok(self
            .http
            .get(url)
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?
            .to_vec())
    }

    /// Downloads every object of `bucket` under `prefix` whose name ends with `suffix` into `dir`
    /// (flat names).
    ///
    /// # Errors
    /// HTTP or file failures.
    pub async fn download(
        &self,
        bucket: &str,
        prefix: &str,
        suffix: &str,
        dir: &Path,
    ) -> anyhow::Result<usize> {
        std::fs::create_dir_all(dir)?;
        let mut n = 0;
        for object in self.list(bucket).await? {
            if object.name.starts_with(prefix) && object.name.ends_with(suffix) {
                let bytes = self.read(bucket, &object.name).await?;
                std::fs::write(dir.join(object.name.replace('/', "__")), bytes)?;
                n += 1;
            }
        }
        Ok(n)
    }
}

impl Chain {
    /// Runs a query on local-bigquery (REST `jobs.query`) and returns the rows as JSON values.
    ///
    /// # Errors
    /// HTTP failures or a query error.
    pub async fn query(&self, sql: &str) -> anyhow::Result<Vec<Vec<serde_json::Value>>> {
        let url = format!(
            "{}/bigquery/v2/projects/{}/queries",
            self.stack.var("BIGQUERY_ENDPOINT"),
            self.stack.project()
        );
        let body = serde_json::json!({
            "query": sql,
            "useLegacySql": false,
            "labels": HARNESS_LABELS.iter().copied().collect::<BTreeMap<_, _>>(),
        });
        let resp: serde_json::Value = self
            .http
            .post(url)
            .json(&body)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let rows = resp["rows"].as_array().cloned().unwrap_or_default();
        Ok(rows
            .iter()
            .map(|row| {
                row["f"]
                    .as_array()
                    .map(|cells| cells.iter().map(|c| c["v"].clone()).collect())
                    .unwrap_or_default()
            })
            .collect())
    }

    /// One integer from a `SELECT COUNT(*) ...`-style query.
    ///
    /// # Errors
    /// As [`Chain::query`], or when the result is not one integer.
    pub async fn count(&self, sql: &str) -> anyhow::Result<u64> {
        let rows = self.query(sql).await?;
        let cell = rows.first().and_then(|r| r.first()).context("no rows")?;
        cell.as_str()
            .and_then(|s| s.parse().ok())
            .or_else(|| cell.as_u64())
            .with_context(|| format!("not a count: {cell}"))
    }

    /// Every job local-bigquery knows (`jobs.list`, all pages), as raw JSON.
    ///
    /// # Errors
    /// HTTP failures.
    pub async fn jobs(&self) -> anyhow::Result<Vec<serde_json::Value>> {
        let base = format!(
            "{}/bigquery/v2/projects/{}/jobs",
            self.stack.var("BIGQUERY_ENDPOINT"),
            self.stack.project()
        );
        let mut jobs = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut request = self
                .http
                .get(&base)
                .query(&[("maxResults", "1000"), ("allUsers", "true")]);
            if let Some(t) = &token {
                request = request.query(&[("pageToken", t)]);
            }
            let page: serde_json::Value = request.send().await?.error_for_status()?.json().await?;
            jobs.extend(page["jobs"].as_array().cloned().unwrap_or_default());
            match page["nextPageToken"].as_str() {
                Some(t) if !t.is_empty() => token = Some(t.to_owned()),
                _ => break,
            }
        }
        Ok(jobs)
    }

    /// Pulls and acknowledges every `load-complete` message published so far; returns how many.
    ///
    /// # Errors
    /// Emulator failures.
    pub async fn drain_load_complete(&self) -> anyhow::Result<usize> {
        let emulator = starvit_local_eventarc::pubsub::Emulator::new(
            self.http.clone(),
            self.stack.var("PUBSUB_ENDPOINT"),
            self.stack.project(),
        );
        let mut total = 0;
        loop {
            let batch = emulator.pull(LOAD_COMPLETE_TAP, 100).await?;
            if batch.is_empty() {
                return Ok(total);
            }
            total += batch.len();
            let ids: Vec<String> = batch.into_iter().map(|m| m.ack_id).collect();
            emulator.ack(LOAD_COMPLETE_TAP, &ids).await?;
        }
    }

    /// Pulls (and acknowledges) every `load-complete` message published so far and POSTs each
    /// again to `graph-snapshot`, exactly as Eventarc delivers it: a duplicate of every event the
    /// graph stage has seen. Returns the HTTP statuses.
    ///
    /// # Errors
    /// Emulator or HTTP failures; no graph stage.
    pub async fn redeliver_load_complete(&self) -> anyhow::Result<Vec<u16>> {
        let graph = self
            .graph
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("no graph stage"))?;
        let emulator = starvit_local_eventarc::pubsub::Emulator::new(
            self.http.clone(),
            self.stack.var("PUBSUB_ENDPOINT"),
            self.stack.project(),
        );
        let mut statuses = Vec::new();
        loop {
            let batch = emulator.pull(LOAD_COMPLETE_TAP, 100).await?;
            if batch.is_empty() {
                return Ok(statuses);
            }
            for received in &batch {
                let event = starvit_local_eventarc::cloudevent::pubsub_published(
                    &received.message,
                    self.stack.project(),
                    LOAD_COMPLETE_TOPIC,
                    "graph-snapshot",
                );
                let mut request = self.http.post(graph.service.url()).body(event.body.clone());
                for (name, value) in &event.headers {
                    request = request.header(*name, value);
                }
                statuses.push(request.send().await?.status().as_u16());
            }
            let ids: Vec<String> = batch.into_iter().map(|m| m.ack_id).collect();
            emulator.ack(LOAD_COMPLETE_TAP, &ids).await?;
        }
    }

    /// Loads every resource of the NDJSON files in `dir` into the stack's FHIR server with
    /// transactions of `PUT`s. The server resolves conditional references (`Patient?identifier=`)
    /// only against data it already has, and `urn:uuid:` references only within the transaction,
    /// so the first transaction holds the referenced types and the second everything (the first
    /// ones again: an identical `PUT`). Returns the number of distinct resources.
    ///
    /// # Errors
    /// I/O, HTTP, or an entry the server did not accept.
    pub async fn seed_fhir(&self, dir: &Path) -> anyhow::Result<usize> {
        const FIRST: [&str; 4] = ["Patient", "Practitioner", "Organization", "Location"];
        let mut entries = Vec::new();
        for path in starvit_deid::scan::ndjson_files(dir)? {
            for line in std::fs::read_to_string(&path)?.lines() {
                let resource: serde_json::Value = serde_json::from_str(line)?;
                let ty = resource["resourceType"]
                    .as_str()
                    .context("resourceType")?
                    .to_owned();
                let id = resource["id"].as_str().context("id")?.to_owned();
                entries.push(serde_json::json!({
                    "fullUrl": format!("urn:uuid:{id}"),
                    "resource": resource,
                    "request": {"method": "PUT", "url": format!("{ty}/{id}")},
                }));
            }
        }
        let first_types = |e: &serde_json::Value| {
            FIRST.contains(&e["resource"]["resourceType"].as_str().unwrap_or_default())
        };
        let first: Vec<_> = entries.iter().filter(|e| first_types(e)).cloned().collect();
        entries.sort_by_key(|e| !first_types(e));
        let n = entries.len();
        for batch in [first, entries] {
            let expected = batch.len();
            let bundle = serde_json::json!({"resourceType": "Bundle", "type": "transaction", "entry": batch});
            let response = self
                .fhir_request(reqwest::Method::POST, "")
                .header("content-type", "application/fhir+json")
                .json(&bundle)
                .send()
                .await?;
            let status = response.status();
            let response: serde_json::Value = response.json().await?;
            if !status.is_success() {
                // Synthetic data only: the server's diagnostics are safe to show.
                bail!(
                    "the FHIR server refused the seed transaction ({status}): {}",
                    response["issue"][0]["diagnostics"]
                );
            }
            let accepted = response["entry"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|e| {
                    e["response"]["status"]
                        .as_str()
                        .is_some_and(|s| s.starts_with('2'))
                })
                .count();
            if accepted != expected {
                bail!("the FHIR server accepted {accepted} of {expected} resources");
            }
        }
        Ok(n)
    }

    /// A request to the stack's FHIR server (`path` relative to its base), as the seeding user.
    pub fn fhir_request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let base = self.stack.var("FHIR_BASE_URL");
        let url = if path.is_empty() {
            base.to_owned()
        } else {
            format!("{base}/{path}")
        };
        self.http.request(method, url).basic_auth(
            self.stack.var("FHIR_SEED_USER"),
            Some(self.stack.var("FHIR_SEED_PASSWORD")),
        )
    }

    /// Publishes an export trigger (as Cloud Scheduler would) with the official Pub/Sub client;
    /// returns the message id.
    ///
    /// # Errors
    /// Publish failures.
    pub async fn trigger_export(&self, data: &[u8]) -> anyhow::Result<String> {
        let client = starvit_gcp::pubsub::PubSubClient::new(&self.stack.gcp_config()).await?;
        let id = client
            .publisher(EXPORT_TRIGGER_TOPIC)
            .publish(starvit_gcp::pubsub::OutgoingMessage {
                data: bytes::Bytes::copy_from_slice(data),
                attributes: std::collections::BTreeMap::new(),
                ordering_key: None,
            })
            .await?;
        Ok(id)
    }

    /// Downloads every object under `prefix` of `bucket` (fake-gcs JSON API).
    ///
    /// # Errors
    /// HTTP failures.
    pub async fn objects_under(
        &self,
        bucket: &str,
        prefix: &str,
    ) -> anyhow::Result<Vec<(String, bytes::Bytes)>> {
        let mut out = Vec::new();
        for meta in self.list(bucket).await? {
            if !meta.name.starts_with(prefix) {
                continue;
            }
            let data = bytes::Bytes::from(self.read(bucket, &meta.name).await?);
            out.push((meta.name, data));
        }
        Ok(out)
    }

    /// Fully qualified table name for SQL.
    #[must_use]
    pub fn table(&self, dataset: &str, table: &str) -> String {
        format!("`{}.{dataset}.{table}`", self.stack.project())
    }
}

/// Starts the TigerGraph stub and the `graph-snapshot` service for a chain.
async fn start_graph(
    stack: &Stack,
    binaries: &Binaries,
    gcs_endpoint: &str,
    extra_env: &[(String, String)],
) -> anyhow::Result<GraphStage> {
    let tigergraph = starvit_tigergraph_stub::Stub::start(starvit_tigergraph_stub::StubConfig {
        schema_gsql: std::fs::read_to_string(
            crate::repo_root().join("infra/tigergraph/schema.gsql"),
        )?,
        loading_jobs_gsql: std::fs::read_to_string(
            crate::repo_root().join("infra/tigergraph/loading_jobs.gsql"),
        )?,
        secret: TIGERGRAPH_SECRET.to_owned(),
        storage_base: Some(gcs_endpoint.to_owned()),
    })
    .await
    .map_err(|e| anyhow::anyhow!("starting the TigerGraph stub: {e}"))?;
    let mut env = stack.function_env();
    env.extend([
        ("STARVIT_DEID_BUCKET".to_owned(), DEID_BUCKET.to_owned()),
        ("STARVIT_RAW_DATASET".to_owned(), RAW_DATASET.to_owned()),
        (
            "STARVIT_GOVERNANCE_DATASET".to_owned(),
            GOVERNANCE_DATASET.to_owned(),
        ),
        ("STARVIT_GRAPH_DATASET".to_owned(), GRAPH_DATASET.to_owned()),
        ("STARVIT_ENV".to_owned(), "local".to_owned()),
        ("STARVIT_OWNER".to_owned(), "data-platform".to_owned()),
        ("STARVIT_TIGERGRAPH_URL".to_owned(), tigergraph.url.clone()),
        (
            "STARVIT_TIGERGRAPH_SECRET".to_owned(),
            TIGERGRAPH_SECRET.to_owned(),
        ),
        // Debounce: a snapshot is due once no load has landed for this long (the events that
        // come earlier are retried, then skipped as superseded), so an export makes one graph.
        ("STARVIT_SNAPSHOT_QUIET_SECS".to_owned(), "4".to_owned()),
    ]);
    env.extend(extra_env.iter().cloned());
    let service =
        FunctionProcess::start("graph-snapshot", &binaries.graph_snapshot, env, stack.dir())
            .await?;
    Ok(GraphStage {
        tigergraph,
        service,
    })
}

impl Drop for Chain {
    fn drop(&mut self) {
        if let Some(stop) = self.router_stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.router_task.take() {
            task.abort();
        }
    }
}

fn encode(name: &str) -> String {
    let mut out = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
