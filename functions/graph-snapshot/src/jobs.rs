//! The function's BigQuery work through the one job runner of `starvit-gcp`
//! ([`starvit_gcp::bigquery::runner`]: deterministic ids, backend failures retried under
//! attempt ids, `MAX_ATTEMPTS` once) and its query results.

use starvit_gcp::bigquery::spec::QuerySpec;
use starvit_gcp::labels::Labels;
use starvit_lineage::Lineage;

use crate::config::Config;
use crate::context::Context;
use crate::error::Error;

/// The five governance labels for `purpose` plus the lineage labels.
///
/// # Errors
/// A configured label is invalid (caught at start-up).
pub(crate) fn labels(config: &Config, purpose: &str, lineage: &Lineage) -> Result<Labels, Error> {
    Ok(config
        .job_labels(purpose)?
        .with_lineage(lineage)
        .into_iter()
        .collect())
}

/// Make sure the query job `base_id` has run; returns the id of the attempt that succeeded
/// (read results from it).
pub(crate) async fn query(
    ctx: &Context,
    base_id: &str,
    sql: String,
    labels: &Labels,
) -> Result<String, Error> {
    let spec = QuerySpec {
        sql,
        labels: labels.clone(),
    };
    let ran = Box::pin(
        ctx.bigquery
            .run_attempts(base_id, ctx.location(), spec.to_configuration()),
    )
    .await
    .map_err(Error::gcp)?;
    Ok(ran.job_id)
}

/// Run a bounded query and return its rows (first page).
pub(crate) async fn rows(
    ctx: &Context,
    base_id: &str,
    sql: String,
    labels: &Labels,
) -> Result<Vec<Vec<Option<String>>>, Error> {
    let id = query(ctx, base_id, sql, labels).await?;
    ctx.bigquery
        .query_rows(&id, ctx.location())
        .await
        .map_err(Error::gcp)
}
