//! Running SQL on BigQuery (or local-bigquery) through `starvit-gcp`, and reading typed rows.

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;
use starvit_gcp::bigquery::BigQueryClient;
use starvit_gcp::bigquery::results::ResultField;

use starvit_gcp::bigquery::spec::QuerySpec;
use starvit_gcp::{GcpError, Labels};

/// Pages read at most per query (the suite and the row counts read small results).
const MAX_PAGES: usize = 100;

/// Runs queries as jobs with fresh ids, each labelled with the caller's governance labels.
#[derive(Debug)]
pub struct Runner {
    client: BigQueryClient,
    labels: Labels,
    prefix: String,
    counter: AtomicU64,
}

/// The rows of a query: column names and, per row, one JSON value per column.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rows {
    /// Column names in order.
    pub columns: Vec<String>,
    /// Rows, typed: INT64 as integers, FLOAT64 as numbers, BOOL as booleans, JSON parsed,
    /// ARRAYs as arrays, NULL as null.
    pub rows: Vec<Vec<Value>>,
}

impl Runner {
    /// A runner whose job ids start with `prefix` (then a time and a counter).
    pub fn new(client: BigQueryClient, labels: Labels, prefix: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        Self {
            client,
            labels,
            prefix: format!("{prefix}_{nanos}"),
            counter: AtomicU64::new(0),
        }
    }

    /// The project jobs run in.
    pub fn project_id(&self) -> &str {
        self.client.project_id()
    }

    /// The client (e.g. to create a dataset first).
    pub fn client(&self) -> &BigQueryClient {
        &self.client
    }

    /// Runs `sql` to completion and returns its rows.
    ///
    /// # Errors
    /// [`GcpError`]: a failed query is [`GcpError::JobFailed`].
    pub async fn query(&self, sql: &str) -> Result<Rows, GcpError> {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let job_id = format!("{}_{n}", self.prefix);
        let spec = QuerySpec {
            sql: sql.to_owned(),
            labels: self.labels.clone(),
        };
        let (_, job) =
            Box::pin(self.client.run_job(&job_id, None, spec.to_configuration())).await?;
        let location = job
            .job_reference
            .as_ref()
            .and_then(|r| r.location.clone())
            .filter(|l| !l.is_empty());
        let mut out = Rows::default();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = Box::pin(self.client.query_page(
                &job_id,
                location.as_deref(),
                token.as_deref(),
                None,
            ))
            .await?;
            if out.columns.is_empty() {
                out.columns.clone_from(&page.columns);
            }
            for row in &page.rows {
                out.rows.push(
                    row.iter()
                        .zip(&page.fields)
                        .map(|(cell, field)| decode(cell.as_deref(), field))
                        .collect(),
                );
            }
            token = page.next;
            if token.is_none() {
                break;
            }
        }
        Ok(out)
    }
}

/// One cell (as `query_page` gives it: text, or NULL) as a typed JSON value.
pub fn decode(cell: Option<&str>, field: &ResultField) -> Value {
    let Some(text) = cell else {
        return if field.mode == "REPEATED" {
            Value::Array(Vec::new())
        } else {
            Value::Null
        };
    };
    if field.mode == "REPEATED" {
        let one = ResultField {
            mode: "NULLABLE".to_owned(),
            ..field.clone()
        };
        let items: Vec<Value> = serde_json::from_str(text).unwrap_or_default();
        return Value::Array(
            items
                .iter()
                .map(|i| decode(i["v"].as_str(), &one))
                .collect(),
        );
    }
    match field.field_type.as_str() {
        "INTEGER" | "INT64" => text.parse::<i64>().map_or(Value::Null, Value::from),
        "FLOAT" | "FLOAT64" | "NUMERIC" | "BIGNUMERIC" => {
            text.parse::<f64>().map_or(Value::Null, Value::from)
        }
        "BOOLEAN" | "BOOL" => Value::Bool(text == "true"),
        "JSON" => serde_json::from_str(text).unwrap_or(Value::Null),
        _ => Value::String(text.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(ty: &str, mode: &str) -> ResultField {
        ResultField {
            name: "c".into(),
            field_type: ty.into(),
            mode: mode.into(),
        }
    }

    #[test]
    fn cells_decode_by_type() {
        assert_eq!(
            decode(Some("42"), &field("INTEGER", "NULLABLE")),
            serde_json::json!(42)
        );
        assert_eq!(
            decode(Some("1.5"), &field("FLOAT", "NULLABLE")),
            serde_json::json!(1.5)
        );
        assert_eq!(
            decode(Some("true"), &field("BOOLEAN", "NULLABLE")),
            serde_json::json!(true)
        );
        assert_eq!(decode(None, &field("STRING", "NULLABLE")), Value::Null);
        assert_eq!(
            decode(
                Some(r#"[{"v":"a"},{"v":"b"}]"#),
                &field("STRING", "REPEATED")
            ),
            serde_json::json!(["a", "b"])
        );
        assert_eq!(
            decode(None, &field("STRING", "REPEATED")),
            serde_json::json!([])
        );
        assert_eq!(
            decode(Some(r#"{"a":1}"#), &field("JSON", "NULLABLE")),
            serde_json::json!({"a": 1})
        );
    }
}
