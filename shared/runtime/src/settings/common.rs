//! Settings several functions read: defined once, listed by reference in each `SETTINGS`.

use super::{Infra, Setting};

/// The PHI staging bucket.
pub const PHI_BUCKET: Setting = Setting::required(
    "STARVIT_PHI_BUCKET",
    "a bucket name",
    "PHI staging bucket: where exports land, what deidentify reads",
)
.local("starvit-phi-staging")
.infra(Infra::Bucket);
/// The de-identified bucket.
pub const DEID_BUCKET: Setting = Setting::required(
    "STARVIT_DEID_BUCKET",
    "a bucket name",
    "de-ID bucket: de-identified NDJSON, bq-load staging objects, graph snapshots",
)
.local("starvit-deid")
.infra(Infra::Bucket);
/// The quarantine bucket (PHI side).
pub const QUARANTINE_BUCKET: Setting = Setting::required(
    "STARVIT_QUARANTINE_BUCKET",
    "a bucket name",
    "PHI-side bucket for bad lines, rejections and bodies that cannot be relayed",
)
.local("starvit-phi-quarantine")
.infra(Infra::Bucket);
/// The de-ID policy.
pub const DEID_POLICY: Setting = Setting::default(
    "STARVIT_DEID_POLICY",
    "shifted",
    "shifted, safe-harbor, shifted-text or a policy file",
    "de-identification policy (the same for deidentify and subscription-relay)",
)
.local("shifted");
/// Where the approvals of policy versions are (`approvals/<hex>.json`, `starvit-approval`).
pub const DEID_APPROVAL_BUCKET: Setting = Setting::required(
    "STARVIT_DEID_APPROVAL_BUCKET",
    "a bucket name",
    "PHI-side bucket holding the policy approvals under approvals/ (the PHI staging bucket); an unapproved policy version is refused",
)
.local("starvit-phi-staging")
.infra(Infra::Bucket);
/// Cloud DLP's base URL (`starvit_deid::settings`: the free text of a `[text]` policy).
pub const DLP_ENDPOINT: Setting = Setting::default(
    "STARVIT_DLP_ENDPOINT",
    "https://dlp.googleapis.com",
    "an http(s) URL",
    "Cloud DLP base URL for the free text of a policy with a [text] section (the contract stub's URL locally); a metadata-server token is sent only to Google's",
);
/// Where DLP requests run.
pub const DLP_PARENT: Setting = Setting::optional(
    "STARVIT_DLP_PARENT",
    "projects/P/locations/L",
    "project and location of the DLP requests; required when the policy has a [text] section (deidentify fails at start-up otherwise)",
);
/// The de-ID key, hex.
pub const DEID_KEY: Setting = Setting::optional(
    "STARVIT_DEID_KEY",
    "hex, at least 32 digits",
    "pseudonymisation key (Secret Manager); this or STARVIT_DEID_KEY_FILE is required",
)
.secret()
.local("6c6f63616c2d6f6e6c792d737461727669742d6b65792d3030303030303031");
/// The de-ID key, as a file.
pub const DEID_KEY_FILE: Setting = Setting::optional(
    "STARVIT_DEID_KEY_FILE",
    "a file path",
    "file holding the pseudonymisation key, instead of STARVIT_DEID_KEY",
);
/// Lineage pipeline (and `pipeline` job label).
pub const PIPELINE: Setting = Setting::default(
    "STARVIT_PIPELINE",
    "fhir-batch",
    "1-63 characters of [a-z0-9_-]",
    "lineage pipeline name and `pipeline` job label",
)
.infra(Infra::PipelineLabel);
/// Governance label `env`.
pub const ENV: Setting = Setting::required(
    "STARVIT_ENV",
    "1-63 characters of [a-z0-9_-]",
    "`env` label of every BigQuery job",
)
.local("local");
/// Governance label `owner`.
pub const OWNER: Setting = Setting::required(
    "STARVIT_OWNER",
    "1-63 characters of [a-z0-9_-]",
    "`owner` label of every BigQuery job",
)
.local("data-platform");
/// Spool directory.
pub const SPOOL_DIR: Setting = Setting::optional(
    "STARVIT_SPOOL_DIR",
    "a directory",
    "where files are spooled before a create-only upload (default: the system temp dir)",
);
/// Project (parsed by `starvit_gcp::GcpConfig`).
pub const GOOGLE_CLOUD_PROJECT: Setting = Setting::required(
    "GOOGLE_CLOUD_PROJECT",
    "a project id",
    "project of the buckets' clients, topics and BigQuery jobs",
)
.local("${LOCALCLOUD_PROJECT}");
/// fake-gcs endpoint (parsed by `starvit_gcp::GcpConfig`).
pub const STORAGE_EMULATOR_HOST: Setting = Setting::optional(
    "STORAGE_EMULATOR_HOST",
    "a URL",
    "Cloud Storage emulator; unset in production",
)
.local("${GCS_ENDPOINT}");
/// Pub/Sub emulator (parsed by `starvit_gcp::GcpConfig`).
pub const PUBSUB_EMULATOR_HOST: Setting = Setting::optional(
    "PUBSUB_EMULATOR_HOST",
    "host:port or a URL",
    "Pub/Sub emulator; unset in production",
)
.local("${PUBSUB_EMULATOR_HOST}");
/// local-bigquery (parsed by `starvit_gcp::GcpConfig`).
pub const BIGQUERY_EMULATOR_HOST: Setting = Setting::optional(
    "BIGQUERY_EMULATOR_HOST",
    "a URL",
    "BigQuery emulator; unset in production",
)
.local("${BIGQUERY_ENDPOINT}");
/// BigQuery job location.
pub const BIGQUERY_LOCATION: Setting = Setting::optional(
    "BIGQUERY_LOCATION",
    "a BigQuery location, e.g. EU",
    "location of the BigQuery jobs (unset: BigQuery infers it)",
);
