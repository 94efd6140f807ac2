//! `starvit-warehouse`: the one home of the BigQuery warehouse — datasets, tables, who creates
//! each, their schemas and their DDL. Used by `bq-load`, `graph-snapshot`, the emulator suite
//! (which plays Terraform locally) and, later, the analytics layer; checked against Terraform by
//! `tests/terraform.rs`.
//!
//! Module map:
//! - [`datasets`] the four datasets as settings (name, default, description).
//! - [`tables`]   every table: dataset, owner, schema file, partitioning, clustering.
//! - [`schema`]   a table's columns, parsed from its JSON schema file (`schemas/<table>.json`,
//!   BigQuery's REST schema format, the same file Terraform reads with `file()`).
//! - [`sql`]      DDL from a schema, and the SQL helpers every statement uses (table names,
//!   literals, column lists).
//!
//! # Who creates what
//! | what | created by | how |
//! |---|---|---|
//! | the datasets | Terraform (`infra/bigquery.tf`) | functions `ensure_dataset` too (locally; a 403 in production means "exists") |
//! | governance tables `lineage`, `deid_policy_versions`, `graph_provenance`; `deid_raw.deid_events` | Terraform, schema `file()`d from `schemas/` | locally the emulator suite runs [`sql::create_table`] for [`tables::created_locally`] (it plays Terraform; `deid_events` is production only) |
//! | one raw table per resource type | `bq-load`, on the first object of the type | [`sql::create_table`] of [`tables::RAW`] |
//! | per-object staging tables | `bq-load` (`WRITE_TRUNCATE` load jobs) | the raw schema; the staging dataset expires them |
//! | node/edge tables per graph version | `graph-snapshot` (`CREATE OR REPLACE ... AS SELECT`) | derived from `graph/model.toml` |

pub mod datasets;
pub mod schema;
pub mod sql;
pub mod tables;

pub use schema::Column;
pub use tables::{Owner, Table};
