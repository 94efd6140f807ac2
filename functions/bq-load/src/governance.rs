//! Schema and governance records: the datasets, the raw table of a type (`CREATE TABLE IF NOT
//! EXISTS` from `starvit_warehouse`, plus the columns a table from an older schema lacks), and the `deid_policy_versions` row. All idempotent; a per-process cache only saves
//! calls.

use std::collections::BTreeMap;

use bytes::Bytes;
use chrono::Utc;
use starvit_gcp::bigquery::spec::TableRef;
use starvit_gcp::storage::WriteAttrs;
use starvit_lineage::{Lineage, PolicyVersion, StageName};

use crate::config::SERVICE;
use crate::context::{Context, NDJSON};
use crate::error::Error;
use crate::naming::{self, ObjectKey, Step};
use crate::{jobs, sql};
use starvit_warehouse::tables::POLICY_VERSIONS;

/// Datasets and the raw table of the type (once per process each).
pub(crate) async fn ensure_schema(
    ctx: &Context,
    key: &ObjectKey,
    raw: &TableRef,
    lineage: &Lineage,
) -> Result<(), Error> {
    for dataset in [
        &ctx.config.raw_dataset,
        &ctx.config.governance_dataset,
        &ctx.config.staging_dataset,
    ] {
        let marker = format!("dataset:{dataset}");
        if ctx.is_ensured(&marker) {
            continue;
        }
        ctx.bigquery
            .ensure_dataset(dataset)
            .await
            .map_err(Error::gcp)?;
        ctx.mark_ensured(marker);
    }
    // The governance tables are Terraform's (locally the emulator suite creates them): only the
    // raw table of the type is this function's (`starvit_warehouse`, "who creates what").
    let statement = sql::create_raw_table(raw);
    let marker = format!("ddl:{statement}");
    if !ctx.is_ensured(&marker) {
        let step = Step::DdlRaw;
        let config = jobs::query(
            statement,
            jobs::labels(&ctx.config.job_labels(step.suffix())?, lineage),
        );
        jobs::run(&ctx.bigquery, ctx.location(), &key.job_id(step), config).await?;
        ctx.mark_ensured(marker);
    }
    migrate_raw(ctx, key, raw, lineage).await
}

/// A raw table created from an older schema (before a NULLABLE column such as `export_time`
/// was added) gains the missing columns, once per process and table: `tables.get`, then one
/// `ALTER TABLE ... ADD COLUMN IF NOT EXISTS` only when something is missing (idempotent, so
/// two instances migrating at once both succeed). Rows loaded before read NULL there.
async fn migrate_raw(
    ctx: &Context,
    key: &ObjectKey,
    raw: &TableRef,
    lineage: &Lineage,
) -> Result<(), Error> {
    let marker = format!("columns:{}.{}", raw.dataset_id, raw.table_id);
    if ctx.is_ensured(&marker) {
        return Ok(());
    }
    let existing = ctx
        .bigquery
        .table_columns(raw)
        .await
        .map_err(Error::gcp)?
        .unwrap_or_default();
    if let Some(statement) =
        sql::add_missing_raw_columns(raw, &existing).map_err(Error::RawTableSchema)?
    {
        let step = Step::MigrateRaw;
        let config = jobs::query(
            statement,
            jobs::labels(&ctx.config.job_labels(step.suffix())?, lineage),
        );
        jobs::run(&ctx.bigquery, ctx.location(), &key.job_id(step), config).await?;
        tracing::info!(table = raw.table_id, "raw table gained the missing columns");
    }
    ctx.mark_ensured(marker);
    Ok(())
}

/// Record the policy version (with its text when known) in `deid_policy_versions`, once: the
/// row goes through a staging object and a load job like the raw rows (no data in SQL), and
/// the jobs are named after the version, so later objects only meet 409s.
pub(crate) async fn record_policy(ctx: &Context, version: &PolicyVersion) -> Result<(), Error> {
    let hex = version.hex();
    let marker = format!("policy:{hex}");
    if ctx.is_ensured(&marker) {
        return Ok(());
    }
    let mut line = serde_json::to_vec(&ctx.policies.row(&version.to_string(), Utc::now()))
        .map_err(|e| Error::Spool(e.into()))?;
    line.push(b'\n');
    let object = naming::policy_staging_object(hex);
    let attrs = WriteAttrs {
        content_type: Some(NDJSON.to_owned()),
        metadata: BTreeMap::new(),
    };
    ctx.storage
        .write_bytes_create_only(&ctx.config.deid_bucket, &object, Bytes::from(line), &attrs)
        .await
        .map_err(Error::gcp)?;
    let mut policy_lineage = Lineage::new(StageName::new(SERVICE)?);
    policy_lineage.deid_policy_version = Some(version.clone());
    let governance = ctx.config.job_labels("policy")?;
    let staging_table = ctx.table(
        &ctx.config.staging_dataset,
        &naming::policy_staging_table(hex),
    );
    let load = jobs::load(
        format!("gs://{}/{object}", ctx.config.deid_bucket),
        staging_table.clone(),
        POLICY_VERSIONS.load_schema(),
        jobs::labels(&governance, &policy_lineage),
    );
    jobs::run(
        &ctx.bigquery,
        ctx.location(),
        &naming::policy_job_id(hex, "load"),
        load,
    )
    .await?;
    let policies = ctx.table(&ctx.config.governance_dataset, POLICY_VERSIONS.name);
    let merge = jobs::query(
        sql::merge_policy(&policies, &staging_table),
        jobs::labels(&governance, &policy_lineage),
    );
    jobs::run(
        &ctx.bigquery,
        ctx.location(),
        &naming::policy_job_id(hex, "merge"),
        merge,
    )
    .await?;
    ctx.mark_ensured(marker);
    Ok(())
}
