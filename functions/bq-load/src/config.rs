//! Settings of the `bq-load` function: [`SETTINGS`] (the list, as data), parsed once at start-up
//! from `(key, value)` pairs into [`Config`].

use std::path::PathBuf;

use starvit_gcp::GcpConfig;
use starvit_gcp::bigquery::spec::TableRef;
use starvit_gcp::bigquery::spec::dataset_id_ok;
use starvit_lineage::{JobLabels, PipelineName};
use starvit_runtime::Setting;
use starvit_runtime::settings::Infra;
use starvit_runtime::settings::common;
use starvit_runtime::vars::{VarError, Vars};
use starvit_warehouse::datasets;

/// The `service` job label and the lineage stage of this function.
pub const SERVICE: &str = "bq-load";

/// Topic of `load-complete`.
pub const LOAD_COMPLETE_TOPIC: Setting = Setting::required(
    "STARVIT_LOAD_COMPLETE_TOPIC",
    "a Pub/Sub topic short name",
    "topic of `load-complete` (lineage in attributes), read by graph-snapshot",
)
.local("load-complete")
.infra(Infra::Topic);
/// Policies whose text may be recorded.
pub const POLICIES: Setting = Setting::default(
    "STARVIT_DEID_POLICIES",
    "shifted,safe-harbor,shifted-text",
    "comma-separated policy names or files",
    "policies whose text may be recorded in `deid_policy_versions`",
);
/// Events of one process doing BigQuery work at once (bounds DML conflicts on the shared
/// governance tables; conflicts that still happen, from other instances, are retried).
pub const BQ_CONCURRENCY: Setting = Setting::default(
    "STARVIT_BQ_CONCURRENCY",
    "2",
    "a positive integer",
    "events of one process doing BigQuery work at once",
)
.local("1")
.infra(Infra::RequestsPerInstance);

/// Every variable `bq-load` reads.
pub const SETTINGS: &[Setting] = &[
    common::DEID_BUCKET,
    datasets::RAW,
    datasets::GOVERNANCE,
    datasets::STAGING,
    LOAD_COMPLETE_TOPIC,
    common::ENV,
    common::OWNER,
    common::PIPELINE,
    POLICIES,
    common::SPOOL_DIR,
    common::BIGQUERY_LOCATION,
    BQ_CONCURRENCY,
    common::GOOGLE_CLOUD_PROJECT,
    common::STORAGE_EMULATOR_HOST,
    common::PUBSUB_EMULATOR_HOST,
    common::BIGQUERY_EMULATOR_HOST,
];

/// Typed settings. Build with [`Config::from_vars`]; every field is public so tests and the
/// emulator suite can adjust one after parsing.
#[derive(Debug, Clone)]
pub struct Config {
    /// De-ID bucket (`STARVIT_DEID_BUCKET`).
    pub deid_bucket: String,
    /// Raw de-ID dataset (`STARVIT_RAW_DATASET`).
    pub raw_dataset: String,
    /// Governance dataset (`STARVIT_GOVERNANCE_DATASET`).
    pub governance_dataset: String,
    /// Staging dataset (`STARVIT_STAGING_DATASET`).
    pub staging_dataset: String,
    /// Topic short name for `load-complete` (`STARVIT_LOAD_COMPLETE_TOPIC`).
    pub load_complete_topic: String,
    /// `env` label (`STARVIT_ENV`).
    pub env: String,
    /// `owner` label (`STARVIT_OWNER`).
    pub owner: String,
    /// `pipeline` label (`STARVIT_PIPELINE`).
    pub pipeline: String,
    /// Policies whose text can be resolved by version (`STARVIT_DEID_POLICIES`).
    pub policies: Vec<String>,
    /// Spool directory for the staging file (`STARVIT_SPOOL_DIR`).
    pub spool_dir: Option<PathBuf>,
    /// BigQuery job location (`BIGQUERY_LOCATION`).
    pub location: Option<String>,
    /// Events of this process that may run BigQuery work at once (`STARVIT_BQ_CONCURRENCY`,
    /// default 2). Bounds DML conflicts on the shared governance tables; conflicts that still
    /// happen (other instances) are retried.
    pub bq_concurrency: usize,
    /// Project and emulator endpoints.
    pub gcp: GcpConfig,
}

/// A setting is missing or invalid. Names the variable; never echoes its value.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A variable is missing or does not parse.
    #[error(transparent)]
    Var(#[from] VarError),
    /// The GCP variables are invalid.
    #[error(transparent)]
    Gcp(#[from] starvit_gcp::config::ConfigError),
}

fn topic_ok(s: &str) -> bool {
    (3..=255).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.~+%".contains(c))
}

impl Config {
    /// Parses the settings; unknown keys are ignored, empty values count as unset.
    ///
    /// # Errors
    /// [`ConfigError`] naming the first variable at fault.
    pub fn from_vars<I, K, V>(vars: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: Into<String>,
    {
        let vars = Vars::new(vars);
        let set = |s: &Setting| vars.setting(s);
        let dataset = |s: &Setting| {
            vars.parse(s, |v| dataset_id_ok(v).then(|| v.to_owned()))
                .map(Option::unwrap_or_default)
        };
        let config = Self {
            deid_bucket: vars.required(common::DEID_BUCKET.name)?,
            raw_dataset: dataset(&datasets::RAW)?,
            governance_dataset: dataset(&datasets::GOVERNANCE)?,
            staging_dataset: dataset(&datasets::STAGING)?,
            load_complete_topic: vars.required(LOAD_COMPLETE_TOPIC.name)?,
            env: vars.required(common::ENV.name)?,
            owner: vars.required(common::OWNER.name)?,
            pipeline: set(&common::PIPELINE)?.unwrap_or_default(),
            policies: set(&POLICIES)?
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            spool_dir: set(&common::SPOOL_DIR)?.map(PathBuf::from),
            location: set(&common::BIGQUERY_LOCATION)?,
            bq_concurrency: vars
                .parse(&BQ_CONCURRENCY, |v| v.parse().ok().filter(|n| *n > 0))?
                .unwrap_or(1),
            gcp: GcpConfig::from_vars(vars.pairs())?,
        };
        config.validate()?;
        Ok(config)
    }

    /// Checks what parsing alone does not: label values and the topic name.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the variable.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !topic_ok(&self.load_complete_topic) {
            return Err(ConfigError::from(VarError::Invalid {
                name: "STARVIT_LOAD_COMPLETE_TOPIC",
                expected: "a Pub/Sub topic short name",
            }));
        }
        if PipelineName::new(self.pipeline.as_str()).is_err() {
            return Err(ConfigError::from(VarError::Invalid {
                name: "STARVIT_PIPELINE",
                expected: "1-63 characters of [a-z0-9_-]",
            }));
        }
        self.job_labels("load").map_err(|e| match e {
            starvit_lineage::LineageError::Invalid { field: "env", .. } => {
                ConfigError::from(VarError::Invalid {
                    name: "STARVIT_ENV",
                    expected: "1-63 characters of [a-z0-9_-]",
                })
            }
            _ => ConfigError::from(VarError::Invalid {
                name: "STARVIT_OWNER",
                expected: "1-63 characters of [a-z0-9_-]",
            }),
        })?;
        Ok(())
    }

    /// A table of this project.
    pub fn table(&self, dataset: &str, table: &str) -> TableRef {
        TableRef {
            project_id: self.gcp.project_id.clone(),
            dataset_id: dataset.to_owned(),
            table_id: table.to_owned(),
        }
    }

    /// The five governance labels for a job of `purpose`.
    ///
    /// # Errors
    /// When a configured label value is invalid (caught at start-up by [`Config::validate`]).
    pub fn job_labels(&self, purpose: &str) -> Result<JobLabels, starvit_lineage::LineageError> {
        JobLabels::new(SERVICE, &self.owner, &self.env, &self.pipeline, purpose)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn vars() -> Vec<(&'static str, &'static str)> {
        vec![
            ("GOOGLE_CLOUD_PROJECT", "starvit-test"),
            ("STARVIT_DEID_BUCKET", "starvit-deid"),
            ("STARVIT_LOAD_COMPLETE_TOPIC", "load-complete"),
            ("STARVIT_ENV", "test"),
            ("STARVIT_OWNER", "data-platform"),
        ]
    }

    #[test]
    fn settings_agree_with_the_parser() {
        starvit_runtime::settings::check(SETTINGS, |v| Config::from_vars(v).map(|_| ())).unwrap();
    }

    #[test]
    fn parses_defaults() {
        let c = Config::from_vars(vars()).unwrap();
        assert_eq!(c.raw_dataset, "deid_raw");
        assert_eq!(c.governance_dataset, "governance");
        assert_eq!(c.staging_dataset, "deid_staging");
        assert_eq!(c.pipeline, "fhir-batch");
        assert_eq!(c.policies, ["shifted", "safe-harbor", "shifted-text"]);
        assert_eq!(c.location, None);
        assert_eq!(c.gcp.project_id, "starvit-test");
    }

    #[test]
    fn fails_fast_naming_the_variable() {
        for missing in [
            "STARVIT_DEID_BUCKET",
            "STARVIT_LOAD_COMPLETE_TOPIC",
            "STARVIT_ENV",
            "STARVIT_OWNER",
        ] {
            let v: Vec<_> = vars().into_iter().filter(|(k, _)| *k != missing).collect();
            let err = Config::from_vars(v).unwrap_err().to_string();
            assert!(err.contains(missing), "{err}");
        }
        let mut v = vars();
        v.push(("STARVIT_ENV", "Prod Env"));
        let err = Config::from_vars(v).unwrap_err().to_string();
        assert!(
            err.contains("STARVIT_ENV") && !err.contains("Prod"),
            "{err}"
        );
        let mut v = vars();
        v.push(("STARVIT_RAW_DATASET", "raw`; DROP"));
        assert!(Config::from_vars(v).is_err());
        let mut v = vars();
        v.push(("BIGQUERY_LOCATION", "EU"));
        v.push(("BIGQUERY_EMULATOR_HOST", "127.0.0.1:9050"));
        let c = Config::from_vars(v).unwrap();
        assert_eq!(c.location.as_deref(), Some("EU"));
        assert_eq!(
            c.gcp.bigquery_endpoint.as_deref(),
            Some("http://127.0.0.1:9050")
        );
    }
}
