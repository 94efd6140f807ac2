//! Reading BigQuery back (REST, labelled as the harness's own jobs).

use std::collections::BTreeMap;

use anyhow::Context as _;

use super::{Chain, HARNESS_LABELS};

impl Chain {
    /// Fully qualified table name for SQL.
    #[must_use]
    pub fn table(&self, dataset: &str, table: &str) -> String {
        format!("`{}.{dataset}.{table}`", self.stack.project())
    }

    /// Runs a query on local-bigquery (REST `jobs.query`) and returns the rows as JSON values.
    /// It waits up to 50 s for the job (`timeoutMs`; the default, 10 s, is exceeded on a loaded
    /// machine, and an unfinished job has no rows: that is an error here, not an empty result).
    ///
    /// # Errors
    /// HTTP failures, a query error, or a job not complete in time.
    pub async fn query(&self, sql: &str) -> anyhow::Result<Vec<Vec<serde_json::Value>>> {
        let url = format!(
            "{}/bigquery/v2/projects/{}/queries",
            self.stack.var("BIGQUERY_ENDPOINT"),
            self.stack.project()
        );
        let body = serde_json::json!({
            "query": sql,
            "useLegacySql": false,
            "timeoutMs": 50_000,
            "labels": HARNESS_LABELS.iter().copied().collect::<BTreeMap<_, _>>(),
        });
        let resp: serde_json::Value = self
            .http
            .post(url)
            .json(&body)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        anyhow::ensure!(
            resp["jobComplete"].as_bool() != Some(false),
            "query not complete after 50 s: {sql}"
        );
        let rows = resp["rows"].as_array().cloned().unwrap_or_default();
        Ok(rows
            .iter()
            .map(|row| {
                row["f"]
                    .as_array()
                    .map(|cells| cells.iter().map(|c| c["v"].clone()).collect())
                    .unwrap_or_default()
            })
            .collect())
    }

    /// One integer from a `SELECT COUNT(*) ...`-style query.
    ///
    /// # Errors
    /// As [`Chain::query`], or when the result is not one integer.
    pub async fn count(&self, sql: &str) -> anyhow::Result<u64> {
        let rows = self.query(sql).await?;
        let cell = rows.first().and_then(|r| r.first()).context("no rows")?;
        cell.as_str()
            .and_then(|s| s.parse().ok())
            .or_else(|| cell.as_u64())
            .with_context(|| format!("not a count: {cell}"))
    }

    /// Rows of a table from its metadata (`tables.get` `numRows`: no query job); `table` is
    /// `project.dataset.table`.
    ///
    /// # Errors
    /// HTTP failures, or no `numRows`.
    pub async fn table_rows(&self, table: &str) -> anyhow::Result<u64> {
        let mut parts = table.splitn(3, '.');
        let (Some(project), Some(dataset), Some(name)) = (parts.next(), parts.next(), parts.next())
        else {
            anyhow::bail!("not project.dataset.table: {table}");
        };
        let url = format!(
            "{}/bigquery/v2/projects/{project}/datasets/{dataset}/tables/{name}",
            self.stack.var("BIGQUERY_ENDPOINT")
        );
        let meta: serde_json::Value = self
            .http
            .get(url)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        meta["numRows"]
            .as_str()
            .and_then(|n| n.parse().ok())
            .with_context(|| format!("no numRows for {table}"))
    }

    /// Every job local-bigquery knows (`jobs.list`, all pages), as raw JSON.
    ///
    /// # Errors
    /// HTTP failures.
    pub async fn jobs(&self) -> anyhow::Result<Vec<serde_json::Value>> {
        let base = format!(
            "{}/bigquery/v2/projects/{}/jobs",
            self.stack.var("BIGQUERY_ENDPOINT"),
            self.stack.project()
        );
        let mut jobs = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut request = self
                .http
                .get(&base)
                .query(&[("maxResults", "1000"), ("allUsers", "true")]);
            if let Some(t) = &token {
                request = request.query(&[("pageToken", t)]);
            }
            let page: serde_json::Value = request.send().await?.error_for_status()?.json().await?;
            jobs.extend(page["jobs"].as_array().cloned().unwrap_or_default());
            match page["nextPageToken"].as_str() {
                Some(t) if !t.is_empty() => token = Some(t.to_owned()),
                _ => break,
            }
        }
        Ok(jobs)
    }
}
