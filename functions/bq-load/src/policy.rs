//! The de-ID policies whose full text this deployment can record in `deid_policy_versions`.
//!
//! The lineage only carries the policy *version* (a content hash). Its text is resolved here by
//! hashing the policies the function knows (`STARVIT_DEID_POLICIES`: builtin names or profile
//! paths, default the two builtins of `starvit-deid`) with `starvit_deid::Policy`, whose
//! `sources()` are exactly the files hashed into the version. A version nobody here knows (a
//! policy loaded from a file the deidentify service has and this one does not) is still
//! recorded, with a null text: the hash alone stays verifiable against the repository.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use starvit_deid::{DeidError, Policy};

use starvit_fhir::time as fhirtime;

/// A resolved policy: profile name and files.
#[derive(Debug, Clone)]
pub struct KnownPolicy {
    /// Profile name (`shifted`, ...).
    pub profile: String,
    /// `(file name, text)` in hash order.
    pub sources: Vec<(String, String)>,
}

/// Policies by version hex (64 digits, no prefix).
#[derive(Debug, Clone, Default)]
pub struct PolicyRegistry {
    by_hex: HashMap<String, KnownPolicy>,
}

impl PolicyRegistry {
    /// Resolve each name or path.
    ///
    /// # Errors
    /// [`DeidError`] when one does not resolve (fail fast at start-up).
    pub fn resolve(names: &[String]) -> Result<Self, DeidError> {
        let mut by_hex = HashMap::new();
        for name in names {
            let policy = Policy::resolve(name)?;
            let hex = policy.version().trim_start_matches("sha256:").to_owned();
            let sources = policy
                .sources()
                .iter()
                .map(|s| (s.name.clone(), s.text.clone()))
                .collect();
            by_hex.insert(
                hex,
                KnownPolicy {
                    profile: policy.name().to_owned(),
                    sources,
                },
            );
        }
        Ok(Self { by_hex })
    }

    /// The policy of a version, by its hex digits.
    pub fn get(&self, hex: &str) -> Option<&KnownPolicy> {
        self.by_hex.get(hex)
    }

    /// The `deid_policy_versions` row of `version` (`sha256:<hex>`) as one NDJSON line.
    pub fn row(&self, version: &str, recorded_at: DateTime<Utc>) -> Value {
        let hex = version.trim_start_matches("sha256:");
        let known = self.get(hex);
        json!({
            "policy_version": version,
            "profile": known.map(|k| k.profile.clone()),
            "policy_text": known.map(|k| {
                k.sources
                    .iter()
                    .map(|(name, text)| format!("# ---- {name} ----\n{text}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            }),
            "sources": known.map(|k| {
                k.sources
                    .iter()
                    .map(|(name, text)| json!({"name": name, "text": text}))
                    .collect::<Vec<_>>()
            }),
            "recorded_at": fhirtime::timestamp(&recorded_at),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_resolve_by_version() {
        let reg =
            PolicyRegistry::resolve(&["shifted".to_owned(), "safe-harbor".to_owned()]).unwrap();
        let shifted = Policy::builtin("shifted").unwrap();
        let now = Utc::now();
        let row = reg.row(shifted.version(), now);
        assert_eq!(row["profile"], "shifted");
        assert_eq!(row["policy_version"], shifted.version());
        let text = row["policy_text"].as_str().unwrap();
        assert!(text.contains("# ---- shifted.toml ----"));
        assert!(text.contains("# ---- rules-r4.toml ----"));
        assert_eq!(row["sources"].as_array().unwrap().len(), 2);
        let unknown = reg.row(&format!("sha256:{}", "0".repeat(64)), now);
        assert!(unknown["policy_text"].is_null() && unknown["profile"].is_null());
        assert!(PolicyRegistry::resolve(&["no-such-policy".to_owned()]).is_err());
    }
}
