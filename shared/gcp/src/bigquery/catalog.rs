//! Datasets and table metadata: [`BigQueryClient::ensure_dataset`] and
//! [`BigQueryClient::table_columns`].

use google_cloud_bigquery_v2::model::DatasetReference;

use super::BigQueryClient;
use super::spec::TableRef;
use crate::error::{GcpError, Service};

impl BigQueryClient {
    /// Creates `dataset` if it does not exist. Idempotent. Production datasets come from
    /// Terraform and the service account may lack `bigquery.datasets.create`: a 403 is taken as
    /// "exists" (logged); the first job against a missing dataset then fails clearly.
    ///
    /// # Errors
    /// [`GcpError`] other than "already exists" and "not allowed to create".
    pub async fn ensure_dataset(&self, dataset: &str) -> Result<(), GcpError> {
        let body = google_cloud_bigquery_v2::model::Dataset::new().set_dataset_reference(
            DatasetReference::new()
                .set_project_id(self.project_id.clone())
                .set_dataset_id(dataset),
        );
        let request = self
            .datasets
            .insert_dataset()
            .set_project_id(self.project_id.clone())
            .set_dataset(body);
        let result = Box::pin(request.send()).await;
        match result {
            Ok(_) => Ok(()),
            Err(e) => {
                let err = GcpError::from_client(Service::BigQuery, "datasets.insert", &e);
                match err.status() {
                    Some(409) => Ok(()),
                    Some(403) => {
                        tracing::warn!(
                            dataset,
                            "no permission to create datasets; assuming it exists"
                        );
                        Ok(())
                    }
                    _ => Err(err),
                }
            }
        }
    }

    /// The top-level column names of `table` (`tables.get`), or `None` when it does not exist.
    ///
    /// # Errors
    /// [`GcpError`] other than 404.
    pub async fn table_columns(&self, table: &TableRef) -> Result<Option<Vec<String>>, GcpError> {
        let request = self
            .tables
            .get_table()
            .set_project_id(table.project_id.clone())
            .set_dataset_id(table.dataset_id.clone())
            .set_table_id(table.table_id.clone());
        match Box::pin(request.send()).await {
            Ok(t) => Ok(Some(
                t.schema
                    .map(|s| s.fields.into_iter().map(|f| f.name).collect())
                    .unwrap_or_default(),
            )),
            Err(e) => {
                let err = GcpError::from_client(Service::BigQuery, "tables.get", &e);
                if err.status() == Some(404) {
                    Ok(None)
                } else {
                    Err(err)
                }
            }
        }
    }
}
