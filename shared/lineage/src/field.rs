//! Validated newtypes, one per lineage field. Each admits only a bounded token from a narrow
//! charset (ids of operations, hashes, names of objects Starvit creates), so free text such as a
//! person's name with a space cannot enter a [`crate::Lineage`]. Errors name the field, never the
//! value.

use std::fmt;

mod export_time;
pub use export_time::ExportTime;

/// A lineage value was rejected. Names the field and the rule; never echoes the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineageError {
    /// The value breaks the field's rule.
    #[error("lineage field {field} is invalid: {rule}")]
    Invalid {
        /// Field name, e.g. `source_object`.
        field: &'static str,
        /// The rule it breaks, e.g. `must be 1-1024 characters`.
        rule: &'static str,
    },
    /// A required field is missing from an encoding.
    #[error("lineage field {field} is missing")]
    Missing {
        /// Field name.
        field: &'static str,
    },
}

/// Charset of operation ids and object names: `[A-Za-z0-9._-/:=]`.
fn id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | ':' | '=')
}

/// Charset of stage and pipeline names: `[a-z0-9_-]`.
fn slug_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-')
}

/// Charset of bucket names: `[a-z0-9._-]`.
fn bucket_char(c: char) -> bool {
    slug_char(c) || c == '.'
}

/// Charset of BigQuery table references (`project.dataset.table`, `project:dataset.table`).
fn table_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':')
}

/// Charset of partition ids (`20261102`, `2026110210`, `__UNPARTITIONED__`).
fn partition_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

pub(crate) fn check(
    value: &str,
    field: &'static str,
    max: usize,
    allowed: fn(char) -> bool,
    rule: &'static str,
) -> Result<(), LineageError> {
    if value.is_empty() || value.len() > max || !value.chars().all(allowed) {
        return Err(LineageError::Invalid { field, rule });
    }
    Ok(())
}

macro_rules! token {
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:literal, $allowed:ident, $rule:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[derive(serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Field name used in errors and encodings.
            pub const FIELD: &'static str = $field;
            /// Maximum length in bytes.
            pub const MAX_LEN: usize = $max;

            /// Validate and wrap.
            ///
            /// # Errors
            /// [`LineageError::Invalid`] naming the field when the value breaks the rule.
            pub fn new(value: impl Into<String>) -> Result<Self, LineageError> {
                let value = value.into();
                check(&value, $field, $max, $allowed, $rule)?;
                Ok(Self(value))
            }

            /// The validated value.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = LineageError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::new(value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

token!(
    /// Pipeline name, e.g. `fhir-batch`.
    PipelineName, "pipeline", 63, slug_char, "must be 1-63 characters of [a-z0-9_-]"
);
token!(
    /// Stage that wrote this lineage, e.g. `deidentify`.
    StageName, "stage", 63, slug_char, "must be 1-63 characters of [a-z0-9_-]"
);
token!(
    /// FHIR `$export` job id (Medplum's bulk data job id).
    ExportJobId, "export_job_id", 256, id_char, "must be 1-256 characters of [A-Za-z0-9._-/:=]"
);
token!(
    /// Bucket holding the source object.
    SourceBucket, "source_bucket", 222, bucket_char, "must be 1-222 characters of [a-z0-9._-]"
);
token!(
    /// Name of the source object (an object Starvit created).
    SourceObject, "source_object", 1024, id_char,
    "must be 1-1024 characters of [A-Za-z0-9._-/:=]"
);
token!(
    /// De-identification run id.
    DeidRunId, "deid_run_id", 256, id_char, "must be 1-256 characters of [A-Za-z0-9._-/:=]"
);
token!(
    /// BigQuery load job id.
    LoadJobId, "load_job_id", 1024, id_char, "must be 1-1024 characters of [A-Za-z0-9._-/:=]"
);
token!(
    /// Destination table, `project.dataset.table`.
    DestinationTable, "destination_table", 1024, table_char,
    "must be 1-1024 characters of [A-Za-z0-9._-:]"
);
token!(
    /// Destination partition id, e.g. `20261102`.
    DestinationPartition, "destination_partition", 32, partition_char,
    "must be 1-32 characters of [A-Za-z0-9_]"
);
token!(
    /// Version of the graph snapshot built from this data.
    GraphVersion, "graph_version", 256, id_char, "must be 1-256 characters of [A-Za-z0-9._-/:=]"
);

/// Content hash of the de-ID policy: SHA-256, stored as 64 lowercase hex digits.
/// Accepts `sha256:<hex>` or bare hex; renders `sha256:<hex>`.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct PolicyVersion(String);

impl PolicyVersion {
    /// Field name used in errors and encodings.
    pub const FIELD: &'static str = "deid_policy_version";
    const RULE: &'static str = "must be sha256:<64 lowercase hex digits>";

    /// Validate and wrap.
    ///
    /// # Errors
    /// [`LineageError::Invalid`] unless the value is `sha256:` + 64 lowercase hex digits (the
    /// prefix is optional).
    pub fn new(value: impl AsRef<str>) -> Result<Self, LineageError> {
        let value = value.as_ref();
        let hex = value.strip_prefix("sha256:").unwrap_or(value);
        let ok = hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !ok {
            return Err(LineageError::Invalid {
                field: Self::FIELD,
                rule: Self::RULE,
            });
        }
        Ok(Self(hex.to_owned()))
    }

    /// The 64 hex digits, without prefix.
    pub fn hex(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PolicyVersion {
    type Error = LineageError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<PolicyVersion> for String {
    fn from(value: PolicyVersion) -> String {
        value.to_string()
    }
}

/// Renders `sha256:<hex>`.
impl fmt::Display for PolicyVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", self.0)
    }
}

/// Parse a GCS generation (positive int64) from its decimal string.
pub(crate) fn parse_generation(value: &str) -> Result<i64, LineageError> {
    value
        .parse::<i64>()
        .ok()
        .filter(|g| *g > 0)
        .ok_or(LineageError::Invalid {
            field: "source_generation",
            rule: "must be a positive int64",
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_free_text_without_echoing_it() {
        let err = SourceObject::new("John Smith.ndjson").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("source_object"), "{msg}");
        assert!(!msg.contains("John"), "{msg}");
        assert!(StageName::new("De-Identify").is_err());
        assert!(StageName::new("").is_err());
        assert!(StageName::new("a".repeat(64)).is_err());
        assert!(StageName::new("a".repeat(63)).is_ok());
        assert!(ExportJobId::new("job\n1").is_err());
        assert!(ExportJobId::new("jöb").is_err());
        assert!(SourceBucket::new("Upper").is_err());
        assert!(DestinationPartition::new("2026-11-02").is_err());
    }

    #[test]
    fn policy_version_forms() {
        let hex = "a".repeat(64);
        let a = PolicyVersion::new(format!("sha256:{hex}")).unwrap();
        let b = PolicyVersion::new(&hex).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.hex(), hex);
        assert_eq!(a.to_string(), format!("sha256:{hex}"));
        for bad in [
            "sha256:".to_owned(),
            "A".repeat(64),
            "a".repeat(63),
            format!("md5:{hex}"),
        ] {
            let err = PolicyVersion::new(&bad).unwrap_err();
            assert_eq!(
                err,
                LineageError::Invalid {
                    field: "deid_policy_version",
                    rule: PolicyVersion::RULE
                }
            );
        }
    }

    #[test]
    fn generation_must_be_positive() {
        assert_eq!(
            parse_generation("1762078530123456"),
            Ok(1_762_078_530_123_456)
        );
        for bad in ["0", "-1", "x", "", "1.5", "99999999999999999999"] {
            assert!(parse_generation(bad).is_err(), "{bad}");
        }
    }
}
