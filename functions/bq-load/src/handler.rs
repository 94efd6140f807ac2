//! The handler: one finalized de-ID object -> rows in its raw table, a lineage row, a
//! `load-complete` message. Every step is idempotent (see [`crate::naming`] and [`crate::jobs`]),
//! so a redelivered or duplicated event converges to the same state and changes nothing.

use std::collections::BTreeMap;

use bytes::Bytes;
use chrono::Utc;
use google_cloud_bigquery_v2::model::JobConfiguration;
use starvit_gcp::bigquery::spec::TableRef;
use starvit_gcp::pubsub::OutgoingMessage;
use starvit_gcp::storage::WriteAttrs;
use starvit_lineage::{DestinationTable, Lineage, LoadJobId, PipelineName, StageName};
use starvit_runtime::payload::StorageObjectData;
use starvit_runtime::payload::storage::FINALIZED;
use starvit_runtime::{Event, Function, Outcome};
use tokio::io::BufWriter;

use crate::config::{Config, SERVICE};
use crate::context::{Context, NDJSON};
use crate::error::Error;
use crate::extract::RowLineage;
use crate::naming::{self, ObjectKey, STAGING_PREFIX, Step};
use crate::{governance, jobs, sql, staging};
use starvit_warehouse::tables::{LINEAGE, RAW};

impl Function for Context {
    type Input = Event<StorageObjectData>;
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
    if let Some(reason) = skip_reason(ctx, &event.ty, object) {
        return Ok(Outcome::skipped(reason));
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
        let jobs = raw_jobs(
            &ctx.config,
            &object.bucket,
            &key,
            &raw,
            &lineage,
            &counts.partitions,
        )?;
        for job in jobs {
            jobs::run(
                &ctx.bigquery,
                ctx.location(),
                &job.job_id,
                job.configuration,
            )
            .await?;
        }
    }
    record_lineage(ctx, object, &key, &lineage).await?;
    publish(ctx, &lineage, resource_type, &raw, &counts).await?;
    Ok(Outcome::done_with(
        starvit_runtime::disposition::Counts::new()
            .with("rows", counts.rows)
            .with("without_event_time", counts.without_event_time)
            .with("without_patient", counts.without_patient),
    ))
}

/// Why an event is not this function's, if it is not.
fn skip_reason(ctx: &Context, ty: &str, object: &StorageObjectData) -> Option<&'static str> {
    if ty != FINALIZED {
        Some("not_a_finalize_event")
    } else if object.bucket != ctx.config.deid_bucket {
        Some("foreign_bucket")
    } else if object.name.starts_with(STAGING_PREFIX) {
        Some("own_staging_object")
    } else if !object.name.ends_with(".ndjson") {
        Some("not_an_ndjson_object")
    } else {
        None
    }
}

/// MERGE the lineage rows of the object: the upstream stage's record (it travels in the object
/// metadata, validated already) and this stage's.
async fn record_lineage(
    ctx: &Context,
    object: &StorageObjectData,
    key: &ObjectKey,
    lineage: &Lineage,
) -> Result<(), Error> {
    let lineage_table = ctx.table(&ctx.config.governance_dataset, LINEAGE.name);
    let upstream = Lineage::from_object_metadata(&object.metadata)?;
    let records: Vec<&Lineage> = if upstream.stage == lineage.stage {
        vec![lineage]
    } else {
        vec![&upstream, lineage]
    };
    let record = jobs::query(
        sql::merge_lineage(&lineage_table, &records),
        labels(&ctx.config, Step::Lineage, lineage)?,
    );
    jobs::run(
        &ctx.bigquery,
        ctx.location(),
        &key.job_id(Step::Lineage),
        record,
    )
    .await?;
    Ok(())
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
/// object into the staging table (`WRITE_TRUNCATE`), then the MERGE into the raw table, pruned to
/// the object's `partitions` ([`sql::merge_raw`]).
///
/// # Errors
/// [`Error::Lineage`] when a configured label is invalid (prevented at start-up).
pub fn raw_jobs(
    config: &Config,
    bucket: &str,
    key: &ObjectKey,
    raw: &TableRef,
    lineage: &Lineage,
    partitions: &staging::Partitions,
) -> Result<[PlannedJob; 2], Error> {
    let staging_table = config.table(&config.staging_dataset, &key.staging_table());
    let load = jobs::load(
        format!("gs://{bucket}/{}", key.staging_object()),
        staging_table.clone(),
        RAW.load_schema(),
        labels(config, Step::Load, lineage)?,
    );
    let merge = jobs::query(
        sql::merge_raw(raw, &staging_table, partitions),
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
        export_time: lineage
            .export_time
            .as_ref()
            .and_then(|t| starvit_fhir::time::normalize(t.as_str())),
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
    counts: &staging::Counts,
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
