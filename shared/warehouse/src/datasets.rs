//! The warehouse's datasets, as the settings that name them (each function lists the ones it
//! uses in its `SETTINGS`; Terraform passes the real names).

use starvit_runtime::Setting;
use starvit_runtime::settings::Infra;

/// Raw de-ID dataset: one table per resource type, and `deid_events`.
pub const RAW: Setting = Setting::default(
    "STARVIT_RAW_DATASET",
    "deid_raw",
    "a dataset id of [A-Za-z0-9_]",
    "dataset of the raw de-ID tables (one per resource type)",
)
.infra(Infra::Dataset);
/// Governance dataset.
pub const GOVERNANCE: Setting = Setting::default(
    "STARVIT_GOVERNANCE_DATASET",
    "governance",
    "a dataset id of [A-Za-z0-9_]",
    "dataset of `lineage`, `deid_policy_versions` and `graph_provenance`",
)
.infra(Infra::Dataset);
/// Staging dataset of `bq-load`.
pub const STAGING: Setting = Setting::default(
    "STARVIT_STAGING_DATASET",
    "deid_staging",
    "a dataset id of [A-Za-z0-9_]",
    "dataset of bq-load's per-object staging tables (give it a default table expiration)",
)
.infra(Infra::Dataset);
/// Graph dataset.
pub const GRAPH: Setting = Setting::default(
    "STARVIT_GRAPH_DATASET",
    "graph",
    "a dataset id of [A-Za-z0-9_]",
    "dataset of the versioned node/edge tables",
)
.infra(Infra::Dataset);
