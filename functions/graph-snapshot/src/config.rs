//! Settings of the `graph-snapshot` function, parsed once from `(key, value)` pairs.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `STARVIT_DEID_BUCKET` | bucket of the snapshots (`graph/<version>/<type>/*.parquet`) | required |
//! | `STARVIT_RAW_DATASET` | raw de-ID dataset | `deid_raw` |
//! | `STARVIT_GOVERNANCE_DATASET` | dataset of `lineage` and `graph_provenance` | `governance` |
//! | `STARVIT_GRAPH_DATASET` | dataset of the node/edge tables | `graph` |
//! | `STARVIT_ENV`, `STARVIT_OWNER` | job labels | required |
//! | `STARVIT_PIPELINE` | job label `pipeline` | `fhir-batch` |
//! | `STARVIT_SNAPSHOT_QUIET_SECS` | quiet period of the due rule | 0 |
//! | `STARVIT_TIGERGRAPH_URL` | TigerGraph base URL (or the stub's) | required |
//! | `STARVIT_TIGERGRAPH_GRAPH` | graph name | the model's (`starvit`) |
//! | `STARVIT_TIGERGRAPH_SECRET` | secret for the token endpoint | required |
//! | `STARVIT_TIGERGRAPH_API` | `4` (`/gsql/v1`, Parquet by URI) or `3` (`/restpp/ddl`, JSON lines pushed) | `4` |
//! | `STARVIT_TIGERGRAPH_V3_MAX_BODY_BYTES` | largest 3.x request body | 67108864 |
//! | `STARVIT_TIGERGRAPH_V3_PAGE_ROWS` | rows per `getQueryResults` page on the 3.x path | 10000 |
//! | `STARVIT_TIGERGRAPH_DATA_SOURCE` | 4.x data source name for `gs://` | `gcs` |
//! | `BIGQUERY_LOCATION` | job location | unset |
//! | `GOOGLE_CLOUD_PROJECT`, `*_EMULATOR_HOST` | see `GcpConfig` | |

use std::time::Duration;

use starvit_gcp::GcpConfig;
use starvit_gcp::bigquery::spec::dataset_id_ok;
use starvit_lineage::JobLabels;
use starvit_runtime::vars::{VarError, Vars};

use crate::tigergraph::{ApiVersion, TigerGraphConfig};

/// `service` label and lineage stage.
pub const SERVICE: &str = "graph-snapshot";

/// Typed settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Snapshot bucket.
    pub deid_bucket: String,
    /// Raw dataset.
    pub raw_dataset: String,
    /// Governance dataset.
    pub governance_dataset: String,
    /// Graph dataset.
    pub graph_dataset: String,
    /// `env` label.
    pub env: String,
    /// `owner` label.
    pub owner: String,
    /// `pipeline` label.
    pub pipeline: String,
    /// Quiet period of the due rule.
    pub quiet: Duration,
    /// BigQuery location.
    pub location: Option<String>,
    /// TigerGraph connection.
    pub tigergraph: TigerGraphConfig,
    /// Largest body of one 3.x `/restpp/ddl` request.
    pub v3_max_body_bytes: usize,
    /// Rows per `jobs.getQueryResults` page on the 3.x path.
    pub v3_page_rows: u32,
    /// Project and emulator endpoints.
    pub gcp: GcpConfig,
}

/// A setting is missing or invalid; names the variable, never the value.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A variable is missing or does not parse.
    #[error(transparent)]
    Var(#[from] VarError),
    /// GCP settings.
    #[error(transparent)]
    Gcp(#[from] starvit_gcp::config::ConfigError),
}

impl Config {
    /// Parse; unknown keys ignored, empty values unset.
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
        let get = |name: &str| vars.get(name);
        let required = |name: &'static str| vars.required(name);
        let dataset = |name: &'static str, default: &str| {
            vars.parsed(
                name,
                default.to_owned(),
                "a dataset id of [A-Za-z0-9_]",
                |v| dataset_id_ok(v).then(|| v.to_owned()),
            )
        };
        let version = match get("STARVIT_TIGERGRAPH_API").as_deref() {
            None | Some("4") => ApiVersion::V4,
            Some("3") => ApiVersion::V3,
            Some(_) => {
                return Err(ConfigError::from(VarError::Invalid {
                    name: "STARVIT_TIGERGRAPH_API",
                    expected: "4 or 3",
                }));
            }
        };
        let quiet = vars.parsed(
            "STARVIT_SNAPSHOT_QUIET_SECS",
            Duration::ZERO,
            "a number of seconds",
            |v| v.parse().ok().map(Duration::from_secs),
        )?;
        let v3_max_body_bytes = vars.parsed(
            "STARVIT_TIGERGRAPH_V3_MAX_BODY_BYTES",
            64 << 20,
            "bytes between 1024 and 200000000",
            |v| v.parse().ok().filter(|n| (1024..=200_000_000).contains(n)),
        )?;
        let v3_page_rows = vars.parsed(
            "STARVIT_TIGERGRAPH_V3_PAGE_ROWS",
            10_000,
            "rows between 1 and 100000",
            |v| v.parse().ok().filter(|n| (1..=100_000).contains(n)),
        )?;
        let base_url = required("STARVIT_TIGERGRAPH_URL")?;
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(ConfigError::from(VarError::Invalid {
                name: "STARVIT_TIGERGRAPH_URL",
                expected: "an http(s) URL",
            }));
        }
        let config = Self {
            deid_bucket: required("STARVIT_DEID_BUCKET")?,
            raw_dataset: dataset("STARVIT_RAW_DATASET", "deid_raw")?,
            governance_dataset: dataset("STARVIT_GOVERNANCE_DATASET", "governance")?,
            graph_dataset: dataset("STARVIT_GRAPH_DATASET", "graph")?,
            env: required("STARVIT_ENV")?,
            owner: required("STARVIT_OWNER")?,
            pipeline: get("STARVIT_PIPELINE").unwrap_or_else(|| "fhir-batch".to_owned()),
            quiet,
            v3_max_body_bytes,
            v3_page_rows,
            location: get("BIGQUERY_LOCATION"),
            tigergraph: TigerGraphConfig {
                base_url: base_url.trim_end_matches('/').to_owned(),
                graph: get("STARVIT_TIGERGRAPH_GRAPH").unwrap_or_else(|| "starvit".to_owned()),
                secret: required("STARVIT_TIGERGRAPH_SECRET")?,
                version,
                data_source: get("STARVIT_TIGERGRAPH_DATA_SOURCE")
                    .unwrap_or_else(|| "gcs".to_owned()),
                request_timeout: Duration::from_secs(60),
                job_timeout: Duration::from_secs(300),
            },
            gcp: GcpConfig::from_vars(vars.pairs())?,
        };
        config.job_labels("check").map_err(|_| {
            ConfigError::from(VarError::Invalid {
                name: "STARVIT_ENV/STARVIT_OWNER/STARVIT_PIPELINE",
                expected: "1-63 characters of [a-z0-9_-]",
            })
        })?;
        Ok(config)
    }

    /// The five governance labels for a job of `purpose`.
    ///
    /// # Errors
    /// When a configured label is invalid (caught at start-up).
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
            ("STARVIT_ENV", "test"),
            ("STARVIT_OWNER", "data-platform"),
            ("STARVIT_TIGERGRAPH_URL", "http://127.0.0.1:9"),
            ("STARVIT_TIGERGRAPH_SECRET", "s3cret"),
        ]
    }

    #[test]
    fn parses_and_fails_fast() {
        let c = Config::from_vars(vars()).unwrap();
        assert_eq!(c.graph_dataset, "graph");
        assert_eq!(c.tigergraph.version, ApiVersion::V4);
        assert!(!format!("{c:?}").contains("s3cret"));
        for missing in [
            "STARVIT_TIGERGRAPH_URL",
            "STARVIT_TIGERGRAPH_SECRET",
            "STARVIT_DEID_BUCKET",
        ] {
            let v: Vec<_> = vars().into_iter().filter(|(k, _)| *k != missing).collect();
            assert!(
                Config::from_vars(v)
                    .unwrap_err()
                    .to_string()
                    .contains(missing)
            );
        }
        let mut v = vars();
        v.push(("STARVIT_TIGERGRAPH_API", "5"));
        assert!(Config::from_vars(v).is_err());
    }
}
