//! Endpoints and project of the Google Cloud services, parsed once at start-up.

use google_cloud_auth::credentials::{Credentials, anonymous};

/// Where the Google Cloud clients connect. `None` for an endpoint means production with
/// Application Default Credentials (the metadata server on Cloud Run); `Some(url)` means an
/// emulator at that URL, reached with anonymous credentials.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GcpConfig {
    /// Project that owns topics, subscriptions and BigQuery jobs.
    pub project_id: String,
    /// GCS JSON API base URL, e.g. `http://127.0.0.1:4443` for fake-gcs-server.
    pub storage_endpoint: Option<String>,
    /// Pub/Sub gRPC endpoint, e.g. `http://127.0.0.1:8085` for the emulator.
    pub pubsub_endpoint: Option<String>,
    /// BigQuery REST base URL, e.g. `http://127.0.0.1:9050` for local-bigquery.
    pub bigquery_endpoint: Option<String>,
}

/// Configuration error: a required variable is missing or malformed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid GCP configuration: {0}")]
pub struct ConfigError(String);

impl GcpConfig {
    /// Production configuration for `project_id`.
    pub fn production(project_id: impl Into<String>) -> Self {
        Self {
            project_id: project_id.into(),
            ..Self::default()
        }
    }

    /// Parses the configuration from `(name, value)` pairs, so tests never touch the process
    /// environment. Recognised names: `GOOGLE_CLOUD_PROJECT` (required), and the emulator
    /// conventions `STORAGE_EMULATOR_HOST` (URL), `PUBSUB_EMULATOR_HOST` (`host:port` or URL)
    /// and `BIGQUERY_EMULATOR_HOST` (URL).
    ///
    /// # Errors
    /// [`ConfigError`] when the project is missing or an endpoint is empty.
    pub fn from_vars<I, K, V>(vars: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: Into<String>,
    {
        let mut config = Self::default();
        for (name, value) in vars {
            let value = value.into();
            match name.as_ref() {
                "GOOGLE_CLOUD_PROJECT" => config.project_id = value,
                "STORAGE_EMULATOR_HOST" => config.storage_endpoint = Some(as_url(&value)?),
                "PUBSUB_EMULATOR_HOST" => config.pubsub_endpoint = Some(as_url(&value)?),
                "BIGQUERY_EMULATOR_HOST" => config.bigquery_endpoint = Some(as_url(&value)?),
                _ => {}
            }
        }
        if config.project_id.is_empty() {
            return Err(ConfigError("GOOGLE_CLOUD_PROJECT is required".into()));
        }
        Ok(config)
    }
}

/// Accepts `host:port` (the Pub/Sub emulator convention) or a full URL.
fn as_url(value: &str) -> Result<String, ConfigError> {
    let value = value.trim().trim_end_matches('/');
    if value.is_empty() {
        return Err(ConfigError("an emulator endpoint is set but empty".into()));
    }
    if value.starts_with("http://") || value.starts_with("https://") {
        Ok(value.to_owned())
    } else {
        Ok(format!("http://{value}"))
    }
}

/// Anonymous credentials when an emulator endpoint is set, `None` (= ADC) otherwise.
pub(crate) fn credentials_for(endpoint: Option<&String>) -> Option<Credentials> {
    endpoint.map(|_| anonymous::Builder::new().build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_emulator_endpoints() {
        let config = GcpConfig::from_vars([
            ("GOOGLE_CLOUD_PROJECT", "p"),
            ("PUBSUB_EMULATOR_HOST", "127.0.0.1:8085"),
            ("STORAGE_EMULATOR_HOST", "http://127.0.0.1:4443/"),
            ("UNRELATED", "x"),
        ])
        .unwrap();
        assert_eq!(config.project_id, "p");
        assert_eq!(
            config.pubsub_endpoint.as_deref(),
            Some("http://127.0.0.1:8085")
        );
        assert_eq!(
            config.storage_endpoint.as_deref(),
            Some("http://127.0.0.1:4443")
        );
        assert_eq!(config.bigquery_endpoint, None);
    }

    #[test]
    fn project_is_required() {
        let vars: [(&str, &str); 0] = [];
        assert!(GcpConfig::from_vars(vars).is_err());
    }
}
