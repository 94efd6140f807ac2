//! Settings of the `graph-snapshot` function: [`SETTINGS`] (the list, as data), parsed once
//! from `(key, value)` pairs into [`Config`].

use std::time::Duration;

use starvit_gcp::GcpConfig;
use starvit_gcp::bigquery::spec::dataset_id_ok;
use starvit_lineage::JobLabels;
use starvit_runtime::Setting;
use starvit_runtime::settings::common;
use starvit_runtime::vars::{VarError, Vars};
use starvit_warehouse::datasets;

use crate::tigergraph::{ApiVersion, TigerGraphConfig};

/// `service` label and lineage stage.
pub const SERVICE: &str = "graph-snapshot";

/// Quiet period of the due rule.
pub const QUIET_SECS: Setting = Setting::default(
    "STARVIT_SNAPSHOT_QUIET_SECS",
    "0",
    "a number of seconds",
    "a snapshot is due once no load has landed for this long",
)
// Locally the events that come earlier are retried, then skipped as superseded, so an export
// makes one graph.
.local("4");
/// TigerGraph base URL.
pub const TIGERGRAPH_URL: Setting = Setting::required(
    "STARVIT_TIGERGRAPH_URL",
    "an http(s) URL",
    "TigerGraph base URL (locally the contract stub's)",
)
.local("${TIGERGRAPH_URL}");
/// TigerGraph graph name.
pub const TIGERGRAPH_GRAPH: Setting = Setting::default(
    "STARVIT_TIGERGRAPH_GRAPH",
    "starvit",
    "a graph name",
    "graph name (the model's)",
);
/// Secret of TigerGraph's token endpoint.
pub const TIGERGRAPH_SECRET: Setting = Setting::required(
    "STARVIT_TIGERGRAPH_SECRET",
    "text",
    "secret for the token endpoint (Secret Manager)",
)
.secret()
.local("local-tigergraph-secret");
/// TigerGraph REST API generation.
pub const TIGERGRAPH_API: Setting = Setting::default(
    "STARVIT_TIGERGRAPH_API",
    "4",
    "4 or 3",
    "4: /gsql/v1, Parquet by URI; 3: /restpp/ddl, JSON lines pushed",
);
/// Largest 3.x body.
pub const V3_MAX_BODY_BYTES: Setting = Setting::default(
    "STARVIT_TIGERGRAPH_V3_MAX_BODY_BYTES",
    "67108864",
    "bytes between 1024 and 200000000",
    "largest 3.x request body",
);
/// Rows per results page on the 3.x path.
pub const V3_PAGE_ROWS: Setting = Setting::default(
    "STARVIT_TIGERGRAPH_V3_PAGE_ROWS",
    "10000",
    "rows between 1 and 100000",
    "rows per `getQueryResults` page on the 3.x path",
);
/// 4.x data source name.
pub const TIGERGRAPH_DATA_SOURCE: Setting = Setting::default(
    "STARVIT_TIGERGRAPH_DATA_SOURCE",
    "gcs",
    "a data source name",
    "4.x data source name for gs://",
);

/// Every variable `graph-snapshot` reads.
pub const SETTINGS: &[Setting] = &[
    common::DEID_BUCKET,
    datasets::RAW,
    datasets::GOVERNANCE,
    datasets::GRAPH,
    common::ENV,
    common::OWNER,
    common::PIPELINE,
    QUIET_SECS,
    TIGERGRAPH_URL,
    TIGERGRAPH_GRAPH,
    TIGERGRAPH_SECRET,
    TIGERGRAPH_API,
    V3_MAX_BODY_BYTES,
    V3_PAGE_ROWS,
    TIGERGRAPH_DATA_SOURCE,
    common::BIGQUERY_LOCATION,
    common::GOOGLE_CLOUD_PROJECT,
    common::STORAGE_EMULATOR_HOST,
    common::BIGQUERY_EMULATOR_HOST,
];

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
        let set = |s: &Setting| vars.setting(s).map(Option::unwrap_or_default);
        let dataset = |s: &Setting| {
            vars.parse(s, |v| dataset_id_ok(v).then(|| v.to_owned()))
                .map(Option::unwrap_or_default)
        };
        let number = |s: &Setting, range: std::ops::RangeInclusive<u64>| {
            vars.parse(s, |v| v.parse().ok().filter(|n| range.contains(n)))
                .map(Option::unwrap_or_default)
        };
        let version = vars
            .parse(&TIGERGRAPH_API, |v| match v {
                "4" => Some(ApiVersion::V4),
                "3" => Some(ApiVersion::V3),
                _ => None,
            })?
            .unwrap_or(ApiVersion::V4);
        let base_url = vars
            .parse(&TIGERGRAPH_URL, |v| {
                (v.starts_with("http://") || v.starts_with("https://")).then(|| v.to_owned())
            })?
            .unwrap_or_default();
        let config = Self {
            deid_bucket: set(&common::DEID_BUCKET)?,
            raw_dataset: dataset(&datasets::RAW)?,
            governance_dataset: dataset(&datasets::GOVERNANCE)?,
            graph_dataset: dataset(&datasets::GRAPH)?,
            env: set(&common::ENV)?,
            owner: set(&common::OWNER)?,
            pipeline: set(&common::PIPELINE)?,
            quiet: Duration::from_secs(number(&QUIET_SECS, 0..=u64::MAX)?),
            v3_max_body_bytes: usize::try_from(number(&V3_MAX_BODY_BYTES, 1024..=200_000_000)?)
                .unwrap_or(usize::MAX),
            v3_page_rows: u32::try_from(number(&V3_PAGE_ROWS, 1..=100_000)?).unwrap_or(u32::MAX),
            location: vars.setting(&common::BIGQUERY_LOCATION)?,
            tigergraph: TigerGraphConfig {
                base_url: base_url.trim_end_matches('/').to_owned(),
                graph: set(&TIGERGRAPH_GRAPH)?,
                secret: set(&TIGERGRAPH_SECRET)?,
                version,
                data_source: set(&TIGERGRAPH_DATA_SOURCE)?,
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
    fn settings_agree_with_the_parser() {
        starvit_runtime::settings::check(SETTINGS, |v| Config::from_vars(v).map(|_| ())).unwrap();
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
