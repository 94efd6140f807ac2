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
/// A key for local runs only (production keys live in Secret Manager).
pub const LOCAL_KEY_HEX: &str = "6c6f63616c2d6f6e6c792d737461727669742d6b65792d3030303030303031";

/// Paths of the function binaries to run.
#[derive(Debug, Clone)]
pub struct Binaries {
    /// The `deidentify` service.
    pub deidentify: PathBuf,
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
}

impl Default for ChainOptions {
    fn default() -> Self {
        Self {
            duplicate: 1,
            policy: "shifted".into(),
        }
    }
}

/// A running chain. Dropping it stops the router, the functions and the stack.
#[derive(Debug)]
pub struct Chain {
    /// Function processes (`deidentify`).
    pub deidentify: FunctionProcess,
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

        let config = RouterConfig {
            pubsub_endpoint: stack.var("PUBSUB_ENDPOINT").to_owned(),
            project: stack.project().to_owned(),
            gcs_notification_topic: stack.var("LOCALCLOUD_GCS_TOPIC").to_owned(),
            routes: vec![Route {
                source: Source::Bucket(PHI_BUCKET.into()),
                target: deidentify.url(),
            }],
            backoff_min: Duration::from_millis(200),
            backoff_max: Duration::from_secs(3),
            duplicate: options.duplicate,
            ..RouterConfig::default()
        };
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

    /// Downloads every object of `bucket` whose name ends with `suffix` into `dir` (flat names).
    ///
    /// # Errors
    /// HTTP or file failures.
    pub async fn download(&self, bucket: &str, suffix: &str, dir: &Path) -> anyhow::Result<usize> {
        std::fs::create_dir_all(dir)?;
        let mut n = 0;
        for object in self.list(bucket).await? {
            if object.name.ends_with(suffix) {
                let bytes = self.read(bucket, &object.name).await?;
                std::fs::write(dir.join(object.name.replace('/', "__")), bytes)?;
                n += 1;
            }
        }
        Ok(n)
    }
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
