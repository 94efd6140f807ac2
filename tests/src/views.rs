//! The project's SQL-on-FHIR views (`views/`) on a stack: created with
//! `starvit_sof::apply::apply` (the production code path, as `starvit sof apply`), then counted
//! next to their raw tables. Used by `make demo` and the views test.

use starvit_gcp::GcpConfig;
use starvit_gcp::bigquery::BigQueryClient;
use starvit_sof::run::Runner;

use crate::chain::RAW_DATASET;

/// Dataset of the views.
pub const VIEWS_DATASET: &str = "deid_views";

/// Row counts of one view and of the raw table it reads.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ViewCount {
    /// View name (`observation_components`).
    pub view: String,
    /// Resource type = raw table (`Observation`).
    pub resource: String,
    /// Rows of the view.
    pub rows: u64,
    /// Rows of the raw table.
    pub raw_rows: u64,
}

/// A query runner on the stack's BigQuery whose jobs carry the five governance labels.
///
/// # Errors
/// When the client cannot be built.
pub async fn runner(gcp: &GcpConfig, purpose: &str) -> anyhow::Result<Runner> {
    let labels = starvit_gcp::Labels::new()
        .with("service", "starvit-e2e")
        .with("owner", "data-platform")
        .with("env", "local")
        .with("pipeline", "sql-on-fhir")
        .with("purpose", purpose);
    Ok(Runner::new(
        BigQueryClient::new(gcp).await?,
        labels,
        purpose,
    ))
}

/// Creates every view of `views/` over `deid_raw` and counts rows.
///
/// # Errors
/// BigQuery or compile failures.
pub async fn create_and_count(gcp: &GcpConfig) -> anyhow::Result<Vec<ViewCount>> {
    let runner = runner(gcp, "views").await?;
    runner.client().ensure_dataset(VIEWS_DATASET).await?;
    let dir = crate::repo_root().join("views");
    let created = starvit_sof::apply::apply(&runner, &dir, RAW_DATASET, VIEWS_DATASET).await?;
    let project = runner.project_id().to_owned();
    let count = |table: String| {
        let runner = &runner;
        async move {
            let rows = runner
                .query(&format!("SELECT COUNT(*) FROM `{table}`"))
                .await?;
            let n = rows
                .rows
                .first()
                .and_then(|r| r.first())
                .and_then(serde_json::Value::as_u64);
            anyhow::Ok(n.unwrap_or_default())
        }
    };
    let mut out = Vec::new();
    for (view, resource) in created {
        out.push(ViewCount {
            rows: count(format!("{project}.{VIEWS_DATASET}.{view}")).await?,
            raw_rows: count(format!("{project}.{RAW_DATASET}.{resource}")).await?,
            view,
            resource,
        });
    }
    Ok(out)
}
