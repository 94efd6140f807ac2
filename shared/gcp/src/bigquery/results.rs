//! Reading query results (`jobs.getQueryResults`) of a finished query job: bounded reads (the
//! lineage read, row counts) and page by page reads (the TigerGraph 3.x push).

use serde_json::Value;

use super::BigQueryClient;
use crate::error::{GcpError, Service};

/// One result column with its type, so a caller can read typed cells.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResultField {
    /// Column name.
    pub name: String,
    /// The type as the REST API reports it (`STRING`, `INTEGER`, `FLOAT`, `BOOLEAN`, `JSON`..).
    pub field_type: String,
    /// `NULLABLE`, `REQUIRED` or `REPEATED` (a REPEATED cell is the JSON text of
    /// `[{"v": ..}, ..]`).
    pub mode: String,
}

/// One page of query results.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// Column names, in row order.
    pub columns: Vec<String>,
    /// The columns with their types, in row order.
    pub fields: Vec<ResultField>,
    /// Rows as strings (`None` for NULL).
    pub rows: Vec<Vec<Option<String>>>,
    /// The next page's token, if any.
    pub next: Option<String>,
}

impl BigQueryClient {
    /// The rows of a finished query job as strings (`None` for NULL), first page only
    /// (callers select bounded results).
    ///
    /// # Errors
    /// [`GcpError::Call`].
    pub async fn query_rows(
        &self,
        job_id: &str,
        location: Option<&str>,
    ) -> Result<Vec<Vec<Option<String>>>, GcpError> {
        Ok(Box::pin(self.query_page(job_id, location, None, None))
            .await?
            .rows)
    }

    /// One page of a finished query job: column names, rows, and the next page's token.
    ///
    /// # Errors
    /// [`GcpError::Call`], transient for 5xx/429/408 and failures to reach the service. Its
    /// detail is withheld: a results error could quote a row.
    pub async fn query_page(
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
            let mut err = GcpError::from_client(Service::BigQuery, "jobs.getQueryResults", &e);
            if let GcpError::Call { detail, .. } = &mut err {
                detail.clear();
            }
            err
        })?;
        Ok(Page {
            columns: response
                .schema
                .iter()
                .flat_map(|s| s.fields.iter().map(|f| f.name.clone()))
                .collect(),
            fields: response
                .schema
                .iter()
                .flat_map(|s| s.fields.iter())
                .map(|f| ResultField {
                    name: f.name.clone(),
                    field_type: f.r#type.clone(),
                    mode: f.mode.clone(),
                })
                .collect(),
            rows: response.rows.iter().map(cells).collect(),
            next: Some(response.page_token).filter(|t| !t.is_empty()),
        })
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_strings_or_null() {
        let row = serde_json::json!({"f": [{"v": "a"}, {"v": null}, {"v": 3}]});
        let Value::Object(row) = row else {
            unreachable!()
        };
        assert_eq!(
            cells(&row),
            [Some("a".to_owned()), None, Some("3".to_owned())]
        );
    }
}
