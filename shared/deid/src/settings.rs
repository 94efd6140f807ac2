//! The one parser of the de-identification settings, shared by `deidentify`, the
//! subscription relay and `starvit deid`, so the same variables give the same pseudonyms
//! everywhere.
//!
//! | variable | meaning |
//! |---|---|
//! | `STARVIT_DEID_KEY` | the HMAC key, hex (at least 32 hex digits = 16 bytes) |
//! | `STARVIT_DEID_KEY_FILE` | a file holding the same hex (Secret Manager mounts one); used when `STARVIT_DEID_KEY` is unset |
//! | `STARVIT_DEID_POLICY` | `shifted` (default), `safe-harbor`, or a profile file path |
//! | `STARVIT_DEID_APPROVAL_BUCKET` | the PHI-side bucket whose `approvals/<hex>.json` approves a policy version (`starvit-approval`); the functions require it, `starvit deid` (a developer tool) does not read it |

use std::path::Path;

use crate::{DeidError, Key, Policy};

/// Names of the variables, for settings tables and Terraform checks.
pub const VARIABLES: [&str; 4] = [
    "STARVIT_DEID_KEY",
    "STARVIT_DEID_KEY_FILE",
    "STARVIT_DEID_POLICY",
    "STARVIT_DEID_APPROVAL_BUCKET",
];

/// The default policy.
pub const DEFAULT_POLICY: &str = "shifted";

/// The parsed settings: a compiled policy and its key.
#[derive(Debug)]
pub struct DeidSettings {
    /// The compiled policy.
    pub policy: Policy,
    /// The key (redacting `Debug`).
    pub key: Key,
    /// The bucket of the policy approvals, when set.
    pub approval_bucket: Option<String>,
}

/// A de-ID setting is missing or invalid. Never echoes a value.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// Neither key variable is set.
    #[error("STARVIT_DEID_KEY or STARVIT_DEID_KEY_FILE is required")]
    MissingKey,
    /// A function needs the approvals' bucket.
    #[error("STARVIT_DEID_APPROVAL_BUCKET is required")]
    MissingApprovalBucket,
    /// The policy or the key could not be loaded.
    #[error(transparent)]
    Deid(#[from] DeidError),
}

impl DeidSettings {
    /// Parses the settings from a variable lookup (empty values count as unset).
    ///
    /// # Errors
    /// [`SettingsError`] naming what is wrong.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let get = |name: &str| get(name).filter(|v| !v.trim().is_empty());
        let key = match (get("STARVIT_DEID_KEY"), get("STARVIT_DEID_KEY_FILE")) {
            (Some(hex), _) => Key::from_hex(&hex)?,
            (None, Some(path)) => Key::from_file(Path::new(&path))?,
            (None, None) => return Err(SettingsError::MissingKey),
        };
        let policy = get("STARVIT_DEID_POLICY").unwrap_or_else(|| DEFAULT_POLICY.to_owned());
        Ok(Self {
            policy: Policy::resolve(&policy)?,
            key,
            approval_bucket: get("STARVIT_DEID_APPROVAL_BUCKET"),
        })
    }
}

impl DeidSettings {
    /// The approvals' bucket, which the functions require.
    ///
    /// # Errors
    /// [`SettingsError::MissingApprovalBucket`].
    pub fn required_approval_bucket(&self) -> Result<String, SettingsError> {
        self.approval_bucket
            .clone()
            .ok_or(SettingsError::MissingApprovalBucket)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pseudonym::Pseudonymizer;

    #[test]
    fn the_same_hex_gives_the_same_key_from_a_variable_and_a_file() {
        let hex = "00112233445566778899aabbccddeeff";
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("key");
        std::fs::write(&file, format!("{hex}\n")).unwrap();
        let a = DeidSettings::from_lookup(|n| (n == "STARVIT_DEID_KEY").then(|| hex.to_owned()))
            .unwrap();
        let f = file.to_string_lossy().into_owned();
        let b = DeidSettings::from_lookup(|n| (n == "STARVIT_DEID_KEY_FILE").then(|| f.clone()))
            .unwrap();
        assert_eq!(
            Pseudonymizer::new(&a.key).id("x"),
            Pseudonymizer::new(&b.key).id("x")
        );
        assert_eq!(a.policy.name(), "shifted");
    }

    #[test]
    fn rejects_missing_short_and_non_hex_keys_without_echoing_them() {
        assert!(matches!(
            DeidSettings::from_lookup(|_| None),
            Err(SettingsError::MissingKey)
        ));
        for bad in ["not-hex-but-long-enough-0123456789", "0011"] {
            let err =
                DeidSettings::from_lookup(|n| (n == "STARVIT_DEID_KEY").then(|| bad.to_owned()))
                    .unwrap_err();
            assert!(!err.to_string().contains(bad), "{err}");
        }
    }
}
