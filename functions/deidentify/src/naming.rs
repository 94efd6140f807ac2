//! Deterministic names: the idempotency keys of the function.
//!
//! The output object is a function of the source object, its generation and the policy version,
//! so the same input under the same policy always lands at the same name (written create-only),
//! a new generation of the source lands beside it, and a policy change never collides with
//! earlier output.
//!
//! The de-ID name carries nothing of the source name but ids and the resource type
//! ([`deid_stem`]): a directory segment that is not id-shaped, a part that is not a number
//! and a type that is no FHIR resource type are replaced by a hash. (The PHI-side
//! quarantine and rejection names keep the source name: they stay on the PHI side.)

use sha2::{Digest, Sha256};

/// Whether an object name is an NDJSON export file this function should process.
#[must_use]
pub fn is_ndjson(name: &str) -> bool {
    name.ends_with(".ndjson")
}

/// `exports/J/Patient.ndjson`, generation 7, policy `sha256:ab12…` →
/// `exports/J/Patient.g7.pab12cd34.ndjson` (see [`deid_stem`]).
#[must_use]
pub fn output_name(source: &str, generation: i64, policy_version: &str) -> String {
    let stem = deid_stem(source);
    format!(
        "{stem}.g{generation}.p{}.ndjson",
        policy_short(policy_version)
    )
}

fn short_hash(s: &str) -> String {
    format!("h{}", &hex::encode(Sha256::digest(s.as_bytes()))[..10])
}

/// A directory segment or export id the de-ID side may see: `[A-Za-z0-9-]{1,64}`, the shape
/// of a FHIR server's export job id (bulk-export writes `exports/<job id>/`).
fn id_shaped(s: &str) -> bool {
    (1..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The de-ID stem of a source name: directory segments kept when id-shaped (else hashed),
/// the resource type when it is a FHIR R4 type (else `Unknown` plus a hash of the file name),
/// numeric file and part indexes kept (anything else hashed).
#[must_use]
pub fn deid_stem(source: &str) -> String {
    let (dir, file) = source.rsplit_once('/').unwrap_or(("", source));
    let stem = file.strip_suffix(".ndjson").unwrap_or(file);
    let mut out = String::new();
    for seg in dir.split('/').filter(|s| !s.is_empty()) {
        out.push_str(&if id_shaped(seg) {
            seg.to_owned()
        } else {
            short_hash(seg)
        });
        out.push('/');
    }
    let (ty, rest) = stem.split_once('.').unwrap_or((stem, ""));
    if starvit_deid::summary::is_fhir_type(ty) {
        out.push_str(ty);
        if !rest.is_empty() {
            out.push('.');
            // File and part indexes (`003`, `003.0012`): dot-separated numbers.
            let numeric = rest
                .split('.')
                .all(|n| (1..=9).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()));
            out.push_str(&if numeric {
                rest.to_owned()
            } else {
                short_hash(rest)
            });
        }
    } else {
        out.push_str("Unknown.");
        out.push_str(&short_hash(file));
    }
    out
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

    #[test]
    fn de_id_names_keep_only_ids_and_types() {
        assert_eq!(
            deid_stem("exports/j-1/Observation.003.ndjson"),
            "exports/j-1/Observation.003"
        );
        assert_eq!(
            deid_stem("exports/j-1/Observation.003.0012.ndjson"),
            "exports/j-1/Observation.003.0012"
        );
        assert_ne!(
            deid_stem("exports/j-1/Observation.003..ndjson"),
            "exports/j-1/Observation.003."
        );
        for (source, secret) in [
            ("exports/John Smith/Patient.ndjson", "Smith"),
            ("exports/j/Patient.john-smith.ndjson", "smith"),
            ("exports/j/Smith.ndjson", "Smith"),
            ("exports/j/Patient.000-ssn-123456789.ndjson", "123456789"),
        ] {
            let name = output_name(source, 1, V);
            assert!(!name.contains(secret), "{name}");
            assert_eq!(name, output_name(source, 1, V), "deterministic");
        }
        assert_ne!(
            deid_stem("exports/j/A.ndjson"),
            deid_stem("exports/j/B.ndjson")
        );
    }
}
