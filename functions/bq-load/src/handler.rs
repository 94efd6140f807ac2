//! The handler: one finalized de-ID object -> rows in its raw table, a lineage row, a
//! `load-complete` message. Every step is idempotent (see [`crate::naming`] and [`crate::jobs`]),
//! so a redelivered or duplicated event converges to the same state and changes nothing.

use std::collections::{BTreeMap, HashSet};
use std::sync::Mutex;

use bytes::Bytes;
use chrono::Utc;
use google_cloud_bigquery_v2::model::JobConfiguration;
use starvit_gcp::bigquery::BigQueryClient;
use starvit_gcp::bigquery::spec::TableRef;
use starvit_gcp::pubsub::{OutgoingMessage, PubSubClient, TopicPublisher};
use starvit_gcp::storage::{StorageClient, WriteAttrs};
use starvit_gcp::{GcpConfig, GcpError};
use starvit_lineage::{DestinationTable, Lineage, LoadJobId, PipelineName, StageName};
use starvit_runtime::payload::StorageObjectData;
use starvit_runtime::payload::storage::FINALIZED;
use starvit_runtime::{Event, Function, Outcome};
use tokio::io::BufWriter;

use crate::columns::{RAW_COLUMNS, load_schema};
use crate::config::{Config, SERVICE};
use crate::error::Error;
use crate::extract::RowLineage;
use crate::naming::{self, ObjectKey, STAGING_PREFIX, Step};
use crate::policy::PolicyRegistry;
use crate::{governance, jobs, sql, staging};

/// Name of the governance lineage table.
pub const LINEAGE_TABLE: &str = "lineage";
/// Name of the governance policy table.
pub const POLICY_TABLE: &str = "deid_policy_versions";
pub(crate) const NDJSON: &str = "application/x-ndjson";

/// Everything the handler needs, built once per process.
#[derive(Debug)]
pub struct Context {
    pub(crate) config: Config,
    pub(crate) storage: StorageClient,
    pub(crate) bigquery: BigQueryClient,
    pub(crate) publisher: TopicPublisher,
    pub(crate) policies: PolicyRegistry,
    /// Datasets, tables and policy versions already ensured by this process (an optimisation
    /// only: every ensure is idempotent by itself).
    pub(crate) ensured: Mutex<HashSet<String>>,
    /// Bounds the events of this process that run BigQuery work at once.
    pub(crate) bq_gate: tokio::sync::Semaphore,
}

/// Building the context failed (at start-up).
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    /// A client could not be built.
    #[error(transparent)]
    Gcp(#[from] GcpError),
    /// A configured policy does not resolve.
    #[error(transparent)]
    Policy(#[from] starvit_deid::DeidError),
}

impl Context {
    /// Build the clients from `config.gcp` (production or emulator endpoints) and resolve the
    /// known policies.
    ///
    /// # Errors
    /// [`ContextError`] when a client cannot be built or a policy does not resolve.
    pub async fn connect(config: Config) -> Result<Self, ContextError> {
        let gcp: &GcpConfig = &config.gcp;
        let storage = StorageClient::new(gcp).await?;
        let bigquery = BigQueryClient::new(gcp).await?;
        let pubsub = PubSubClient::new(gcp).await?;
        Self::with_clients(config, storage, bigquery, &pubsub)
    }

    /// Build from ready clients (e.g. a `BigQueryClient` with a shorter poll policy in tests).
    ///
    /// # Errors
    /// [`ContextError::Policy`] when a configured policy does not resolve.
    pub fn with_clients(
        config: Config,
        storage: StorageClient,
        bigquery: BigQueryClient,
        pubsub: &PubSubClient,
    ) -> Result<Self, ContextError> {
        let policies = PolicyRegistry::resolve(&config.policies)?;
        let publisher = pubsub.publisher(&config.load_complete_topic);
        let bq_gate = tokio::sync::Semaphore::new(config.bq_concurrency);
        Ok(Self {
            config,
            storage,
            bigquery,
            publisher,
            policies,
            ensured: Mutex::new(HashSet::new()),
            bq_gate,
        })
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    pub(crate) fn table(&self, dataset: &str, table: &str) -> TableRef {
        self.config.table(dataset, table)
    }

    pub(crate) fn raw_table(&self, resource_type: &str) -> TableRef {
        self.config.table(&self.config.raw_dataset, resource_type)
    }

    pub(crate) fn is_ensured(&self, key: &str) -> bool {
        self.ensured
            .lock()
            .map(|set| set.contains(key))
            .unwrap_or(false)
    }

    pub(crate) fn mark_ensured(&self, key: String) {
        if let Ok(mut set) = self.ensured.lock() {
            set.insert(key);
        }
    }

    pub(crate) fn location(&self) -> Option<&str> {
        self.config.location.as_deref()
    }
}

impl Function for Context {
    type Data = StorageObjectData;
    type Error = Error;

    async fn handle(&self, event: Event<StorageObjectData>) -> Result<Outcome, Error> {
        handle(self, event).await
    }
}

/// Handle one `google.cloud.storage.object.v1.finalized` event of the de-ID bucket.
///
/// Skips (204) other event types, other buckets, this function's own staging objects and
/// non-NDJSON objects. Otherwise: stage the rows, ensure the tables, record the policy version,
/// load + MERGE into the raw table, MERGE the lineage row, publish `load-complete`.
///
/// # Errors
/// [`Error`], classified Retry/Drop (see [`crate::error`]).
pub async fn handle(ctx: &Context, event: Event<StorageObjectData>) -> Result<Outcome, Error> {
    let object = &event.data;
    if event.ty != FINALIZED {
        return Ok(Outcome::skipped("not_a_finalize_event"));
    }
    if object.bucket != ctx.config.deid_bucket {
        return Ok(Outcome::skipped("foreign_bucket"));
    }
    if object.name.starts_with(STAGING_PREFIX) {
        return Ok(Outcome::skipped("own_staging_object"));
    }
    if !object.name.ends_with(".ndjson") {
        return Ok(Outcome::skipped("not_an_ndjson_object"));
    }
    let resource_type = naming::resource_type(&object.name).ok_or(Error::ObjectName)?;
    let key = ObjectKey::new(&object.bucket, &object.name, object.generation);
    let raw = ctx.raw_table(resource_type);
    let lineage = stage_lineage(&ctx.config, &object.metadata, &key, &raw)?;
    tracing::info!(
        object = %object.name,
        generation = object.generation,
        key = key.as_str(),
        resource_type,
        "loading de-ID object"
    );

    // Held until the event is done; a closed semaphore never happens (it is never closed).
    let _permit = ctx
        .bq_gate
        .acquire()
        .await
        .map_err(|_| Error::Spool(std::io::Error::other("gate closed")))?;
    governance::ensure_schema(ctx, &key, &raw, &lineage).await?;
    if let Some(version) = &lineage.deid_policy_version {
        governance::record_policy(ctx, version).await?;
    }

    let counts = stage_rows(ctx, object, &key, resource_type, &lineage).await?;
    if counts.rows > 0 {
        for job in raw_jobs(&ctx.config, &object.bucket, &key, &raw, &lineage)? {
            jobs::run(
                &ctx.bigquery,
                ctx.location(),
                &job.job_id,
                job.configuration,
            )
            .await?;
        }
    }
    let lineage_table = ctx.table(&ctx.config.governance_dataset, LINEAGE_TABLE);
    // The upstream stage's record travels in the object metadata; it is validated already.
    let upstream = Lineage::from_object_metadata(&object.metadata)?;
    let records: Vec<&Lineage> = if upstream.stage == lineage.stage {
        vec![&lineage]
    } else {
        vec![&upstream, &lineage]
    };
    let record = jobs::query(
        sql::merge_lineage(&lineage_table, &records),
        labels(&ctx.config, Step::Lineage, &lineage)?,
    );
    jobs::run(
        &ctx.bigquery,
        ctx.location(),
        &key.job_id(Step::Lineage),
        record,
    )
    .await?;

    publish(ctx, &lineage, resource_type, &raw, counts).await?;
    Ok(Outcome::done_with(
        starvit_runtime::disposition::Counts::new()
            .with("rows", counts.rows)
            .with("without_event_time", counts.without_event_time)
            .with("without_patient", counts.without_patient),
    ))
}

/// A job to run: its deterministic (first-attempt) id and its `jobs.insert` configuration.
#[derive(Debug, Clone)]
pub struct PlannedJob {
    /// Base job id.
    pub job_id: String,
    /// The `configuration` of the `jobs.insert` body.
    pub configuration: JobConfiguration,
}

/// The two jobs that put an object's staged rows into its raw table: the load of the staging
/// object into the staging table (`WRITE_TRUNCATE`), then the MERGE into the raw table.
///
/// # Errors
/// [`Error::Lineage`] when a configured label is invalid (prevented at start-up).
pub fn raw_jobs(
    config: &Config,
    bucket: &str,
    key: &ObjectKey,
    raw: &TableRef,
    lineage: &Lineage,
) -> Result<[PlannedJob; 2], Error> {
    let staging_table = config.table(&config.staging_dataset, &key.staging_table());
    let load = jobs::load(
        format!("gs://{bucket}/{}", key.staging_object()),
        staging_table.clone(),
        load_schema(&RAW_COLUMNS),
        labels(config, Step::Load, lineage)?,
    );
    let merge = jobs::query(
        sql::merge_raw(raw, &staging_table),
        labels(config, Step::Merge, lineage)?,
    );
    Ok([
        PlannedJob {
            job_id: key.job_id(Step::Load),
            configuration: load,
        },
        PlannedJob {
            job_id: key.job_id(Step::Merge),
            configuration: merge,
        },
    ])
}

/// The lineage of this stage: the object's lineage, handed to `bq-load`, with the load job and
/// destination table. The fields the raw rows and the lineage key need must be present.
///
/// # Errors
/// [`Error::Lineage`] for invalid metadata, [`Error::LineageIncomplete`] for a missing field.
pub fn stage_lineage(
    config: &Config,
    metadata: &BTreeMap<String, String>,
    key: &ObjectKey,
    raw: &TableRef,
) -> Result<Lineage, Error> {
    let mut lineage = Lineage::from_object_metadata(metadata)?.at_stage(StageName::new(SERVICE)?);
    if lineage.pipeline.is_none() {
        lineage.pipeline = Some(PipelineName::new(config.pipeline.as_str())?);
    }
    lineage.load_job_id = Some(LoadJobId::new(key.job_id(Step::Load))?);
    lineage.destination_table = Some(DestinationTable::new(format!(
        "{}.{}.{}",
        raw.project_id, raw.dataset_id, raw.table_id
    ))?);
    if lineage.source_object.is_none() {
        return Err(Error::LineageIncomplete("source_object"));
    }
    if lineage.source_generation.is_none() {
        return Err(Error::LineageIncomplete("source_generation"));
    }
    if lineage.deid_policy_version.is_none() {
        return Err(Error::LineageIncomplete("deid_policy_version"));
    }
    if lineage.deid_run_id.is_none() {
        return Err(Error::LineageIncomplete("deid_run_id"));
    }
    Ok(lineage)
}

fn row_lineage(lineage: &Lineage) -> RowLineage {
    fn s<T: ToString>(v: Option<&T>) -> Option<String> {
        v.map(ToString::to_string)
    }
    RowLineage {
        export_job_id: s(lineage.export_job_id.as_ref()),
        source_object: s(lineage.source_object.as_ref()),
        source_generation: lineage.source_generation.map(|g| g.get().to_string()),
        deid_policy_version: s(lineage.deid_policy_version.as_ref()),
        deid_run_id: s(lineage.deid_run_id.as_ref()),
        load_job_id: s(lineage.load_job_id.as_ref()),
    }
}

fn labels(
    config: &Config,
    step: Step,
    lineage: &Lineage,
) -> Result<starvit_gcp::labels::Labels, Error> {
    Ok(jobs::labels(&config.job_labels(step.suffix())?, lineage))
}

/// Stream the object through [`staging::transform`] into a spool file and upload it
/// create-only (412 = staged by an earlier delivery: that object is used as is).
async fn stage_rows(
    ctx: &Context,
    object: &StorageObjectData,
    key: &ObjectKey,
    resource_type: &str,
    lineage: &Lineage,
) -> Result<staging::Counts, Error> {
    let reader = ctx
        .storage
        .read_at_generation(&object.bucket, &object.name, object.generation)
        .await
        .map_err(Error::gcp)?;
    let input = tokio::io::BufReader::with_capacity(256 * 1024, reader.into_async_read());
    let spool = match &ctx.config.spool_dir {
        Some(dir) => tempfile::Builder::new().suffix(".ndjson").tempfile_in(dir),
        None => tempfile::Builder::new().suffix(".ndjson").tempfile(),
    }
    .map_err(Error::Spool)?;
    let (file, path) = spool.into_parts();
    let mut output = BufWriter::with_capacity(256 * 1024, tokio::fs::File::from_std(file));
    let counts = staging::transform(
        input,
        &mut output,
        resource_type,
        &row_lineage(lineage),
        Utc::now(),
    )
    .await?;
    drop(output);
    if counts.rows == 0 {
        return Ok(counts);
    }
    let attrs = WriteAttrs {
        content_type: Some(NDJSON.to_owned()),
        metadata: lineage.to_object_metadata(),
    };
    let outcome = ctx
        .storage
        .write_file_create_only(&object.bucket, &key.staging_object(), &path, &attrs)
        .await
        .map_err(Error::gcp)?;
    tracing::debug!(
        created = matches!(outcome, starvit_gcp::storage::WriteOutcome::Created(_)),
        "staged"
    );
    Ok(counts)
}

/// `load-complete`: the lineage in attributes (ids of operations only), counts, no data.
async fn publish(
    ctx: &Context,
    lineage: &Lineage,
    resource_type: &str,
    raw: &TableRef,
    counts: staging::Counts,
) -> Result<(), Error> {
    let mut attributes = lineage.to_pubsub_attributes();
    attributes.insert("resource_type".to_owned(), resource_type.to_owned());
    attributes.insert("row_count".to_owned(), counts.rows.to_string());
    let data = serde_json::json!({
        "resource_type": resource_type,
        "table": format!("{}.{}.{}", raw.project_id, raw.dataset_id, raw.table_id),
        "rows": counts.rows,
    });
    ctx.publisher
        .publish(OutgoingMessage {
            data: Bytes::from(data.to_string()),
            attributes,
            ordering_key: None,
        })
        .await
        .map_err(Error::gcp)?;
    Ok(())
}
