//! The emulator suite plays Terraform for the warehouse: the tables Terraform owns in production
//! (`starvit_warehouse::tables::created_locally`), created from the same schema files before
//! the functions start.

use starvit_gcp::GcpConfig;
use starvit_gcp::bigquery::spec::{QuerySpec, TableRef};
use starvit_gcp::bigquery::{BigQueryClient, job_id};
use starvit_gcp::labels::Labels;
use starvit_warehouse::{sql, tables};

use super::HARNESS_LABELS;
use crate::stack::Stack;

/// Creates the datasets and tables Terraform would.
///
/// # Errors
/// BigQuery failures.
pub async fn create_terraform_tables(stack: &Stack) -> anyhow::Result<()> {
    let gcp = GcpConfig::from_vars(stack.gcp_vars())?;
    let bigquery = BigQueryClient::new(&gcp).await?;
    let labels: Labels = HARNESS_LABELS
        .iter()
        .map(|(k, v)| {
            if *k == "purpose" {
                (*k, "ddl")
            } else {
                (*k, *v)
            }
        })
        .collect();
    for table in tables::created_locally() {
        let dataset = table.default_dataset();
        bigquery.ensure_dataset(dataset).await?;
        let at = TableRef {
            project_id: gcp.project_id.clone(),
            dataset_id: dataset.to_owned(),
            table_id: table.name.to_owned(),
        };
        let spec = QuerySpec {
            sql: sql::create_table(&at, table),
            labels: labels.clone(),
        };
        let id = job_id(&["starvit_e2e_ddl", dataset, table.name]);
        bigquery
            .run_attempts(&id, None, spec.to_configuration())
            .await?;
    }
    Ok(())
}
