//! Deterministic names: the idempotency keys of the function.
//!
//! Everything this function creates is named from what the event names, `(bucket, name,
//! generation)`, hashed into an [`ObjectKey`]:
//!
//! | thing | name |
//! |---|---|
//! | staging object | `gs://<deid bucket>/_bqload/<key>.ndjson` (create-only) |
//! | staging table | `<staging dataset>.stg_<key>` |
//! | BigQuery jobs | `bqload_<key>_<step>` (first attempt), `bqload_<key>_<step>_r<n>` (retries, `starvit_gcp::bigquery::attempt_id`) |
//! | policy jobs | `bqload_policy_<policy hex 24>_<step>`: once per policy version, not per object |
//!
//! `<key>` = the first 24 hex digits (96 bits) of SHA-256 over `bucket \0 name \0 generation`.
//! Job ids are `[a-z0-9_]`, far below BigQuery's 1024-character limit.

use sha2::{Digest, Sha256};

/// Prefix of the staging objects this function writes into the de-ID bucket. Objects under
/// it are skipped, so writing one never triggers another load.
pub const STAGING_PREFIX: &str = "_bqload/";

/// Prefix of every job id of this function.
pub const JOB_PREFIX: &str = "bqload";

/// The pipeline steps, each a job id suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// `CREATE TABLE IF NOT EXISTS` of the raw table of the object's resource type.
    DdlRaw,
    /// `ALTER TABLE ... ADD COLUMN IF NOT EXISTS`: a raw table created from an older schema
    /// gains the columns added since.
    MigrateRaw,
    /// Load job: staging object -> staging table.
    Load,
    /// Query job: MERGE staging table -> raw table.
    Merge,
    /// Query job: MERGE of the lineage row.
    Lineage,
}

impl Step {
    /// The job id suffix (also the job's `purpose` label).
    pub fn suffix(self) -> &'static str {
        match self {
            Step::DdlRaw => "ddl_raw",
            Step::MigrateRaw => "migrate_raw",
            Step::Load => "load",
            Step::Merge => "merge",
            Step::Lineage => "lineage",
        }
    }
}

/// Hash of `(bucket, name, generation)`: the idempotency key of one event.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectKey(String);

impl ObjectKey {
    /// Derive the key.
    pub fn new(bucket: &str, name: &str, generation: i64) -> Self {
        let mut h = Sha256::new();
        for part in [bucket, name, &generation.to_string()] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        Self(hex::encode(h.finalize())[..24].to_owned())
    }

    /// The 24 hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `_bqload/<key>.ndjson`.
    pub fn staging_object(&self) -> String {
        format!("{STAGING_PREFIX}{}.ndjson", self.0)
    }

    /// `stg_<key>`.
    pub fn staging_table(&self) -> String {
        format!("stg_{}", self.0)
    }

    /// The job id of `step`, first attempt.
    pub fn job_id(&self, step: Step) -> String {
        format!("{JOB_PREFIX}_{}_{}", self.0, step.suffix())
    }
}

/// Base job id of a policy-registry step (`load` or `merge`) for a policy version.
pub fn policy_job_id(policy_hex: &str, step: &str) -> String {
    let short = policy_hex.get(..24).unwrap_or(policy_hex);
    format!("{JOB_PREFIX}_policy_{short}_{step}")
}

/// Staging object of a policy row: `_bqload/policies/<hex>.ndjson`.
pub fn policy_staging_object(policy_hex: &str) -> String {
    format!("{STAGING_PREFIX}policies/{policy_hex}.ndjson")
}

/// Staging table of a policy row: `policy_<hex 24>`.
pub fn policy_staging_table(policy_hex: &str) -> String {
    format!("policy_{}", policy_hex.get(..24).unwrap_or(policy_hex))
}

/// The resource type of a de-ID object, from its base name: `exports/j/Observation.g7.pab.ndjson`
/// -> `Observation`. `None` unless it is a FHIR type name ([`starvit_fhir::type_name_ok`]),
/// which also makes it safe as a table id.
pub fn resource_type(object_name: &str) -> Option<&str> {
    let base = object_name.rsplit('/').next()?;
    let ty = base.split('.').next()?;
    starvit_fhir::type_name_ok(ty).then_some(ty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_deterministic_and_distinct() {
        let a = ObjectKey::new("b", "exports/j/Patient.g1.pab.ndjson", 7);
        assert_eq!(a, ObjectKey::new("b", "exports/j/Patient.g1.pab.ndjson", 7));
        assert_ne!(a, ObjectKey::new("b", "exports/j/Patient.g1.pab.ndjson", 8));
        assert_ne!(a, ObjectKey::new("c", "exports/j/Patient.g1.pab.ndjson", 7));
        // The separator keeps (bucket, name) pairs apart.
        assert_ne!(ObjectKey::new("ab", "c", 1), ObjectKey::new("a", "bc", 1));
        assert_eq!(a.as_str().len(), 24);
        assert!(a.staging_object().starts_with(STAGING_PREFIX));
        assert_eq!(a.job_id(Step::Load), format!("bqload_{}_load", a.as_str()));
    }

    #[test]
    fn resource_type_from_name() {
        assert_eq!(
            resource_type("exports/j/Observation.g7.pab12cd34.ndjson"),
            Some("Observation")
        );
        assert_eq!(resource_type("Patient.ndjson"), Some("Patient"));
        assert_eq!(resource_type("exports/j/observation.ndjson"), None);
        assert_eq!(resource_type("exports/j/Obs-1.ndjson"), None);
        assert_eq!(resource_type("exports/j/"), None);
    }
}
