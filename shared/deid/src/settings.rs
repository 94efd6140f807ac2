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
//! | `STARVIT_DLP_ENDPOINT` | Cloud DLP's base URL (default `https://dlp.googleapis.com`; the contract stub's locally) |
//! | `STARVIT_DLP_PARENT` | `projects/P/locations/L` of the DLP requests; `deidentify` requires it when the policy has a `[text]` section ([`DeidSettings::required_dlp`]); nothing else calls DLP |

use std::path::Path;

use crate::{DeidError, Key, Policy};

/// Names of the variables, for settings tables and Terraform checks.
pub const VARIABLES: [&str; 6] = [
    "STARVIT_DEID_KEY",
    "STARVIT_DEID_KEY_FILE",
    "STARVIT_DEID_POLICY",
    "STARVIT_DEID_APPROVAL_BUCKET",
    "STARVIT_DLP_ENDPOINT",
    "STARVIT_DLP_PARENT",
];

/// Google's DLP endpoint (the default of `STARVIT_DLP_ENDPOINT`).
pub const DLP_ENDPOINT: &str = "https://dlp.googleapis.com";

/// Where the free text of a `[text]` policy goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DlpTarget {
    /// Base URL.
    pub endpoint: String,
    /// `projects/P/locations/L`.
    pub parent: String,
}

impl DlpTarget {
    /// True for Google's endpoint (then requests carry a metadata-server token).
    #[must_use]
    pub fn is_google(&self) -> bool {
        self.endpoint == DLP_ENDPOINT
    }
}

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
    /// `STARVIT_DLP_ENDPOINT` (default [`DLP_ENDPOINT`]), without a trailing `/`.
    pub dlp_endpoint: String,
    /// `STARVIT_DLP_PARENT`, when set.
    pub dlp_parent: Option<String>,
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
    /// The policy sends free text to DLP and `STARVIT_DLP_PARENT` is unset.
    #[error("STARVIT_DLP_PARENT is required: the policy has a [text] section")]
    MissingDlpParent,
    /// A DLP setting is not of its form.
    #[error(
        "{0} is invalid (STARVIT_DLP_ENDPOINT: an http(s) URL; STARVIT_DLP_PARENT: projects/P/locations/L)"
    )]
    InvalidDlp(&'static str),
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
        let dlp_endpoint = get("STARVIT_DLP_ENDPOINT").map_or_else(
            || DLP_ENDPOINT.to_owned(),
            |e| e.trim().trim_end_matches('/').to_owned(),
        );
        if !(dlp_endpoint.starts_with("https://") || dlp_endpoint.starts_with("http://")) {
            return Err(SettingsError::InvalidDlp("STARVIT_DLP_ENDPOINT"));
        }
        let dlp_parent = get("STARVIT_DLP_PARENT").map(|p| p.trim().to_owned());
        if dlp_parent.as_deref().is_some_and(|p| !is_parent(p)) {
            return Err(SettingsError::InvalidDlp("STARVIT_DLP_PARENT"));
        }
        Ok(Self {
            policy: Policy::resolve(&policy)?,
            key,
            approval_bucket: get("STARVIT_DEID_APPROVAL_BUCKET"),
            dlp_endpoint,
            dlp_parent,
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

/// `projects/P/locations/L`, each part a plain token.
fn is_parent(p: &str) -> bool {
    let part = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
    };
    let parts: Vec<&str> = p.split('/').collect();
    matches!(parts.as_slice(), ["projects", proj, "locations", loc] if part(proj) && part(loc))
}

impl DeidSettings {
    /// Where the policy's free text goes: `None` when the policy has no `[text]` section
    /// (nothing calls DLP), else the target, which then must be complete.
    ///
    /// # Errors
    /// [`SettingsError::MissingDlpParent`].
    pub fn required_dlp(&self) -> Result<Option<DlpTarget>, SettingsError> {
        if !self.policy.has_text() {
            return Ok(None);
        }
        let parent = self
            .dlp_parent
            .clone()
            .ok_or(SettingsError::MissingDlpParent)?;
        Ok(Some(DlpTarget {
            endpoint: self.dlp_endpoint.clone(),
            parent,
        }))
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
    fn dlp_settings_are_required_only_with_a_text_policy() {
        let vars = |extra: &[(&str, &str)]| {
            let mut v: Vec<(String, String)> = vec![(
                "STARVIT_DEID_KEY".into(),
                "00112233445566778899aabbccddeeff".into(),
            )];
            v.extend(
                extra
                    .iter()
                    .map(|(a, b)| ((*a).to_owned(), (*b).to_owned())),
            );
            DeidSettings::from_lookup(|n| v.iter().find(|(k, _)| k == n).map(|(_, x)| x.clone()))
        };
        assert_eq!(vars(&[]).unwrap().required_dlp().unwrap(), None);
        let text = vars(&[("STARVIT_DEID_POLICY", "shifted-text")]).unwrap();
        assert!(matches!(
            text.required_dlp(),
            Err(SettingsError::MissingDlpParent)
        ));
        let parent = ("STARVIT_DLP_PARENT", "projects/p-1/locations/global");
        let target = vars(&[("STARVIT_DEID_POLICY", "shifted-text"), parent])
            .unwrap()
            .required_dlp()
            .unwrap()
            .unwrap();
        assert!(target.is_google() && target.parent == parent.1);
        let stub = vars(&[
            ("STARVIT_DEID_POLICY", "shifted-text"),
            parent,
            ("STARVIT_DLP_ENDPOINT", "http://127.0.0.1:9/"),
        ])
        .unwrap();
        let target = stub.required_dlp().unwrap().unwrap();
        assert!(!target.is_google() && target.endpoint == "http://127.0.0.1:9");
        for bad in [
            ("STARVIT_DLP_PARENT", "projects/p"),
            ("STARVIT_DLP_PARENT", "projects/p/locations/l/x"),
            ("STARVIT_DLP_ENDPOINT", "dlp.googleapis.com"),
        ] {
            assert!(matches!(vars(&[bad]), Err(SettingsError::InvalidDlp(_))));
        }
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
