//! BigQuery job labels: keys and values of `[a-z0-9_-]`, at most 63 characters, keys start with
//! a letter, at most 64 labels per job.
//!
//! The encoding is lossy by nature: a value that is not already a valid label value is lowercased,
//! other characters become `_`, and it gets a `-<8 hex>` suffix (SHA-256 of the original) so
//! distinct values stay distinct; long values are cut to fit first. Use labels for filtering
//! and billing; the lineage table ([`crate::row`]) is the lossless record.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::{Lineage, LineageError};

/// Max length of a label key or value.
pub const MAX_LABEL_LEN: usize = 63;
/// Max number of labels on a BigQuery job.
pub const MAX_LABELS: usize = 64;
/// Prefix of lineage label keys (keeps them apart from the governance labels).
pub const LABEL_PREFIX: &str = "starvit_";

fn label_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-')
}

/// Whether `key` is a valid label key: 1-63 of `[a-z0-9_-]`, starting with a letter.
pub fn is_valid_key(key: &str) -> bool {
    key.len() <= MAX_LABEL_LEN
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key.chars().all(label_char)
}

/// Whether `value` is a valid label value: 0-63 of `[a-z0-9_-]`.
pub fn is_valid_value(value: &str) -> bool {
    value.len() <= MAX_LABEL_LEN && value.chars().all(label_char)
}

/// Map any string to a valid label value; identity on values that already are valid.
pub fn sanitize_value(value: &str) -> String {
    if is_valid_value(value) {
        return value.to_owned();
    }
    let mapped: String = value
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .map(|c| if label_char(c) { c } else { '_' })
        .take(MAX_LABEL_LEN - 9)
        .collect();
    let digest = Sha256::digest(value.as_bytes());
    format!("{mapped}-{}", &hex::encode(digest)[..8])
}

impl Lineage {
    /// Encode as BigQuery job labels (`starvit_<field>` keys, sanitized values). Always valid.
    pub fn to_job_labels(&self) -> BTreeMap<String, String> {
        self.fields()
            .into_iter()
            .map(|(f, v)| (format!("{LABEL_PREFIX}{f}"), sanitize_value(&v)))
            .collect()
    }
}

/// The five governance labels every Starvit BigQuery job carries, validated strictly (not
/// sanitized: these are configuration, and a bad one should fail at start-up).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobLabels {
    labels: BTreeMap<String, String>,
}

impl JobLabels {
    /// Validate the governance labels.
    ///
    /// # Errors
    /// [`LineageError::Invalid`] naming the label (`service`, `owner`, `env`, `pipeline`,
    /// `purpose`) whose value is empty or not 1-63 of `[a-z0-9_-]`.
    pub fn new(
        service: &str,
        owner: &str,
        env: &str,
        pipeline: &str,
        purpose: &str,
    ) -> Result<Self, LineageError> {
        let mut labels = BTreeMap::new();
        for (key, value) in [
            ("service", service),
            ("owner", owner),
            ("env", env),
            ("pipeline", pipeline),
            ("purpose", purpose),
        ] {
            if value.is_empty() || !is_valid_value(value) {
                return Err(LineageError::Invalid {
                    field: key,
                    rule: "must be 1-63 characters of [a-z0-9_-]",
                });
            }
            labels.insert(key.to_owned(), value.to_owned());
        }
        Ok(Self { labels })
    }

    /// The governance labels alone.
    pub fn as_map(&self) -> &BTreeMap<String, String> {
        &self.labels
    }

    /// Governance labels merged with the lineage labels: what to put on a BigQuery job.
    pub fn with_lineage(&self, lineage: &Lineage) -> BTreeMap<String, String> {
        let mut out = lineage.to_job_labels();
        out.extend(self.labels.clone());
        out
    }
}
