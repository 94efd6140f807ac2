//! The de-identified event published for one relayed resource.
//!
//! Data (JSON): `event_id`, `resource_type`, pseudo `id`, pseudo `version_id`,
//! `deid_policy_version` and the de-identified `resource` (already reduced to what the policy
//! keeps). Attributes: the lineage (`starvit_stage`, `starvit_pipeline`,
//! `starvit_deid_policy_version`) and `resource_type`. Nothing else: no original id, no PHI.
//!
//! `event_id` is a hash of de-identified values only (policy version, type, pseudo id, pseudo
//! version), so a redelivered notification of the same version yields the same id and consumers
//! (the streaming table, Pattern A's reconciliation) dedupe on it.

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// One de-identified event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeidEvent {
    /// Deterministic id (see the module docs).
    pub event_id: String,
    /// Resource type.
    pub resource_type: String,
    /// Pseudonymous resource id.
    pub id: String,
    /// Pseudonymous `meta.versionId`, when the resource had one.
    pub version_id: Option<String>,
    /// The policy that de-identified it.
    pub deid_policy_version: String,
    /// The de-identified resource.
    pub resource: Value,
}

/// Build the event of a de-identified resource.
///
/// # Errors
/// When the de-identified resource lacks a type or id (the engine always keeps both).
pub fn build(resource: Value, policy_version: &str) -> Result<DeidEvent, &'static str> {
    let resource_type = resource["resourceType"]
        .as_str()
        .ok_or("no resourceType")?
        .to_owned();
    let id = resource["id"].as_str().ok_or("no id")?.to_owned();
    let version_id = resource["meta"]["versionId"].as_str().map(str::to_owned);
    let mut h = Sha256::new();
    for part in [
        policy_version,
        &resource_type,
        &id,
        version_id.as_deref().unwrap_or_default(),
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    Ok(DeidEvent {
        event_id: hex::encode(h.finalize())[..32].to_owned(),
        resource_type,
        id,
        version_id,
        deid_policy_version: policy_version.to_owned(),
        resource,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_deterministic_per_version() {
        let r = |v: &str| serde_json::json!({"resourceType": "Observation", "id": "x", "meta": {"versionId": v}});
        let a = build(r("1"), "sha256:p").unwrap();
        assert_eq!(a, build(r("1"), "sha256:p").unwrap());
        assert_ne!(a.event_id, build(r("2"), "sha256:p").unwrap().event_id);
        assert_ne!(a.event_id, build(r("1"), "sha256:q").unwrap().event_id);
        assert_eq!(a.version_id.as_deref(), Some("1"));
        assert!(build(serde_json::json!({"id": "x"}), "p").is_err());
    }
}
