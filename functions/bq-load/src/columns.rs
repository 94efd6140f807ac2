//! The raw de-ID tables: one per resource type in the raw dataset. Their schema (names, types,
//! modes, partitioning, clustering) lives in `starvit-warehouse` ([`RAW`], from
//! `shared/warehouse/schemas/raw_resource.json`); this module says how each column is filled. What fills the per-type
//! columns (`patient_id`, `event_time`, `code`) is FHIR knowledge from `starvit-fhir`, applied by
//! [`crate::extract`].
//!
//! | column | type | from |
//! |---|---|---|
//! | `id` | STRING NOT NULL | `Resource.id` (a pseudonym) |
//! | `version_id` | STRING | `meta.versionId` (`id` + `version_id` is the dedupe key) |
//! | `patient_id` | STRING | pseudo id of the patient: `id` for `Patient`, else the first reference to `Patient/<id>` in the type's [`starvit_fhir::patient_links`] (the R4 Patient compartment) |
//! | `event_time` | TIMESTAMP | first present of the type's [`starvit_fhir::event_time_paths`], shifted clinical time, UTC |
//! | `partition_date` | DATE | `DATE(event_time)`, null without a clinical time — the partitioning column (by month), a function of the version alone |
//! | `last_updated` | TIMESTAMP | `meta.lastUpdated`: null under the shipped policies (de-identification drops this system timestamp, which would give the date shift away); kept for policies that keep it |
//! | `ingested_at` | TIMESTAMP NOT NULL | when `bq-load` staged the object (real time, not shifted); the MERGE keeps a version's first row, so it is fixed per version across replays (graph-snapshot orders versions by it) |
//! | `code` | STRING | main code `system\|code` of the first coding of the first of the type's [`starvit_fhir::code_paths`]; `\|code` without a system |
//! | `export_job_id` .. `load_job_id` | STRING / INT64 | the lineage of the object |
//! | `resource` | JSON | the whole de-identified resource |
//! | `export_time` | TIMESTAMP | the export's `transactionTime` (lineage): a resource's current version is the one of the latest export ([`starvit_warehouse::tables::CURRENT_VERSION_ORDER`]); added after the others, so a deployed table takes it with `ALTER TABLE ... ADD COLUMN` |
//!
//! Partitioned by month of `partition_date` (null: BigQuery's `__NULL__` partition), clustered by `patient_id, code`. Times are normalised by
//! [`starvit_fhir::time`] (partial dates are the start of their period).

pub use starvit_warehouse::tables::RAW;
