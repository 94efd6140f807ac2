//! Every table of the warehouse, with its owner and its schema file.

use std::sync::LazyLock;

use starvit_gcp::bigquery::spec::Field;
use starvit_runtime::Setting;

use crate::datasets;
use crate::schema::{self, Column};

/// Who creates a table in production.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// `infra/bigquery.tf`, schema `file()`d from `shared/warehouse/schemas/<file>`.
    Terraform,
    /// `bq-load`, with `CREATE TABLE IF NOT EXISTS` (one table per resource type).
    BqLoad,
}

/// One table (or, for [`RAW`], the template of one table per resource type).
#[derive(Debug)]
pub struct Table {
    /// Table id; empty for [`RAW`], whose id is the resource type.
    pub name: &'static str,
    /// The dataset setting.
    pub dataset: &'static Setting,
    /// Who creates it.
    pub owner: Owner,
    /// File name under `shared/warehouse/schemas/`.
    pub schema_file: &'static str,
    /// Partitioning column (a DATE by month, a TIMESTAMP by day: `sql::create_table`).
    pub partition_by: Option<&'static str>,
    /// Clustering columns.
    pub cluster_by: &'static [&'static str],
    columns: LazyLock<Vec<Column>>,
}

macro_rules! table {
    ($name:expr, $dataset:expr, $owner:expr, $file:literal, $partition:expr, $cluster:expr) => {
        Table {
            name: $name,
            dataset: &$dataset,
            owner: $owner,
            schema_file: $file,
            partition_by: $partition,
            cluster_by: $cluster,
            // The files are checked by this crate's tests; an unparsable one is no columns.
            columns: LazyLock::new(|| {
                schema::parse(include_str!(concat!("../schemas/", $file))).unwrap_or_default()
            }),
        }
    };
}

/// One raw table per resource type in the raw dataset (id = the type).
pub static RAW: Table = table!(
    "",
    datasets::RAW,
    Owner::BqLoad,
    "raw_resource.json",
    Some("partition_date"),
    &["patient_id", "code"]
);
/// The raw columns that order the versions of one resource (rows of one `id`), most significant
/// first, each descending: the version of the latest export wins (`export_time`, the FHIR
/// server's `transactionTime`, so the order does not depend on when a delayed object was
/// loaded); then the version loaded last (`ingested_at`: rows without an export time); then
/// `version_id`, within one file.
pub const VERSION_ORDER: [&str; 3] = ["export_time", "ingested_at", "version_id"];

/// `ORDER BY` of a resource's current version: `{prefix}<column> DESC` for each of
/// [`VERSION_ORDER`] (`QUALIFY ROW_NUMBER() OVER (PARTITION BY id ORDER BY ...) = 1`).
#[must_use]
pub fn current_version_order(prefix: &str) -> String {
    VERSION_ORDER
        .iter()
        .map(|c| format!("{prefix}{c} DESC"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `governance.lineage`: one row per stage and object.
pub static LINEAGE: Table = table!(
    "lineage",
    datasets::GOVERNANCE,
    Owner::Terraform,
    "lineage.json",
    None,
    &[]
);
/// `governance.deid_policy_versions`: one row per policy version, with its text.
pub static POLICY_VERSIONS: Table = table!(
    "deid_policy_versions",
    datasets::GOVERNANCE,
    Owner::Terraform,
    "deid_policy_versions.json",
    None,
    &[]
);
/// `governance.deid_policy_approvals`: one row per approved policy version (mirror of the
/// record in the PHI bucket, `starvit-approval`).
pub static POLICY_APPROVALS: Table = table!(
    "deid_policy_approvals",
    datasets::GOVERNANCE,
    Owner::Terraform,
    "deid_policy_approvals.json",
    None,
    &[]
);
/// `governance.graph_provenance`: one row per graph version and element.
pub static GRAPH_PROVENANCE: Table = table!(
    "graph_provenance",
    datasets::GOVERNANCE,
    Owner::Terraform,
    "graph_provenance.json",
    None,
    &[]
);
/// `governance.dataset_versions`: one row per ML dataset version dbt built (analytics/).
pub static DATASET_VERSIONS: Table = table!(
    "dataset_versions",
    datasets::GOVERNANCE,
    Owner::Terraform,
    "dataset_versions.json",
    None,
    &[]
);
/// `governance.analytics_runs`: one row per dbt invocation (models built, loads read).
pub static ANALYTICS_RUNS: Table = table!(
    "analytics_runs",
    datasets::GOVERNANCE,
    Owner::Terraform,
    "analytics_runs.json",
    None,
    &[]
);
/// `deid_raw.deid_events`: the relay's events, streamed by a Pub/Sub BigQuery subscription
/// (production only: the emulator has no BigQuery subscriptions).
pub static DEID_EVENTS: Table = table!(
    "deid_events",
    datasets::RAW,
    Owner::Terraform,
    "deid_events.json",
    Some("publish_time"),
    &[]
);

/// Every table.
pub fn all() -> [&'static Table; 8] {
    [
        &RAW,
        &LINEAGE,
        &POLICY_VERSIONS,
        &POLICY_APPROVALS,
        &GRAPH_PROVENANCE,
        &DATASET_VERSIONS,
        &ANALYTICS_RUNS,
        &DEID_EVENTS,
    ]
}

/// The tables Terraform creates in production (the emulator suite creates them locally).
pub fn terraform_owned() -> impl Iterator<Item = &'static Table> {
    all().into_iter().filter(|t| t.owner == Owner::Terraform)
}

/// The Terraform-owned tables the emulator suite creates locally in Terraform's place: all but
/// `deid_events` (the emulator has no BigQuery subscriptions, so nothing would fill it).
pub fn created_locally() -> impl Iterator<Item = &'static Table> {
    terraform_owned().filter(|t| !std::ptr::eq(*t, &DEID_EVENTS))
}

impl Table {
    /// The columns, in order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The column names, in order.
    pub fn column_names(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().map(|c| c.name.as_str())
    }

    /// The load-job schema.
    pub fn load_schema(&self) -> Vec<Field> {
        self.columns.iter().map(Column::field).collect()
    }

    /// The dataset's default name (the deployment's comes from the setting).
    pub fn default_dataset(&self) -> &'static str {
        self.dataset.default_value()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_file_parses_and_names_its_keys() {
        for table in all() {
            assert!(!table.columns().is_empty(), "{}", table.schema_file);
            for key in table.partition_by.iter().chain(table.cluster_by) {
                assert!(
                    table.column_names().any(|c| c == *key),
                    "{}: {key}",
                    table.schema_file
                );
            }
        }
    }

    #[test]
    fn the_lineage_table_is_the_lineage_record_plus_recorded_at() {
        // Fields added to the record after the table existed come after `recorded_at` (BigQuery
        // adds columns at the end, so a deployed table takes them in place).
        let added_later = ["export_time"];
        let fields = starvit_lineage::row::TABLE_SCHEMA
            .iter()
            .map(|f| (f.name, f.field_type, f.mode));
        let record: Vec<(&str, &str, &str)> = fields
            .clone()
            .filter(|f| !added_later.contains(&f.0))
            .chain([("recorded_at", "TIMESTAMP", "REQUIRED")])
            .chain(fields.filter(|f| added_later.contains(&f.0)))
            .collect();
        let table: Vec<(&str, &str, &str)> = LINEAGE
            .columns()
            .iter()
            .map(|c| (c.name.as_str(), c.field_type.as_str(), c.mode.as_str()))
            .collect();
        assert_eq!(table, record);
    }
}
