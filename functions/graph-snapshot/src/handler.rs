//! The handler: one `load-complete` message -> (when due) a snapshot ([`crate::snapshot`]). See
//! [`crate::version`] for the due rule and the version scheme.
//!
//! Idempotency: every BigQuery job id derives from the graph version (+ content hash for the
//! provenance MERGE), so a duplicate meets 409s; tables are `CREATE OR REPLACE` with identical
//! content; exports overwrite identical files; TigerGraph loading jobs upsert the same
//! vertices/edges (a rerun after a partial failure is harmless). A version whose provenance
//! rows all carry a TigerGraph job id is done: later events skip it (`already_snapshotted`).
//! The marker object `graph/<version>/_SUCCESS.json` (create-only) records the same for
//! humans and tools.

use std::collections::BTreeMap;

use starvit_gcp::bigquery::job_id;
use starvit_gcp::bigquery::spec::TableRef;
use starvit_lineage::{GraphVersion, Lineage, PipelineName, StageName};
use starvit_runtime::payload::MessagePublishedData;
use starvit_runtime::payload::pubsub::MESSAGE_PUBLISHED;
use starvit_runtime::{Event, Function, Outcome};
use starvit_warehouse::tables::{GRAPH_PROVENANCE, LINEAGE};

use crate::config::SERVICE;
use crate::context::Context;
use crate::error::Error;
use crate::sql::{self, Scope};
use crate::version::{self, Decision, LoadRef};
use crate::{jobs, snapshot};

impl Function for Context {
    type Input = Event<MessagePublishedData>;
    type Error = Error;

    async fn handle(&self, event: Event<MessagePublishedData>) -> Result<Outcome, Error> {
        handle(self, event).await
    }
}

/// Handle one `load-complete` delivery.
///
/// # Errors
/// [`Error`], classified Retry/Drop.
pub async fn handle(ctx: &Context, event: Event<MessagePublishedData>) -> Result<Outcome, Error> {
    if event.ty != MESSAGE_PUBLISHED {
        return Ok(Outcome::skipped("not_a_message_published_event"));
    }
    let message = &event.data.message;
    let (event_load, mut lineage) = stage_lineage(ctx, &message.attributes)?;
    let provenance = ctx.table(&ctx.config.governance_dataset, GRAPH_PROVENANCE.name);
    ctx.setup().get_or_try_init(|| setup(ctx)).await?;

    let now = chrono::Utc::now();
    let loads = read_loads(ctx, &message.message_id, now, &lineage).await?;
    let quiet = i64::try_from(ctx.config.quiet.as_micros()).unwrap_or(i64::MAX);
    match version::decide(&loads, &event_load, now.timestamp_micros(), quiet) {
        Decision::NotVisible => return Err(Error::NotVisible),
        Decision::Settling => return Err(Error::Settling),
        Decision::Superseded => return Ok(Outcome::skipped("superseded_by_newer_load")),
        Decision::Due => {}
    }
    let graph_version = version::graph_version(&ctx.model.hash, &loads);
    lineage.graph_version = Some(GraphVersion::new(graph_version.as_str())?);
    let load_ids = sorted(loads.iter().map(|l| l.load_job_id.clone()));
    let raw_tables = sorted(
        loads
            .iter()
            .filter_map(|l| l.resource_type().map(str::to_owned)),
    );
    tracing::info!(graph_version, loads = load_ids.len(), "snapshot due");
    if already_done(ctx, &provenance, &graph_version, &message.message_id).await? {
        return Ok(Outcome::skipped("already_snapshotted"));
    }
    let scope = Scope {
        project: &ctx.config.gcp.project_id,
        raw_dataset: &ctx.config.raw_dataset,
        graph_dataset: &ctx.config.graph_dataset,
        version: &graph_version,
        load_job_ids: &load_ids,
        raw_tables: &raw_tables,
    };
    snapshot::take(ctx, &scope, &provenance, &lineage).await
}

/// The event's load job id and this stage's lineage (pipeline and export carried forward).
fn stage_lineage(
    ctx: &Context,
    attributes: &BTreeMap<String, String>,
) -> Result<(String, Lineage), Error> {
    let incoming = Lineage::from_pubsub_attributes(attributes)?;
    let event_load = incoming
        .load_job_id
        .as_ref()
        .ok_or(Error::LineageIncomplete("load_job_id"))?
        .to_string();
    let mut lineage = Lineage::new(StageName::new(SERVICE)?);
    lineage.pipeline = Some(match incoming.pipeline.clone() {
        Some(p) => p,
        None => PipelineName::new(ctx.config.pipeline.as_str())?,
    });
    lineage.export_job_id = incoming.export_job_id;
    Ok((event_load, lineage))
}

/// The `bq-load` lineage rows. The read must see the present: a fresh job id per delivery
/// attempt.
async fn read_loads(
    ctx: &Context,
    message_id: &str,
    now: chrono::DateTime<chrono::Utc>,
    lineage: &Lineage,
) -> Result<Vec<LoadRef>, Error> {
    let read_id = job_id(&[
        "graph_snapshot_read",
        message_id,
        &now.timestamp_micros().to_string(),
    ]);
    let lineage_table = ctx.table(&ctx.config.governance_dataset, LINEAGE.name);
    let labels = jobs::labels(&ctx.config, "read", lineage)?;
    let rows = jobs::rows(ctx, &read_id, sql::loaded(&lineage_table), &labels).await?;
    Ok(parse_loads(&rows))
}

fn sorted(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut items: Vec<String> = items.collect();
    items.sort();
    items.dedup();
    items
}

fn parse_loads(rows: &[Vec<Option<String>>]) -> Vec<LoadRef> {
    rows.iter()
        .filter_map(|r| {
            let get = |i: usize| r.get(i).cloned().flatten();
            Some(LoadRef {
                load_job_id: get(0)?,
                source_object: get(1),
                source_generation: get(2).and_then(|g| g.parse().ok()),
                export_job_id: get(3),
                destination_table: get(4),
                recorded_micros: get(5).and_then(|m| m.parse().ok()).unwrap_or(0),
            })
        })
        .collect()
}

/// Once per process: the graph and governance datasets exist. (`graph_provenance` is
/// Terraform's, like every governance table: see `starvit_warehouse`.)
async fn setup(ctx: &Context) -> Result<(), Error> {
    for dataset in [&ctx.config.graph_dataset, &ctx.config.governance_dataset] {
        ctx.bigquery
            .ensure_dataset(dataset)
            .await
            .map_err(Error::gcp)?;
    }
    Ok(())
}

/// Whether every element of `version` already has a provenance row with a TigerGraph job.
async fn already_done(
    ctx: &Context,
    provenance: &TableRef,
    version: &str,
    message_id: &str,
) -> Result<bool, Error> {
    let sql = format!(
        "SELECT COUNT(*) FROM {} WHERE graph_version = {} AND tigergraph_job_id IS NOT NULL",
        sql::table(provenance),
        sql::literal(version)
    );
    let id = job_id(&[
        "graph_snapshot_done",
        version,
        message_id,
        &chrono::Utc::now().timestamp_micros().to_string(),
    ]);
    let mut lineage = Lineage::new(StageName::new(SERVICE)?);
    lineage.graph_version = Some(GraphVersion::new(version)?);
    let labels = jobs::labels(&ctx.config, "read", &lineage)?;
    let rows = jobs::rows(ctx, &id, sql, &labels).await?;
    let n: u64 = rows
        .first()
        .and_then(|r| r.first().cloned().flatten())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    Ok(n >= ctx.model.elements().len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lineage_rows_become_loads() {
        let loads = parse_loads(&[vec![
            Some("l1".into()),
            Some("exports/j/Patient.ndjson".into()),
            Some("7".into()),
            None,
            Some("p.deid_raw.Patient".into()),
            Some("12".into()),
        ]]);
        assert_eq!(loads[0].source_generation, Some(7));
        assert_eq!(loads[0].recorded_micros, 12);
        assert_eq!(loads[0].resource_type(), Some("Patient"));
    }
}
