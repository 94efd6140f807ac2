//! Settings of the `deidentify` function: [`SETTINGS`] (the list, as data), parsed once at
//! start-up into [`Config`].

use std::path::PathBuf;

use starvit_deid::settings::{DeidSettings, DlpTarget, SettingsError};
use starvit_deid::{Key, Policy};
use starvit_runtime::Setting;
use starvit_runtime::settings::common;

/// The `service` name and lineage stage.
pub const SERVICE: &str = "deidentify";

/// Every variable `deidentify` reads.
pub const SETTINGS: &[Setting] = &[
    common::PHI_BUCKET,
    common::DEID_BUCKET,
    common::QUARANTINE_BUCKET,
    common::DEID_POLICY,
    common::DEID_KEY,
    common::DEID_KEY_FILE,
    common::DEID_APPROVAL_BUCKET,
    common::DLP_ENDPOINT,
    common::DLP_PARENT,
    common::PIPELINE,
    common::SPOOL_DIR,
    common::GOOGLE_CLOUD_PROJECT,
    common::STORAGE_EMULATOR_HOST,
];

/// Typed settings. Built from `(key, value)` pairs so tests never touch the process environment.
#[derive(Debug)]
pub struct Config {
    /// PHI staging bucket: the only bucket this function reads (`STARVIT_PHI_BUCKET`).
    pub phi_bucket: String,
    /// De-ID bucket: where de-identified NDJSON lands (`STARVIT_DEID_BUCKET`).
    pub deid_bucket: String,
    /// Quarantine bucket on the PHI side (`STARVIT_QUARANTINE_BUCKET`).
    pub quarantine_bucket: String,
    /// The compiled policy (`STARVIT_DEID_POLICY`: a builtin name or a file; default `shifted`).
    pub policy: Policy,
    /// The pseudonymisation key (`STARVIT_DEID_KEY`, hex, or `STARVIT_DEID_KEY_FILE`).
    pub key: Key,
    /// Where the policy's approval must be (`STARVIT_DEID_APPROVAL_BUCKET`).
    pub approval_bucket: String,
    /// Cloud DLP for the policy's free text (`STARVIT_DLP_ENDPOINT`, `STARVIT_DLP_PARENT`):
    /// `Some` exactly when the policy has a `[text]` section.
    pub dlp: Option<DlpTarget>,
    /// Pipeline name stamped into the lineage (`STARVIT_PIPELINE`, default `fhir-batch`).
    pub pipeline: String,
    /// Where output is spooled before the create-only upload (`STARVIT_SPOOL_DIR`, default temp).
    pub spool_dir: Option<PathBuf>,
}

/// A setting is missing or invalid. Never echoes a secret.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A required variable is unset.
    #[error("{0} is required")]
    Missing(&'static str),
    /// The de-ID settings (key, policy) are missing or invalid.
    #[error(transparent)]
    Deid(#[from] SettingsError),
}

impl Config {
    /// Parses the settings.
    ///
    /// # Errors
    /// [`ConfigError`] naming the variable at fault.
    pub fn from_vars<I, K, V>(vars: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: Into<String>,
    {
        let mut phi_bucket = None;
        let mut deid_bucket = None;
        let mut quarantine_bucket = None;
        let mut deid = std::collections::HashMap::new();
        let mut pipeline = "fhir-batch".to_owned();
        let mut spool_dir = None;
        for (name, value) in vars {
            let value = value.into();
            match name.as_ref() {
                "STARVIT_PHI_BUCKET" => phi_bucket = Some(value),
                "STARVIT_DEID_BUCKET" => deid_bucket = Some(value),
                "STARVIT_QUARANTINE_BUCKET" => quarantine_bucket = Some(value),
                name if starvit_deid::settings::VARIABLES.contains(&name) => {
                    deid.insert(name.to_owned(), value);
                }
                "STARVIT_PIPELINE" => pipeline = value,
                "STARVIT_SPOOL_DIR" => spool_dir = Some(PathBuf::from(value)),
                _ => {}
            }
        }
        let settings = DeidSettings::from_lookup(|n| deid.get(n).cloned())?;
        let approval_bucket = settings.required_approval_bucket()?;
        let dlp = settings.required_dlp()?;
        let DeidSettings { policy, key, .. } = settings;
        Ok(Self {
            phi_bucket: phi_bucket.ok_or(ConfigError::Missing("STARVIT_PHI_BUCKET"))?,
            deid_bucket: deid_bucket.ok_or(ConfigError::Missing("STARVIT_DEID_BUCKET"))?,
            quarantine_bucket: quarantine_bucket
                .ok_or(ConfigError::Missing("STARVIT_QUARANTINE_BUCKET"))?,
            policy,
            key,
            approval_bucket,
            dlp,
            pipeline,
            spool_dir,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Vec<(&'static str, String)> {
        vec![
            ("STARVIT_PHI_BUCKET", "phi".into()),
            ("STARVIT_DEID_BUCKET", "deid".into()),
            ("STARVIT_QUARANTINE_BUCKET", "quarantine".into()),
            (
                "STARVIT_DEID_KEY",
                "00112233445566778899aabbccddeeff".into(),
            ),
            ("STARVIT_DEID_APPROVAL_BUCKET", "phi".into()),
        ]
    }

    #[test]
    fn settings_agree_with_the_parser() {
        starvit_runtime::settings::check(SETTINGS, |v| {
            Config::from_vars(v.clone()).map_err(|e| e.to_string())?;
            starvit_gcp::GcpConfig::from_vars(v).map_err(|e| e.to_string())?;
            Ok::<(), String>(())
        })
        .unwrap();
    }

    #[test]
    fn parses_defaults() {
        let cfg = Config::from_vars(base()).expect("valid");
        assert_eq!(cfg.policy.name(), "shifted");
        assert_eq!(cfg.pipeline, "fhir-batch");
        assert!(
            !format!("{:?}", cfg.key).contains("00112233"),
            "key must be redacted in Debug"
        );
    }

    #[test]
    fn rejects_missing_and_bad_settings() {
        let mut vars = base();
        vars.retain(|(k, _)| *k != "STARVIT_DEID_BUCKET");
        assert!(matches!(
            Config::from_vars(vars),
            Err(ConfigError::Missing("STARVIT_DEID_BUCKET"))
        ));
        let mut vars = base();
        vars.push(("STARVIT_DEID_KEY", "not hex".into()));
        let err = Config::from_vars(vars).expect_err("bad key");
        assert!(
            !err.to_string().contains("not hex"),
            "a secret is never echoed"
        );
        let mut vars = base();
        vars.push(("STARVIT_DEID_POLICY", "no-such-policy".into()));
        assert!(Config::from_vars(vars).is_err());
    }

    #[test]
    fn a_text_policy_needs_the_dlp_parent_and_the_default_ones_do_not() {
        assert!(Config::from_vars(base()).expect("valid").dlp.is_none());
        let mut vars = base();
        vars.push(("STARVIT_DEID_POLICY", "shifted-text".into()));
        let err = Config::from_vars(vars.clone()).expect_err("no parent");
        assert!(err.to_string().contains("STARVIT_DLP_PARENT"), "{err}");
        vars.push(("STARVIT_DLP_PARENT", "projects/p/locations/global".into()));
        let dlp = Config::from_vars(vars).expect("valid").dlp.expect("dlp");
        assert_eq!(dlp.endpoint, "https://dlp.googleapis.com");
    }
}
