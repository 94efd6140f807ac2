//! Reading query results (`jobs.getQueryResults`), which `starvit-gcp` does not wrap yet: the
//! lineage read, the row counts and the pages the TigerGraph 3.x fallback pushes. Same endpoint/credential rules as `starvit-gcp` (an
//! emulator endpoint means anonymous credentials).

use futures::FutureExt as _;
use google_cloud_bigquery_v2::client::JobService;
use serde_json::Value;
use starvit_gcp::{GcpConfig, GcpError, Service};

/// `jobs.getQueryResults` for one project.
#[derive(Debug, Clone)]
pub struct QueryResults {
    project_id: String,
    jobs: JobService,
}

impl QueryResults {
    /// Build from the GCP settings.
    ///
    /// # Errors
    /// [`GcpError::Setup`].
    pub async fn new(gcp: &GcpConfig) -> Result<Self, GcpError> {
        let mut builder = JobService::builder();
        if let Some(endpoint) = &gcp.bigquery_endpoint {
            builder = builder.with_endpoint(endpoint.clone()).with_credentials(
                google_cloud_auth::credentials::anonymous::Builder::new().build(),
            );
        }
        let jobs = builder.build().boxed().await.map_err(|e| GcpError::Setup {
            service: Service::BigQuery,
            detail: e.to_string(),
        })?;
        Ok(Self {
            project_id: gcp.project_id.clone(),
            jobs,
        })
    }

    /// The rows of a finished query job as strings (`None` for NULL), first page only
    /// (callers select bounded results).
    ///
    /// # Errors
    /// [`GcpError::Call`].
    pub async fn rows(
        &self,
        job_id: &str,
        location: Option<&str>,
    ) -> Result<Vec<Vec<Option<String>>>, GcpError> {
        Ok(self.page(job_id, location, None, None).await?.rows)
    }

    /// One page of a finished query job: column names, rows, and the next page's token.
    ///
    /// # Errors
    /// [`GcpError::Call`].
    pub async fn page(
        &self,
        job_id: &str,
        location: Option<&str>,
        page_token: Option<&str>,
        max_results: Option<u32>,
    ) -> Result<Page, GcpError> {
        let mut request = self
            .jobs
            .get_query_results()
            .set_project_id(self.project_id.clone())
            .set_job_id(job_id);
        if let Some(location) = location {
            request = request.set_location(location);
        }
        if let Some(token) = page_token {
            request = request.set_page_token(token);
        }
        if let Some(max) = max_results {
            request = request.set_max_results(max);
        }
        let response = Box::pin(request.send()).await.map_err(|e| {
            let status = e.http_status_code();
            let transient = status.is_none_or(|s| s >= 500 || s == 429 || s == 408);
            GcpError::Call {
                service: Service::BigQuery,
                operation: "jobs.getQueryResults",
                status,
                disposition: if transient {
                    starvit_gcp::Disposition::Retry
                } else {
                    starvit_gcp::Disposition::Drop
                },
                detail: String::new(),
            }
        })?;
        Ok(Page {
            columns: response
                .schema
                .iter()
                .flat_map(|s| s.fields.iter().map(|f| f.name.clone()))
                .collect(),
            rows: response.rows.iter().map(cells).collect(),
            next: Some(response.page_token).filter(|t| !t.is_empty()),
        })
    }
}

/// One page of query results.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// Column names, in row order.
    pub columns: Vec<String>,
    /// Rows as strings (`None` for NULL).
    pub rows: Vec<Vec<Option<String>>>,
    /// The next page's token, if any.
    pub next: Option<String>,
}

/// `{"f": [{"v": ...}, ...]}` -> cells.
pub fn cells(row: &serde_json::Map<String, Value>) -> Vec<Option<String>> {
    row.get("f")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|cell| match &cell["v"] {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        })
        .collect()
}
