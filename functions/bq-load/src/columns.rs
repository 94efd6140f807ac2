//! The raw de-ID tables: one per resource type in the raw dataset. What fills the per-type
//! columns (`patient_id`, `event_time`, `code`) is FHIR knowledge from `starvit-fhir`, applied by
//! [`crate::extract`].
//!
//! | column | type | from |
//! |---|---|---|
//! | `id` | STRING NOT NULL | `Resource.id` (a pseudonym) |
//! | `version_id` | STRING | `meta.versionId` (`id` + `version_id` is the dedupe key) |
//! | `patient_id` | STRING | pseudo id of the patient: `id` for `Patient`, else the first reference to `Patient/<id>` in the type's [`starvit_fhir::patient_links`] (the R4 Patient compartment) |
//! | `event_time` | TIMESTAMP | first present of the type's [`starvit_fhir::event_time_paths`], shifted clinical time, UTC |
//! | `partition_date` | DATE NOT NULL | `DATE(event_time)`, else `DATE(ingested_at)` — the partitioning column |
//! | `last_updated` | TIMESTAMP | `meta.lastUpdated` |
//! | `ingested_at` | TIMESTAMP NOT NULL | when `bq-load` staged the object (real time, not shifted) |
//! | `code` | STRING | main code `system\|code` of the first coding of the first of the type's [`starvit_fhir::code_paths`]; `\|code` without a system |
//! | `export_job_id` .. `load_job_id` | STRING / INT64 | the lineage of the object ([`LINEAGE_COLUMNS`]) |
//! | `resource` | JSON | the whole de-identified resource |
//!
//! Partitioned by `partition_date`, clustered by `patient_id, code`. Times are normalised by
//! [`starvit_fhir::time`] (partial dates are the start of their period).

use starvit_gcp::bigquery::spec::Field;

/// `(name, BigQuery type, mode)` of every raw table column, in row order.
pub const RAW_COLUMNS: [(&str, &str, &str); 15] = [
    ("id", "STRING", "REQUIRED"),
    ("version_id", "STRING", "NULLABLE"),
    ("patient_id", "STRING", "NULLABLE"),
    ("event_time", "TIMESTAMP", "NULLABLE"),
    ("partition_date", "DATE", "REQUIRED"),
    ("last_updated", "TIMESTAMP", "NULLABLE"),
    ("ingested_at", "TIMESTAMP", "REQUIRED"),
    ("code", "STRING", "NULLABLE"),
    ("export_job_id", "STRING", "NULLABLE"),
    ("source_object", "STRING", "NULLABLE"),
    ("source_generation", "INT64", "NULLABLE"),
    ("deid_policy_version", "STRING", "NULLABLE"),
    ("deid_run_id", "STRING", "NULLABLE"),
    ("load_job_id", "STRING", "NULLABLE"),
    ("resource", "JSON", "NULLABLE"),
];

/// The lineage columns of a raw row.
pub const LINEAGE_COLUMNS: [&str; 6] = [
    "export_job_id",
    "source_object",
    "source_generation",
    "deid_policy_version",
    "deid_run_id",
    "load_job_id",
];

/// Columns of `deid_policy_versions`: one row per policy version, written once.
/// `policy_text` is the policy's files concatenated in hash order, each after a
/// `# ---- <file name> ----` header; `sources` is `[{name, text}]`. Both are null when the
/// version is not one this deployment can resolve (see [`crate::policy`]).
pub const POLICY_COLUMNS: [(&str, &str, &str); 5] = [
    ("policy_version", "STRING", "REQUIRED"),
    ("profile", "STRING", "NULLABLE"),
    ("policy_text", "STRING", "NULLABLE"),
    ("sources", "JSON", "NULLABLE"),
    ("recorded_at", "TIMESTAMP", "REQUIRED"),
];

/// The lineage table has `starvit_lineage::row::TABLE_SCHEMA` plus this column.
pub const LINEAGE_RECORDED_AT: (&str, &str, &str) = ("recorded_at", "TIMESTAMP", "REQUIRED");

/// Load-job schema of a column list.
pub fn load_schema(columns: &[(&str, &str, &str)]) -> Vec<Field> {
    columns
        .iter()
        .map(|(name, ty, mode)| Field {
            name: (*name).to_owned(),
            field_type: (*ty).to_owned(),
            mode: (*mode).to_owned(),
        })
        .collect()
}
