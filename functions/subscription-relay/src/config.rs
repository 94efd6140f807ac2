//! Settings of the `subscription-relay` function: [`SETTINGS`] (the list, as data), parsed once
//! from `(key, value)` pairs into [`Config`].

use starvit_deid::Key;
use starvit_gcp::GcpConfig;
use starvit_runtime::Setting;
use starvit_runtime::settings::Infra;
use starvit_runtime::settings::common;
use starvit_runtime::vars::{VarError, Vars};

/// `service` label and lineage stage.
pub const SERVICE: &str = "subscription-relay";

/// The Subscription's HMAC secret.
pub const SUBSCRIPTION_SECRET: Setting = Setting::required(
    "STARVIT_SUBSCRIPTION_SECRET",
    "at least 16 bytes",
    "the Subscription's HMAC secret (Secret Manager)",
)
.secret()
.local("local-subscription-secret-0123456789");
/// Topic of the de-identified events.
pub const DEID_EVENTS_TOPIC: Setting = Setting::required(
    "STARVIT_DEID_EVENTS_TOPIC",
    "a Pub/Sub topic short name",
    "topic of the de-identified events",
)
.local("deid-events")
.infra(Infra::Topic);

/// Every variable `subscription-relay` reads.
pub const SETTINGS: &[Setting] = &[
    SUBSCRIPTION_SECRET,
    common::DEID_KEY,
    common::DEID_KEY_FILE,
    common::DEID_POLICY,
    common::DEID_APPROVAL_BUCKET,
    DEID_EVENTS_TOPIC,
    common::QUARANTINE_BUCKET,
    Setting::default(
        "STARVIT_PIPELINE",
        "fhir-events",
        "1-63 characters of [a-z0-9_-]",
        "lineage pipeline name",
    )
    .infra(Infra::PipelineLabel),
    common::GOOGLE_CLOUD_PROJECT,
    common::STORAGE_EMULATOR_HOST,
    common::PUBSUB_EMULATOR_HOST,
];

/// Typed settings.
pub struct Config {
    /// HMAC secret of the Subscription.
    pub secret: Vec<u8>,
    /// De-ID key.
    pub key: Key,
    /// De-ID policy name or file (resolved once here to fail fast, again by the engine).
    pub policy: String,
    /// Where the policy's approval must be (`STARVIT_DEID_APPROVAL_BUCKET`).
    pub approval_bucket: String,
    /// Events topic.
    pub topic: String,
    /// Quarantine bucket (PHI side).
    pub quarantine_bucket: String,
    /// Lineage pipeline.
    pub pipeline: String,
    /// Project and emulator endpoints.
    pub gcp: GcpConfig,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("secret", &"<redacted>")
            .field("key", &"<redacted>")
            .field("policy", &self.policy)
            .field("approval_bucket", &self.approval_bucket)
            .field("topic", &self.topic)
            .field("quarantine_bucket", &self.quarantine_bucket)
            .field("pipeline", &self.pipeline)
            .finish_non_exhaustive()
    }
}

/// A setting is missing or invalid; names the variable, never the value.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A variable is missing or does not parse.
    #[error(transparent)]
    Var(#[from] VarError),
    /// The de-ID key or policy.
    #[error(transparent)]
    Deid(#[from] starvit_deid::settings::SettingsError),
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
        let secret = required("STARVIT_SUBSCRIPTION_SECRET")?.into_bytes();
        if secret.len() < 16 {
            return Err(ConfigError::from(VarError::Invalid {
                name: "STARVIT_SUBSCRIPTION_SECRET",
                expected: "at least 16 bytes",
            }));
        }
        // The one de-ID settings parser (the same variables give deidentify's pseudonyms).
        let deid = starvit_deid::settings::DeidSettings::from_lookup(get)?;
        let approval_bucket = deid.required_approval_bucket()?;
        let key = deid.key;
        let policy = get("STARVIT_DEID_POLICY")
            .unwrap_or_else(|| starvit_deid::settings::DEFAULT_POLICY.into());
        Ok(Self {
            secret,
            key,
            policy,
            approval_bucket,
            topic: required("STARVIT_DEID_EVENTS_TOPIC")?,
            quarantine_bucket: required("STARVIT_QUARANTINE_BUCKET")?,
            pipeline: get("STARVIT_PIPELINE").unwrap_or_else(|| "fhir-events".to_owned()),
            gcp: GcpConfig::from_vars(vars.pairs())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn vars() -> Vec<(&'static str, &'static str)> {
        vec![
            ("GOOGLE_CLOUD_PROJECT", "starvit-test"),
            (
                "STARVIT_SUBSCRIPTION_SECRET",
                "subscription-secret-0123456789",
            ),
            ("STARVIT_DEID_KEY", "00112233445566778899aabbccddeeff"),
            ("STARVIT_DEID_EVENTS_TOPIC", "deid-events"),
            ("STARVIT_QUARANTINE_BUCKET", "phi-quarantine"),
            ("STARVIT_DEID_APPROVAL_BUCKET", "phi-staging"),
        ]
    }

    #[test]
    fn settings_agree_with_the_parser() {
        starvit_runtime::settings::check(SETTINGS, |v| Config::from_vars(v).map(|_| ())).unwrap();
    }

    #[test]
    fn parses_redacts_and_fails_fast() {
        let c = Config::from_vars(vars()).unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("subscription-secret") && !shown.contains("00112233"));
        for missing in [
            "STARVIT_SUBSCRIPTION_SECRET",
            "STARVIT_DEID_KEY",
            "STARVIT_DEID_EVENTS_TOPIC",
        ] {
            let v: Vec<_> = vars().into_iter().filter(|(k, _)| *k != missing).collect();
            assert!(
                Config::from_vars(v)
                    .unwrap_err()
                    .to_string()
                    .contains(missing)
            );
        }
        let mut short = vars();
        short.push(("STARVIT_SUBSCRIPTION_SECRET", "short"));
        assert!(Config::from_vars(short).is_err());
    }
}
