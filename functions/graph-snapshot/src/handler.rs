//! The handler: one `load-complete` message -> (when due) node/edge tables, Parquet snapshot,
//! TigerGraph loading jobs ([`crate::load`]), provenance rows, `_SUCCESS` marker. See
//! [`crate::version`] for the due rule and the version scheme.
//!
//! Idempotency: every BigQuery job id derives from the graph version (+ content hash for the
//! provenance MERGE), so a duplicate meets 409s; tables are `CREATE OR REPLACE` with identical
//! content; exports overwrite identical files; TigerGraph loading jobs upsert the same
//! vertices/edges (a rerun after a partial failure is harmless). A version whose provenance
//! rows all carry a TigerGraph job id is done: later events skip it (`already_snapshotted`).
//! The marker object `graph/<version>/_SUCCESS.json` (create-only) records the same for
//! humans and tools.

use bytes::Bytes;
use google_cloud_bigquery_v2::model::JobConfiguration;
use sha2::{Digest, Sha256};
use starvit_gcp::bigquery::BigQueryClient;
use starvit_gcp::bigquery::spec::{QuerySpec, TableRef};
use starvit_gcp::labels::Labels;
use starvit_gcp::storage::{StorageClient, WriteAttrs};
use starvit_gcp::{GcpConfig, GcpError};
use starvit_lineage::{GraphVersion, Lineage, PipelineName, StageName};
use starvit_runtime::disposition::Counts;
use starvit_runtime::payload::MessagePublishedData;
use starvit_runtime::payload::pubsub::MESSAGE_PUBLISHED;
use starvit_runtime::{Event, Function, Outcome};

use crate::config::{Config, SERVICE};
use crate::error::Error;
use crate::load::{self, Element};
use crate::model::{Model, slug};
use crate::results::QueryResults;
use crate::sql::{self, ProvenanceRow, Scope};
use crate::tigergraph::TigerGraphClient;
use crate::version::{self, Decision, LoadRef};

/// Governance table of graph provenance.
pub const PROVENANCE_TABLE: &str = "graph_provenance";
/// Governance lineage table (written by bq-load).
pub const LINEAGE_TABLE: &str = "lineage";
/// Attempts per BigQuery job on backend failures.
pub const MAX_ATTEMPTS: u32 = 5;

/// Everything the handler needs, built once per process.
#[derive(Debug)]
pub struct Context {
    pub(crate) config: Config,
    pub(crate) model: Model,
    pub(crate) storage: StorageClient,
    pub(crate) bigquery: BigQueryClient,
    pub(crate) results: QueryResults,
    pub(crate) tigergraph: TigerGraphClient,
    /// Datasets and the provenance table exist (checked once per process, not per delivery).
    setup: tokio::sync::OnceCell<()>,
}

/// Building the context failed.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    /// A GCP client.
    #[error(transparent)]
    Gcp(#[from] GcpError),
    /// The model.
    #[error(transparent)]
    Model(#[from] crate::model::ModelError),
    /// The TigerGraph client.
    #[error(transparent)]
    TigerGraph(#[from] crate::tigergraph::TgError),
}

impl Context {
    /// Build every client from `config` (production or emulator endpoints, TigerGraph or the
    /// stub's URL).
    ///
    /// # Errors
    /// [`ContextError`].
    pub async fn connect(config: Config) -> Result<Self, ContextError> {
        let gcp: &GcpConfig = &config.gcp;
        let storage = StorageClient::new(gcp).await?;
        let bigquery = BigQueryClient::new(gcp).await?;
        let results = QueryResults::new(gcp).await?;
        let tigergraph = TigerGraphClient::new(config.tigergraph.clone())?;
        Ok(Self {
            model: Model::load()?,
            config,
            storage,
            bigquery,
            results,
            tigergraph,
            setup: tokio::sync::OnceCell::new(),
        })
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    fn table(&self, dataset: &str, table: &str) -> TableRef {
        TableRef {
            project_id: self.config.gcp.project_id.clone(),
            dataset_id: dataset.to_owned(),
            table_id: table.to_owned(),
        }
    }

    pub(crate) fn location(&self) -> Option<&str> {
        self.config.location.as_deref()
    }
}

impl Function for Context {
    type Data = MessagePublishedData;
    type Error = Error;

    async fn handle(&self, event: Event<MessagePublishedData>) -> Result<Outcome, Error> {
        handle(self, event).await
    }
}

/// BigQuery job ids: `[A-Za-z0-9_-]`, at most 1024.
pub(crate) fn job_id(parts: &[&str]) -> String {
    parts
        .join("_")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(1000)
        .collect()
}

/// Make sure the job `base_id` has run (409 = submitted before: poll it); backend failures are
/// retried under `<id>_r<n>`. Returns the id of the job that succeeded (read results from it).
pub(crate) async fn run_job(
    ctx: &Context,
    base_id: &str,
    configuration: JobConfiguration,
) -> Result<String, Error> {
    for attempt in 0..MAX_ATTEMPTS {
        let id = if attempt == 0 {
            base_id.to_owned()
        } else {
            format!("{base_id}_r{attempt}")
        };
        let (_, job) = ctx
            .bigquery
            .insert_job(&id, ctx.location(), configuration.clone())
            .await
            .map_err(Error::gcp)?;
        match ctx.bigquery.wait_done(job).await {
            Ok(_) => return Ok(id),
            Err(e @ GcpError::JobFailed { .. }) if e.is_transient() => {
                tracing::warn!(
                    job_id = id,
                    attempt,
                    "job failed for a backend reason; next attempt"
                );
            }
            Err(e) => return Err(Error::gcp(e)),
        }
    }
    Err(Error::AttemptsExhausted {
        job_id: base_id.to_owned(),
        attempts: MAX_ATTEMPTS,
    })
}

pub(crate) fn query(sql: String, labels: &Labels) -> JobConfiguration {
    QuerySpec {
        sql,
        labels: labels.clone(),
    }
    .to_configuration()
}

fn labels(config: &Config, purpose: &str, lineage: &Lineage) -> Result<Labels, Error> {
    Ok(config
        .job_labels(purpose)?
        .with_lineage(lineage)
        .iter()
        .fold(Labels::new(), |l, (k, v)| l.with(k, v)))
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

/// Handle one `load-complete` delivery.
///
/// # Errors
/// [`Error`], classified Retry/Drop.
pub async fn handle(ctx: &Context, event: Event<MessagePublishedData>) -> Result<Outcome, Error> {
    if event.ty != MESSAGE_PUBLISHED {
        return Ok(Outcome::skipped("not_a_message_published_event"));
    }
    let message = &event.data.message;
    let incoming = Lineage::from_pubsub_attributes(&message.attributes)?;
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
    lineage.export_job_id = incoming.export_job_id.clone();

    let provenance = ctx.table(&ctx.config.governance_dataset, PROVENANCE_TABLE);
    ctx.setup
        .get_or_try_init(|| setup(ctx, &provenance, &lineage))
        .await?;

    // The lineage read must see the present: a fresh job id per delivery attempt.
    let now = chrono::Utc::now();
    let read_id = job_id(&[
        "graph_snapshot_read",
        &message.message_id,
        &now.timestamp_micros().to_string(),
    ]);
    let lineage_table = ctx.table(&ctx.config.governance_dataset, LINEAGE_TABLE);
    let read_id = run_job(
        ctx,
        &read_id,
        query(
            sql::loaded(&lineage_table),
            &labels(&ctx.config, "read", &lineage)?,
        ),
    )
    .await?;
    let loads = parse_loads(
        &ctx.results
            .rows(&read_id, ctx.location())
            .await
            .map_err(Error::gcp)?,
    );
    let quiet = i64::try_from(ctx.config.quiet.as_micros()).unwrap_or(i64::MAX);
    match version::decide(&loads, &event_load, now.timestamp_micros(), quiet) {
        Decision::NotVisible => return Err(Error::NotVisible),
        Decision::Settling => return Err(Error::Settling),
        Decision::Superseded => return Ok(Outcome::skipped("superseded_by_newer_load")),
        Decision::Due => {}
    }
    let graph_version = version::graph_version(&ctx.model.hash, &loads);
    lineage.graph_version = Some(GraphVersion::new(graph_version.as_str())?);
    let mut load_ids: Vec<String> = loads.iter().map(|l| l.load_job_id.clone()).collect();
    load_ids.sort();
    load_ids.dedup();
    let mut raw_tables: Vec<String> = loads
        .iter()
        .filter_map(|l| l.resource_type().map(str::to_owned))
        .collect();
    raw_tables.sort();
    raw_tables.dedup();
    let scope = Scope {
        project: &ctx.config.gcp.project_id,
        raw_dataset: &ctx.config.raw_dataset,
        graph_dataset: &ctx.config.graph_dataset,
        version: &graph_version,
        load_job_ids: &load_ids,
        raw_tables: &raw_tables,
    };
    tracing::info!(graph_version, loads = load_ids.len(), "snapshot due");

    if already_done(ctx, &provenance, &graph_version, &message.message_id).await? {
        return Ok(Outcome::skipped("already_snapshotted"));
    }

    let mat_labels = labels(&ctx.config, "materialize", &lineage)?;
    for (kind, name, statement) in sql::materialize(&scope, &ctx.model) {
        let id = job_id(&[
            "graph_snapshot",
            &graph_version,
            "mat",
            kind.as_str(),
            &slug(&name),
        ]);
        run_job(ctx, &id, query(statement, &mat_labels)).await?;
    }
    let counts_id = job_id(&["graph_snapshot", &graph_version, "counts"]);
    let counts_id = run_job(
        ctx,
        &counts_id,
        query(sql::counts(&scope, &ctx.model), &mat_labels),
    )
    .await?;
    let counts: std::collections::BTreeMap<String, u64> = ctx
        .results
        .rows(&counts_id, ctx.location())
        .await
        .map_err(Error::gcp)?
        .into_iter()
        .filter_map(|r| Some((r.first()?.clone()?, r.get(1)?.as_deref()?.parse().ok()?)))
        .collect();

    let export_labels = labels(&ctx.config, "export", &lineage)?;
    let mut rows = Vec::new();
    let (mut valid, mut rejected) = (0_u64, 0_u64);
    for (kind, name) in ctx.model.elements() {
        let uri = sql::snapshot_uri(&ctx.config.deid_bucket, &graph_version, name);
        let id = job_id(&[
            "graph_snapshot",
            &graph_version,
            "export",
            kind.as_str(),
            &slug(name),
        ]);
        run_job(
            ctx,
            &id,
            query(sql::export(&scope, kind, name, &uri), &export_labels),
        )
        .await?;
        let table = ctx.table(
            &ctx.config.graph_dataset,
            &sql::element_table_id(kind, name, &graph_version),
        );
        let element = Element {
            name,
            version: &graph_version,
            prefix: uri.trim_end_matches("*.parquet"),
            table: &table,
        };
        let run = load::load(ctx, element, &export_labels).await?;
        if run.rejected_lines > 0 {
            tracing::warn!(
                graph_version,
                element_type = name,
                tigergraph_job_id = run.job_id,
                rejected_lines = run.rejected_lines,
                valid_lines = run.valid_lines,
                "tigergraph rejected lines"
            );
        }
        valid += run.valid_lines;
        rejected += run.rejected_lines;
        rows.push(ProvenanceRow {
            kind,
            element_type: name.to_owned(),
            bq_table: format!(
                "{}.{}.{}",
                ctx.config.gcp.project_id,
                ctx.config.graph_dataset,
                sql::element_table_id(kind, name, &graph_version)
            ),
            bq_rows: counts.get(name).copied().unwrap_or(0),
            snapshot_uri: uri,
            tigergraph_job_id: Some(run.job_id),
            valid_lines: run.valid_lines,
            rejected_lines: run.rejected_lines,
        });
    }

    let merge = sql::merge_provenance(
        &provenance,
        &graph_version,
        &ctx.model.hash,
        &load_ids,
        &rows,
    );
    let content = hex::encode(Sha256::digest(merge.as_bytes()));
    run_job(
        ctx,
        &job_id(&[
            "graph_snapshot",
            &graph_version,
            "provenance",
            &content[..16],
        ]),
        query(merge, &labels(&ctx.config, "provenance", &lineage)?),
    )
    .await?;

    let marker = serde_json::json!({
        "graph_version": graph_version,
        "model_hash": ctx.model.hash,
        "loads": load_ids.len(),
        "valid_lines": valid,
        "rejected_lines": rejected,
    });
    ctx.storage
        .write_bytes_create_only(
            &ctx.config.deid_bucket,
            &format!("graph/{graph_version}/_SUCCESS.json"),
            Bytes::from(marker.to_string()),
            &WriteAttrs {
                content_type: Some("application/json".to_owned()),
                metadata: lineage.to_object_metadata(),
            },
        )
        .await
        .map_err(Error::gcp)?;
    Ok(Outcome::done_with(
        Counts::new()
            .with("loads", load_ids.len() as u64)
            .with("elements", rows.len() as u64)
            .with("valid_lines", valid)
            .with("rejected_lines", rejected),
    ))
}

/// Once per process: the graph and governance datasets and the provenance table exist.
async fn setup(ctx: &Context, provenance: &TableRef, lineage: &Lineage) -> Result<(), Error> {
    for dataset in [&ctx.config.graph_dataset, &ctx.config.governance_dataset] {
        ctx.bigquery
            .ensure_dataset(dataset)
            .await
            .map_err(Error::gcp)?;
    }
    run_job(
        ctx,
        &job_id(&["graph_snapshot_ddl_provenance", &ctx.model.hash[..16]]),
        query(
            sql::create_provenance_table(provenance),
            &labels(&ctx.config, "ddl", lineage)?,
        ),
    )
    .await?;
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
    let id = run_job(
        ctx,
        &id,
        query(sql, &labels(&ctx.config, "read", &lineage)?),
    )
    .await?;
    let rows = ctx
        .results
        .rows(&id, ctx.location())
        .await
        .map_err(Error::gcp)?;
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
    fn job_ids_are_sanitized() {
        assert_eq!(job_id(&["a", "b.c/d"]), "a_b_c_d");
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
