//! Deterministic names: the idempotency keys of the function.
//!
//! The output object is a function of the source object, its generation and the policy version,
//! so the same input under the same policy always lands at the same name (written create-only),
//! a new generation of the source lands beside it, and a policy change never collides with
//! earlier output.

use sha2::{Digest, Sha256};

/// Whether an object name is an NDJSON export file this function should process.
#[must_use]
pub fn is_ndjson(name: &str) -> bool {
    name.ends_with(".ndjson")
}

/// `exports/J/Patient.ndjson`, generation 7, policy `sha256:ab12…` →
/// `exports/J/Patient.g7.pab12cd34.ndjson`.
#[must_use]
pub fn output_name(source: &str, generation: i64, policy_version: &str) -> String {
    let stem = source.strip_suffix(".ndjson").unwrap_or(source);
    format!(
        "{stem}.g{generation}.p{}.ndjson",
        policy_short(policy_version)
    )
}

/// Quarantine object for the bad lines of a source generation.
#[must_use]
pub fn quarantine_name(source: &str, generation: i64, policy_version: &str) -> String {
    let stem = source.strip_suffix(".ndjson").unwrap_or(source);
    format!(
        "{stem}.g{generation}.p{}.quarantine.ndjson",
        policy_short(policy_version)
    )
}

/// Record of a file that failed closed (leak gate or poison input): reason only, no content.
#[must_use]
pub fn rejection_name(source: &str, generation: i64, policy_version: &str) -> String {
    let stem = source.strip_suffix(".ndjson").unwrap_or(source);
    format!(
        "{stem}.g{generation}.p{}.rejected.json",
        policy_short(policy_version)
    )
}

/// The de-ID run id: deterministic, so a replay produces identical lineage.
#[must_use]
pub fn run_id(bucket: &str, source: &str, generation: i64, policy_version: &str) -> String {
    let mut h = Sha256::new();
    for part in [bucket, source, &generation.to_string(), policy_version] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    format!("deid-{}", &hex::encode(h.finalize())[..24])
}

fn policy_short(version: &str) -> &str {
    let hex = version.strip_prefix("sha256:").unwrap_or(version);
    hex.get(..8).unwrap_or(hex)
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: &str = "sha256:ab12cd34ef56000000000000000000000000000000000000000000000000000000";

    #[test]
    fn names_are_deterministic_and_distinct() {
        assert_eq!(
            output_name("exports/j1/Patient.ndjson", 7, V),
            "exports/j1/Patient.g7.pab12cd34.ndjson"
        );
        assert_ne!(output_name("a.ndjson", 7, V), output_name("a.ndjson", 8, V));
        assert_ne!(
            output_name("a.ndjson", 7, V),
            output_name("a.ndjson", 7, "sha256:ff")
        );
        assert!(quarantine_name("a.ndjson", 1, V).ends_with(".quarantine.ndjson"));
        assert_eq!(run_id("b", "a.ndjson", 1, V), run_id("b", "a.ndjson", 1, V));
        assert_ne!(run_id("b", "a.ndjson", 1, V), run_id("b", "a.ndjson", 2, V));
        assert!(is_ndjson("x/Patient.ndjson") && !is_ndjson("x/manifest.json"));
    }
}
