//! Loading one vertex/edge type of a version into TigerGraph.
//!
//! - 4.x: the type's loading job reads the Parquet snapshot directly: one data source whose path
//!   is the type's snapshot prefix `gs://<bucket>/graph/<version>/<type>/` (every object under it
//!   is a `.parquet` file, which TigerGraph reads as Parquet by its extension; the job is
//!   `USING JSON_FILE="true"`, so `$"key"` names a Parquet column).
//! - 3.x: `/restpp/ddl` takes file bodies only, so the node/edge table of the version (the same
//!   rows the Parquet holds) is read page by page (`jobs.getQueryResults`) and pushed as JSON
//!   lines, in bodies of at most `STARVIT_TIGERGRAPH_V3_MAX_BODY_BYTES` (TigerGraph's default cap
//!   is 200 MB per request), pages of `STARVIT_TIGERGRAPH_V3_PAGE_ROWS`. Memory is bounded by one
//!   page plus one body.
//!
//! Both paths upsert, so a rerun after a partial failure loads the same vertices/edges again.

use serde_json::{Map, Value};
use starvit_gcp::bigquery::job_id;
use starvit_gcp::bigquery::spec::TableRef;
use starvit_gcp::labels::Labels;

use crate::context::Context;
use crate::error::Error;
use crate::gsql::{FILE_VAR, job_name};
use crate::jobs;
use crate::sql;
use crate::tigergraph::{ApiVersion, JobRun};

/// One element to load.
#[derive(Debug, Clone, Copy)]
pub struct Element<'a> {
    /// Vertex/edge type name.
    pub name: &'a str,
    /// The graph version.
    pub version: &'a str,
    /// The snapshot prefix `gs://.../graph/<version>/<type>/` (4.x).
    pub prefix: &'a str,
    /// The node/edge table of the version (3.x).
    pub table: &'a TableRef,
}

/// Load `element` with the configured API; returns the line statistics.
///
/// # Errors
/// [`Error::TigerGraph`] (5xx Retry, 4xx Drop), BigQuery errors on the 3.x read.
pub async fn load(ctx: &Context, element: Element<'_>, labels: &Labels) -> Result<JobRun, Error> {
    let job = job_name(element.name);
    match ctx.config.tigergraph.version {
        ApiVersion::V4 => Ok(ctx
            .tigergraph
            .run_uri(&job, FILE_VAR, element.prefix)
            .await?),
        ApiVersion::V3 => push_pages(ctx, element, &job, labels).await,
    }
}

async fn push_pages(
    ctx: &Context,
    element: Element<'_>,
    job: &str,
    labels: &Labels,
) -> Result<JobRun, Error> {
    let read_id = jobs::query(
        ctx,
        &job_id(&["graph_snapshot", element.version, "v3read", job]),
        format!("SELECT * FROM {}", sql::table(element.table)),
        labels,
    )
    .await?;
    let max_body = ctx.config.v3_max_body_bytes;
    let mut total = JobRun {
        job_id: String::new(),
        valid_lines: 0,
        rejected_lines: 0,
    };
    let mut posts = 0_u32;
    let mut body = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = ctx
            .bigquery
            .query_page(
                &read_id,
                ctx.location(),
                token.as_deref(),
                Some(ctx.config.v3_page_rows),
            )
            .await
            .map_err(Error::gcp)?;
        for row in &page.rows {
            let line = json_line(&page.columns, row);
            if !body.is_empty() && body.len() + line.len() > max_body {
                add(&mut total, ctx, job, std::mem::take(&mut body)).await?;
                posts += 1;
            }
            body.extend_from_slice(line.as_bytes());
        }
        token = page.next;
        if token.is_none() {
            break;
        }
    }
    if !body.is_empty() || posts == 0 {
        add(&mut total, ctx, job, body).await?;
        posts += 1;
    }
    total.job_id = format!("{job}@restpp#{posts}");
    Ok(total)
}

async fn add(total: &mut JobRun, ctx: &Context, job: &str, body: Vec<u8>) -> Result<(), Error> {
    let run = ctx
        .tigergraph
        .run_body(job, FILE_VAR, bytes::Bytes::from(body))
        .await?;
    total.valid_lines += run.valid_lines;
    total.rejected_lines += run.rejected_lines;
    Ok(())
}

/// One row as a JSON line keyed by column name (`null` for NULL: the attribute's default).
pub fn json_line(columns: &[String], row: &[Option<String>]) -> String {
    let object: Map<String, Value> = columns
        .iter()
        .zip(row)
        .map(|(c, v)| (c.clone(), v.clone().map_or(Value::Null, Value::String)))
        .collect();
    let mut line = Value::Object(object).to_string();
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_become_json_lines() {
        let line = json_line(&["id".into(), "value".into()], &[Some("p\"1".into()), None]);
        assert_eq!(line, "{\"id\":\"p\\\"1\",\"value\":null}\n");
    }
}
