//! Taking one due snapshot: node/edge tables, their row counts, the Parquet export and the
//! TigerGraph load of every element, the provenance MERGE, the `_SUCCESS.json` marker.

use std::collections::BTreeMap;

use bytes::Bytes;
use sha2::{Digest, Sha256};
use starvit_gcp::bigquery::job_id;
use starvit_gcp::bigquery::spec::TableRef;
use starvit_gcp::labels::Labels;
use starvit_gcp::storage::WriteAttrs;
use starvit_lineage::Lineage;
use starvit_runtime::Outcome;
use starvit_runtime::disposition::Counts;

use crate::context::Context;
use crate::error::Error;
use crate::jobs;
use crate::load::{self, Element};
use crate::model::{Kind, slug};
use crate::sql::{self, ProvenanceRow, Scope};

/// Take the snapshot of `scope` (the caller decided it is due and not done yet).
///
/// # Errors
/// [`Error`] from BigQuery, Storage or TigerGraph.
pub(crate) async fn take(
    ctx: &Context,
    scope: &Scope<'_>,
    provenance: &TableRef,
    lineage: &Lineage,
) -> Result<Outcome, Error> {
    let counts = materialize(ctx, scope, lineage).await?;
    let labels = jobs::labels(&ctx.config, "export", lineage)?;
    let mut rows = Vec::new();
    for (kind, name) in ctx.model.elements() {
        rows.push(export_and_load(ctx, scope, kind, name, &counts, &labels).await?);
    }
    record_provenance(ctx, scope, provenance, &rows, lineage).await?;
    let valid = rows.iter().map(|r| r.valid_lines).sum();
    let rejected = rows.iter().map(|r| r.rejected_lines).sum();
    write_marker(ctx, scope, valid, rejected, lineage).await?;
    Ok(Outcome::done_with(
        Counts::new()
            .with("loads", scope.load_job_ids.len() as u64)
            .with("elements", rows.len() as u64)
            .with("valid_lines", valid)
            .with("rejected_lines", rejected),
    ))
}

/// The node/edge tables of the version, then their row counts by element type.
async fn materialize(
    ctx: &Context,
    scope: &Scope<'_>,
    lineage: &Lineage,
) -> Result<BTreeMap<String, u64>, Error> {
    let labels = jobs::labels(&ctx.config, "materialize", lineage)?;
    for (kind, name, statement) in sql::materialize(scope, &ctx.model) {
        let id = job_id(&[
            "graph_snapshot",
            scope.version,
            "mat",
            kind.as_str(),
            &slug(&name),
        ]);
        jobs::query(ctx, &id, statement, &labels).await?;
    }
    let id = job_id(&["graph_snapshot", scope.version, "counts"]);
    let rows = jobs::rows(ctx, &id, sql::counts(scope, &ctx.model), &labels).await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| Some((r.first()?.clone()?, r.get(1)?.as_deref()?.parse().ok()?)))
        .collect())
}

/// Export one element's table as Parquet, load it into TigerGraph; its provenance row.
async fn export_and_load(
    ctx: &Context,
    scope: &Scope<'_>,
    kind: Kind,
    name: &str,
    counts: &BTreeMap<String, u64>,
    labels: &Labels,
) -> Result<ProvenanceRow, Error> {
    let version = scope.version;
    let uri = sql::snapshot_uri(&ctx.config.deid_bucket, version, name);
    let id = job_id(&[
        "graph_snapshot",
        version,
        "export",
        kind.as_str(),
        &slug(name),
    ]);
    jobs::query(ctx, &id, sql::export(scope, kind, name, &uri), labels).await?;
    let table_id = sql::element_table_id(kind, name, version);
    let table = ctx.table(&ctx.config.graph_dataset, &table_id);
    let element = Element {
        name,
        version,
        prefix: uri.trim_end_matches("*.parquet"),
        table: &table,
    };
    let run = load::load(ctx, element, labels).await?;
    if run.rejected_lines > 0 {
        tracing::warn!(
            graph_version = version,
            element_type = name,
            tigergraph_job_id = run.job_id,
            rejected_lines = run.rejected_lines,
            valid_lines = run.valid_lines,
            "tigergraph rejected lines"
        );
    }
    Ok(ProvenanceRow {
        kind,
        element_type: name.to_owned(),
        bq_table: format!(
            "{}.{}.{table_id}",
            ctx.config.gcp.project_id, ctx.config.graph_dataset
        ),
        bq_rows: counts.get(name).copied().unwrap_or(0),
        snapshot_uri: uri,
        tigergraph_job_id: Some(run.job_id),
        valid_lines: run.valid_lines,
        rejected_lines: run.rejected_lines,
    })
}

/// One MERGE of the version's provenance rows, under an id that hashes its content.
async fn record_provenance(
    ctx: &Context,
    scope: &Scope<'_>,
    provenance: &TableRef,
    rows: &[ProvenanceRow],
    lineage: &Lineage,
) -> Result<(), Error> {
    let merge = sql::merge_provenance(
        provenance,
        scope.version,
        &ctx.model.hash,
        scope.load_job_ids,
        rows,
    );
    let content = hex::encode(Sha256::digest(merge.as_bytes()));
    let id = job_id(&[
        "graph_snapshot",
        scope.version,
        "provenance",
        &content[..16],
    ]);
    let labels = jobs::labels(&ctx.config, "provenance", lineage)?;
    jobs::query(ctx, &id, merge, &labels).await?;
    Ok(())
}

/// `graph/<version>/_SUCCESS.json`, create-only.
async fn write_marker(
    ctx: &Context,
    scope: &Scope<'_>,
    valid: u64,
    rejected: u64,
    lineage: &Lineage,
) -> Result<(), Error> {
    let marker = serde_json::json!({
        "graph_version": scope.version,
        "model_hash": ctx.model.hash,
        "loads": scope.load_job_ids.len(),
        "valid_lines": valid,
        "rejected_lines": rejected,
    });
    ctx.storage
        .write_bytes_create_only(
            &ctx.config.deid_bucket,
            &format!("graph/{}/_SUCCESS.json", scope.version),
            Bytes::from(marker.to_string()),
            &WriteAttrs {
                content_type: Some("application/json".to_owned()),
                metadata: lineage.to_object_metadata(),
            },
        )
        .await
        .map_err(Error::gcp)?;
    Ok(())
}
